//! SIP trunks: the carriers through which calls reach the public network
//! (SPEC T3, T4). Trunks belong to the installation, not to one account.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

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
    Ip { addresses: Vec<TrunkAddress> },
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

/// An address a carrier sends from: an IP, and the port when the carrier
/// is known by its port too (several carriers behind one address, or every
/// peer on loopback in tests). Written `192.0.2.1`, `192.0.2.1:5060`,
/// `2001:db8::1` or `[2001:db8::1]:5060`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrunkAddress {
    ip: IpAddr,
    port: Option<u16>,
}

/// Why a trunk address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrunkAddressError {
    /// Neither an IP address nor an IP address with a port.
    #[error("{0:?} is not an IP address or IP:port such as 192.0.2.1 or 192.0.2.1:5060")]
    Invalid(String),
    /// Port 0 names no port; leave the port out to accept any.
    #[error("{0:?} has port 0; leave the port out to accept any port")]
    PortZero(String),
}

impl TrunkAddress {
    /// Reads `ip` or `ip:port` (IPv6 with a port in brackets).
    pub fn parse(text: &str) -> Result<Self, TrunkAddressError> {
        let text = text.trim();
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Self { ip, port: None });
        }
        match text.parse::<SocketAddr>() {
            Ok(a) if a.port() == 0 => Err(TrunkAddressError::PortZero(text.to_owned())),
            Ok(a) => Ok(Self {
                ip: a.ip(),
                port: Some(a.port()),
            }),
            Err(_) => Err(TrunkAddressError::Invalid(text.to_owned())),
        }
    }

    /// A comma-separated list of addresses, at least one.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, TrunkAddressError> {
        let list = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if list.is_empty() {
            return Err(TrunkAddressError::Invalid(text.to_owned()));
        }
        Ok(list)
    }

    /// An address with any port.
    pub fn any_port(ip: IpAddr) -> Self {
        Self { ip, port: None }
    }

    pub fn ip(self) -> IpAddr {
        self.ip
    }

    /// The port, `None` for any.
    pub fn port(self) -> Option<u16> {
        self.port
    }

    /// As a socket address where port 0 stands for any port.
    pub fn to_socket_addr(self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port.unwrap_or(0))
    }
}

impl fmt::Display for TrunkAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
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
    fn trunk_addresses_take_an_optional_port() {
        let list = TrunkAddress::parse_list("192.0.2.1, 127.0.0.1:5070,[::1]:5060,::1").unwrap();
        let shown: Vec<String> = list.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["192.0.2.1", "127.0.0.1:5070", "[::1]:5060", "::1"]);
        assert_eq!(list[0].to_socket_addr().port(), 0);
        assert_eq!(list[1].port(), Some(5070));
        for (bad, error) in [
            ("carrier.example", "is not an IP address"),
            ("127.0.0.1:0", "port 0"),
            ("", "is not an IP address"),
            ("10.0.0.1:99999", "is not an IP address"),
        ] {
            let e = TrunkAddress::parse_list(bad).unwrap_err().to_string();
            assert!(e.contains(error), "{bad}: {e}");
        }
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
