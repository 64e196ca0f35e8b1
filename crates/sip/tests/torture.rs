//! The RFC 4475 and RFC 5118 torture messages against the parser and the
//! server-side checks. `tests/data/torture/MANIFEST.tsv` says what each
//! message is; the table below says what this stack answers.

use std::path::Path;

use sip::uas::check_request;
use sip::{Message, StatusCode, parse};

struct Case {
    name: String,
    expect: String,
    bytes: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torture");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("name\t"))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Case {
                name: cols[0].to_owned(),
                expect: cols[2].to_owned(),
                bytes: std::fs::read(dir.join(format!("{}.dat", cols[0]))).unwrap(),
            }
        })
        .collect()
}

/// What a server using this stack answers (None: accepts for processing,
/// or drops a response).
fn server_answer(bytes: &[u8]) -> Option<u16> {
    match parse(bytes) {
        Err(e) => Some(e.status().as_u16()),
        Ok(Message::Response(_)) => None,
        Ok(Message::Request(r)) => check_request(&r, &["path", "outbound"])
            .err()
            .map(|rej| rej.status.as_u16()),
    }
}

#[test]
fn corpus_is_complete() {
    let all = cases();
    assert_eq!(all.len(), 61, "49 messages of RFC 4475 and 12 of RFC 5118");
}

#[test]
fn valid_messages_parse_and_print_back_to_the_same_message() {
    for c in cases().iter().filter(|c| c.expect == "valid") {
        // RFC 5118's ipv6-in-sdp declares a Content-Length longer than its
        // body in our reconstruction (see the corpus README); the parser is
        // right to refuse to guess.
        if c.name == "ipv6-in-sdp" {
            assert!(matches!(
                parse(&c.bytes),
                Err(sip::ParseError::Truncated { .. })
            ));
            continue;
        }
        let m = parse(&c.bytes).unwrap_or_else(|e| panic!("{} should parse: {e}", c.name));
        let again = parse(&m.to_bytes()).unwrap_or_else(|e| panic!("{} reprinted: {e}", c.name));
        assert_eq!(again, m, "{} changed when printed and parsed again", c.name);
    }
}

#[test]
fn invalid_messages_are_rejected_with_a_precise_error() {
    for c in cases().iter().filter(|c| c.expect == "invalid") {
        let err = match parse(&c.bytes) {
            Err(e) => e,
            Ok(_) => panic!("{} should be rejected", c.name),
        };
        let reason = err.reason();
        assert!(
            reason.len() > "Bad Request ()".len(),
            "{}: {reason}",
            c.name
        );
        assert!(!reason.contains(['\r', '\n']), "{}: {reason}", c.name);
    }
}

#[test]
fn server_answers_match_rfc_4475() {
    let expected: &[(&str, Option<u16>)] = &[
        // §3.1.1: valid; the methods decide (None: passed on).
        ("wsinv", None),
        ("dblreq", None),
        ("noreason", None),
        ("unreason", None),
        // §3.1.2: syntax errors get 400, the wrong version 505, and
        // unparsable responses are dropped by the caller.
        ("badinv01", Some(400)),
        ("clerr", Some(400)),
        ("ncl", Some(400)),
        ("scalar02", Some(400)),
        ("quotbal", Some(400)),
        ("ltgtruri", Some(400)),
        ("lwsruri", Some(400)),
        ("lwsstart", Some(400)),
        ("trws", Some(400)),
        ("escruri", Some(400)),
        ("baddate", Some(400)),
        ("regbadct", Some(400)),
        ("badaspec", Some(400)),
        ("baddn", Some(400)),
        ("badvers", Some(505)),
        ("mismatch01", Some(400)),
        ("mismatch02", Some(400)),
        // §3.3.
        ("insuf", Some(400)),
        ("unkscm", Some(416)),
        ("bext01", Some(420)),
        ("multi01", Some(400)),
        ("mcl01", Some(400)),
        ("zeromf", None),
        ("cparam01", None),
        ("cparam02", None),
        ("regescrt", None),
        ("inv2543", None),
    ];
    let all = cases();
    for (name, want) in expected {
        let c = all.iter().find(|c| c.name == *name).expect(name);
        assert_eq!(server_answer(&c.bytes), *want, "{name}");
    }
}

#[test]
fn unknown_scheme_is_kept_opaque_and_novel_ones_too() {
    let all = cases();
    let unkscm = all.iter().find(|c| c.name == "unkscm").unwrap();
    let Ok(Message::Request(r)) = parse(&unkscm.bytes) else {
        panic!()
    };
    assert!(matches!(r.uri, sip::Uri::Other { .. }));
    assert_eq!(
        r.uri.to_string(),
        "nobodyKnowsThisScheme:totallyopaquecontent"
    );
}

#[test]
fn nothing_panics_on_any_prefix_or_mutation_of_the_corpus() {
    for c in cases() {
        for cut in 0..c.bytes.len() {
            let _ = parse(&c.bytes[..cut]);
        }
        let mut bytes = c.bytes.clone();
        for i in (0..bytes.len()).step_by(7) {
            bytes[i] = bytes[i].wrapping_add(0x55);
            let _ = parse(&bytes);
        }
    }
    assert_eq!(StatusCode::BAD_REQUEST.as_u16(), 400);
}
