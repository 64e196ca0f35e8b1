//! Server side of digest authentication: challenge issuing and credential
//! verification (RFC 3261 §22.4, RFC 7616 §3.4 and RFC 8760 §2.4).

use super::nonce::{NcCheck, NonceCounts, Nonces};
use super::{Algorithm, Challenge, Credentials, Qop, ct_eq, response};

/// Result of [`DigestServer::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials are valid; process the request.
    Ok,
    /// The response was correct but the nonce is stale (or its replay
    /// history was forgotten): re-challenge with `stale=true`
    /// (RFC 7616 §3.3) so the client retries without asking the user.
    Stale,
    /// Authentication failed. RFC 3261 §22.4 lets the server answer 403;
    /// the caller must send the same response whatever the [`Reason`], so
    /// that the wire never reveals whether a user exists.
    Rejected(Reason),
}

/// Why credentials were rejected; for logs only, never for the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// The realm is not this server's realm (RFC 3261 §22.4).
    #[error("realm does not match")]
    WrongRealm,
    /// The algorithm is not among those this server offers (RFC 8760 §2.4).
    #[error("algorithm not offered")]
    AlgorithmNotOffered,
    /// The nonce was not issued by this server.
    #[error("forged nonce")]
    ForgedNonce,
    /// The credentials use the legacy RFC 2069 form, but RFC 3261 §22.4
    /// clients must echo the qop this server always offers.
    #[error("qop missing")]
    QopRequired,
    /// The nonce count was not higher than one already used (RFC 7616 §3.4).
    #[error("replayed nonce count")]
    Replayed,
    /// The response digest does not match: wrong password, or tampering.
    #[error("wrong response")]
    WrongResponse,
    /// The caller knows no such user.
    #[error("unknown user")]
    UnknownUser,
}

/// Digest authentication for one realm (RFC 3261 §22.4).
#[derive(Debug, Clone)]
pub struct DigestServer {
    /// The realm this server challenges for.
    pub realm: String,
    /// Nonce issuer and checker.
    pub nonces: Nonces,
    /// Replay protection.
    pub counts: NonceCounts,
    /// Enabled algorithms in order of preference: challenges follow this
    /// order (RFC 8760 §2.4). Many deployed clients (SIPp, older PJSIP,
    /// Asterisk) only read the first challenge, so MD5 first is the
    /// compatible choice and SHA-256 first the strict one.
    pub algorithms: Vec<Algorithm>,
    /// Whether to accept legacy RFC 2069 credentials without qop. Off by
    /// default. When on, each nonce may be used once in that form: legacy
    /// responses carry no nonce count, so reuse is answered with
    /// [`Verdict::Stale`] to force a fresh nonce.
    pub allow_legacy: bool,
}

impl DigestServer {
    /// Creates a server for `realm` offering MD5 then SHA-256, with nonces
    /// valid for `nonce_lifetime_ms` and a default-sized replay table.
    pub fn new(realm: impl Into<String>, secret: [u8; 32], nonce_lifetime_ms: u64) -> Self {
        DigestServer {
            realm: realm.into(),
            nonces: Nonces::new(secret, nonce_lifetime_ms),
            counts: NonceCounts::default(),
            algorithms: vec![Algorithm::Md5, Algorithm::Sha256],
            allow_legacy: false,
        }
    }

    /// Builds one challenge per enabled algorithm in order of preference
    /// (RFC 8760 §2.4), all sharing one fresh
    /// nonce. Send each as its own `WWW-Authenticate` (or
    /// `Proxy-Authenticate`) header; set `stale` after [`Verdict::Stale`].
    pub fn challenges(&self, now_ms: u64, random: u64, stale: bool) -> Vec<Challenge> {
        let nonce = self.nonces.issue(now_ms, random);
        self.algorithms
            .iter()
            .copied()
            .map(|alg| Challenge {
                stale,
                ..Challenge::new(self.realm.clone(), nonce.clone(), alg)
            })
            .collect()
    }

    /// Verifies `creds` for a request with `method` (RFC 3261 §22.4).
    ///
    /// `ha1_hex` is HA1 for `creds.username`, this realm and
    /// `creds.algorithm` (see [`super::ha1`]), or `None` when the user is
    /// unknown; unknown users cost the same hashing as known ones. The
    /// caller should also check that `creds.uri` matches the Request-URI
    /// (RFC 2617 §3.2.2.5). Nonce counts are recorded only after the
    /// response proved knowledge of HA1, so unauthenticated traffic cannot
    /// burn a legitimate client's counts.
    pub fn verify(
        &mut self,
        creds: &Credentials,
        method: &str,
        ha1_hex: Option<&str>,
        now_ms: u64,
    ) -> Verdict {
        if creds.realm != self.realm {
            return Verdict::Rejected(Reason::WrongRealm);
        }
        if !self.algorithms.contains(&creds.algorithm) {
            return Verdict::Rejected(Reason::AlgorithmNotOffered);
        }
        let Some(expires_at_ms) = self.nonces.expires_at(&creds.nonce) else {
            return Verdict::Rejected(Reason::ForgedNonce);
        };
        let qop_params = match (creds.qop, creds.nc, &creds.cnonce) {
            (Some(Qop::Auth), Some(nc), Some(cnonce)) => Some((nc, cnonce.as_str())),
            (None, None, None) if self.allow_legacy => None,
            _ => return Verdict::Rejected(Reason::QopRequired),
        };

        let dummy;
        let ha1 = match ha1_hex {
            Some(h) => h,
            None => {
                dummy = "0".repeat(creds.algorithm.hex_len());
                &dummy
            }
        };
        let expected = response(
            creds.algorithm,
            ha1,
            method,
            &creds.uri,
            &creds.nonce,
            qop_params,
        );
        let matches = ct_eq(expected.as_bytes(), creds.response.as_bytes());
        if ha1_hex.is_none() {
            return Verdict::Rejected(Reason::UnknownUser);
        }
        if !matches {
            return Verdict::Rejected(Reason::WrongResponse);
        }
        if now_ms >= expires_at_ms {
            return Verdict::Stale;
        }
        match qop_params {
            Some((0, _)) => Verdict::Rejected(Reason::Replayed),
            Some((nc, _)) => match self.counts.record(&creds.nonce, nc, expires_at_ms, now_ms) {
                NcCheck::Accepted => Verdict::Ok,
                NcCheck::Replayed => Verdict::Rejected(Reason::Replayed),
                NcCheck::Forgotten => Verdict::Stale,
            },
            None => match self.counts.record(&creds.nonce, 0, expires_at_ms, now_ms) {
                NcCheck::Accepted => Verdict::Ok,
                NcCheck::Replayed | NcCheck::Forgotten => Verdict::Stale,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{answer, ha1};
    use super::*;

    const SECRET: [u8; 32] = [7; 32];
    const LIFETIME: u64 = 300_000;
    const T0: u64 = 1_700_000_000_000;
    const URI: &str = "sip:pbx.example.com";

    /// A server preferring SHA-256, the order these tests index by.
    fn server() -> DigestServer {
        let mut s = DigestServer::new("pbx.example.com", SECRET, LIFETIME);
        s.algorithms = vec![Algorithm::Sha256, Algorithm::Md5];
        s
    }

    fn alice_ha1(alg: Algorithm) -> String {
        ha1(alg, "alice", "pbx.example.com", "s3cret")
    }

    fn alice_answers(ch: &Challenge, password: &str, nc: u32) -> Credentials {
        answer(ch, "alice", password, "REGISTER", URI, "c0ffee", nc)
    }

    #[test]
    fn server_debug_output_hides_the_nonce_secret() {
        let dbg = format!("{:?}", server());
        assert!(dbg.contains("<redacted>"));
        assert!(!dbg.contains("7, 7"));
    }

    #[test]
    fn challenges_follow_the_order_of_preference() {
        let mut s = server();
        s.algorithms = vec![Algorithm::Sha256, Algorithm::Md5];
        let chs = s.challenges(T0, 1, false);
        assert_eq!(chs.len(), 2);
        assert_eq!(chs[0].algorithm, Algorithm::Sha256);
        assert_eq!(chs[1].algorithm, Algorithm::Md5);
        s.algorithms = vec![Algorithm::Md5, Algorithm::Sha256];
        assert_eq!(s.challenges(T0, 1, false)[0].algorithm, Algorithm::Md5);
        assert!(chs.iter().all(|c| c.offers_qop_auth() && !c.stale));
        assert!(s.challenges(T0, 1, true).iter().all(|c| c.stale));
        s.algorithms = vec![Algorithm::Md5];
        assert_eq!(s.challenges(T0, 1, false).len(), 1);
    }

    #[test]
    fn client_answer_round_trips_through_server_verify() {
        for (i, alg) in [Algorithm::Sha256, Algorithm::Md5].into_iter().enumerate() {
            let mut s = server();
            let ch = s.challenges(T0, 9, false).remove(i);
            assert_eq!(ch.algorithm, alg);
            let header =
                alice_answers(&Challenge::parse(&ch.to_string()).unwrap(), "s3cret", 1).to_string();
            let creds = Credentials::parse(&header).unwrap();
            let v = s.verify(&creds, "REGISTER", Some(&alice_ha1(alg)), T0 + 1_000);
            assert_eq!(v, Verdict::Ok);
        }
    }

    #[test]
    fn stale_nonce_with_correct_response_asks_for_a_rechallenge() {
        let mut s = server();
        let ch = s.challenges(T0, 9, false).remove(0);
        let creds = alice_answers(&ch, "s3cret", 1);
        let v = s.verify(
            &creds,
            "REGISTER",
            Some(&alice_ha1(Algorithm::Sha256)),
            T0 + LIFETIME,
        );
        assert_eq!(v, Verdict::Stale);
    }

    #[test]
    fn stale_nonce_with_wrong_password_is_rejected() {
        let mut s = server();
        let ch = s.challenges(T0, 9, false).remove(0);
        let creds = alice_answers(&ch, "guess", 1);
        let v = s.verify(
            &creds,
            "REGISTER",
            Some(&alice_ha1(Algorithm::Sha256)),
            T0 + LIFETIME,
        );
        assert_eq!(v, Verdict::Rejected(Reason::WrongResponse));
    }

    #[test]
    fn forged_nonce_is_rejected() {
        let mut s = server();
        let mut ch = s.challenges(T0, 9, false).remove(0);
        ch.nonce = Nonces::new([1; 32], LIFETIME).issue(T0, 9);
        let creds = alice_answers(&ch, "s3cret", 1);
        let v = s.verify(&creds, "REGISTER", Some(&alice_ha1(Algorithm::Sha256)), T0);
        assert_eq!(v, Verdict::Rejected(Reason::ForgedNonce));
    }

    #[test]
    fn replayed_nc_is_rejected_and_increasing_nc_is_accepted() {
        let mut s = server();
        let ch = s.challenges(T0, 9, false).remove(0);
        let ha1 = alice_ha1(Algorithm::Sha256);
        let first = alice_answers(&ch, "s3cret", 1);
        assert_eq!(s.verify(&first, "REGISTER", Some(&ha1), T0), Verdict::Ok);
        assert_eq!(
            s.verify(&first, "REGISTER", Some(&ha1), T0 + 1),
            Verdict::Rejected(Reason::Replayed)
        );
        let third = alice_answers(&ch, "s3cret", 3);
        assert_eq!(
            s.verify(&third, "REGISTER", Some(&ha1), T0 + 2),
            Verdict::Ok
        );
        let second = alice_answers(&ch, "s3cret", 2);
        assert_eq!(
            s.verify(&second, "REGISTER", Some(&ha1), T0 + 3),
            Verdict::Rejected(Reason::Replayed)
        );
        let zero = alice_answers(&s.challenges(T0, 10, false).remove(0), "s3cret", 0);
        assert_eq!(
            s.verify(&zero, "REGISTER", Some(&ha1), T0 + 4),
            Verdict::Rejected(Reason::Replayed)
        );
    }

    #[test]
    fn wrong_response_does_not_consume_a_nonce_count() {
        let mut s = server();
        let ch = s.challenges(T0, 9, false).remove(0);
        let ha1 = alice_ha1(Algorithm::Sha256);
        let mut forged = alice_answers(&ch, "s3cret", 5);
        forged.response = "0".repeat(64);
        assert_eq!(
            s.verify(&forged, "REGISTER", Some(&ha1), T0),
            Verdict::Rejected(Reason::WrongResponse)
        );
        assert!(s.counts.is_empty());
        let real = alice_answers(&ch, "s3cret", 1);
        assert_eq!(s.verify(&real, "REGISTER", Some(&ha1), T0), Verdict::Ok);
    }

    #[test]
    fn unknown_user_and_wrong_password_are_both_rejected() {
        let mut s = server();
        let ch = s.challenges(T0, 9, false).remove(0);
        let creds = alice_answers(&ch, "wrong", 1);
        let wrong_pw = s.verify(&creds, "REGISTER", Some(&alice_ha1(Algorithm::Sha256)), T0);
        let unknown = s.verify(&creds, "REGISTER", None, T0);
        assert_eq!(wrong_pw, Verdict::Rejected(Reason::WrongResponse));
        assert_eq!(unknown, Verdict::Rejected(Reason::UnknownUser));
        assert!(
            matches!(wrong_pw, Verdict::Rejected(_)) && matches!(unknown, Verdict::Rejected(_))
        );
    }

    #[test]
    fn wrong_realm_method_and_algorithm_are_rejected() {
        let mut s = server();
        let ha1 = alice_ha1(Algorithm::Sha256);
        let ch = s.challenges(T0, 9, false).remove(0);
        let mut creds = alice_answers(&ch, "s3cret", 1);
        assert_eq!(
            s.verify(&creds, "INVITE", Some(&ha1), T0),
            Verdict::Rejected(Reason::WrongResponse)
        );
        creds.realm = "other".into();
        assert_eq!(
            s.verify(&creds, "REGISTER", Some(&ha1), T0),
            Verdict::Rejected(Reason::WrongRealm)
        );
        s.algorithms = vec![Algorithm::Md5];
        let creds = alice_answers(&ch, "s3cret", 1);
        assert_eq!(
            s.verify(&creds, "REGISTER", Some(&ha1), T0),
            Verdict::Rejected(Reason::AlgorithmNotOffered)
        );
    }

    #[test]
    fn legacy_credentials_need_opt_in_and_use_each_nonce_once() {
        let mut s = server();
        let ha1 = alice_ha1(Algorithm::Md5);
        let mut ch = s.challenges(T0, 9, false).remove(1);
        ch.qop.clear();
        let creds = alice_answers(&ch, "s3cret", 1);
        assert_eq!(creds.qop, None);
        assert_eq!(
            s.verify(&creds, "REGISTER", Some(&ha1), T0),
            Verdict::Rejected(Reason::QopRequired)
        );
        s.allow_legacy = true;
        assert_eq!(s.verify(&creds, "REGISTER", Some(&ha1), T0), Verdict::Ok);
        assert_eq!(
            s.verify(&creds, "REGISTER", Some(&ha1), T0 + 1),
            Verdict::Stale
        );
    }

    #[test]
    fn evicted_nonce_with_correct_response_is_treated_as_stale() {
        let mut s = server();
        s.counts = NonceCounts::new(1);
        let ha1 = alice_ha1(Algorithm::Sha256);
        let old = s.challenges(T0, 1, false).remove(0);
        let new = s.challenges(T0 + 1, 2, false).remove(0);
        assert_eq!(
            s.verify(
                &alice_answers(&old, "s3cret", 1),
                "REGISTER",
                Some(&ha1),
                T0 + 2
            ),
            Verdict::Ok
        );
        assert_eq!(
            s.verify(
                &alice_answers(&new, "s3cret", 1),
                "REGISTER",
                Some(&ha1),
                T0 + 3
            ),
            Verdict::Ok
        );
        assert_eq!(
            s.verify(
                &alice_answers(&old, "s3cret", 2),
                "REGISTER",
                Some(&ha1),
                T0 + 4
            ),
            Verdict::Stale
        );
    }
}
