//! Runs the typed header parsers over arbitrary UTF-8 text. None may
//! panic, and what they accept must print back to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sip::auth::{Challenge, Credentials};
use sip::{CSeq, NameAddr, Uri, Via};

fuzz_target!(|text: &str| {
    if let Ok(u) = Uri::parse(text) {
        assert_eq!(Uri::parse(&u.to_string()), Ok(u));
    }
    if let Ok(v) = Via::parse(text) {
        assert_eq!(Via::parse(&v.to_string()), Ok(v));
    }
    if let Ok(a) = NameAddr::parse("To", text) {
        assert_eq!(NameAddr::parse("To", &a.to_string()), Ok(a));
    }
    if let Ok(c) = CSeq::parse(text) {
        assert_eq!(CSeq::parse(&c.to_string()), Ok(c));
    }
    if let Ok(c) = Credentials::parse(text) {
        assert_eq!(Credentials::parse(&c.to_string()), Ok(c));
    }
    if let Ok(c) = Challenge::parse(text) {
        assert_eq!(Challenge::parse(&c.to_string()), Ok(c));
    }
});
