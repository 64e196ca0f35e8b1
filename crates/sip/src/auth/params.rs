//! Tokenizer for digest auth-param lists and quoted-string printing,
//! RFC 3261 §25.1 and RFC 7616 §3.3-§3.4.

use std::fmt;

use super::AuthError;

/// Prints a string as an RFC 3261 §25.1 quoted-string, escaping `"` and `\`
/// with quoted-pairs. CR and LF cannot appear in a quoted-string at all and
/// are dropped, so a hostile value can never inject a header line.
pub(super) struct Quoted<'a>(pub(super) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                '\r' | '\n' => {}
                _ => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// RFC 3261 §25.1: token characters.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

/// RFC 3261 §25.1: LWS, after header unfolding may still contain CRLF.
fn is_lws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `Digest name=value, name="value", ...` into lowercased names and
/// unescaped values (RFC 3261 §25.1 quoted-string and quoted-pair).
///
/// Empty list elements (`a=1,,b=2`) are tolerated as in RFC 7230 §7.
/// Unquoted values run to the next whitespace or comma, which is laxer than
/// the token grammar so that e.g. an unquoted `uri=sip:host` still parses.
pub(super) fn parse_digest_params(input: &str) -> Result<Vec<(String, String)>, AuthError> {
    let mut cur = Cursor { input, pos: 0 };
    cur.skip_lws();
    let scheme = cur.take_while(is_token_char);
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(AuthError::NotDigest);
    }
    if !cur.peek().is_some_and(is_lws) {
        return Err(AuthError::Syntax {
            at: cur.pos,
            expected: "white space after Digest",
        });
    }
    let mut params = Vec::new();
    loop {
        while cur.peek().is_some_and(|c| is_lws(c) || c == ',') {
            cur.bump();
        }
        if cur.peek().is_none() {
            break;
        }
        let name = cur.take_while(is_token_char);
        if name.is_empty() {
            return Err(cur.syntax("parameter name"));
        }
        let name = name.to_ascii_lowercase();
        cur.skip_lws();
        if cur.peek() != Some('=') {
            return Err(cur.syntax("'='"));
        }
        cur.bump();
        cur.skip_lws();
        let value = if cur.peek() == Some('"') {
            cur.quoted_string()?
        } else {
            let v = cur.take_while(|c| !is_lws(c) && c != ',' && c != '"');
            if v.is_empty() {
                return Err(cur.syntax("parameter value"));
            }
            v.to_owned()
        };
        cur.skip_lws();
        match cur.peek() {
            None | Some(',') => {}
            Some(_) => return Err(cur.syntax("',' or end of value")),
        }
        params.push((name, value));
    }
    if params.is_empty() {
        return Err(cur.syntax("digest parameters"));
    }
    Ok(params)
}

/// A byte-position cursor over a header value.
struct Cursor<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn take_while(&mut self, pred: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.bump();
        }
        &self.input[start..self.pos]
    }

    fn skip_lws(&mut self) {
        self.take_while(is_lws);
    }

    fn syntax(&self, expected: &'static str) -> AuthError {
        AuthError::Syntax {
            at: self.pos,
            expected,
        }
    }

    /// RFC 3261 §25.1: quoted-string = DQUOTE *(qdtext / quoted-pair)
    /// DQUOTE, where a quoted-pair may not escape CR or LF and qdtext
    /// excludes control characters other than white space.
    fn quoted_string(&mut self) -> Result<String, AuthError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return Err(AuthError::UnterminatedQuote { at: start }),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    None => return Err(AuthError::UnterminatedQuote { at: start }),
                    Some('\r' | '\n') => {
                        return Err(AuthError::Syntax {
                            at,
                            expected: "quoted-pair not escaping CR or LF",
                        });
                    }
                    Some(c) => out.push(c),
                },
                Some(c) if c.is_ascii_control() && !is_lws(c) => {
                    return Err(AuthError::Syntax {
                        at,
                        expected: "printable character in quoted string",
                    });
                }
                Some(c) => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &str) -> Vec<(String, String)> {
        parse_digest_params(v).unwrap()
    }

    #[test]
    fn names_are_lowercased_and_values_kept_verbatim() {
        assert_eq!(
            pairs("Digest ReAlM=\"Pbx\", NONCE=AbC"),
            vec![
                ("realm".into(), "Pbx".into()),
                ("nonce".into(), "AbC".into())
            ]
        );
    }

    #[test]
    fn quoted_values_may_contain_commas_equals_and_utf8() {
        assert_eq!(
            pairs("Digest username=\"J\u{fc}rgen, a=b\""),
            vec![("username".into(), "J\u{fc}rgen, a=b".into())]
        );
    }

    #[test]
    fn empty_list_elements_and_trailing_commas_are_tolerated() {
        assert_eq!(pairs("Digest ,a=1,, b=2 ,").len(), 2);
    }

    #[test]
    fn empty_unquoted_value_is_a_syntax_error() {
        assert_eq!(
            parse_digest_params("Digest a=, b=1"),
            Err(AuthError::Syntax {
                at: 9,
                expected: "parameter value"
            })
        );
    }

    #[test]
    fn scheme_must_be_followed_by_white_space() {
        assert!(matches!(
            parse_digest_params("Digestrealm=x"),
            Err(AuthError::NotDigest)
        ));
        assert!(matches!(
            parse_digest_params("Digest,realm=x"),
            Err(AuthError::Syntax { at: 6, .. })
        ));
    }

    #[test]
    fn control_characters_inside_quotes_are_rejected() {
        assert!(matches!(
            parse_digest_params("Digest a=\"x\u{0}y\""),
            Err(AuthError::Syntax { at: 11, .. })
        ));
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(Quoted("a\"b\\c").to_string(), "\"a\\\"b\\\\c\"");
    }
}
