//! Parses arbitrary bytes as a SIP message. Whatever parses must print to
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
    let Ok(first) = sip::parse(data) else {
        return;
    };
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
