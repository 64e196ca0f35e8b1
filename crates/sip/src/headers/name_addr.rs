//! `name-addr` / `addr-spec` with header parameters: From, To, Contact,
//! Route, Record-Route, Refer-To (RFC 3261 §20.10, §25.1).

use std::fmt;

use super::{HeaderError, Params};
use crate::syntax::{Scanner, find_byte, is_token};
use crate::uri::Uri;

/// A display name, a URI and the header's own parameters (`tag`, `q`,
/// `expires`, `+sip.instance`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted and unescaped.
    pub display: Option<String>,
    pub uri: Uri,
    pub params: Params,
}

impl NameAddr {
    /// A bare `<uri>` with no parameters.
    pub fn new(uri: Uri) -> Self {
        Self {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// Parses one value of the header called `header`.
    pub fn parse(header: &'static str, value: &str) -> Result<NameAddr, HeaderError> {
        let err = |p: String| HeaderError::new(header, p);
        let mut s = Scanner::new(value);
        s.skip_ws();
        let mut display = None;
        if s.peek() == Some(b'"') {
            display = Some(
                s.quoted()
                    .ok_or_else(|| err("unterminated quoted display name".into()))?,
            );
            s.skip_ws();
            if s.peek() != Some(b'<') {
                return Err(err("display name without <URI>".into()));
            }
        } else if let Some(lt) = find_angle(s.rest()) {
            // display-name = *(token LWS) / quoted-string
            let name = s.rest()[..lt].trim_matches([' ', '\t']);
            let ok = name
                .split([' ', '\t'])
                .all(|w| w.is_empty() || w.bytes().all(is_token));
            if !ok {
                return Err(err(format!("display name {name:?} must be quoted")));
            }
            if !name.is_empty() {
                display = Some(name.to_owned());
            }
            s.pos += lt;
        }
        let uri;
        if s.peek() == Some(b'<') {
            // RFC 3261 §25.1: LAQUOT addr-spec RAQUOT, no whitespace inside.
            let inner_start = s.pos + 1;
            let close = find_byte(&s.s[inner_start..], b'>')
                .ok_or_else(|| err("no '>' after the URI".into()))?;
            let inner = &s.s[inner_start..inner_start + close];
            if inner.contains([' ', '\t']) {
                return Err(err(format!("whitespace inside <{inner}>")));
            }
            uri = Uri::parse(inner).map_err(|e| err(e.to_string()))?;
            s.pos = inner_start + close + 1;
        } else {
            // addr-spec: the URI ends at the first ';' (those are header
            // parameters) and may not hold ',', '?' or ';' (§20.10).
            let rest = s.rest();
            let end = rest.find([';', ' ', '\t']).unwrap_or(rest.len());
            let spec = &rest[..end];
            if spec.is_empty() {
                return Err(err("no URI".into()));
            }
            if spec.contains(['?', ',']) {
                return Err(err(format!("{spec:?} must be enclosed in <>")));
            }
            uri = Uri::parse(spec).map_err(|e| err(e.to_string()))?;
            s.pos += end;
        }
        let params = Params::parse(&mut s, header)?;
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }

    /// The `tag` parameter (From, To).
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }
}

/// The position of the `<` opening the URI, outside quotes.
fn find_angle(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'<' if !quoted => return Some(i),
            b';' if !quoted => return None,
            _ => {}
        }
    }
    None
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            f.write_str("\"")?;
            for c in d.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// The value of a Contact header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *` (REGISTER only: remove every binding).
    All,
    /// One contact.
    Addr(NameAddr),
}

impl Contact {
    pub fn parse(value: &str) -> Result<Contact, HeaderError> {
        if value.trim_matches([' ', '\t']) == "*" {
            return Ok(Contact::All);
        }
        NameAddr::parse("Contact", value).map(Contact::Addr)
    }

    /// The `expires` parameter, if present and a number.
    pub fn expires(&self) -> Option<u32> {
        match self {
            Contact::Addr(a) => a.params.value("expires").and_then(|v| v.parse().ok()),
            Contact::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_display_name_with_escapes_parses_and_prints_back() {
        let a =
            NameAddr::parse("To", r#" "J \"Bob\" S" <sip:bob@biloxi.com>;tag=a6c85cf"#).unwrap();
        assert_eq!(a.display.as_deref(), Some(r#"J "Bob" S"#));
        assert_eq!(a.tag(), Some("a6c85cf"));
        let again = NameAddr::parse("To", &a.to_string()).unwrap();
        assert_eq!(again, a);
    }

    #[test]
    fn token_display_names_and_addr_specs_parse() {
        let a = NameAddr::parse("From", "Bob Smith <sip:bob@b.example>;tag=1").unwrap();
        assert_eq!(a.display.as_deref(), Some("Bob Smith"));
        let b = NameAddr::parse("From", "sip:carol@chicago.com;tag=887s").unwrap();
        assert_eq!(b.uri.to_string(), "sip:carol@chicago.com");
        assert_eq!(b.tag(), Some("887s"));
    }

    #[test]
    fn malformed_name_addrs_are_rejected() {
        // RFC 4475 §3.1.2.6, .13, .14, .15.
        assert!(NameAddr::parse("To", r#""Mr. J. User <sip:j.user@example.com>"#).is_err());
        assert!(
            NameAddr::parse(
                "Contact",
                "sip:user@example.com?Route=%3Csip:sip.example.com%3E"
            )
            .is_err()
        );
        assert!(NameAddr::parse("To", r#""Watson, Thomas" < sip:t.watson@example.org >"#).is_err());
        assert!(
            NameAddr::parse("From", "Bell, Alexander <sip:a.g.bell@example.com>;tag=43").is_err()
        );
    }

    #[test]
    fn contact_star_and_expires() {
        assert_eq!(Contact::parse(" * ").unwrap(), Contact::All);
        let c = Contact::parse("<sip:a@192.0.2.4>;expires=60;q=0.5").unwrap();
        assert_eq!(c.expires(), Some(60));
    }
}
