//! Character classes and a small scanner for the RFC 3261 §25 grammar.
//! Typed header parsers are written on top of [`Scanner`].

/// A 256-entry membership table for a byte class, so that the scanners'
/// hot loops test a class with one load instead of a chain of compares.
/// The class holds the ASCII alphanumerics and `marks`.
const fn table(marks: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < marks.len() {
        t[marks[i] as usize] = true;
        i += 1;
    }
    t
}

static TOKEN: [bool; 256] = table(b"-.!%*_+`'~");
static UNRESERVED: [bool; 256] = table(b"-_.!~*'()");
static WORD: [bool; 256] = table(b"-.!%*_+`'~()<>:\\\"/[]?{}");

/// `token` characters (RFC 3261 §25.1).
pub(crate) fn is_token(b: u8) -> bool {
    TOKEN[b as usize]
}

/// `unreserved` characters: alphanumerics and marks.
pub(crate) fn is_unreserved(b: u8) -> bool {
    UNRESERVED[b as usize]
}

/// `word` characters, used by Call-ID (RFC 3261 §25.1).
pub(crate) fn is_word(b: u8) -> bool {
    WORD[b as usize]
}

/// The position of byte `b` (ASCII) in `s`. Faster than `str::find` with
/// a `char`, which checks each candidate with a `memcmp` call.
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    memchr::memchr(b, s.as_bytes())
}

/// Whether `s` is a non-empty token.
pub(crate) fn is_token_str(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token)
}

/// Checks that `s` only holds `allowed` characters or `%HH` escapes.
pub(crate) fn is_escaped_run(s: &str, allowed: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
        } else if allowed(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Decodes `%HH` escapes (RFC 3261 §19.1.4 compares URIs unescaped).
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Prints `;name[=value]` parameters as kept (URI and header parameters
/// share the shape).
pub(crate) fn write_params(
    f: &mut std::fmt::Formatter<'_>,
    params: &[(String, Option<String>)],
) -> std::fmt::Result {
    for (n, v) in params {
        write!(f, ";{n}")?;
        if let Some(v) = v {
            write!(f, "={v}")?;
        }
    }
    Ok(())
}

/// Splits a header value at top-level commas: commas inside quoted strings
/// and angle brackets do not separate values (RFC 3261 §7.3.1).
pub(crate) fn split_commas(value: &str) -> impl Iterator<Item = &str> {
    let b = value.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut quoted = false;
        let mut angle = false;
        while i < b.len() {
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' if !angle => quoted = !quoted,
                b'<' if !quoted => angle = true,
                b'>' if !quoted => angle = false,
                b',' if !quoted && !angle => {
                    let part = &value[start..i];
                    i += 1;
                    start = i;
                    return Some(part.trim_matches(is_lws_char));
                }
                _ => {}
            }
            i += 1;
        }
        done = true;
        Some(value[start.min(value.len())..].trim_matches(is_lws_char))
    })
}

pub(crate) fn is_lws_char(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A cursor over a header value.
pub(crate) struct Scanner<'a> {
    pub s: &'a str,
    pub pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(s: &'a str) -> Self {
        Self { s, pos: 0 }
    }

    pub fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// Skips spaces and tabs (header values arrive unfolded).
    pub fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Consumes `b` (after optional whitespace) if it is next.
    pub fn eat(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Takes the longest run of bytes matching `f`.
    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        let b = self.s.as_bytes();
        while self.pos < b.len() && f(b[self.pos]) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// A token, or `None` if the next byte cannot start one.
    pub fn token(&mut self) -> Option<&'a str> {
        let t = self.take_while(is_token);
        (!t.is_empty()).then_some(t)
    }

    /// A quoted string starting at the cursor: returns the unescaped text,
    /// or `None` if it is not terminated (RFC 3261 §25.1 `quoted-string`).
    pub fn quoted(&mut self) -> Option<String> {
        let b = self.s.as_bytes();
        if self.peek() != Some(b'"') {
            return None;
        }
        let mut out = String::new();
        let mut i = self.pos + 1;
        let mut run = i;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    out.push_str(&self.s[run..i]);
                    self.pos = i + 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(&self.s[run..i]);
                    // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                    let next = *b.get(i + 1)?;
                    if next == b'\r' || next == b'\n' || next >= 0x80 {
                        return None;
                    }
                    out.push(next as char);
                    i += 2;
                    run = i;
                }
                _ => i += 1,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_tables_match_the_rfc_3261_classes() {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b);
        let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b);
        let word = |b: u8| token(b) || b"()<>:\\\"/[]?{}".contains(&b);
        for b in 0..=255u8 {
            assert_eq!(is_token(b), token(b), "token {b}");
            assert_eq!(is_unreserved(b), unreserved(b), "unreserved {b}");
            assert_eq!(is_word(b), word(b), "word {b}");
        }
    }

    #[test]
    fn commas_inside_quotes_and_brackets_do_not_split() {
        let parts: Vec<_> = split_commas(r#""a, \"b" <sip:x@y;p=1,2>;q=1 , <sip:z>"#).collect();
        assert_eq!(parts, vec![r#""a, \"b" <sip:x@y;p=1,2>;q=1"#, "<sip:z>"]);
    }

    #[test]
    fn unescape_decodes_percent_escapes_and_keeps_bad_ones() {
        assert_eq!(unescape("a%20b%zz%4"), b"a b%zz%4");
    }

    #[test]
    fn escaped_runs_reject_truncated_escapes() {
        assert!(is_escaped_run("ab%41", is_unreserved));
        assert!(!is_escaped_run("ab%4", is_unreserved));
        assert!(!is_escaped_run("a b", is_unreserved));
    }

    #[test]
    fn quoted_strings_unescape_and_must_terminate() {
        let mut s = Scanner::new(r#""J \"Rosenberg\\" <x>"#);
        assert_eq!(s.quoted().as_deref(), Some(r#"J "Rosenberg\"#));
        assert_eq!(s.rest(), " <x>");
        assert_eq!(Scanner::new(r#""open"#).quoted(), None);
    }
}
