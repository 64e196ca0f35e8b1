//! SIP digest authentication (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760).
//!
//! The module is sans-IO: it never reads a clock, never draws random numbers
//! and never touches the network. Time arrives as `now_ms` (Unix
//! milliseconds) and randomness as caller-supplied bytes or integers.
//!
//! - [`Challenge`] is the value of a `WWW-Authenticate` / `Proxy-Authenticate`
//!   header; [`Credentials`] is the value of an `Authorization` /
//!   `Proxy-Authorization` header. Both parse and print.
//! - [`ha1`] and [`response`] implement the hash computations of
//!   RFC 2617 §3.2.2.
//! - [`DigestServer`] issues challenges and verifies credentials with
//!   stateless [`Nonces`] and bounded replay protection in [`NonceCounts`].
//! - [`answer`] lets the client side (registration to carriers) respond to a
//!   challenge.
//!
//! Passwords are only ever accepted as `&str` arguments and are never stored,
//! so no type in this module can print one.

mod header;
mod nonce;
mod params;
mod server;

pub use header::{Challenge, Credentials, answer};
pub use nonce::{DEFAULT_MAX_TRACKED_NONCES, NcCheck, NonceCounts, NonceState, Nonces};
pub use server::{DigestServer, Reason, Verdict};

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};
use sha2::Sha256;

/// Errors produced while parsing digest authentication header values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// RFC 3261 §22.4: the authentication scheme is not `Digest`.
    #[error("authentication scheme is not Digest")]
    NotDigest,
    /// The header value is not a well-formed list of `name=value` auth-params
    /// (RFC 3261 §25.1); `at` is the byte offset where parsing stopped.
    #[error("malformed digest parameters at byte {at}: expected {expected}")]
    Syntax {
        /// Byte offset into the header value.
        at: usize,
        /// What the parser expected to find there.
        expected: &'static str,
    },
    /// A quoted-string started at byte `at` was never closed.
    #[error("unterminated quoted string starting at byte {at}")]
    UnterminatedQuote {
        /// Byte offset of the opening quote.
        at: usize,
    },
    /// A parameter appeared more than once, which would make the header
    /// ambiguous (RFC 7616 §3.4: each directive at most once).
    #[error("duplicate digest parameter {0:?}")]
    DuplicateParam(String),
    /// A parameter that RFC 2617 §3.2.2 / RFC 7616 §3.4 makes mandatory is
    /// absent (for example `username`).
    #[error("missing digest parameter {0:?}")]
    MissingParam(&'static str),
    /// The `algorithm` parameter names an algorithm this module does not
    /// implement; only `MD5` and `SHA-256` are supported (RFC 8760 §2.1).
    #[error("unknown digest algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// The `qop` parameter of credentials is not `auth`; `auth-int` is not
    /// supported (RFC 2617 §3.2.2).
    #[error("unsupported qop {0:?}")]
    UnsupportedQop(String),
    /// RFC 2617 §3.2.2: `nc` must be exactly 8 hexadecimal digits.
    #[error("bad nonce count {0:?}: expected 8 hex digits")]
    BadNonceCount(String),
    /// The `response` parameter is not a hex digest of the length produced
    /// by the declared algorithm (RFC 2617 §3.2.2: request-digest).
    #[error("bad response digest: expected {expected_len} hex digits")]
    BadResponse {
        /// Number of hex digits the algorithm produces.
        expected_len: usize,
    },
    /// RFC 2617 §3.2.2: with `qop=auth` the client must send `cnonce`.
    #[error("qop=auth requires a cnonce parameter")]
    QopWithoutCnonce,
    /// RFC 2617 §3.2.2: with `qop=auth` the client must send `nc`.
    #[error("qop=auth requires an nc parameter")]
    QopWithoutNonceCount,
    /// RFC 2617 §3.2.2: `cnonce` and `nc` must not be sent without `qop`.
    #[error("{0} sent without qop")]
    ParamWithoutQop(&'static str),
}

/// Digest hash algorithm, RFC 7616 §3.3 and RFC 8760 §2.1.
///
/// The `-sess` variants are not supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// `MD5`, the RFC 2617 default when the `algorithm` parameter is absent.
    #[default]
    Md5,
    /// `SHA-256`, preferred by RFC 8760 §2.4.
    Sha256,
}

impl Algorithm {
    /// Returns the token used in the `algorithm` parameter (RFC 7616 §3.3).
    pub const fn token(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Returns the number of lowercase hex digits in this algorithm's output.
    pub const fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha256 => 64,
        }
    }

    /// Hashes `parts` joined by `:` and returns lowercase hex; this is the
    /// `H(data)` / `KD(secret, data)` building block of RFC 7616 §3.4.1.
    fn hash_joined(self, parts: &[&[u8]]) -> String {
        fn run<D: Digest>(parts: &[&[u8]]) -> String {
            let mut h = D::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    h.update(b":");
                }
                h.update(part);
            }
            hex::encode(h.finalize())
        }
        match self {
            Algorithm::Md5 => run::<Md5>(parts),
            Algorithm::Sha256 => run::<Sha256>(parts),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

impl FromStr for Algorithm {
    type Err = AuthError;

    /// RFC 7616 §3.3: algorithm tokens compare case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("MD5") {
            Ok(Algorithm::Md5)
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Ok(Algorithm::Sha256)
        } else {
            Err(AuthError::UnknownAlgorithm(s.to_owned()))
        }
    }
}

/// Quality of protection applied by the client, RFC 2617 §3.2.2.
///
/// Only `auth` is supported; `auth-int` would require hashing the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `qop=auth`: authentication only.
    Auth,
}

impl Qop {
    /// Returns the token used in the `qop` parameter.
    pub const fn token(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
        }
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// Computes HA1 = H(username ":" realm ":" password) as lowercase hex,
/// RFC 7616 §3.4.2 (A1 for the non-`-sess` algorithms).
///
/// The result is password-equivalent for `realm`; store and log it as a
/// secret.
pub fn ha1(alg: Algorithm, username: &str, realm: &str, password: &str) -> String {
    alg.hash_joined(&[username.as_bytes(), realm.as_bytes(), password.as_bytes()])
}

/// Computes the request-digest of RFC 2617 §3.2.2.1 as lowercase hex.
///
/// With `qop_params = Some((nc, cnonce))` this is the `qop=auth` form
/// KD(HA1, nonce ":" nc ":" cnonce ":" "auth" ":" HA2); with `None` it is
/// the legacy RFC 2069 form KD(HA1, nonce ":" HA2). HA2 = H(method ":" uri)
/// (RFC 2617 §3.2.2.3). `nc` is rendered as 8 lowercase hex digits.
pub fn response(
    alg: Algorithm,
    ha1_hex: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    qop_params: Option<(u32, &str)>,
) -> String {
    let ha2 = alg.hash_joined(&[method.as_bytes(), uri.as_bytes()]);
    match qop_params {
        Some((nc, cnonce)) => {
            let nc = format_nc(nc);
            alg.hash_joined(&[
                ha1_hex.as_bytes(),
                nonce.as_bytes(),
                nc.as_bytes(),
                cnonce.as_bytes(),
                Qop::Auth.token().as_bytes(),
                ha2.as_bytes(),
            ])
        }
        None => alg.hash_joined(&[ha1_hex.as_bytes(), nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// Formats a nonce count as the 8 lowercase hex digits of RFC 2617 §3.2.2.
pub(crate) fn format_nc(nc: u32) -> String {
    format!("{nc:08x}")
}

/// Compares two byte strings without an early exit on the first difference,
/// so the comparison time does not reveal how many leading bytes matched.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2617_example_response_matches_the_published_value() {
        let h = ha1(
            Algorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
        );
        let r = response(
            Algorithm::Md5,
            &h,
            "GET",
            "/dir/index.html",
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            Some((1, "0a4f113b")),
        );
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn rfc7616_sha256_example_response_matches_the_published_value() {
        let h = ha1(
            Algorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        let r = response(
            Algorithm::Sha256,
            &h,
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            Some((1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        );
        assert_eq!(
            r,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc7616_md5_example_response_matches_the_published_value() {
        let h = ha1(
            Algorithm::Md5,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        );
        let r = response(
            Algorithm::Md5,
            &h,
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            Some((1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        );
        assert_eq!(r, "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn legacy_response_without_qop_hashes_ha1_nonce_and_ha2() {
        let h = ha1(Algorithm::Md5, "u", "r", "p");
        let ha2 = Algorithm::Md5.hash_joined(&[b"REGISTER", b"sip:r"]);
        let expected = Algorithm::Md5.hash_joined(&[h.as_bytes(), b"n", ha2.as_bytes()]);
        assert_eq!(
            response(Algorithm::Md5, &h, "REGISTER", "sip:r", "n", None),
            expected
        );
    }

    #[test]
    fn algorithm_tokens_round_trip_case_insensitively() {
        assert_eq!("md5".parse::<Algorithm>(), Ok(Algorithm::Md5));
        assert_eq!("sha-256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
        assert_eq!(Algorithm::Sha256.to_string(), "SHA-256");
        assert_eq!(
            "SHA-512-256".parse::<Algorithm>(),
            Err(AuthError::UnknownAlgorithm("SHA-512-256".into()))
        );
    }

    #[test]
    fn constant_time_comparison_detects_any_difference() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn nonce_count_is_eight_lowercase_hex_digits() {
        assert_eq!(format_nc(1), "00000001");
        assert_eq!(format_nc(0xABCDEF12), "abcdef12");
    }
}
