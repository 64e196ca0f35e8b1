//! SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966); any other scheme is
//! kept as an opaque absolute URI (RFC 3261 §19.1 allows them anywhere a
//! URI goes; RFC 4475 §3.3.2).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::syntax::{find_byte, is_escaped_run, is_unreserved, unescape, write_params};

/// Why a URI does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// There is no `scheme:` prefix.
    #[error("URI {0:?} has no scheme")]
    NoScheme(String),
    /// The user part holds a character that must be escaped.
    #[error("invalid user part in URI {0:?}")]
    User(String),
    /// The password holds a character that must be escaped.
    #[error("invalid password in URI {0:?}")]
    Password(String),
    /// The host is missing or is not a host name or IP address.
    #[error("invalid host in URI {0:?}")]
    Host(String),
    /// The port is not a number from 0 to 65535.
    #[error("invalid port in URI {0:?}")]
    Port(String),
    /// A `;name=value` parameter is empty or holds invalid characters.
    #[error("invalid parameter in URI {0:?}")]
    Param(String),
    /// A `?name=value` header is malformed.
    #[error("invalid header in URI {0:?}")]
    Header(String),
    /// A tel URI's number is not a valid global or local number.
    #[error("invalid telephone number in URI {0:?}")]
    Tel(String),
    /// An absolute URI holds whitespace or control characters.
    #[error("invalid characters in URI {0:?}")]
    Chars(String),
}

/// The host of a SIP URI or Via.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A host name, as written (compare case-insensitively).
    Name(String),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl Host {
    /// Parses a host name, IPv4 address, or bracketed IPv6 reference.
    pub fn parse(s: &str) -> Option<Host> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']')?;
            // RFC 5118 §4.10: the RFC 3261 ABNF lets a three-colon form
            // like `2001:db8:::192.0.2.1` through; read it as `::`.
            return inner
                .parse()
                .ok()
                .or_else(|| inner.replacen(":::", "::", 1).parse().ok())
                .map(Host::V6);
        }
        if s.is_empty() {
            return None;
        }
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return s.parse().ok().map(Host::V4);
        }
        // hostname = *( domainlabel "." ) toplabel [ "." ]
        let labels = s.strip_suffix('.').unwrap_or(s);
        let ok = labels.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
        ok.then(|| Host::Name(s.to_owned()))
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// A `sip:` or `sips:` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUri {
    pub secure: bool,
    /// The user part as written, escapes included.
    pub user: Option<String>,
    /// The password as written (deprecated, but legal).
    pub password: Option<String>,
    pub host: Host,
    pub port: Option<u16>,
    /// `;name[=value]` parameters in order, as written.
    pub params: Vec<(String, Option<String>)>,
    /// `?name=value` headers in order, as written.
    pub headers: Vec<(String, String)>,
}

impl SipUri {
    /// A plain `sip:user@host[:port]` URI.
    pub fn new(user: Option<&str>, host: Host, port: Option<u16>) -> Self {
        Self {
            secure: false,
            user: user.map(str::to_owned),
            password: None,
            host,
            port,
            params: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The value of parameter `name` (case-insensitive): `Some(None)` for a
    /// flag like `;lr`.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The user part with escapes decoded.
    pub fn user_unescaped(&self) -> Option<String> {
        self.user
            .as_deref()
            .map(|u| String::from_utf8_lossy(&unescape(u)).into_owned())
    }

    /// The `transport` parameter, lower-cased.
    pub fn transport(&self) -> Option<String> {
        self.param("transport")
            .flatten()
            .map(str::to_ascii_lowercase)
    }

    fn parse(secure: bool, rest: &str, whole: &str) -> Result<Self, UriError> {
        let err = |f: fn(String) -> UriError| f(whole.to_owned());
        // RFC 3261 §19.1.1: user and password cannot hold an unescaped
        // '@', so the first one ends the userinfo.
        let (userinfo, hostpart) = match find_byte(rest, b'@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => {
                let (u, p) = match find_byte(ui, b':') {
                    Some(c) => (&ui[..c], Some(&ui[c + 1..])),
                    None => (ui, None),
                };
                // user = 1*( unreserved / escaped / user-unreserved )
                let user_ok = |b: u8| {
                    is_unreserved(b)
                        || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
                };
                if u.is_empty() || !is_escaped_run(u, user_ok) {
                    return Err(err(UriError::User));
                }
                let pass_ok =
                    |b: u8| is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',');
                if let Some(p) = p
                    && !is_escaped_run(p, pass_ok)
                {
                    return Err(err(UriError::Password));
                }
                (Some(u.to_owned()), p.map(str::to_owned))
            }
        };
        let host_end = if hostpart.starts_with('[') {
            find_byte(hostpart, b']')
                .map(|i| i + 1)
                .ok_or_else(|| err(UriError::Host))?
        } else {
            hostpart.find([':', ';', '?']).unwrap_or(hostpart.len())
        };
        let host = Host::parse(&hostpart[..host_end]).ok_or_else(|| err(UriError::Host))?;
        let mut tail = &hostpart[host_end..];
        let mut port = None;
        if let Some(p) = tail.strip_prefix(':') {
            let end = p.find([';', '?']).unwrap_or(p.len());
            let digits = &p[..end];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(UriError::Port));
            }
            port = Some(digits.parse().map_err(|_| err(UriError::Port))?);
            tail = &p[end..];
        }
        let (params_part, headers_part) = match find_byte(tail, b'?') {
            Some(q) => (&tail[..q], Some(&tail[q + 1..])),
            None => (tail, None),
        };
        let params = parse_params(params_part).ok_or_else(|| err(UriError::Param))?;
        let mut headers = Vec::new();
        if let Some(h) = headers_part {
            // hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
            let hnv = |b: u8| is_unreserved(b) || b"[]/?:+$".contains(&b);
            for pair in h.split('&') {
                let (n, v) = pair.split_once('=').ok_or_else(|| err(UriError::Header))?;
                if n.is_empty() || !is_escaped_run(n, hnv) || !is_escaped_run(v, hnv) {
                    return Err(err(UriError::Header));
                }
                headers.push((n.to_owned(), v.to_owned()));
            }
        }
        Ok(Self {
            secure,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }
}

/// Parses `;a=b;c` into pairs; `None` if a parameter is empty or holds a
/// character outside `paramchar` (RFC 3261 §25.1).
fn parse_params(s: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    if s.is_empty() {
        return Some(out);
    }
    let s = s.strip_prefix(';')?;
    let paramchar = |b: u8| is_unreserved(b) || b"[]/:&+$".contains(&b);
    for p in s.split(';') {
        let (n, v) = match p.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (p, None),
        };
        if n.is_empty() || !is_escaped_run(n, paramchar) {
            return None;
        }
        if let Some(v) = v
            && (v.is_empty() || !is_escaped_run(v, paramchar))
        {
            return None;
        }
        out.push((n.to_owned(), v.map(str::to_owned)));
    }
    Some(out)
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write_params(f, &self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

/// A `tel:` URI (RFC 3966): the number as written and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelUri {
    pub number: String,
    pub params: Vec<(String, Option<String>)>,
}

impl TelUri {
    /// The number's digits with visual separators removed (`+` kept).
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| c.is_ascii_hexdigit() || matches!(c, '+' | '*' | '#'))
            .collect()
    }
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tel:{}", self.number)?;
        write_params(f, &self.params)
    }
}

/// Any URI a SIP message may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    Sip(SipUri),
    Tel(TelUri),
    /// Another scheme, kept as written (e.g. `http:`, `urn:`, `name:`).
    Other {
        scheme: String,
        rest: String,
    },
}

impl Uri {
    /// Parses a URI as it appears in a Request-Line or inside `<...>`.
    pub fn parse(s: &str) -> Result<Uri, UriError> {
        let colon = find_byte(s, b':').ok_or_else(|| UriError::NoScheme(s.to_owned()))?;
        let scheme = &s[..colon];
        let rest = &s[colon + 1..];
        let scheme_ok = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(UriError::NoScheme(s.to_owned()));
        }
        if scheme.eq_ignore_ascii_case("sip") {
            SipUri::parse(false, rest, s).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse(true, rest, s).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("tel") {
            let (number, params) = match find_byte(rest, b';') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let visual = |b: u8| b.is_ascii_hexdigit() || b"*#-.()".contains(&b);
            let digits = number.strip_prefix('+').unwrap_or(number);
            if digits.is_empty() || !digits.bytes().all(visual) {
                return Err(UriError::Tel(s.to_owned()));
            }
            let params = parse_params(params).ok_or_else(|| UriError::Param(s.to_owned()))?;
            Ok(Uri::Tel(TelUri {
                number: number.to_owned(),
                params,
            }))
        } else {
            if rest.is_empty()
                || rest
                    .bytes()
                    .any(|b| b <= b' ' || b == 0x7f || b == b'<' || b == b'>' || b == b'"')
            {
                return Err(UriError::Chars(s.to_owned()));
            }
            Ok(Uri::Other {
                scheme: scheme.to_owned(),
                rest: rest.to_owned(),
            })
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The scheme, lower-cased for sip, sips and tel.
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other { scheme, .. } => scheme,
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(t) => t.fmt(f),
            Uri::Other { scheme, rest } => write!(f, "{scheme}:{rest}"),
        }
    }
}

impl std::str::FromStr for Uri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uri::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        match Uri::parse(s).unwrap() {
            Uri::Sip(u) => u,
            other => panic!("not sip: {other:?}"),
        }
    }

    #[test]
    fn full_sip_uri_parses_and_prints_back() {
        let s = "sips:alice:secret@[2001:db8::10]:5061;transport=tcp;lr?subject=hi&x=y";
        let u = sip(s);
        assert!(u.secure);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::V6("2001:db8::10".parse().unwrap()));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.param("LR"), Some(None));
        assert_eq!(u.transport().as_deref(), Some("tcp"));
        assert_eq!(u.headers.len(), 2);
        assert_eq!(u.to_string(), s);
    }

    #[test]
    fn unusual_but_legal_user_parts_parse() {
        // RFC 4475 §3.1.1.2 (intmeth).
        let s = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
        let u = sip(s);
        assert_eq!(
            u.user.as_deref(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(u.to_string(), s);
    }

    #[test]
    fn escaped_user_is_decoded_on_request() {
        let u = sip("sip:%61lice%00@example.com");
        assert_eq!(u.user_unescaped().unwrap(), "alice\0");
    }

    #[test]
    fn bad_uris_are_rejected_with_the_part_named() {
        assert!(matches!(Uri::parse("sip:user@"), Err(UriError::Host(_))));
        assert!(matches!(Uri::parse("sip:a b@x"), Err(UriError::User(_))));
        assert!(matches!(Uri::parse("sip:x:99999"), Err(UriError::Port(_))));
        assert!(matches!(Uri::parse("sip:x;;lr"), Err(UriError::Param(_))));
        assert!(matches!(Uri::parse("nocolon"), Err(UriError::NoScheme(_))));
        assert!(matches!(Uri::parse("sip:x?h"), Err(UriError::Header(_))));
    }

    #[test]
    fn tel_and_unknown_schemes_are_kept() {
        let t = Uri::parse("tel:+33-1-99-00;phone-context=example.com").unwrap();
        assert_eq!(t.scheme(), "tel");
        assert_eq!(t.to_string(), "tel:+33-1-99-00;phone-context=example.com");
        let Uri::Tel(tel) = t else { unreachable!() };
        assert_eq!(tel.digits(), "+3319900");
        let o = Uri::parse("kingdom:animal:chordata").unwrap();
        assert_eq!(o.scheme(), "kingdom");
        assert_eq!(o.to_string(), "kingdom:animal:chordata");
    }
}
