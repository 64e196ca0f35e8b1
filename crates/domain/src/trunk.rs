//! SIP trunks: the carriers through which calls reach the public network
//! (SPEC T3, T4). Trunks belong to the installation, not to one account.

use std::net::IpAddr;

use crate::ids::TrunkId;
use crate::phone::E164;

/// The transport used to reach a carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrunkTransport {
    Udp,
    Tcp,
    Tls,
}

impl TrunkTransport {
    /// The stable name used in storage and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
        }
    }

    /// Reads the stable name back (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "udp" => Some(Self::Udp),
            "tcp" => Some(Self::Tcp),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }
}

/// How the switch and the carrier recognise each other.
#[derive(Clone, PartialEq, Eq)]
pub enum TrunkAuth {
    /// The switch registers and answers challenges with these credentials.
    /// The password is kept in plain text: the carrier's realm is not known
    /// in advance, so no HA1 can be precomputed.
    Credentials { username: String, password: String },
    /// The carrier sends from, and accepts calls from, these addresses.
    Ip { addresses: Vec<IpAddr> },
}

impl std::fmt::Debug for TrunkAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Credentials { username, .. } => {
                write!(
                    f,
                    "Credentials {{ username: {username:?}, password: <redacted> }}"
                )
            }
            Self::Ip { addresses } => write!(f, "Ip {{ addresses: {addresses:?} }}"),
        }
    }
}

/// How the carrier wants numbers written in the Request-URI and headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberFormat {
    /// `+33199001234`
    E164,
    /// `33199001234`
    E164NoPlus,
    /// French national for French numbers (`0199001234`), `00` and digits
    /// for the rest.
    National,
}

impl NumberFormat {
    /// The stable name used in storage and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::E164 => "e164",
            Self::E164NoPlus => "e164_no_plus",
            Self::National => "national",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "e164" => Some(Self::E164),
            "e164_no_plus" => Some(Self::E164NoPlus),
            "national" => Some(Self::National),
            _ => None,
        }
    }

    /// Writes a number in this format.
    pub fn format(self, number: &E164) -> String {
        match self {
            Self::E164 => number.as_str().to_owned(),
            Self::E164NoPlus => number.digits().to_owned(),
            Self::National => number.national_display().replace(' ', ""),
        }
    }
}

/// A SIP trunk to a carrier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trunk {
    pub id: TrunkId,
    pub name: String,
    /// Host name or address of the carrier's SIP server.
    pub host: String,
    pub port: u16,
    pub transport: TrunkTransport,
    pub auth: TrunkAuth,
    pub number_format: NumberFormat,
    pub enabled: bool,
}

/// What it takes to create a trunk.
#[derive(Clone, Debug)]
pub struct NewTrunk {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub transport: TrunkTransport,
    pub auth: TrunkAuth,
    pub number_format: NumberFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_carrier_wants() {
        let n = E164::parse("+33199001234").unwrap();
        assert_eq!(NumberFormat::E164.format(&n), "+33199001234");
        assert_eq!(NumberFormat::E164NoPlus.format(&n), "33199001234");
        assert_eq!(NumberFormat::National.format(&n), "0199001234");
        let us = E164::parse("+14155550100").unwrap();
        assert_eq!(NumberFormat::National.format(&us), "0014155550100");
    }

    #[test]
    fn trunk_password_never_prints() {
        let auth = TrunkAuth::Credentials {
            username: "acme".into(),
            password: "hunter22".into(),
        };
        assert!(!format!("{auth:?}").contains("hunter22"));
    }
}
