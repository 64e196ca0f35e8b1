//! Typed views of the headers the switch uses. Each parses one header
//! value (one element of a list header) and prints back to a value that
//! parses to the same thing.

mod name_addr;
mod via;

use std::fmt;

pub use name_addr::{Contact, NameAddr};
pub use via::Via;

use crate::method::Method;
use crate::syntax::{Scanner, find_byte, is_token, write_params};

/// Why a header value does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {header} header: {problem}")]
pub struct HeaderError {
    /// The header's name.
    pub header: &'static str,
    /// What is wrong, in a few words.
    pub problem: String,
}

impl HeaderError {
    pub(crate) fn new(header: &'static str, problem: impl Into<String>) -> Self {
        Self {
            header,
            problem: problem.into(),
        }
    }
}

/// `;name[=value]` header parameters (RFC 3261 §25.1 `generic-param`),
/// with quoted values kept quoted so they print back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, Option<String>)>);

impl Params {
    /// The value of `name` (case-insensitive); `Some(None)` for a flag.
    /// Quoted values are returned without their quotes.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| {
                v.as_deref().map(|v| {
                    v.strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(v)
                })
            })
    }

    /// The value of `name` when it has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// Sets `name` to `value`, replacing an existing one.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Parses `*( SEMI generic-param )` from the scanner to its end.
    pub(crate) fn parse(s: &mut Scanner<'_>, header: &'static str) -> Result<Params, HeaderError> {
        let mut out = Vec::new();
        loop {
            s.skip_ws();
            if s.at_end() {
                return Ok(Params(out));
            }
            if !s.eat(b';') {
                return Err(HeaderError::new(
                    header,
                    format!("unexpected {:?}", s.rest()),
                ));
            }
            s.skip_ws();
            let name = s
                .token()
                .ok_or_else(|| HeaderError::new(header, "empty parameter"))?;
            let value = if s.eat(b'=') {
                s.skip_ws();
                if s.peek() == Some(b'"') {
                    let start = s.pos;
                    s.quoted()
                        .ok_or_else(|| HeaderError::new(header, "unterminated quoted parameter"))?;
                    Some(s.s[start..s.pos].to_owned())
                } else {
                    // gen-value = token / host / quoted-string; IPv6
                    // references bring brackets and colons.
                    let v = s.take_while(|b| is_token(b) || matches!(b, b'[' | b']' | b':'));
                    if v.is_empty() {
                        return Err(HeaderError::new(
                            header,
                            format!("parameter {name} has no value"),
                        ));
                    }
                    Some(v.to_owned())
                }
            } else {
                None
            };
            out.push((name.to_owned(), value));
        }
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_params(f, &self.0)
    }
}

/// The CSeq header: a sequence number below 2^31 and a method (RFC 3261
/// §8.1.1.5, §20.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    pub fn parse(value: &str) -> Result<CSeq, HeaderError> {
        let mut s = Scanner::new(value);
        s.skip_ws();
        let digits = s.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(HeaderError::new("CSeq", "no sequence number"));
        }
        let seq: u32 = digits
            .parse()
            .ok()
            .filter(|n| *n < 1 << 31)
            .ok_or_else(|| {
                HeaderError::new("CSeq", format!("sequence number {digits} is 2^31 or more"))
            })?;
        let gap = s.pos;
        s.skip_ws();
        if s.pos == gap {
            return Err(HeaderError::new("CSeq", "no space before the method"));
        }
        let method = s
            .token()
            .ok_or_else(|| HeaderError::new("CSeq", "no method"))?;
        s.skip_ws();
        if !s.at_end() {
            return Err(HeaderError::new(
                "CSeq",
                format!("unexpected {:?}", s.rest()),
            ));
        }
        Ok(CSeq {
            seq,
            method: Method::parse(method),
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Checks a Call-ID (`word [ "@" word ]`).
pub fn check_call_id(value: &str) -> Result<(), HeaderError> {
    // '@' is not a word character, so a second one fails the second word.
    let word = |w: &str| !w.is_empty() && w.bytes().all(crate::syntax::is_word);
    let ok = match find_byte(value, b'@') {
        Some(at) => word(&value[..at]) && word(&value[at + 1..]),
        None => word(value),
    };
    if ok {
        Ok(())
    } else {
        Err(HeaderError::new(
            "Call-ID",
            format!("{value:?} is not a word[@word]"),
        ))
    }
}

/// Parses a delta-seconds value (Expires, Min-Expires, Max-Forwards).
pub fn parse_number(header: &'static str, value: &str, max: u32) -> Result<u32, HeaderError> {
    let v = value.trim_matches([' ', '\t']);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HeaderError::new(header, format!("{v:?} is not a number")));
    }
    v.parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| HeaderError::new(header, format!("{v} is more than {max}")))
}

/// Checks an RFC 1123 date in GMT, as SIP requires (RFC 3261 §20.17):
/// `Sat, 13 Nov 2010 23:29:00 GMT`.
pub fn check_date(value: &str) -> Result<(), HeaderError> {
    let bad = || HeaderError::new("Date", format!("{value:?} is not an RFC 1123 date in GMT"));
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let [wkday, day, month, year, time, zone] = parts[..] else {
        return Err(bad());
    };
    let days = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let time_ok =
        time.len() == 8 && time.split(':').count() == 3 && time.split(':').all(|p| digits(p, 2));
    if days.contains(&wkday)
        && digits(day, 2)
        && months.contains(&month)
        && digits(year, 4)
        && time_ok
        && zone == "GMT"
    {
        Ok(())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq_parses_and_rejects_overlarge_numbers() {
        let c = CSeq::parse("  4711   INVITE ").unwrap();
        assert_eq!((c.seq, c.method), (4711, Method::Invite));
        assert!(CSeq::parse("36893488147419103232 INVITE").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("1INVITE").is_err());
        assert!(CSeq::parse("INVITE").is_err());
    }

    #[test]
    fn dates_must_be_in_gmt() {
        assert!(check_date("Sat, 13 Nov 2010 23:29:00 GMT").is_ok());
        assert!(check_date("Fri, 01 Jan 2010 16:00:00 EST").is_err());
    }

    #[test]
    fn call_ids_are_words() {
        assert!(check_call_id("a84b4c76e66710@pc33.atlanta.com").is_ok());
        assert!(check_call_id("has space").is_err());
        assert!(check_call_id("a@b@c").is_err());
    }

    #[test]
    fn numbers_have_a_ceiling() {
        assert_eq!(parse_number("Max-Forwards", " 70", 255), Ok(70));
        assert!(parse_number("Max-Forwards", "300", 255).is_err());
        assert!(parse_number("Expires", "-1", u32::MAX).is_err());
    }

    #[test]
    fn params_keep_quotes_for_printing_but_not_for_reading() {
        let mut s = Scanner::new(r#";tag=abc ; +sip.instance="<urn:uuid:1>";lr"#);
        let p = Params::parse(&mut s, "X").unwrap();
        assert_eq!(p.value("TAG"), Some("abc"));
        assert_eq!(p.value("+sip.instance"), Some("<urn:uuid:1>"));
        assert_eq!(p.get("lr"), Some(None));
        assert_eq!(p.to_string(), r#";tag=abc;+sip.instance="<urn:uuid:1>";lr"#);
        assert!(Params::parse(&mut Scanner::new(";;"), "X").is_err());
    }
}
