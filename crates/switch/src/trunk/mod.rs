//! SIP trunks as the switch uses them (SPEC T3, T4): the carriers' stored
//! settings with their addresses resolved, which calls from the public
//! network come through and which calls to it go out by.

use std::net::{IpAddr, SocketAddr};
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
    /// for a trunk authenticated by address, else the host's.
    pub sources: Vec<IpAddr>,
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

/// The carrier a request from `peer` comes from, if any.
pub fn carrier_of(trunks: &[LiveTrunk], peer: SocketAddr) -> Option<&LiveTrunk> {
    trunks.iter().find(|t| t.sources.contains(&peer.ip()))
}
