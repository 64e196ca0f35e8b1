//! Requests and responses, their typed accessors, and printing.

use std::fmt::Write as _;

use crate::header::{HeaderName, Headers};
use crate::headers::{CSeq, HeaderError, NameAddr, Via};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: StatusCode,
    /// The reason phrase as received (may be empty or any UTF-8 text).
    pub reason: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// Either kind of message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

/// Typed access shared by requests and responses.
pub trait SipMessage {
    fn headers(&self) -> &Headers;
    fn headers_mut(&mut self) -> &mut Headers;
    fn body(&self) -> &[u8];

    /// The topmost Via.
    fn top_via(&self) -> Result<Via, HeaderError> {
        let v = self
            .headers()
            .values(&HeaderName::Via)
            .next()
            .ok_or_else(|| HeaderError::new("Via", "missing"))?;
        Via::parse(v)
    }

    /// Every Via, top first.
    fn vias(&self) -> Result<Vec<Via>, HeaderError> {
        self.headers()
            .values(&HeaderName::Via)
            .map(Via::parse)
            .collect()
    }

    fn from(&self) -> Result<NameAddr, HeaderError> {
        let v = self
            .headers()
            .get(&HeaderName::From)
            .ok_or_else(|| HeaderError::new("From", "missing"))?;
        NameAddr::parse("From", v)
    }

    fn to(&self) -> Result<NameAddr, HeaderError> {
        let v = self
            .headers()
            .get(&HeaderName::To)
            .ok_or_else(|| HeaderError::new("To", "missing"))?;
        NameAddr::parse("To", v)
    }

    fn call_id(&self) -> Option<&str> {
        self.headers().get(&HeaderName::CallId)
    }

    fn cseq(&self) -> Result<CSeq, HeaderError> {
        let v = self
            .headers()
            .get(&HeaderName::CSeq)
            .ok_or_else(|| HeaderError::new("CSeq", "missing"))?;
        CSeq::parse(v)
    }

    /// Prints the message to wire bytes. Content-Length always states the
    /// real body length, in place of the received one or appended.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(512);
        self.write_start_line(&mut out);
        let mut wrote_length = false;
        for h in self.headers().iter() {
            if h.name == HeaderName::ContentLength {
                if wrote_length {
                    continue;
                }
                wrote_length = true;
                let _ = write!(out, "Content-Length: {}\r\n", self.body().len());
                continue;
            }
            out.push_str(h.name.as_str());
            out.push_str(": ");
            out.push_str(&h.value);
            out.push_str("\r\n");
        }
        if !wrote_length {
            let _ = write!(out, "Content-Length: {}\r\n", self.body().len());
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(self.body());
        bytes
    }

    #[doc(hidden)]
    fn write_start_line(&self, out: &mut String);
}

/// The accessors both message kinds share field for field.
macro_rules! fields {
    () => {
        fn headers(&self) -> &Headers {
            &self.headers
        }
        fn headers_mut(&mut self) -> &mut Headers {
            &mut self.headers
        }
        fn body(&self) -> &[u8] {
            &self.body
        }
    };
}

impl SipMessage for Request {
    fields!();
    fn write_start_line(&self, out: &mut String) {
        let _ = write!(out, "{} {} SIP/2.0\r\n", self.method, self.uri);
    }
}

impl SipMessage for Response {
    fields!();
    fn write_start_line(&self, out: &mut String) {
        let _ = write!(out, "SIP/2.0 {} {}\r\n", self.status, self.reason);
    }
}

impl Request {
    pub fn new(method: Method, uri: Uri) -> Self {
        Self {
            method,
            uri,
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// A response to this request (RFC 3261 §8.2.6.2): Via, From, To,
    /// Call-ID and CSeq copied; `to_tag` added to To when it has none
    /// (and the code is not 100).
    pub fn response(&self, status: StatusCode, to_tag: Option<&str>) -> Response {
        let mut headers = Headers::with_capacity(8);
        for h in self.headers.iter() {
            match h.name {
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                    headers.push(h.name.clone(), h.value.clone())
                }
                HeaderName::To => {
                    let mut value = h.value.clone();
                    if let Some(tag) = to_tag
                        && status != StatusCode::TRYING
                        && NameAddr::parse("To", &value).is_ok_and(|t| t.tag().is_none())
                    {
                        value.push_str(";tag=");
                        value.push_str(tag);
                    }
                    headers.push(HeaderName::To, value)
                }
                _ => {}
            }
        }
        // RFC 3261 §8.2.6.1: a 100 Trying copies Timestamp.
        if status == StatusCode::TRYING
            && let Some(ts) = self.headers.get(&HeaderName::Timestamp)
        {
            headers.push(HeaderName::Timestamp, ts.to_owned());
        }
        Response {
            status,
            reason: status.reason().to_owned(),
            headers,
            body: Vec::new(),
        }
    }
}

impl Response {
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            reason: status.reason().to_owned(),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }
}

impl Message {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }

    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        let mut r = Request::new(
            Method::Options,
            Uri::parse("sip:carol@chicago.com").unwrap(),
        );
        let h = &mut r.headers;
        h.push(
            HeaderName::Via,
            "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKhjhs8ass877",
        );
        h.push(HeaderName::MaxForwards, "70");
        h.push(HeaderName::To, "<sip:carol@chicago.com>");
        h.push(
            HeaderName::From,
            "Alice <sip:alice@atlanta.com>;tag=1928301774",
        );
        h.push(HeaderName::CallId, "a84b4c76e66710");
        h.push(HeaderName::CSeq, "63104 OPTIONS");
        h.push(HeaderName::Timestamp, "54");
        r
    }

    #[test]
    fn response_copies_the_transaction_headers_and_adds_a_to_tag() {
        let resp = request().response(StatusCode::OK, Some("xyz"));
        assert_eq!(resp.to().unwrap().tag(), Some("xyz"));
        assert_eq!(resp.cseq().unwrap().seq, 63104);
        assert_eq!(resp.call_id(), Some("a84b4c76e66710"));
        assert!(resp.headers.get(&HeaderName::MaxForwards).is_none());
        assert!(resp.headers.get(&HeaderName::Timestamp).is_none());
        let trying = request().response(StatusCode::TRYING, Some("xyz"));
        assert_eq!(trying.to().unwrap().tag(), None);
        assert_eq!(trying.headers.get(&HeaderName::Timestamp), Some("54"));
    }

    #[test]
    fn printing_states_the_real_content_length() {
        let mut r = request();
        r.headers.push(HeaderName::ContentLength, "999");
        r.body = b"hello".to_vec();
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(text.starts_with("OPTIONS sip:carol@chicago.com SIP/2.0\r\nVia: "));
        assert!(text.ends_with("Content-Length: 5\r\n\r\nhello"));
    }
}
