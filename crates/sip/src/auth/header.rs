//! Parsing and printing of digest header values: challenges
//! (`WWW-Authenticate`, `Proxy-Authenticate`) and credentials
//! (`Authorization`, `Proxy-Authorization`), RFC 3261 §25.1 and
//! RFC 7616 §3.3-§3.4.

use std::fmt;

use super::params::{Quoted, parse_digest_params};
use super::{Algorithm, AuthError, Qop, format_nc, ha1, response};

/// A digest challenge, the value of a `WWW-Authenticate` or
/// `Proxy-Authenticate` header (RFC 7616 §3.3, RFC 3261 §22.1).
///
/// `Display` prints the header value, e.g.
/// `Digest realm="pbx", nonce="...", algorithm=SHA-256, qop="auth"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Protection space shown to the user (RFC 7616 §3.3: realm).
    pub realm: String,
    /// Server-specified nonce (RFC 7616 §3.3: nonce).
    pub nonce: String,
    /// Opaque data the client must echo back unchanged (RFC 7616 §3.3).
    pub opaque: Option<String>,
    /// Hash algorithm; MD5 when the parameter is absent (RFC 2617 §3.2.1).
    pub algorithm: Algorithm,
    /// RFC 7616 §3.3: the previous request was rejected only because its
    /// nonce was stale, so the client may retry without asking the user.
    pub stale: bool,
    /// Offered qop values, lowercased (RFC 7616 §3.3: qop). Empty means the
    /// legacy RFC 2069 form; challenges built by this module offer `auth`.
    pub qop: Vec<String>,
}

impl Challenge {
    /// Builds a challenge offering `qop="auth"`, without opaque and not
    /// stale, as RFC 3261 §22.4 requires servers to always send qop.
    pub fn new(realm: impl Into<String>, nonce: impl Into<String>, algorithm: Algorithm) -> Self {
        Challenge {
            realm: realm.into(),
            nonce: nonce.into(),
            opaque: None,
            algorithm,
            stale: false,
            qop: vec![Qop::Auth.token().to_owned()],
        }
    }

    /// Returns whether the challenge offers `qop=auth` (RFC 2617 §3.2.1).
    pub fn offers_qop_auth(&self) -> bool {
        self.qop.iter().any(|q| q == Qop::Auth.token())
    }

    /// Parses a challenge header value as sent by a carrier or proxy.
    ///
    /// RFC 7616 §3.3: parameters may come in any order, names compare
    /// case-insensitively, unknown parameters are ignored, and values may be
    /// quoted strings or tokens. `qop` may be a list such as `"auth,auth-int"`.
    pub fn parse(value: &str) -> Result<Challenge, AuthError> {
        let params = parse_digest_params(value)?;
        let mut realm = None;
        let mut nonce = None;
        let mut opaque = None;
        let mut algorithm = None;
        let mut stale = None;
        let mut qop = None;
        for (name, value) in params {
            let slot = match name.as_str() {
                "realm" => &mut realm,
                "nonce" => &mut nonce,
                "opaque" => &mut opaque,
                "algorithm" => &mut algorithm,
                "stale" => &mut stale,
                "qop" => &mut qop,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(AuthError::DuplicateParam(name));
            }
        }
        let qop = qop
            .map(|q| {
                q.split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Challenge {
            realm: realm.ok_or(AuthError::MissingParam("realm"))?,
            nonce: nonce.ok_or(AuthError::MissingParam("nonce"))?,
            opaque,
            algorithm: algorithm
                .as_deref()
                .map_or(Ok(Algorithm::Md5), str::parse)?,
            stale: stale.is_some_and(|s| s.eq_ignore_ascii_case("true")),
            qop,
        })
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest realm={}, nonce={}",
            Quoted(&self.realm),
            Quoted(&self.nonce)
        )?;
        if let Some(opaque) = &self.opaque {
            write!(f, ", opaque={}", Quoted(opaque))?;
        }
        write!(f, ", algorithm={}", self.algorithm)?;
        if !self.qop.is_empty() {
            write!(f, ", qop={}", Quoted(&self.qop.join(",")))?;
        }
        if self.stale {
            f.write_str(", stale=TRUE")?;
        }
        Ok(())
    }
}

/// Digest credentials, the value of an `Authorization` or
/// `Proxy-Authorization` header (RFC 7616 §3.4, RFC 3261 §22.2).
///
/// The struct holds no password: `response` is a one-way digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name in the realm (RFC 7616 §3.4: username).
    pub username: String,
    /// Realm copied from the challenge.
    pub realm: String,
    /// Nonce copied from the challenge.
    pub nonce: String,
    /// Request-URI as the client saw it (RFC 7616 §3.4: uri).
    pub uri: String,
    /// Request-digest, lowercase hex (RFC 2617 §3.2.2.1).
    pub response: String,
    /// Hash algorithm; MD5 when the parameter is absent (RFC 2617 §3.2.2).
    pub algorithm: Algorithm,
    /// Client nonce, present exactly when `qop` is (RFC 2617 §3.2.2).
    pub cnonce: Option<String>,
    /// Opaque value echoed from the challenge.
    pub opaque: Option<String>,
    /// Quality of protection applied; `None` is the legacy RFC 2069 form.
    pub qop: Option<Qop>,
    /// Nonce count, present exactly when `qop` is (RFC 2617 §3.2.2).
    pub nc: Option<u32>,
}

impl Credentials {
    /// Parses a credentials header value.
    ///
    /// RFC 7616 §3.4: the scheme `Digest` and parameter names compare
    /// case-insensitively, values may be quoted strings (with backslash
    /// quoted-pairs) or tokens, and linear white space may surround `=` and
    /// `,`. Unknown parameters are ignored; duplicated ones are rejected.
    pub fn parse(value: &str) -> Result<Credentials, AuthError> {
        let params = parse_digest_params(value)?;
        let mut fields: [Option<String>; 10] = Default::default();
        const NAMES: [&str; 10] = [
            "username",
            "realm",
            "nonce",
            "uri",
            "response",
            "algorithm",
            "cnonce",
            "opaque",
            "qop",
            "nc",
        ];
        for (name, value) in params {
            let Some(i) = NAMES.iter().position(|n| *n == name) else {
                continue;
            };
            if fields[i].replace(value).is_some() {
                return Err(AuthError::DuplicateParam(name));
            }
        }
        let [
            username,
            realm,
            nonce,
            uri,
            resp,
            algorithm,
            cnonce,
            opaque,
            qop,
            nc,
        ] = fields;
        let username = username.ok_or(AuthError::MissingParam("username"))?;
        let realm = realm.ok_or(AuthError::MissingParam("realm"))?;
        let nonce = nonce.ok_or(AuthError::MissingParam("nonce"))?;
        let uri = uri.ok_or(AuthError::MissingParam("uri"))?;
        let resp = resp.ok_or(AuthError::MissingParam("response"))?;
        let algorithm = algorithm
            .as_deref()
            .map_or(Ok(Algorithm::Md5), str::parse)?;

        let expected_len = algorithm.hex_len();
        if resp.len() != expected_len || !resp.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AuthError::BadResponse { expected_len });
        }
        let response = resp.to_ascii_lowercase();

        let qop = match qop {
            None => None,
            Some(q) if q.eq_ignore_ascii_case("auth") => Some(Qop::Auth),
            Some(q) => return Err(AuthError::UnsupportedQop(q)),
        };
        let nc = nc.map(|s| parse_nc(&s)).transpose()?;
        match qop {
            Some(Qop::Auth) => {
                if cnonce.is_none() {
                    return Err(AuthError::QopWithoutCnonce);
                }
                if nc.is_none() {
                    return Err(AuthError::QopWithoutNonceCount);
                }
            }
            None => {
                if cnonce.is_some() {
                    return Err(AuthError::ParamWithoutQop("cnonce"));
                }
                if nc.is_some() {
                    return Err(AuthError::ParamWithoutQop("nc"));
                }
            }
        }
        Ok(Credentials {
            username,
            realm,
            nonce,
            uri,
            response,
            algorithm,
            cnonce,
            opaque,
            qop,
            nc,
        })
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest username={}, realm={}, nonce={}, uri={}, response={}, algorithm={}",
            Quoted(&self.username),
            Quoted(&self.realm),
            Quoted(&self.nonce),
            Quoted(&self.uri),
            Quoted(&self.response),
            self.algorithm
        )?;
        if let Some(cnonce) = &self.cnonce {
            write!(f, ", cnonce={}", Quoted(cnonce))?;
        }
        if let Some(opaque) = &self.opaque {
            write!(f, ", opaque={}", Quoted(opaque))?;
        }
        if let Some(qop) = self.qop {
            write!(f, ", qop={qop}")?;
        }
        if let Some(nc) = self.nc {
            write!(f, ", nc={}", format_nc(nc))?;
        }
        Ok(())
    }
}

/// Answers a challenge from a carrier or proxy (RFC 3261 §22.2, §22.3).
///
/// Uses `qop=auth` with `cnonce` and `nc` when the challenge offers it, and
/// the legacy RFC 2069 form otherwise (including when only `auth-int` is
/// offered, which this module does not implement). The opaque value and
/// algorithm are copied from the challenge (RFC 7616 §3.4). The caller
/// supplies `cnonce` (random) and increments `nc` for each request that
/// reuses the same nonce.
pub fn answer(
    challenge: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> Credentials {
    let alg = challenge.algorithm;
    let ha1 = ha1(alg, username, &challenge.realm, password);
    let qop = challenge.offers_qop_auth();
    let qop_params = qop.then_some((nc, cnonce));
    let response = response(alg, &ha1, method, uri, &challenge.nonce, qop_params);
    Credentials {
        username: username.to_owned(),
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        uri: uri.to_owned(),
        response,
        algorithm: alg,
        cnonce: qop.then(|| cnonce.to_owned()),
        opaque: challenge.opaque.clone(),
        qop: qop.then_some(Qop::Auth),
        nc: qop.then_some(nc),
    }
}

/// RFC 2617 §3.2.2: nc-value = 8LHEX. Uppercase digits are tolerated.
fn parse_nc(s: &str) -> Result<u32, AuthError> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(s, 16).map_err(|_| AuthError::BadNonceCount(s.to_owned()))
    } else {
        Err(AuthError::BadNonceCount(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC2617_AUTH: &str = r#"Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

    #[test]
    fn rfc2617_example_credentials_parse_with_folded_lines() {
        let c = Credentials::parse(RFC2617_AUTH).unwrap();
        assert_eq!(c.username, "Mufasa");
        assert_eq!(c.realm, "testrealm@host.com");
        assert_eq!(c.uri, "/dir/index.html");
        assert_eq!(c.qop, Some(Qop::Auth));
        assert_eq!(c.nc, Some(1));
        assert_eq!(c.cnonce.as_deref(), Some("0a4f113b"));
        assert_eq!(
            c.opaque.as_deref(),
            Some("5ccc069c403ebaf9f0171e9517f40e41")
        );
        assert_eq!(c.algorithm, Algorithm::Md5);
    }

    #[test]
    fn answer_to_the_rfc2617_challenge_reproduces_the_published_response() {
        let ch = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        assert_eq!(ch.qop, vec!["auth", "auth-int"]);
        let c = answer(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
            1,
        );
        assert_eq!(c, Credentials::parse(RFC2617_AUTH).unwrap());
    }

    #[test]
    fn credentials_print_and_parse_back_unchanged() {
        let mut c = Credentials::parse(RFC2617_AUTH).unwrap();
        c.username = r#"we"ird\name"#.into();
        let printed = c.to_string();
        assert!(printed.starts_with(r#"Digest username="we\"ird\\name", realm="#));
        assert!(printed.contains(", qop=auth, nc=00000001"));
        assert_eq!(Credentials::parse(&printed).unwrap(), c);
    }

    #[test]
    fn escaped_quotes_and_backslashes_are_unescaped() {
        let c = Credentials::parse(
            r#"Digest username="Mu\"fa\\sa", realm="r", nonce="n", uri="sip:x", response="6629fae49393a05397450978507c4ef1""#,
        )
        .unwrap();
        assert_eq!(c.username, r#"Mu"fa\sa"#);
    }

    #[test]
    fn odd_whitespace_uppercase_names_and_scheme_are_accepted() {
        let c = Credentials::parse(
            "  dIgEsT\tUSERNAME = \"alice\" ,Realm=\"r\",\r\n NONCE =\t\"n\" , ,URI= \"sip:pbx\",\
             Response=\"6629FAE49393A05397450978507C4EF1\", QOP=Auth, NC=0000000A, CNonce=abc, \
             Algorithm=md5, unknown-param=\"x,y\"",
        )
        .unwrap();
        assert_eq!(c.username, "alice");
        assert_eq!(c.nonce, "n");
        assert_eq!(c.uri, "sip:pbx");
        assert_eq!(c.response, "6629fae49393a05397450978507c4ef1");
        assert_eq!(c.nc, Some(10));
        assert_eq!(c.cnonce.as_deref(), Some("abc"));
        assert_eq!(c.qop, Some(Qop::Auth));
    }

    #[test]
    fn missing_username_is_reported_precisely() {
        let e = Credentials::parse(
            r#"Digest realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1""#,
        );
        assert_eq!(e, Err(AuthError::MissingParam("username")));
    }

    #[test]
    fn bad_nonce_counts_are_rejected() {
        for nc in ["1", "0000000g", "000000001", "\"\""] {
            let v = format!(
                r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", qop=auth, cnonce="c", nc={nc}"#
            );
            assert!(
                matches!(Credentials::parse(&v), Err(AuthError::BadNonceCount(_))),
                "{nc}"
            );
        }
    }

    #[test]
    fn unknown_algorithm_is_rejected() {
        let e = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", algorithm=MD5-sess"#,
        );
        assert_eq!(e, Err(AuthError::UnknownAlgorithm("MD5-sess".into())));
    }

    #[test]
    fn qop_auth_without_cnonce_or_nc_is_rejected() {
        let base = r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", qop=auth"#;
        assert_eq!(
            Credentials::parse(&format!("{base}, nc=00000001")),
            Err(AuthError::QopWithoutCnonce)
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, cnonce=\"c\"")),
            Err(AuthError::QopWithoutNonceCount)
        );
    }

    #[test]
    fn cnonce_without_qop_is_rejected() {
        let e = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", cnonce="c""#,
        );
        assert_eq!(e, Err(AuthError::ParamWithoutQop("cnonce")));
    }

    #[test]
    fn auth_int_qop_is_unsupported() {
        let e = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", qop=auth-int, cnonce="c", nc=00000001"#,
        );
        assert_eq!(e, Err(AuthError::UnsupportedQop("auth-int".into())));
    }

    #[test]
    fn response_of_the_wrong_length_is_rejected() {
        let e = Credentials::parse(
            r#"Digest username="a", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1", algorithm=SHA-256"#,
        );
        assert_eq!(e, Err(AuthError::BadResponse { expected_len: 64 }));
    }

    #[test]
    fn duplicate_parameters_are_rejected() {
        let e = Credentials::parse(
            r#"Digest username="a", USERNAME="b", realm="r", nonce="n", uri="u", response="6629fae49393a05397450978507c4ef1""#,
        );
        assert_eq!(e, Err(AuthError::DuplicateParam("username".into())));
    }

    #[test]
    fn malformed_values_report_the_failing_position() {
        assert_eq!(
            Credentials::parse(r#"Basic dXNlcjpwYXNz"#),
            Err(AuthError::NotDigest)
        );
        assert_eq!(
            Credentials::parse(r#"Digest username="a"#),
            Err(AuthError::UnterminatedQuote { at: 16 })
        );
        assert_eq!(
            Credentials::parse(r#"Digest username="a" realm="r""#),
            Err(AuthError::Syntax {
                at: 20,
                expected: "',' or end of value"
            })
        );
        assert!(matches!(
            Credentials::parse("Digest username=\"a\\\r\nb\""),
            Err(AuthError::Syntax { .. })
        ));
        assert!(matches!(
            Credentials::parse("Digest"),
            Err(AuthError::Syntax { .. })
        ));
        assert!(matches!(
            Credentials::parse("Digest username"),
            Err(AuthError::Syntax {
                expected: "'='",
                ..
            })
        ));
    }

    #[test]
    fn challenge_prints_as_a_header_value() {
        let mut ch = Challenge::new("pbx.example.com", "abc", Algorithm::Sha256);
        assert_eq!(
            ch.to_string(),
            r#"Digest realm="pbx.example.com", nonce="abc", algorithm=SHA-256, qop="auth""#
        );
        ch.opaque = Some("op".into());
        ch.stale = true;
        assert_eq!(
            ch.to_string(),
            r#"Digest realm="pbx.example.com", nonce="abc", opaque="op", algorithm=SHA-256, qop="auth", stale=TRUE"#
        );
        assert_eq!(Challenge::parse(&ch.to_string()).unwrap(), ch);
    }

    #[test]
    fn challenge_parses_tokens_in_any_order_and_ignores_unknown_params() {
        let ch = Challenge::parse(
            "DIGEST Stale=true,ALGORITHM=sha-256, domain=\"sip:a sip:b\", Nonce=xyz, REALM=carrier, qop=auth",
        )
        .unwrap();
        assert_eq!(ch.realm, "carrier");
        assert_eq!(ch.nonce, "xyz");
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        assert!(ch.stale);
        assert!(ch.offers_qop_auth());
    }

    #[test]
    fn challenge_without_qop_is_answered_in_legacy_form() {
        let ch = Challenge::parse(r#"Digest realm="r", nonce="n""#).unwrap();
        assert!(ch.qop.is_empty());
        assert_eq!(ch.algorithm, Algorithm::Md5);
        let c = answer(&ch, "bob", "pw", "REGISTER", "sip:r", "cn", 1);
        assert_eq!(c.qop, None);
        assert_eq!(c.cnonce, None);
        assert_eq!(c.nc, None);
        assert_eq!(Credentials::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn challenge_with_missing_nonce_or_unknown_algorithm_is_rejected() {
        assert_eq!(
            Challenge::parse(r#"Digest realm="r""#),
            Err(AuthError::MissingParam("nonce"))
        );
        assert_eq!(
            Challenge::parse(r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#),
            Err(AuthError::UnknownAlgorithm("SHA-512-256".into()))
        );
    }

    #[test]
    fn printed_values_never_contain_line_breaks() {
        let ch = Challenge::new("evil\r\nVia: x", "n", Algorithm::Md5);
        assert!(!ch.to_string().contains('\n'));
        assert!(!ch.to_string().contains('\r'));
    }
}
