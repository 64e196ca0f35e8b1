//! SIP trunks as the switch uses them (SPEC T3, T4): the carriers' stored
//! settings with their addresses resolved, which calls from the public
//! network come through and which calls to it go out by.

pub mod load;
pub mod register;

use std::net::SocketAddr;
use std::sync::Arc;

use domain::{NumberFormat, TrunkId};

use crate::transport::Kind;

/// One enabled trunk, ready for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveTrunk {
    pub id: TrunkId,
    pub name: String,
    /// The carrier's host as configured: the host part of Request-URIs
    /// and To headers sent to it.
    pub host: String,
    /// Where requests to the carrier go (the host resolved).
    pub addr: SocketAddr,
    pub kind: Kind,
    pub format: NumberFormat,
    /// Digest credentials: the switch registers with them and answers the
    /// carrier's challenges to its INVITEs.
    pub credentials: Option<TrunkCredentials>,
    /// Addresses whose requests are this carrier's: the configured ones
    /// for a trunk authenticated by address, else the host's resolved
    /// address with the trunk's port. Port 0 stands for any port.
    pub sources: Vec<SocketAddr>,
}

/// A trunk's user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for TrunkCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrunkCredentials({}, <redacted>)", self.username)
    }
}

/// The trunks in failover order (the first is tried first).
pub type TrunkSet = Arc<Vec<LiveTrunk>>;

/// The carrier a request from `peer` comes from, if any: the first trunk
/// with a source of the peer's IP and either its port or port 0 (any).
/// The port matters when carriers share an address (on loopback in tests,
/// every peer does).
pub fn carrier_of(trunks: &[LiveTrunk], peer: SocketAddr) -> Option<&LiveTrunk> {
    trunks.iter().find(|t| {
        t.sources
            .iter()
            .any(|s| s.ip() == peer.ip() && (s.port() == 0 || s.port() == peer.port()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn live(id: i64, sources: &[&str]) -> LiveTrunk {
        LiveTrunk {
            id: TrunkId::from_raw(id),
            name: format!("trunk{id}"),
            host: "127.0.0.1".into(),
            addr: "127.0.0.1:5060".parse().unwrap(),
            kind: Kind::Udp,
            format: NumberFormat::E164,
            credentials: None,
            sources: sources.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn carriers_on_one_address_are_told_apart_by_port() {
        let trunks = [
            live(1, &["127.0.0.1:5071"]),
            live(2, &["127.0.0.1:5072", "192.0.2.1:0"]),
        ];
        let of = |peer: &str| carrier_of(&trunks, peer.parse().unwrap()).map(|t| t.id.raw());
        assert_eq!(of("127.0.0.1:5071"), Some(1));
        assert_eq!(of("127.0.0.1:5072"), Some(2));
        assert_eq!(
            of("127.0.0.1:5073"),
            None,
            "a phone on loopback is no carrier"
        );
        assert_eq!(of("192.0.2.1:40000"), Some(2), "port 0 accepts any port");
        assert_eq!(of("192.0.2.2:5060"), None);
    }
}
