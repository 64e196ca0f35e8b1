//! Sans-IO SIP stack (RFC 3261 and friends).

pub mod auth;
