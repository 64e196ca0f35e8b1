//! Builders shared by the transaction tests.

use std::time::Duration;

use super::Peer;
use crate::header::HeaderName;
use crate::message::Request;
use crate::method::Method;
use crate::uri::Uri;

/// A request from alice to bob with the given top Via branch, CSeq 1.
pub(crate) fn request(method: Method, branch: &str) -> Request {
    let mut r = Request::new(method.clone(), Uri::parse("sip:bob@b.example").unwrap());
    let h = &mut r.headers;
    h.push(
        HeaderName::Via,
        format!("SIP/2.0/UDP a.example:5060;branch={branch}"),
    );
    h.push(HeaderName::MaxForwards, "70");
    h.push(HeaderName::From, "<sip:alice@a.example>;tag=from1");
    h.push(HeaderName::To, "<sip:bob@b.example>");
    h.push(HeaderName::CallId, "call-1@a.example");
    h.push(HeaderName::CSeq, format!("1 {method}"));
    r
}

pub(crate) fn peer(reliable: bool) -> Peer {
    Peer {
        addr: "192.0.2.1:5060".parse().unwrap(),
        reliable,
        conn: None,
    }
}

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
