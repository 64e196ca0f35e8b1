//! Accounts: the companies an installation serves.

use std::fmt;

use crate::email::EmailAddress;
use crate::ids::AccountId;
use crate::phone::E164;
use crate::secret::PasswordHash;
use crate::time::UnixMillis;

/// The language of an account's portals, prompts and e-mails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// French, the default: the product comes from French help pages.
    #[default]
    Fr,
    En,
}

/// A language code that is not `fr` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("language must be fr or en, got {0:?}")]
pub struct LanguageError(pub String);

impl Language {
    /// Parses `fr` or `en` (any case).
    pub fn parse(text: &str) -> Result<Self, LanguageError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fr" => Ok(Self::Fr),
            "en" => Ok(Self::En),
            _ => Err(LanguageError(text.to_owned())),
        }
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }
}

/// An IANA time zone name such as `Europe/Paris` or `UTC`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimeZone(String);

/// A text that cannot be an IANA time zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time zone must be an IANA name such as Europe/Paris, got {0:?}")]
pub struct TimeZoneError(pub String);

impl TimeZone {
    /// Accepts `UTC` or `Area/Location[/Sub]` made of letters, digits, `_`,
    /// `-` and `+`.
    pub fn parse(text: &str) -> Result<Self, TimeZoneError> {
        let t = text.trim();
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        };
        if t == "UTC" || (t.contains('/') && t.split('/').all(part_ok) && t.len() <= 64) {
            Ok(Self(t.to_owned()))
        } else {
            Err(TimeZoneError(text.to_owned()))
        }
    }

    /// The IANA name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self("Europe/Paris".to_owned())
    }
}

/// A company's name as shown in portals and e-mails: 1 to 100 characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CompanyName(String);

/// An empty or overlong company name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("company name must have 1 to 100 characters")]
pub struct CompanyNameError;

impl CompanyName {
    /// Accepts a trimmed name of 1 to 100 characters.
    pub fn parse(text: &str) -> Result<Self, CompanyNameError> {
        let t = text.trim();
        if (1..=100).contains(&t.chars().count()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(CompanyNameError)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompanyName({:?})", self.0)
    }
}

/// Whether an account may use the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    Active,
    /// Calls and sign-in refused (unpaid bills, abuse); data kept.
    Suspended,
    /// Terminated; data kept for the legal retention period.
    Closed,
}

impl AccountStatus {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Closed => "closed",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// A company served by the installation (SPEC A1, A8, A9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub company: CompanyName,
    /// The company's main number, also the admin sign-in name (SPEC A1).
    pub main_number: E164,
    pub address: String,
    pub admin_email: EmailAddress,
    pub admin_password: PasswordHash,
    pub language: Language,
    pub time_zone: TimeZone,
    pub status: AccountStatus,
    pub created_at: UnixMillis,
}

/// What it takes to create an account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub company: CompanyName,
    pub main_number: E164,
    pub address: String,
    pub admin_email: EmailAddress,
    pub admin_password: PasswordHash,
    pub language: Language,
    pub time_zone: TimeZone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_fr_or_en() {
        assert_eq!(Language::parse("FR"), Ok(Language::Fr));
        assert_eq!(Language::parse("en").unwrap().code(), "en");
        assert!(Language::parse("de").is_err());
    }

    #[test]
    fn time_zones_look_like_iana_names() {
        assert!(TimeZone::parse("Europe/Paris").is_ok());
        assert!(TimeZone::parse("America/Argentina/Buenos_Aires").is_ok());
        assert!(TimeZone::parse("UTC").is_ok());
        for bad in ["Paris", "Europe/", "Europe/Par is", ""] {
            assert!(TimeZone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn company_names_are_trimmed_and_bounded() {
        assert_eq!(CompanyName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(CompanyName::parse("   ").is_err());
        assert!(CompanyName::parse(&"é".repeat(101)).is_err());
    }
}
