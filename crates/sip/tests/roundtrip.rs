//! Property tests: whatever the printers write, the parsers read back to
//! the same value, and the message parser never panics, whatever bytes it
//! is given.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use sip::auth::{Challenge, Credentials};
use sip::{
    CSeq, Contact, HeaderName, Headers, Host, Message, Method, NameAddr, Params, Request, Response,
    SipUri, StatusCode, TelUri, Uri, Via, parse,
};

/// Moderate case counts keep the suite at a few seconds in debug builds.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// `%HH` escapes, in either case of hex digits.
fn escape() -> impl Strategy<Value = String> {
    (any::<u8>(), any::<bool>()).prop_map(|(b, upper)| {
        if upper {
            format!("%{b:02X}")
        } else {
            format!("%{b:02x}")
        }
    })
}

/// A run of characters from `class` (a regex character class) mixed with
/// escapes, `min..=max` elements long.
fn escaped_run(class: &'static str, min: usize, max: usize) -> impl Strategy<Value = String> {
    let plain = proptest::string::string_regex(class).unwrap();
    prop::collection::vec(prop_oneof![4 => plain, 1 => escape()], min..=max)
        .prop_map(|parts| parts.concat())
}

/// RFC 3261 `user`: unreserved, escaped and user-unreserved characters.
fn user() -> impl Strategy<Value = String> {
    escaped_run(r"[A-Za-z0-9\-_.!~*'()&=+$,;?/]", 1, 8)
}

/// RFC 3261 `password`, possibly empty.
fn password() -> impl Strategy<Value = String> {
    escaped_run(r"[A-Za-z0-9\-_.!~*'()&=+$,]", 0, 6)
}

/// RFC 3261 `hostname`: labels of alphanumerics and inner hyphens, a
/// top label starting with a letter, and an optional final dot.
fn hostname() -> impl Strategy<Value = String> {
    let label = "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?";
    let top = "[a-zA-Z]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?";
    (
        prop::collection::vec(label, 0..4),
        top,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(labels, top, dot)| {
            let mut s = String::new();
            for l in labels {
                s.push_str(&l);
                s.push('.');
            }
            s.push_str(&top);
            if dot {
                s.push('.');
            }
            s
        })
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        3 => hostname().prop_map(Host::Name),
        1 => any::<[u8; 4]>().prop_map(|a| Host::V4(Ipv4Addr::from(a))),
        1 => any::<[u16; 8]>().prop_map(|a| Host::V6(Ipv6Addr::from(a))),
    ]
}

/// URI parameters (`paramchar` names and values, with escapes).
fn uri_params() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    let pchar = r"[A-Za-z0-9\-_.!~*'()\[\]/:&+$]";
    prop::collection::vec(
        (
            escaped_run(pchar, 1, 6),
            prop::option::of(escaped_run(pchar, 1, 6)),
        ),
        0..4,
    )
}

/// URI headers (`hname=hvalue`, values possibly empty).
fn uri_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let hchar = r"[A-Za-z0-9\-_.!~*'()\[\]/?:+$]";
    prop::collection::vec((escaped_run(hchar, 1, 6), escaped_run(hchar, 0, 6)), 0..3)
}

/// A SIP or SIPS URI; `with_headers` allows `?name=value` headers, which
/// a Request-URI may not hold.
fn sip_uri(with_headers: bool) -> impl Strategy<Value = SipUri> {
    let headers = if with_headers {
        uri_headers().boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        any::<bool>(),
        prop::option::of((user(), prop::option::of(password()))),
        host(),
        prop::option::of(any::<u16>()),
        uri_params(),
        headers,
    )
        .prop_map(|(secure, userinfo, host, port, params, headers)| {
            let (user, password) = match userinfo {
                Some((u, p)) => (Some(u), p),
                None => (None, None),
            };
            SipUri {
                secure,
                user,
                password,
                host,
                port,
                params,
                headers,
            }
        })
}

fn tel_uri() -> impl Strategy<Value = TelUri> {
    (r"\+?[0-9A-F*#.()\-]{1,12}", uri_params())
        .prop_map(|(number, params)| TelUri { number, params })
}

/// Any URI: SIP, tel, or another scheme kept as written.
fn uri(with_headers: bool) -> impl Strategy<Value = Uri> {
    let other = ("[a-zA-Z][a-zA-Z0-9+.-]{0,6}", r"[!#-;=?-~]{1,16}")
        .prop_filter("sip, sips and tel have their own grammar", |(scheme, _)| {
            !["sip", "sips", "tel"]
                .iter()
                .any(|s| scheme.eq_ignore_ascii_case(s))
        })
        .prop_map(|(scheme, rest)| Uri::Other { scheme, rest });
    prop_oneof![
        6 => sip_uri(with_headers).prop_map(Uri::Sip),
        1 => tel_uri().prop_map(Uri::Tel),
        1 => other,
    ]
}

/// A quoted string as it is written on the wire, quotes included, with
/// quoted-pairs.
fn quoted_string() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        4 => r#"[ !#-\[\]-~\t\u{e9}\u{263a}]"#,
        1 => r"\\[ -~]",
    ];
    prop::collection::vec(part, 0..10).prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn token() -> impl Strategy<Value = String> {
    r"[A-Za-z0-9\-.!%*_+`'~]{1,10}"
}

/// Header parameters: tokens, host-like values with IPv6 references, and
/// quoted strings.
fn params() -> impl Strategy<Value = Params> {
    let value = prop_oneof![
        4 => token(),
        1 => any::<[u16; 8]>().prop_map(|a| format!("[{}]", Ipv6Addr::from(a))),
        2 => quoted_string(),
    ];
    prop::collection::vec((token(), prop::option::of(value)), 0..4).prop_map(Params)
}

fn via() -> impl Strategy<Value = Via> {
    let transport = prop_oneof![
        4 => prop::sample::select(vec!["UDP", "TCP", "TLS", "SCTP", "WS", "WSS"])
            .prop_map(str::to_owned),
        1 => r"[A-Z0-9\-.!%*_+`'~]{1,6}",
    ];
    (
        transport,
        host(),
        prop::option::of(any::<u16>()),
        "[a-zA-Z0-9]{1,16}",
        params(),
    )
        .prop_map(|(transport, host, port, branch, mut params)| {
            params.set("branch", Some(format!("z9hG4bK{branch}")));
            Via {
                transport,
                host,
                port,
                params,
            }
        })
}

/// A display name: printable text with quotes, backslashes, tabs and
/// non-ASCII letters, which the printer has to escape or keep.
fn display_name() -> impl Strategy<Value = String> {
    r#"[ -~\t\u{e9}\u{fc}\u{263a}]{0,16}"#
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (prop::option::of(display_name()), uri(true), params()).prop_map(|(display, uri, params)| {
        NameAddr {
            display,
            uri,
            params,
        }
    })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE",
            "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
        ])
        .prop_map(Method::parse),
        1 => token().prop_map(|t| Method::parse(&t)),
    ]
}

fn call_id() -> impl Strategy<Value = String> {
    let word = r#"[A-Za-z0-9\-.!%*_+`'~()<>:\\"/\[\]?{}]{1,16}"#;
    (word, prop::option::of(word)).prop_map(|(a, b)| match b {
        Some(b) => format!("{a}@{b}"),
        None => a,
    })
}

/// Extension header names that cannot be mistaken for a known header or
/// a compact form.
fn extension_name() -> impl Strategy<Value = HeaderName> {
    r"X-[A-Za-z0-9\-.!%*_+`'~]{1,10}".prop_map(|n| HeaderName::parse(&n))
}

/// The header section both requests and responses carry, shuffled, and a
/// body with a Content-Length that states its length. `cseq_method` is
/// the method CSeq names.
fn headers_and_body(cseq_method: Method) -> impl Strategy<Value = (Headers, Vec<u8>)> {
    let via_lines = prop::collection::vec(prop::collection::vec(via(), 1..3), 1..3);
    let tag = "[a-zA-Z0-9]{1,12}";
    let contacts = prop::collection::vec(name_addr(), 0..3);
    let extensions = prop::collection::vec(
        (
            extension_name(),
            prop::collection::vec(token(), 1..3).prop_map(|t| t.join(", ")),
        ),
        0..3,
    );
    (
        via_lines,
        (name_addr(), tag),
        (name_addr(), prop::option::of(tag)),
        call_id(),
        0u32..(1 << 31),
        0u32..=255,
        contacts,
        extensions,
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_flat_map(
            move |(
                vias,
                (mut from, from_tag),
                (mut to, to_tag),
                call_id,
                seq,
                mf,
                contacts,
                extensions,
                body,
            )| {
                from.params.set("tag", Some(from_tag));
                match to_tag {
                    Some(t) => to.params.set("tag", Some(t)),
                    None => to.params.remove("tag"),
                }
                let cseq = CSeq {
                    seq,
                    method: cseq_method.clone(),
                };
                let mut lines: Vec<(HeaderName, String)> = Vec::new();
                for line in vias {
                    let values: Vec<String> = line.iter().map(Via::to_string).collect();
                    lines.push((HeaderName::Via, values.join(", ")));
                }
                lines.push((HeaderName::From, from.to_string()));
                lines.push((HeaderName::To, to.to_string()));
                lines.push((HeaderName::CallId, call_id));
                lines.push((HeaderName::CSeq, cseq.to_string()));
                lines.push((HeaderName::MaxForwards, mf.to_string()));
                if !contacts.is_empty() {
                    let values: Vec<String> = contacts.iter().map(NameAddr::to_string).collect();
                    lines.push((HeaderName::Contact, values.join(", ")));
                }
                lines.extend(extensions);
                lines.push((HeaderName::ContentLength, body.len().to_string()));
                (Just(lines).prop_shuffle(), Just(body))
            },
        )
        .prop_map(|(lines, body)| {
            let mut headers = Headers::new();
            for (name, value) in lines {
                headers.push(name, value);
            }
            (headers, body)
        })
}

fn request() -> impl Strategy<Value = Request> {
    (method(), uri(false))
        .prop_flat_map(|(method, uri)| (Just(method.clone()), Just(uri), headers_and_body(method)))
        .prop_map(|(method, uri, (headers, body))| Request {
            method,
            uri,
            headers,
            body,
        })
}

fn response() -> impl Strategy<Value = Response> {
    (
        100u16..=699,
        r"[ -~\u{e9}\u{263a}]{0,20}",
        method().prop_flat_map(headers_and_body),
    )
        .prop_map(|(code, reason, (headers, body))| Response {
            status: StatusCode::new(code).unwrap(),
            reason,
            headers,
            body,
        })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        request().prop_map(Message::Request),
        response().prop_map(Message::Response),
    ]
}

/// The RFC 4475 and RFC 5118 torture messages, read once.
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torture");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "dat"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    })
}

/// One edit of a byte string: overwrite, insert or delete at a position
/// taken modulo the length.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"\r\n \t:;,<>\"\\@%[]0".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len();
    match *edit {
        Edit::Set(i, b) if len > 0 => bytes[i % len] = b,
        Edit::Insert(i, b) => bytes.insert(i % (len + 1), b),
        Edit::Delete(i) if len > 0 => {
            bytes.remove(i % len);
        }
        _ => {}
    }
}

/// The message without its Content-Length line, which printing always
/// writes (appending it when the input had none).
fn without_content_length(m: &Message) -> Message {
    let strip = |h: &Headers| {
        let mut h = h.clone();
        h.remove(&HeaderName::ContentLength);
        h
    };
    match m {
        Message::Request(r) => Message::Request(Request {
            headers: strip(&r.headers),
            ..r.clone()
        }),
        Message::Response(r) => Message::Response(Response {
            headers: strip(&r.headers),
            ..r.clone()
        }),
    }
}

/// Whatever parses prints to bytes that parse to the same message, bar
/// the Content-Length line printing supplies.
fn assert_reparses(m: &Message) {
    let printed = m.to_bytes();
    let again = parse(&printed).unwrap_or_else(|e| {
        panic!(
            "printed message does not parse ({e}): {:?}",
            String::from_utf8_lossy(&printed)
        )
    });
    assert_eq!(without_content_length(&again), without_content_length(m));
    assert_eq!(again.to_bytes(), printed);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_uris_parse_back_to_the_same_uri(u in uri(true)) {
        prop_assert_eq!(Uri::parse(&u.to_string()), Ok(u));
    }

    #[test]
    fn printed_vias_parse_back_to_the_same_via(v in via()) {
        prop_assert_eq!(Via::parse(&v.to_string()), Ok(v));
    }

    #[test]
    fn printed_name_addrs_parse_back_to_the_same_name_addr(a in name_addr()) {
        prop_assert_eq!(NameAddr::parse("To", &a.to_string()), Ok(a.clone()));
        prop_assert_eq!(Contact::parse(&a.to_string()), Ok(Contact::Addr(a)));
    }

    #[test]
    fn printed_cseqs_parse_back_to_the_same_cseq(seq in 0u32..(1 << 31), method in method()) {
        let c = CSeq { seq, method };
        prop_assert_eq!(CSeq::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn printed_messages_parse_back_to_the_same_message(m in message()) {
        prop_assert_eq!(parse(&m.to_bytes()), Ok(m));
    }

    #[test]
    fn arbitrary_bytes_never_make_the_parser_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(m) = parse(&bytes) {
            assert_reparses(&m);
        }
    }

    #[test]
    fn arbitrary_text_never_makes_the_header_parsers_panic(s in r"[ -~\t\r\n\u{e9}\u{263a}]{0,80}") {
        let _ = Uri::parse(&s);
        let _ = Via::parse(&s);
        let _ = NameAddr::parse("To", &s);
        let _ = CSeq::parse(&s);
        let _ = Credentials::parse(&s);
        let _ = Challenge::parse(&s);
    }

    #[test]
    fn mutated_torture_messages_never_make_the_parser_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let corpus = corpus();
        let mut bytes = pick.get(corpus).clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        if let Ok(m) = parse(&bytes) {
            assert_reparses(&m);
        }
    }
}
