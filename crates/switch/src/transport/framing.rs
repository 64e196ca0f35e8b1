//! Cutting a byte stream (TCP, TLS) into SIP messages (RFC 3261 §18.3):
//! headers end at the first empty line, the body is Content-Length bytes
//! (required on streams). CRLF keep-alives between messages (RFC 5626
//! §3.5.1) are recognised: a double CRLF "ping" asks for a single CRLF
//! "pong".

use bytes::{Buf, Bytes, BytesMut};

/// What the stream yielded.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// One whole SIP message, headers and body.
    Message(Bytes),
    /// A CRLF CRLF keep-alive ping: answer with a single CRLF.
    Ping,
    /// A lone CRLF (a pong, or stray line ending): nothing to do.
    Pong,
}

/// Why the stream cannot go on; the connection should be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// The headers grew beyond the limit without an empty line.
    #[error("SIP message headers exceed {0} bytes")]
    HeadersTooLarge(usize),
    /// The message announces more body than the limit allows.
    #[error("SIP message body of {0} bytes exceeds the limit")]
    BodyTooLarge(usize),
    /// A stream message must say how long its body is.
    #[error("Content-Length is missing or invalid on a stream transport")]
    BadContentLength,
}

/// Takes the next frame off the front of `buf`, or `None` if more bytes are
/// needed.
pub fn next_frame(buf: &mut BytesMut, max_message: usize) -> Result<Option<Frame>, FramingError> {
    if buf.starts_with(b"\r\n\r\n") {
        buf.advance(4);
        return Ok(Some(Frame::Ping));
    }
    if buf.starts_with(b"\r\n") {
        // "\r\n" and "\r\n\r" may still become a ping whose second half
        // is in flight, so they wait for more bytes; a CRLF followed by
        // anything else is a pong (or a stray line end before a start line,
        // which RFC 3261 §7.5 says to ignore).
        if &buf[..] == b"\r\n" || &buf[..] == b"\r\n\r" {
            return Ok(None);
        }
        buf.advance(2);
        return Ok(Some(Frame::Pong));
    }
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > max_message {
            return Err(FramingError::HeadersTooLarge(max_message));
        }
        return Ok(None);
    };
    let head_len = end + 4;
    if head_len > max_message {
        return Err(FramingError::HeadersTooLarge(max_message));
    }
    let body_len = content_length(&buf[..end]).ok_or(FramingError::BadContentLength)?;
    // Compared by subtraction: a huge Content-Length must not overflow.
    if body_len > max_message - head_len {
        return Err(FramingError::BodyTooLarge(body_len));
    }
    let total = head_len + body_len;
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(Frame::Message(buf.split_to(total).freeze())))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of Content-Length (or its compact form `l`) in a header block.
fn content_length(head: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(head).ok()?;
    let mut found = None;
    for line in text.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l") {
            let n = value.trim().parse::<usize>().ok()?;
            if found.is_some_and(|f| f != n) {
                return None;
            }
            found = Some(n);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] =
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 4\r\n\r\nbody";

    #[test]
    fn messages_are_cut_by_content_length_even_when_split_or_joined() {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&MSG[..10]);
        assert_eq!(next_frame(&mut buf, 65536), Ok(None));
        buf.extend_from_slice(&MSG[10..]);
        buf.extend_from_slice(MSG);
        assert_eq!(
            next_frame(&mut buf, 65536),
            Ok(Some(Frame::Message(Bytes::from_static(MSG))))
        );
        assert_eq!(
            next_frame(&mut buf, 65536),
            Ok(Some(Frame::Message(Bytes::from_static(MSG))))
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn keep_alive_ping_and_pong_are_recognised() {
        let mut buf = BytesMut::from(&b"\r\n\r\n\r\nOPTIONS"[..]);
        assert_eq!(next_frame(&mut buf, 100), Ok(Some(Frame::Ping)));
        assert_eq!(next_frame(&mut buf, 100), Ok(Some(Frame::Pong)));
        assert_eq!(next_frame(&mut buf, 100), Ok(None));
        assert_eq!(&buf[..], b"OPTIONS");
    }

    #[test]
    fn a_ping_split_in_halves_is_still_a_ping() {
        let mut buf = BytesMut::from(&b"\r\n"[..]);
        assert_eq!(next_frame(&mut buf, 100), Ok(None));
        buf.extend_from_slice(b"\r");
        assert_eq!(next_frame(&mut buf, 100), Ok(None));
        buf.extend_from_slice(b"\n");
        assert_eq!(next_frame(&mut buf, 100), Ok(Some(Frame::Ping)));
        assert!(buf.is_empty());
    }

    #[test]
    fn partial_headers_wait_for_more_bytes() {
        let mut buf = BytesMut::from(&MSG[..MSG.len() - 8]);
        assert_eq!(next_frame(&mut buf, 65536), Ok(None));
        assert_eq!(
            buf.len(),
            MSG.len() - 8,
            "nothing is consumed while waiting"
        );
    }

    #[test]
    fn a_partial_body_waits_for_the_rest() {
        let mut buf = BytesMut::from(&MSG[..MSG.len() - 2]);
        assert_eq!(next_frame(&mut buf, 65536), Ok(None));
        buf.extend_from_slice(&MSG[MSG.len() - 2..]);
        assert_eq!(
            next_frame(&mut buf, 65536),
            Ok(Some(Frame::Message(Bytes::from_static(MSG))))
        );
    }

    #[test]
    fn absurd_content_lengths_are_refused_without_overflow() {
        let mut buf = BytesMut::from(
            &b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 18446744073709551615\r\n\r\n"[..],
        );
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BodyTooLarge(usize::MAX))
        );
        let mut buf = BytesMut::from(
            &b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n"[..],
        );
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BadContentLength)
        );
        let mut buf = BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n"[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BadContentLength)
        );
    }

    #[test]
    fn headers_longer_than_the_limit_are_refused_even_when_complete() {
        let mut head = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\nX: ".to_vec();
        head.extend(std::iter::repeat_n(b'a', 200));
        head.extend_from_slice(b"\r\n\r\n");
        let mut buf = BytesMut::from(&head[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::HeadersTooLarge(100))
        );
    }

    #[test]
    fn non_utf8_headers_close_the_stream_without_panicking() {
        let mut buf = BytesMut::from(&b"OPTIONS \xff\xfe SIP/2.0\r\nContent-Length: 0\r\n\r\n"[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BadContentLength)
        );
    }

    #[test]
    fn missing_or_conflicting_content_length_closes_the_stream() {
        let mut buf = BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BadContentLength)
        );
        let mut buf =
            BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nxx"[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BadContentLength)
        );
    }

    #[test]
    fn oversized_messages_are_refused() {
        let mut buf = BytesMut::from(&vec![b'a'; 200][..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::HeadersTooLarge(100))
        );
        let mut buf =
            BytesMut::from(&b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1000\r\n\r\n"[..]);
        assert_eq!(
            next_frame(&mut buf, 100),
            Err(FramingError::BodyTooLarge(1000))
        );
    }
}
