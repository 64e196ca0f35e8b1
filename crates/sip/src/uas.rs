//! What any server does with a request before looking at its method
//! (RFC 3261 §8.2): answer what cannot be parsed with 400 (or 505), and
//! refuse what is incomplete, addressed with an unknown scheme, loops, or
//! requires an extension we lack.

use crate::header::{HeaderName, Headers};
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;
use crate::parse::ParseError;
use crate::status::StatusCode;
use crate::uri::Uri;

/// A request refused before processing: the response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: StatusCode,
    /// A reason phrase naming the problem.
    pub reason: String,
    /// Extra headers for the response (Unsupported, Accept, ...).
    pub headers: Vec<(HeaderName, String)>,
}

impl Rejection {
    fn new(status: StatusCode, problem: impl AsRef<str>) -> Self {
        Self {
            status,
            reason: format!("{} ({})", status.reason(), problem.as_ref()),
            headers: Vec::new(),
        }
    }

    /// The response to `request`, with `to_tag` added.
    pub fn response(&self, request: &Request, to_tag: &str) -> Response {
        let mut r = request.response(self.status, Some(to_tag));
        r.reason.clone_from(&self.reason);
        for (n, v) in &self.headers {
            r.headers.push(n.clone(), v.clone());
        }
        r
    }
}

/// Checks a parsed request (RFC 3261 §8.2.1–§8.2.3, RFC 4475 §3.3).
/// `supported` lists the option tags this server implements.
pub fn check_request(request: &Request, supported: &[&str]) -> Result<(), Rejection> {
    let h = &request.headers;
    for (name, label) in [
        (HeaderName::Via, "Via"),
        (HeaderName::From, "From"),
        (HeaderName::To, "To"),
        (HeaderName::CallId, "Call-ID"),
        (HeaderName::CSeq, "CSeq"),
    ] {
        if h.get(&name).is_none() {
            return Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                format!("missing {label} header"),
            ));
        }
    }
    // §8.2.2.1: a scheme we do not understand gets 416.
    if let Uri::Other { scheme, .. } = &request.uri {
        return Err(Rejection::new(
            StatusCode::UNSUPPORTED_URI_SCHEME,
            format!("{scheme}: URIs are not served here"),
        ));
    }
    // §16.3 step 3 and RFC 4475 §3.2.1: Max-Forwards 0 stops everything
    // but an OPTIONS or REGISTER addressed to us.
    if h.get(&HeaderName::MaxForwards)
        .is_some_and(|v| v.trim() == "0")
        && !matches!(request.method, Method::Options | Method::Register)
    {
        return Err(Rejection::new(
            StatusCode::TOO_MANY_HOPS,
            "Max-Forwards is 0",
        ));
    }
    // §8.2.2.3: unknown Require option tags get 420 listing them, except
    // on ACK and CANCEL.
    if !matches!(request.method, Method::Ack | Method::Cancel) {
        let unknown: Vec<&str> = h
            .values(&HeaderName::Require)
            .filter(|t| !supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
            .collect();
        if !unknown.is_empty() {
            let mut r = Rejection::new(
                StatusCode::BAD_EXTENSION,
                format!("unsupported {}", unknown.join(", ")),
            );
            r.headers
                .push((HeaderName::Unsupported, unknown.join(", ")));
            return Err(r);
        }
    }
    Ok(())
}

/// For bytes that failed to parse, the response to send if enough of a
/// request can be read to address one: the start line names a request,
/// and Via, From, To, Call-ID and CSeq lines can be copied (RFC 3261
/// §8.2.6). Responses that fail to parse are dropped (`None`).
pub fn error_response(input: &[u8], error: &ParseError) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(input);
    let text = text.trim_start_matches(['\r', '\n']);
    let head = text.split("\r\n\r\n").next()?;
    let mut lines = head.split("\r\n");
    let start = lines.next()?;
    if start.len() < 4 || start.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    let mut headers = Headers::new();
    let mut seen = [false; 5];
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::parse(name.trim());
        let slot = match name {
            HeaderName::Via => 0,
            HeaderName::From => 1,
            HeaderName::To => 2,
            HeaderName::CallId => 3,
            HeaderName::CSeq => 4,
            _ => continue,
        };
        if slot != 0 && seen[slot] {
            continue;
        }
        seen[slot] = true;
        headers.push(name, value.trim().to_owned());
    }
    // Without a Via there is nowhere to send it (§18.2.2).
    if !seen[0] {
        return None;
    }
    let mut response = Response::new(error.status());
    response.reason = error.reason();
    response.headers = headers;
    Some(response.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::parse::parse;

    fn req(extra: &str, method: &str, uri: &str) -> Request {
        let text = format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 {method}\r\n{extra}\r\n"
        );
        match parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn a_complete_request_passes() {
        assert_eq!(check_request(&req("", "OPTIONS", "sip:x@y"), &[]), Ok(()));
    }

    #[test]
    fn unknown_scheme_gets_416() {
        let e = check_request(&req("", "OPTIONS", "kingdom:animal"), &[]).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_URI_SCHEME);
    }

    #[test]
    fn unknown_require_gets_420_with_unsupported() {
        let e = check_request(
            &req("Require: nothingSupported, timer\r\n", "INVITE", "sip:x@y"),
            &["timer"],
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_EXTENSION);
        assert_eq!(
            e.headers,
            vec![(HeaderName::Unsupported, "nothingSupported".to_owned())]
        );
    }

    #[test]
    fn missing_call_id_is_named() {
        let mut r = req("", "OPTIONS", "sip:x@y");
        r.headers.remove(&HeaderName::CallId);
        let e = check_request(&r, &[]).unwrap_err();
        assert_eq!(e.reason, "Bad Request (missing Call-ID header)");
    }

    #[test]
    fn max_forwards_zero_stops_invites_but_not_options() {
        assert_eq!(
            check_request(&req("Max-Forwards: 0\r\n", "INVITE", "sip:x@y"), &[])
                .unwrap_err()
                .status,
            StatusCode::TOO_MANY_HOPS
        );
        assert!(check_request(&req("Max-Forwards: 0\r\n", "OPTIONS", "sip:x@y"), &[]).is_ok());
    }

    #[test]
    fn unparsable_request_gets_a_400_that_names_the_problem() {
        let input = b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 99999999999 INVITE\r\nCall-ID: c\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n\r\n";
        let err = parse(input).unwrap_err();
        let bytes = error_response(input, &err).unwrap();
        // The bad CSeq is copied as received, so the client can match it.
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("SIP/2.0 400 Bad Request (invalid CSeq header"),
            "{text}"
        );
        assert!(text.contains("\r\nCall-ID: c\r\n"));
    }

    #[test]
    fn a_multibyte_character_in_the_start_line_does_not_panic() {
        let input = "INVé sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n".as_bytes();
        let err = parse(input).unwrap_err();
        assert!(error_response(input, &err).is_some());
        let input = "SIPé 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n".as_bytes();
        let err = parse(input).unwrap_err();
        let _ = error_response(input, &err);
    }

    #[test]
    fn unparsable_responses_are_dropped() {
        let input = b"SIP/2.0 4294967301 Huge\r\nVia: SIP/2.0/UDP h\r\n\r\n";
        let err = parse(input).unwrap_err();
        assert_eq!(error_response(input, &err), None);
    }
}
