//! E-mail addresses.

use std::fmt;

/// An e-mail address: one `@`, a non-empty local part and a domain with a
/// dot, no spaces. Stored as written, compared case-insensitively on the
/// domain only (RFC 5321 §2.4), which is what users expect.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address: {0:?}")]
pub struct EmailError(pub String);

impl EmailAddress {
    /// Parses an address such as `alice@example.fr`.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let t = text.trim();
        let bad = || EmailError(text.to_owned());
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let valid_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty()
            || local.len() > 64
            || t.len() > 254
            || !valid_domain
            || local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c == '<' || c == '>')
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_parse_and_domain_is_lowercased() {
        assert_eq!(
            EmailAddress::parse(" Alice@Example.FR ").unwrap().as_str(),
            "Alice@example.fr"
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "alice",
            "@example.fr",
            "alice@",
            "alice@localhost",
            "a b@x.fr",
            "a@x..",
            "a@.x.fr",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
