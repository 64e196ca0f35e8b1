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
pub mod persist;
pub mod registrar;
pub mod server;
pub mod transport;
pub mod trunk;
