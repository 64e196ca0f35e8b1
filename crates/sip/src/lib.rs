//! Switchboard's SIP stack (RFC 3261 and friends), free of I/O.
//!
//! It owns the wire format (messages, URIs, typed headers), the
//! transaction and dialog state machines, and digest authentication. It
//! never opens a socket, reads the clock or draws randomness: time and
//! random values come in as arguments, and bytes to send, events and the
//! next deadline come out. The tokio drivers that move the bytes live in
//! the `switch` crate.

pub mod auth;
pub mod dialog;
pub mod header;
pub mod headers;
pub mod message;
pub mod method;
pub mod parse;
pub mod size;
pub mod status;
mod syntax;
pub mod transaction;
pub mod uas;
pub mod uri;

pub use header::{Header, HeaderName, Headers};
pub use headers::{CSeq, Contact, HeaderError, NameAddr, Params, Via};
pub use message::{Message, Request, Response, SipMessage};
pub use method::Method;
pub use parse::{ParseError, parse};
pub use status::StatusCode;
pub use syntax::unescape;
pub use uri::{Host, SipUri, TelUri, Uri, UriError};
