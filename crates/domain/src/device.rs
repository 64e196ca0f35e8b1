//! Devices: desk phones and softphones, and their SIP credentials (SPEC T1,
//! T13).

use std::fmt;

use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::ids::{AccountId, DeviceId, UserId};

/// A MAC address, the identity of a desk phone for auto-provisioning.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress([u8; 6]);

/// A text that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MAC address must be 12 hexadecimal digits (e.g. 00:1A:2B:3C:4D:5E), got {0:?}")]
pub struct MacAddressError(pub String);

impl MacAddress {
    /// Accepts `001a2b3c4d5e`, `00:1A:2B:3C:4D:5E` or `00-1a-2b-3c-4d-5e`.
    pub fn parse(text: &str) -> Result<Self, MacAddressError> {
        let hex_digits: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        let mut bytes = [0u8; 6];
        if hex_digits.len() != 12 || hex::decode_to_slice(&hex_digits, &mut bytes).is_err() {
            return Err(MacAddressError(text.to_owned()));
        }
        Ok(Self(bytes))
    }

    /// Lower-case hex without separators, as provisioning file names use.
    pub fn compact(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{g:02X}")
    }
}

impl fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddress({self})")
    }
}

/// A SIP username: unique across the installation, so a phone needs only
/// the server address. 3 to 64 characters of RFC 3261 `user` that need no
/// escaping: letters, digits and `-_.!~*'()&=+$,;?/`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SipUsername(String);

/// A text that cannot be a SIP username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SIP username must be 3 to 64 letters, digits or - _ . characters, got {0:?}")]
pub struct SipUsernameError(pub String);

impl SipUsername {
    /// Accepts 3 to 64 ASCII letters, digits, `-`, `_` or `.`; the narrow
    /// set every desk phone's web form accepts.
    pub fn parse(text: &str) -> Result<Self, SipUsernameError> {
        let t = text.trim();
        if (3..=64).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Ok(Self(t.to_owned()))
        } else {
            Err(SipUsernameError(text.to_owned()))
        }
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SipUsername {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SipUsername {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SipUsername({})", self.0)
    }
}

/// A device's SIP password in plain text: known only when it is set, then
/// stored as digest HA1 values. 8 to 64 printable ASCII characters without
/// quotes or backslashes (phones' forms and config files choke on them).
#[derive(Clone, PartialEq, Eq)]
pub struct SipPassword(String);

/// A text that cannot be a SIP password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SIP password must be 8 to 64 printable characters without quotes, backslashes or spaces")]
pub struct SipPasswordError;

impl SipPassword {
    /// Accepts 8 to 64 printable ASCII characters other than `"`, `\` and
    /// space.
    pub fn parse(text: &str) -> Result<Self, SipPasswordError> {
        if (8..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            Ok(Self(text.to_owned()))
        } else {
            Err(SipPasswordError)
        }
    }

    /// The plain text, to show once or to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// RFC 2617 §3.2.2.2 HA1 = MD5(username ":" realm ":" password), hex.
    pub fn ha1_md5(&self, username: &SipUsername, realm: &str) -> String {
        let mut h = Md5::new();
        h.update(format!("{}:{realm}:{}", username.as_str(), self.0).as_bytes());
        hex::encode(h.finalize())
    }

    /// RFC 7616 §3.4.2 / RFC 8760 HA1 with SHA-256, hex.
    pub fn ha1_sha256(&self, username: &SipUsername, realm: &str) -> String {
        let mut h = Sha256::new();
        h.update(format!("{}:{realm}:{}", username.as_str(), self.0).as_bytes());
        hex::encode(h.finalize())
    }
}

impl fmt::Debug for SipPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SipPassword(<redacted>)")
    }
}

/// A phone model from the provisioning catalogue, free text for now
/// ("Yealink T54W", "softphone").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeviceModel(pub String);

/// The phone models the admin portal offers when a device is added: common
/// desk phones that take a provisioning file by MAC address, and a
/// softphone. The API still accepts any model name.
pub const SUPPORTED_MODELS: &[&str] = &[
    "Yealink T31P",
    "Yealink T33G",
    "Yealink T46U",
    "Yealink T54W",
    "Yealink W73P",
    "Snom D315",
    "Snom D385",
    "Snom D785",
    "Poly VVX 250",
    "Poly VVX 450",
    "Poly Edge E220",
    "Grandstream GXP2170",
    "Grandstream GRP2614",
    "Grandstream WP810",
    "Cisco SPA504G",
    "Cisco SPA525G2",
    "Softphone",
];

/// A desk phone or softphone of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub account: AccountId,
    pub mac: Option<MacAddress>,
    pub model: DeviceModel,
    pub label: String,
    pub sip_username: SipUsername,
    /// The realm the HA1 values were computed for.
    pub realm: String,
    /// Hex MD5 HA1; the plain password is never stored.
    pub ha1_md5: String,
    /// Hex SHA-256 HA1.
    pub ha1_sha256: String,
    /// The user the device rings for; `None` means free for reuse.
    pub user: Option<UserId>,
}

/// What it takes to create a device.
#[derive(Clone, Debug)]
pub struct NewDevice {
    pub mac: Option<MacAddress>,
    pub model: DeviceModel,
    pub label: String,
    pub sip_username: SipUsername,
    pub sip_password: SipPassword,
    pub user: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_addresses_accept_common_spellings() {
        let a = MacAddress::parse("00:1A:2B:3C:4D:5E").unwrap();
        assert_eq!(MacAddress::parse("001a2b3c4d5e").unwrap(), a);
        assert_eq!(MacAddress::parse("00-1a-2b-3c-4d-5e").unwrap(), a);
        assert_eq!(a.to_string(), "00:1A:2B:3C:4D:5E");
        assert_eq!(a.compact(), "001a2b3c4d5e");
        assert!(MacAddress::parse("00:1A:2B:3C:4D").is_err());
        assert!(MacAddress::parse("00:1A:2B:3C:4D:ZZ").is_err());
    }

    #[test]
    fn ha1_values_are_the_digest_of_user_realm_password() {
        // Expected values from `printf 'alice:switchboard:secret123' | md5sum`
        // (and sha256sum).
        let user = SipUsername::parse("alice").unwrap();
        let pw = SipPassword::parse("secret123").unwrap();
        assert_eq!(
            pw.ha1_md5(&user, "switchboard"),
            "b6703c2e6c4a389dd287de5a3f969992"
        );
        assert_eq!(
            pw.ha1_sha256(&user, "switchboard"),
            "aacf4ff27c0c49522ee91982693f3875525ce34c178f8df42dda525d0da70fdf"
        );
    }

    #[test]
    fn sip_passwords_refuse_characters_phones_choke_on() {
        assert_eq!(SipPassword::parse("Circle Of Life"), Err(SipPasswordError));
        assert_eq!(SipPassword::parse("short"), Err(SipPasswordError));
        assert_eq!(SipPassword::parse("quo\"te12"), Err(SipPasswordError));
    }

    #[test]
    fn sip_usernames_are_restricted() {
        assert!(SipUsername::parse("acme-101").is_ok());
        for bad in ["ab", "a b c", "alice@x", &"a".repeat(65)] {
            assert!(SipUsername::parse(bad).is_err(), "{bad}");
        }
    }
}
