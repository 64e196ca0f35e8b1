//! Extensions: the short internal numbers of an account, and ring groups.

use std::fmt;

use crate::ids::{AccountId, ExtensionId};

/// An internal extension number: 2 to 6 digits. Unique within an account;
/// every account may use the same numbers.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtensionNumber(String);

/// Why a text is not an extension number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("extension must be 2 to 6 digits, got {0:?}")]
pub struct ExtensionNumberError(pub String);

impl ExtensionNumber {
    /// Accepts 2 to 6 ASCII digits.
    pub fn parse(text: &str) -> Result<Self, ExtensionNumberError> {
        let t = text.trim();
        if (2..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(ExtensionNumberError(text.to_owned()))
        }
    }

    /// Accepts a number for a new extension: as [`ExtensionNumber::parse`],
    /// but not an emergency number, which calls always reach instead (SPEC
    /// T4).
    pub fn parse_new(text: &str) -> Result<Self, NewExtensionError> {
        let number = Self::parse(text)?;
        if crate::dial::EMERGENCY_NUMBERS.contains(&number.as_str()) {
            return Err(NewExtensionError::Emergency(number.0));
        }
        Ok(number)
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a number cannot be given to a new extension.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewExtensionError {
    #[error(transparent)]
    Invalid(#[from] ExtensionNumberError),
    #[error("{0} is an emergency number: calls to it always go to the emergency services")]
    Emergency(String),
}

impl fmt::Display for ExtensionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ExtensionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtensionNumber({})", self.0)
    }
}

/// What dialing an extension reaches (SPEC A5, A6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtensionKind {
    /// A person's line, with devices and a voicemail box.
    User,
    /// Several user extensions rung together or in turn.
    RingGroup,
    /// The account's conference bridge.
    Conference,
    /// The virtual receptionist (auto attendant).
    VirtualReceptionist,
}

impl ExtensionKind {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::RingGroup => "ring_group",
            Self::Conference => "conference",
            Self::VirtualReceptionist => "virtual_receptionist",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "user" => Self::User,
            "ring_group" => Self::RingGroup,
            "conference" => Self::Conference,
            "virtual_receptionist" => Self::VirtualReceptionist,
            _ => return None,
        })
    }
}

/// An extension of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub id: ExtensionId,
    pub account: AccountId,
    pub number: ExtensionNumber,
    pub kind: ExtensionKind,
    /// What people see: the user's name, "Sales", "Reception"...
    pub name: String,
}

/// How a ring group rings its members (SPEC T5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RingStrategy {
    /// Every member at once; the first to answer takes the call.
    Simultaneous,
    /// Members one after the other, each for the group's ring time.
    Sequential,
}

impl RingStrategy {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Simultaneous => "simultaneous",
            Self::Sequential => "sequential",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "simultaneous" => Some(Self::Simultaneous),
            "sequential" => Some(Self::Sequential),
            _ => None,
        }
    }
}

/// A ring group: an extension whose calls ring its member extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingGroup {
    pub extension: Extension,
    /// Member user extensions, in ringing order.
    pub members: Vec<ExtensionId>,
    pub strategy: RingStrategy,
    /// Seconds to ring (each member in turn, or all at once) before the
    /// call goes to the group's fallback.
    pub ring_seconds: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergency_numbers_are_not_given_to_new_extensions() {
        assert!(ExtensionNumber::parse("112").is_ok(), "still read back");
        assert!(matches!(
            ExtensionNumber::parse_new("18"),
            Err(NewExtensionError::Emergency(n)) if n == "18"
        ));
        assert!(matches!(
            ExtensionNumber::parse_new("1"),
            Err(NewExtensionError::Invalid(_))
        ));
        assert_eq!(ExtensionNumber::parse_new("201").unwrap().as_str(), "201");
    }

    #[test]
    fn extension_numbers_are_two_to_six_digits() {
        assert_eq!(ExtensionNumber::parse(" 101 ").unwrap().as_str(), "101");
        assert!(ExtensionNumber::parse("123456").is_ok());
        let err = ExtensionNumber::parse("12a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "extension must be 2 to 6 digits, got \"12a\""
        );
        for bad in ["1", "1234567", "", "+12"] {
            assert!(ExtensionNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_and_strategies_round_trip_their_names() {
        for k in [
            ExtensionKind::User,
            ExtensionKind::RingGroup,
            ExtensionKind::Conference,
            ExtensionKind::VirtualReceptionist,
        ] {
            assert_eq!(ExtensionKind::parse(k.as_str()), Some(k));
        }
        for s in [RingStrategy::Simultaneous, RingStrategy::Sequential] {
            assert_eq!(RingStrategy::parse(s.as_str()), Some(s));
        }
        assert_eq!(ExtensionKind::parse("fax"), None);
    }
}
