//! Voicemail audio over HTTP (SPEC U3), for the user portal and the API
//! alike: a message's MP3 whole or as one byte range (RFC 9110 §14), so
//! that a browser's `<audio>` can seek, and with a file name when it is
//! downloaded.
//!
//! Only single ranges are served; a request for several ranges, or a
//! Range header that does not parse, gets the whole file (RFC 9110 §14.2
//! lets a server ignore Range).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::UnixMillis;
use voicemail::{BlobError, Blobs};

use crate::local_time::Zone;

/// The part of a file a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// No (usable) Range header: the whole file, 200.
    Whole,
    /// One range, `start..end` (end exclusive), 206.
    Part { start: u64, end: u64 },
}

/// A range that lies past the end of the file (416).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

impl Wanted {
    /// Reads the `Range` header of a request for a file of `size` bytes:
    /// `bytes=a-b`, `bytes=a-` or `bytes=-n`.
    pub fn of(range: Option<&str>, size: u64) -> Result<Self, Unsatisfiable> {
        let Some(range) = range else {
            return Ok(Self::Whole);
        };
        let Some((unit, spec)) = range.trim().split_once('=') else {
            return Ok(Self::Whole);
        };
        // RFC 9110 §14.1: the unit is case-insensitive.
        if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
            return Ok(Self::Whole);
        }
        let Some((first, last)) = spec.trim().split_once('-') else {
            return Ok(Self::Whole);
        };
        let number = |s: &str| s.trim().parse::<u64>().ok();
        if first.trim().is_empty() {
            // RFC 9110 §14.1.2: a suffix range, the last `n` bytes.
            let Some(n) = number(last) else {
                return Ok(Self::Whole);
            };
            if n == 0 || size == 0 {
                return Err(Unsatisfiable);
            }
            return Ok(Self::Part {
                start: size.saturating_sub(n),
                end: size,
            });
        }
        let Some(start) = number(first) else {
            return Ok(Self::Whole);
        };
        let end = match last.trim() {
            "" => size,
            last => match number(last) {
                // A last position before the first makes the header
                // invalid, hence ignored.
                Some(l) if l >= start => l.saturating_add(1).min(size),
                _ => return Ok(Self::Whole),
            },
        };
        if start >= size {
            return Err(Unsatisfiable);
        }
        Ok(Self::Part { start, end })
    }

    /// Whether the file is read from its first byte: a player starting a
    /// message rather than seeking in it.
    pub fn from_start(self) -> bool {
        match self {
            Self::Whole => true,
            Self::Part { start, .. } => start == 0,
        }
    }
}

/// The `Range` header of a request, when it is text.
pub fn range_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::RANGE).and_then(|v| v.to_str().ok())
}

/// How the response presents the file.
pub enum Disposition {
    /// Played in the page.
    Inline,
    /// Saved under this file name.
    Attachment(String),
}

/// The download name of a message received at `at`, in the account's
/// time zone: `message-2026-12-06-0930.mp3`.
pub fn file_name(zone: &Zone, at: UnixMillis) -> String {
    format!("message-{}.mp3", zone.stamp(at))
}

/// The answer to a request for the MP3 at `key` (`size` bytes): 200 with
/// the whole file, 206 with the part `wanted`, or 416 when the range lies
/// past the end.
pub async fn respond(
    blobs: &Blobs,
    key: &str,
    size: u64,
    wanted: Result<Wanted, Unsatisfiable>,
    disposition: Disposition,
) -> Result<Response, BlobError> {
    let (status, body, content_range) = match wanted {
        Err(Unsatisfiable) => {
            // RFC 9110 §15.5.17: a 416 says how long the file is.
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            let h = res.headers_mut();
            h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            h.insert(header::CONTENT_RANGE, value(&format!("bytes */{size}")));
            return Ok(res);
        }
        Ok(Wanted::Whole) => (StatusCode::OK, blobs.get(key).await?, None),
        Ok(Wanted::Part { start, end }) => (
            StatusCode::PARTIAL_CONTENT,
            blobs.get_range(key, start..end).await?,
            Some(format!("bytes {start}-{}/{size}", end - 1)),
        ),
    };
    let mut res = (status, Body::from(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/mpeg"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // A message is personal: no shared cache keeps it.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    if let Some(range) = content_range {
        h.insert(header::CONTENT_RANGE, value(&range));
    }
    if let Disposition::Attachment(name) = disposition {
        h.insert(
            header::CONTENT_DISPOSITION,
            value(&format!("attachment; filename=\"{name}\"")),
        );
    }
    Ok(res)
}

/// A header value made of ASCII text this module wrote.
fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("ranges and file names are ASCII without controls")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(range: &str, size: u64, expected: Result<Wanted, Unsatisfiable>) {
        assert_eq!(
            Wanted::of(Some(range), size),
            expected,
            "{range:?} of {size}"
        );
    }

    fn part(start: u64, end: u64) -> Result<Wanted, Unsatisfiable> {
        Ok(Wanted::Part { start, end })
    }

    #[test]
    fn the_three_single_range_forms_are_read_and_clamped_to_the_file() {
        check("bytes=0-9", 100, part(0, 10));
        check("bytes=10-", 100, part(10, 100));
        check("bytes=-30", 100, part(70, 100));
        check("bytes=90-500", 100, part(90, 100));
        check("bytes=-500", 100, part(0, 100));
        check("Bytes = 5-5", 100, part(5, 6));
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        check("bytes=100-", 100, Err(Unsatisfiable));
        check("bytes=100-200", 100, Err(Unsatisfiable));
        check("bytes=-0", 100, Err(Unsatisfiable));
        check("bytes=0-", 0, Err(Unsatisfiable));
    }

    #[test]
    fn absent_invalid_or_multiple_ranges_mean_the_whole_file() {
        assert_eq!(Wanted::of(None, 100), Ok(Wanted::Whole));
        check("bytes=5-2", 100, Ok(Wanted::Whole));
        check("bytes=0-1,5-6", 100, Ok(Wanted::Whole));
        check("items=0-1", 100, Ok(Wanted::Whole));
        check("bytes=a-b", 100, Ok(Wanted::Whole));
        check("bytes", 100, Ok(Wanted::Whole));
    }

    #[test]
    fn only_a_read_from_the_first_byte_starts_a_message() {
        assert!(Wanted::Whole.from_start());
        assert!(Wanted::Part { start: 0, end: 2 }.from_start());
        assert!(!Wanted::Part { start: 1, end: 2 }.from_start());
    }
}
