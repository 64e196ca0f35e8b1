//! What a user dials, read once (SPEC T4, U2): an emergency service, an
//! extension of the account, or a public number (French national `0` + 9
//! digits, international with `00` or `+`), and the progress of a
//! click-to-call as the portals show it.

use std::fmt;

use crate::extension::ExtensionNumber;
use crate::ids::{AccountId, UserId};
use crate::phone::E164;

/// The French emergency numbers. They always go out, whatever else is
/// restricted, and win over an extension with the same digits.
pub const EMERGENCY_NUMBERS: [&str; 10] = [
    "15", "17", "18", "112", "114", "115", "119", "191", "196", "197",
];

/// A dialled string, classified.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Dialled {
    /// One of [`EMERGENCY_NUMBERS`], sent to the carrier as dialled.
    Emergency(&'static str),
    /// An extension of the caller's account.
    Extension(ExtensionNumber),
    /// A number of the public network, normalised.
    Public(E164),
}

/// Why a dialled string reaches nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialledError {
    #[error("nothing was dialled")]
    Empty,
    #[error(
        "{0:?} is neither an extension, a national number (0 and 9 digits) nor an international one (00 or +)"
    )]
    Invalid(String),
}

impl Dialled {
    /// Reads what was dialled. Spaces, dots and dashes are ignored.
    pub fn parse(text: &str) -> Result<Self, DialledError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(DialledError::Empty);
        }
        if let Some(e) = EMERGENCY_NUMBERS.iter().find(|e| **e == t) {
            return Ok(Self::Emergency(e));
        }
        if let Ok(ext) = ExtensionNumber::parse(t) {
            return Ok(Self::Extension(ext));
        }
        E164::parse(t)
            .map(Self::Public)
            .map_err(|_| DialledError::Invalid(text.to_owned()))
    }

    /// The digits as a call record shows them.
    pub fn as_text(&self) -> &str {
        match self {
            Self::Emergency(e) => e,
            Self::Extension(x) => x.as_str(),
            Self::Public(n) => n.as_str(),
        }
    }
}

impl fmt::Debug for Dialled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dialled({})", self.as_text())
    }
}

/// A click-to-call request (U2): ring the user's phones, then dial
/// `destination` with the user's caller ID and join the two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClickToCall {
    pub account: AccountId,
    pub user: UserId,
    pub destination: Dialled,
}

/// Where a click-to-call is, for the page that follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallProgress {
    /// The user's phones are ringing.
    CallingYou,
    /// The user answered; the destination is being dialled.
    Dialling,
    /// The destination is ringing.
    Ringing,
    /// The two are talking.
    Connected,
    /// The call is over.
    Ended(CallEnd),
}

/// How a click-to-call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEnd {
    /// The user has no registered phone.
    NoPhone,
    /// The user's phones did not answer (or refused).
    YouDidNotAnswer,
    /// The destination was busy.
    Busy,
    /// The destination did not answer.
    NoAnswer,
    /// The destination could not be reached (unknown number, no carrier).
    Failed,
    /// The call was answered and later hung up.
    HungUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergency_numbers_win_over_extensions() {
        assert_eq!(Dialled::parse("112").unwrap(), Dialled::Emergency("112"));
        assert_eq!(Dialled::parse(" 18 ").unwrap(), Dialled::Emergency("18"));
        assert!(matches!(
            Dialled::parse("113").unwrap(),
            Dialled::Extension(_)
        ));
    }

    #[test]
    fn public_numbers_are_normalised() {
        let n = |t| match Dialled::parse(t).unwrap() {
            Dialled::Public(n) => n.as_str().to_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(n("0199001234"), "+33199001234");
        assert_eq!(n("01 99 00 12 34"), "+33199001234");
        assert_eq!(n("0044207946000"), "+44207946000");
        assert_eq!(n("+14155550100"), "+14155550100");
    }

    #[test]
    fn nonsense_is_refused() {
        assert_eq!(Dialled::parse("  "), Err(DialledError::Empty));
        assert!(Dialled::parse("12345678").is_err());
        assert!(Dialled::parse("abc").is_err());
        assert!(Dialled::parse("0").is_err());
    }
}
