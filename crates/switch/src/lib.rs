//! The telephone switch.
//!
//! Owns the decisions of the switch (the registrar today; call routing,
//! voicemail and the receptionist later) as pure functions of configuration
//! and state, and the thin tokio drivers that feed the sans-IO SIP core from
//! real sockets and carry the decisions out. It does not parse SIP (that is
//! `sip`), speak HTTP (`web`) or write SQL (`storage`).

pub mod calls;
pub mod cdr;
pub mod clicks;
pub mod dialplan;
pub mod directory;
pub mod endpoint;
pub mod location;
pub mod media;
pub mod mwi;
pub mod persist;
pub mod registrar;
pub mod server;
pub mod transport;
pub mod trunk;
pub mod voicemail;

/// The next number of a splitmix64 sequence over `state`: tags, branches
/// and nonces from seeded randomness, without a dependency.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
