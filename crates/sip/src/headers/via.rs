//! One Via value (RFC 3261 §20.42, RFC 3581 `rport`).

use std::fmt;

use super::{HeaderError, Params};
use crate::syntax::{Scanner, is_token};
use crate::uri::Host;

/// The RFC 3261 branch prefix that marks a transaction id (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// `SIP/2.0/<transport> host[:port];params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Upper-cased transport token: UDP, TCP, TLS, SCTP, WS, WSS or other.
    pub transport: String,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
}

impl Via {
    /// A Via for a request the switch sends.
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Self {
        let mut params = Params::default();
        params.set("branch", Some(branch.to_owned()));
        Self {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        }
    }

    pub fn parse(value: &str) -> Result<Via, HeaderError> {
        let err = |p: String| HeaderError::new("Via", p);
        let mut s = Scanner::new(value);
        s.skip_ws();
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport,
        // with optional whitespace around each slash (RFC 3261 §25.1 SLASH).
        let name = s.token().ok_or_else(|| err("no protocol name".into()))?;
        if !s.eat(b'/') {
            return Err(err("no '/' after the protocol name".into()));
        }
        s.skip_ws();
        let version = s.token().ok_or_else(|| err("no protocol version".into()))?;
        if !s.eat(b'/') {
            return Err(err("no '/' after the protocol version".into()));
        }
        s.skip_ws();
        let transport = s.token().ok_or_else(|| err("no transport".into()))?;
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(err(format!("unsupported protocol {name}/{version}")));
        }
        let gap = s.pos;
        s.skip_ws();
        if s.pos == gap {
            return Err(err("no space before sent-by".into()));
        }
        let host_str = if s.peek() == Some(b'[') {
            let start = s.pos;
            s.take_while(|b| b != b']');
            if s.peek() != Some(b']') {
                return Err(err("unterminated IPv6 reference".into()));
            }
            s.pos += 1;
            &s.s[start..s.pos]
        } else {
            s.take_while(|b| is_token(b) && b != b'%')
        };
        let host =
            Host::parse(host_str).ok_or_else(|| err(format!("invalid host {host_str:?}")))?;
        let mut port = None;
        if s.eat(b':') {
            s.skip_ws();
            let digits = s.take_while(|b| b.is_ascii_digit());
            port = Some(
                digits
                    .parse()
                    .map_err(|_| err(format!("invalid port {digits:?}")))?,
            );
        }
        let params = Params::parse(&mut s, "Via")?;
        Ok(Via {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    /// The branch parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// Whether the branch carries the RFC 3261 magic cookie; if not, the
    /// sender follows RFC 2543 and transactions match the old way
    /// (RFC 3261 §17.2.3).
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with(MAGIC_COOKIE))
    }

    /// `host:port` as written (default port left out when absent).
    pub fn sent_by(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.to_string(),
        }
    }

    /// Whether the client asked for `rport` (RFC 3581 §3).
    pub fn wants_rport(&self) -> bool {
        self.params.get("rport").is_some()
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        self.params.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_with_spaces_around_slashes_and_rport_flag_parses() {
        let v = Via::parse("SIP / 2.0 / udp 192.0.2.1:5060 ;branch=z9hG4bKabc;rport").unwrap();
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.host, Host::V4("192.0.2.1".parse().unwrap()));
        assert_eq!(v.port, Some(5060));
        assert_eq!(v.branch(), Some("z9hG4bKabc"));
        assert!(v.wants_rport());
        assert!(v.has_rfc3261_branch());
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport"
        );
    }

    #[test]
    fn ipv6_sent_by_and_received_parse() {
        let v =
            Via::parse("SIP/2.0/TCP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3")
                .unwrap();
        assert_eq!(v.host, Host::V6("2001:db8::9:1".parse().unwrap()));
        assert_eq!(v.params.value("received"), Some("[2001:db8::9:255]"));
    }

    #[test]
    fn empty_parameters_are_rejected() {
        // RFC 4475 §3.1.2.1 (badinv01).
        assert!(Via::parse("SIP/2.0/UDP 192.0.2.15;;,;,,").is_err());
        assert!(Via::parse("SIP/2.0/UDP").is_err());
        assert!(Via::parse("SIP/3.0/UDP host").is_err());
    }
}
