//! Parses arbitrary bytes as a SIP message (and runs the server's first
//! checks or its 400 builder on the result). Whatever parses must print to
//! bytes that parse back to the same message, bar the Content-Length line
//! printing always writes, and printing that again must give the same
//! bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sip::{HeaderName, Message};

/// The message without its Content-Length line.
fn without_content_length(m: &Message) -> Message {
    let mut m = m.clone();
    match &mut m {
        Message::Request(r) => r.headers.remove(&HeaderName::ContentLength),
        Message::Response(r) => r.headers.remove(&HeaderName::ContentLength),
    }
    m
}

fuzz_target!(|data: &[u8]| {
    let first = match sip::parse(data) {
        Ok(m) => m,
        // What a server sends back for bytes that do not parse must not
        // panic either.
        Err(e) => {
            let _ = sip::uas::error_response(data, &e);
            return;
        }
    };
    if let Message::Request(r) = &first {
        let _ = sip::uas::check_request(r, &["path"]);
    }
    let printed = first.to_bytes();
    let second = match sip::parse(&printed) {
        Ok(m) => m,
        Err(e) => panic!(
            "printed message does not parse ({e}): {:?}",
            String::from_utf8_lossy(&printed)
        ),
    };
    assert_eq!(
        without_content_length(&second),
        without_content_length(&first),
        "printed: {:?}",
        String::from_utf8_lossy(&printed)
    );
    assert_eq!(second.to_bytes(), printed);
});
