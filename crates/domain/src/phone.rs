//! Telephone numbers in E.164 form and the phone numbers an account owns.

use std::fmt;

use crate::ids::{AccountId, ExtensionId, PhoneNumberId};

/// A telephone number in E.164 form: `+`, a country code and at most 15
/// digits in all (ITU-T E.164 §6).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct E164(String);

/// Why a text is not a telephone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E164Error {
    /// Nothing but spaces was given.
    #[error("phone number is empty")]
    Empty,
    /// A character other than digits, `+`, spaces, dots, dashes or
    /// parentheses.
    #[error("phone number may contain only digits, spaces and a leading +, got {0:?}")]
    BadCharacter(String),
    /// Too few or too many digits for an E.164 number.
    #[error("phone number must have 8 to 15 digits with its country code, got {0:?}")]
    BadLength(String),
    /// A national number without a country to read it in.
    #[error("phone number must start with + and the country code, got {0:?}")]
    NotInternational(String),
}

impl E164 {
    /// Parses an international number. Spaces, dots, dashes and parentheses
    /// are ignored; a leading `00` is read as `+` (the French international
    /// prefix). A French national number (`0X XX XX XX XX`, ten digits) is
    /// read as `+33`; other national forms are refused.
    pub fn parse(text: &str) -> Result<Self, E164Error> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(E164Error::Empty);
        }
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(E164Error::BadCharacter(text.to_owned())),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == 10 && digits.starts_with('0') {
            format!("33{}", &digits[1..])
        } else {
            return Err(E164Error::NotInternational(text.to_owned()));
        };
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(E164Error::BadLength(text.to_owned()));
        }
        Ok(Self(format!("+{international}")))
    }

    /// The number as `+` and digits, e.g. `+33199001234`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// True for numbers of France (+33).
    pub fn is_french(&self) -> bool {
        self.0.starts_with("+33")
    }

    /// The number as a French caller would dial it: `0X XX XX XX XX` for
    /// French numbers, `00` and the digits otherwise.
    pub fn national_display(&self) -> String {
        if self.is_french() && self.0.len() == 12 {
            let d = &self.0[3..];
            format!(
                "0{} {} {} {} {}",
                &d[0..1],
                &d[1..3],
                &d[3..5],
                &d[5..7],
                &d[7..9]
            )
        } else {
            format!("00{}", self.digits())
        }
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

/// A phone number known to the installation: either owned by an account
/// (and then possibly routed to one of its extensions) or in the pool of
/// numbers available to buy (`account` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber {
    pub id: PhoneNumberId,
    pub number: E164,
    pub account: Option<AccountId>,
    /// The extension this number rings; `None` means unassigned.
    pub target: Option<ExtensionId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_forms_are_normalised() {
        assert_eq!(
            E164::parse("+33 1 99 00 12 34").unwrap().as_str(),
            "+33199001234"
        );
        assert_eq!(
            E164::parse("0033199001234").unwrap().as_str(),
            "+33199001234"
        );
        assert_eq!(
            E164::parse("+1 (415) 555-0100").unwrap().as_str(),
            "+14155550100"
        );
    }

    #[test]
    fn french_national_numbers_become_plus_33() {
        assert_eq!(
            E164::parse("01.99.00.12.34").unwrap().as_str(),
            "+33199001234"
        );
        assert_eq!(
            E164::parse("0612345678").unwrap().national_display(),
            "06 12 34 56 78"
        );
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        assert_eq!(E164::parse("  "), Err(E164Error::Empty));
        assert!(matches!(
            E164::parse("+33 1 99 x"),
            Err(E164Error::BadCharacter(_))
        ));
        assert!(matches!(E164::parse("+3312"), Err(E164Error::BadLength(_))));
        assert!(matches!(
            E164::parse("+1234567890123456"),
            Err(E164Error::BadLength(_))
        ));
        assert!(matches!(
            E164::parse("1234"),
            Err(E164Error::NotInternational(_))
        ));
        assert!(matches!(
            E164::parse("3+3"),
            Err(E164Error::BadCharacter(_))
        ));
    }

    #[test]
    fn foreign_numbers_display_with_international_prefix() {
        assert_eq!(
            E164::parse("+14155550100").unwrap().national_display(),
            "0014155550100"
        );
    }
}
