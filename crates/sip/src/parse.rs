//! Parsing wire bytes into a [`Message`] (RFC 3261 §7, §25). The parser is
//! strict where a wrong guess could route a call wrongly (start line,
//! Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length, Contact,
//! Date) and keeps every other header as received.

use std::sync::LazyLock;

use memchr::memmem;

use crate::header::{HeaderName, Headers};
use crate::headers::{
    CSeq, Contact, HeaderError, NameAddr, Via, check_call_id, check_date, parse_number,
};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::status::StatusCode;
use crate::syntax::is_token_str;
use crate::uri::{Uri, UriError};

/// Why bytes are not a SIP message. [`ParseError::status`] gives the
/// response a server sends for a request that fails this way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing but line ends.
    #[error("empty message")]
    Empty,
    /// No empty line ends the header section.
    #[error("no empty line after the headers")]
    Unterminated,
    /// The start line and headers are not UTF-8 text.
    #[error("message head is not UTF-8")]
    NotUtf8,
    /// The first line is neither a Request-Line nor a Status-Line.
    #[error("malformed start line: {0}")]
    StartLine(String),
    /// The SIP version is well-formed but not 2.0.
    #[error("SIP version {0} is not supported")]
    Version(String),
    /// The Request-URI does not parse.
    #[error("invalid Request-URI: {0}")]
    RequestUri(#[from] UriError),
    /// A header line has no colon or an invalid name.
    #[error("malformed header line {0:?}")]
    HeaderLine(String),
    /// A header value does not parse.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A header that must appear at most once appears again.
    #[error("more than one {0} header")]
    Duplicate(&'static str),
    /// Content-Length is not a non-negative number.
    #[error("invalid Content-Length {0:?}")]
    ContentLength(String),
    /// The body is shorter than Content-Length says.
    #[error("Content-Length {declared} exceeds the {available} body bytes received")]
    Truncated { declared: usize, available: usize },
    /// The CSeq method differs from the request's method.
    #[error("CSeq method {cseq} does not match request method {method}")]
    CSeqMismatch { method: String, cseq: String },
}

impl ParseError {
    /// The status a server answers a request that fails this way with
    /// (RFC 3261 §8.2: 400, or 505 for another version).
    pub fn status(&self) -> StatusCode {
        match self {
            ParseError::Version(_) => StatusCode::VERSION_NOT_SUPPORTED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// A reason phrase naming the problem, safe for a Status-Line.
    pub fn reason(&self) -> String {
        let base = self.status().reason();
        let text: String = self
            .to_string()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        format!("{base} ({text})")
    }
}

/// What is trimmed around a header value. A stray CR before the line's
/// CRLF is trimmed with the spaces: kept, it would end the value, and
/// printed back it would run into the empty line and vanish, so the
/// printed message would not read back the same.
const VALUE_PADDING: [char; 3] = [' ', '\t', '\r'];

/// Parses one message from a datagram or a framed stream message. Bytes
/// after the Content-Length body are ignored (RFC 3261 §18.3; RFC 4475
/// §3.1.1.7 dblreq); without Content-Length the body is the rest.
pub fn parse(input: &[u8]) -> Result<Message, ParseError> {
    let start = input
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .ok_or(ParseError::Empty)?;
    let input = &input[start..];
    // The searchers are built once: building one costs about as much as
    // searching a whole message head.
    static CRLFCRLF: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\r\n\r\n"));
    static LFLF: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\n\n"));
    let (head_end, body_start) = match CRLFCRLF.find(input) {
        Some(i) => (i, i + 4),
        None => match LFLF.find(input) {
            Some(i) => (i, i + 2),
            // A datagram that ends right after its last header line has
            // lost only the empty line; RFC 5118 §4.10 carries two such
            // messages that implementations accept.
            None if input.ends_with(b"\r\n") => (input.len() - 2, input.len()),
            None => return Err(ParseError::Unterminated),
        },
    };
    let head = std::str::from_utf8(&input[..head_end]).map_err(|_| ParseError::NotUtf8)?;
    let rest = &input[body_start..];

    // memchr finds line ends and colons faster than `str::split` and
    // `str::find`, which search byte by byte.
    let mut rest_of_head = Some(head);
    let mut lines = std::iter::from_fn(move || {
        let h = rest_of_head?;
        let line = match memchr::memchr(b'\n', h.as_bytes()) {
            Some(i) => {
                rest_of_head = Some(&h[i + 1..]);
                &h[..i]
            }
            None => {
                rest_of_head = None;
                h
            }
        };
        Some(line.strip_suffix('\r').unwrap_or(line))
    });
    let start_line = lines.next().ok_or(ParseError::Empty)?;
    let mut headers = Headers::with_capacity(16);
    let mut current: Option<(HeaderName, String)> = None;
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // RFC 3261 §7.3.1: a line starting with whitespace continues
            // the previous one; the fold becomes a single space.
            let (_, value) = current
                .as_mut()
                .ok_or_else(|| ParseError::HeaderLine(line.to_owned()))?;
            let more = line.trim_matches(VALUE_PADDING);
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        if let Some((name, value)) = current.take() {
            headers.push(name, value);
        }
        let colon = memchr::memchr(b':', line.as_bytes())
            .ok_or_else(|| ParseError::HeaderLine(line.to_owned()))?;
        let name = line[..colon].trim_end_matches([' ', '\t']);
        if !is_token_str(name) {
            return Err(ParseError::HeaderLine(line.to_owned()));
        }
        let value = line[colon + 1..].trim_matches(VALUE_PADDING);
        current = Some((HeaderName::parse(name), value.to_owned()));
    }
    if let Some((name, value)) = current {
        headers.push(name, value);
    }

    let body = read_body(&headers, rest)?;
    let message = message_from(start_line, headers, body)?;
    check(&message)?;
    Ok(message)
}

fn read_body(headers: &Headers, rest: &[u8]) -> Result<Vec<u8>, ParseError> {
    let mut lengths = headers.lines(&HeaderName::ContentLength);
    let Some(cl) = lengths.next() else {
        return Ok(rest.to_vec());
    };
    if lengths.next().is_some() {
        return Err(ParseError::Duplicate("Content-Length"));
    }
    if cl.is_empty() || !cl.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::ContentLength(cl.to_owned()));
    }
    let declared: usize = cl
        .parse()
        .map_err(|_| ParseError::ContentLength(cl.to_owned()))?;
    if declared > rest.len() {
        return Err(ParseError::Truncated {
            declared,
            available: rest.len(),
        });
    }
    Ok(rest[..declared].to_vec())
}

/// Whether `s` starts with `SIP/` in any case. The comparison is on bytes:
/// the fourth byte may fall inside a multibyte character.
fn starts_with_sip_slash(s: &str) -> bool {
    s.as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
}

fn version(v: &str) -> Result<(), ParseError> {
    // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, "SIP" case-insensitive.
    let ok = v.len() > 4
        && starts_with_sip_slash(v)
        && v[4..].split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        });
    if !ok {
        return Err(ParseError::StartLine(format!("bad SIP version {v:?}")));
    }
    if &v[4..] != "2.0" {
        return Err(ParseError::Version(v.to_owned()));
    }
    Ok(())
}

fn message_from(line: &str, headers: Headers, body: Vec<u8>) -> Result<Message, ParseError> {
    if starts_with_sip_slash(line) {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let mut parts = line.splitn(3, ' ');
        let v = parts.next().unwrap_or_default();
        version(v)?;
        let code = parts.next().unwrap_or_default();
        let status = (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| code.parse().ok().and_then(StatusCode::new))
            .flatten()
            .ok_or_else(|| ParseError::StartLine(format!("bad status code {code:?}")))?;
        let reason = parts
            .next()
            .ok_or_else(|| ParseError::StartLine("no space after the status code".into()))?;
        return Ok(Message::Response(Response {
            status,
            reason: reason.to_owned(),
            headers,
            body,
        }));
    }
    // Request-Line = Method SP Request-URI SP SIP-Version, single spaces.
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(v), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::StartLine(
            "a request line is a method, a URI and a version separated by single spaces".into(),
        ));
    };
    if !is_token_str(method) {
        return Err(ParseError::StartLine(format!("bad method {method:?}")));
    }
    version(v)?;
    let uri = Uri::parse(uri)?;
    if let Uri::Sip(u) = &uri
        && !u.headers.is_empty()
    {
        return Err(ParseError::StartLine(
            "the Request-URI must not hold headers".into(),
        ));
    }
    Ok(Message::Request(Request {
        method: Method::parse(method),
        uri,
        headers,
        body,
    }))
}

fn single<'a>(
    headers: &'a Headers,
    name: &'a HeaderName,
    label: &'static str,
) -> Result<Option<&'a str>, ParseError> {
    let mut lines = headers.lines(name);
    let first = lines.next();
    if lines.next().is_some() {
        return Err(ParseError::Duplicate(label));
    }
    Ok(first)
}

/// The checks every message passes before anyone acts on it.
fn check(message: &Message) -> Result<(), ParseError> {
    let h = message.headers();
    for v in h.values(&HeaderName::Via) {
        Via::parse(v)?;
    }
    if let Some(v) = single(h, &HeaderName::From, "From")? {
        NameAddr::parse("From", v)?;
    }
    if let Some(v) = single(h, &HeaderName::To, "To")? {
        NameAddr::parse("To", v)?;
    }
    if let Some(v) = single(h, &HeaderName::CallId, "Call-ID")? {
        check_call_id(v)?;
    }
    if let Some(v) = single(h, &HeaderName::MaxForwards, "Max-Forwards")? {
        parse_number("Max-Forwards", v, 255)?;
    }
    if let Some(v) = single(h, &HeaderName::Date, "Date")? {
        check_date(v)?;
    }
    for v in h.values(&HeaderName::Contact) {
        Contact::parse(v)?;
    }
    if let Some(v) = single(h, &HeaderName::CSeq, "CSeq")? {
        let cseq = CSeq::parse(v)?;
        if let Message::Request(r) = message
            && cseq.method != r.method
        {
            return Err(ParseError::CSeqMismatch {
                method: r.method.to_string(),
                cseq: cseq.method.to_string(),
            });
        }
    }
    Ok(())
}

impl Message {
    /// See [`parse`].
    pub fn parse(input: &[u8]) -> Result<Message, ParseError> {
        parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::SipMessage;

    const INVITE: &str = "INVITE sip:bob@biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.com>\r\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\r\nv=0\n";

    fn request(s: &str) -> Request {
        match parse(s.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => panic!("not a request"),
        }
    }

    #[test]
    fn rfc3261_invite_parses() {
        let r = request(INVITE);
        assert_eq!(r.method, Method::Invite);
        assert_eq!(r.cseq().unwrap().seq, 314159);
        assert_eq!(r.from().unwrap().tag(), Some("1928301774"));
        assert_eq!(r.body, b"v=0\n");
        assert_eq!(r.headers.len(), 9);
    }

    #[test]
    fn printing_round_trips() {
        let r = request(INVITE);
        let again = parse(&r.to_bytes()).unwrap();
        assert_eq!(again, Message::Request(r));
    }

    #[test]
    fn folded_lines_and_compact_names_are_understood() {
        let r = request(
            "OPTIONS sip:x@example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nSubject: one\r\n  two\r\n\ttwo more\r\ni: abc\r\nf: <sip:a@b>;tag=1\r\nt: <sip:x@example.com>\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n",
        );
        assert_eq!(
            r.headers.get(&HeaderName::Subject),
            Some("one two two more")
        );
        assert_eq!(r.call_id(), Some("abc"));
    }

    #[test]
    fn responses_with_empty_or_utf8_reasons_parse() {
        let Message::Response(r) =
            parse("SIP/2.0 100 \r\nCSeq: 1 INVITE\r\n\r\n".as_bytes()).unwrap()
        else {
            panic!()
        };
        assert_eq!((r.status.as_u16(), r.reason.as_str()), (100, ""));
        let Message::Response(r) = parse("SIP/2.0 200 Ça marche ✓\r\n\r\n".as_bytes()).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.reason, "Ça marche ✓");
    }

    #[test]
    fn start_line_mistakes_are_named() {
        let bad = |s: &str| parse(format!("{s}\r\nCSeq: 1 INVITE\r\n\r\n").as_bytes()).unwrap_err();
        assert!(matches!(
            bad("INVITE  sip:a@b SIP/2.0"),
            ParseError::StartLine(_)
        ));
        assert!(matches!(
            bad("INVITE sip:a@b SIP/2.0 "),
            ParseError::StartLine(_)
        ));
        assert!(matches!(
            bad("INVITE <sip:a@b> SIP/2.0"),
            ParseError::RequestUri(_)
        ));
        assert!(matches!(
            bad("INVITE sip:a@b SIP/7.0"),
            ParseError::Version(_)
        ));
        assert_eq!(
            bad("INVITE sip:a@b SIP/7.0").status(),
            StatusCode::VERSION_NOT_SUPPORTED
        );
        assert!(matches!(
            bad("SIP/2.0 4294967301 Huge"),
            ParseError::StartLine(_)
        ));
        assert!(matches!(
            bad("INVITE sip:a@b?Route=x SIP/2.0"),
            ParseError::StartLine(_)
        ));
    }

    #[test]
    fn content_length_problems_are_named() {
        let with = |cl: &str| {
            parse(format!("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: {cl}\r\n\r\nbody").as_bytes())
        };
        assert!(matches!(with("-999"), Err(ParseError::ContentLength(_))));
        assert!(matches!(
            with("9999"),
            Err(ParseError::Truncated {
                declared: 9999,
                available: 4
            })
        ));
        assert!(matches!(with("2"), Ok(Message::Request(r)) if r.body == b"bo"));
        let twice = parse(b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(twice, Err(ParseError::Duplicate("Content-Length")));
    }

    #[test]
    fn cseq_method_must_match() {
        let e = parse(b"NEWMETHOD sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n").unwrap_err();
        assert!(matches!(e, ParseError::CSeqMismatch { .. }));
        assert!(e.reason().starts_with("Bad Request (CSeq method INVITE"));
    }

    #[test]
    fn start_lines_with_a_multibyte_character_at_byte_four_are_rejected_without_panicking() {
        // Both used to panic slicing the start line at byte 4.
        for input in [
            "abc\u{e9} sip:a@b SIP/2.0\r\n\r\n",
            "INVITE sip:a@b SIP\u{e9}2.0\r\n\r\n",
        ] {
            assert!(
                matches!(parse(input.as_bytes()), Err(ParseError::StartLine(_))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_stray_cr_ending_a_header_value_is_trimmed_so_printing_round_trips() {
        // The value used to keep the CR; printed last, "a\r\r\n\r\n" then
        // ended the head one byte early and read back as "a".
        let m = parse(b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nX-A: a\r\r\n  b\r\r\nX-B: c\r\r\n\n")
            .unwrap();
        assert_eq!(m.headers().get(&HeaderName::parse("X-A")), Some("a b"));
        assert_eq!(m.headers().get(&HeaderName::parse("X-B")), Some("c"));
        assert_eq!(parse(&m.to_bytes()), Ok(m));
    }

    #[test]
    fn garbage_is_rejected_without_panicking() {
        for input in [
            &b""[..],
            b"\r\n\r\n",
            b"\xff\xfe\r\n\r\n",
            b"INVITE",
            b"A B C\r\nno colon\r\n\r\n",
        ] {
            assert!(parse(input).is_err(), "{input:?}");
        }
    }
}
