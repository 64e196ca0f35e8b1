//! Stateless server nonces and bounded nonce-count replay protection,
//! RFC 7616 §3.3, §3.4 and §5.5.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use sha2::{Digest, Sha256};

use super::ct_eq;

/// Default bound on the number of nonces whose counts [`NonceCounts`] tracks.
pub const DEFAULT_MAX_TRACKED_NONCES: usize = 100_000;

/// Bytes of timestamp, random value and MAC inside a nonce.
const NONCE_TS_LEN: usize = 8;
const NONCE_RANDOM_LEN: usize = 8;
const NONCE_MAC_LEN: usize = 16;
const NONCE_RAW_LEN: usize = NONCE_TS_LEN + NONCE_RANDOM_LEN + NONCE_MAC_LEN;

/// Issues and checks stateless nonces bound to a server secret.
///
/// RFC 7616 §3.3 suggests a nonce of the form `time-stamp H(time-stamp ":"
/// ETag ":" secret-data)`. Here a nonce is the lowercase hex of
/// `timestamp_ms (8 bytes BE) ‖ random (8 bytes BE) ‖ SHA-256(secret ‖
/// timestamp ‖ random)[..16]`, 64 characters. The fixed length rules out
/// SHA-256 length extension. `Debug` never prints the secret.
#[derive(Clone)]
pub struct Nonces {
    secret: [u8; 32],
    lifetime_ms: u64,
}

/// Outcome of checking a nonce with [`Nonces::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// The nonce was issued by this server and has not expired.
    Fresh,
    /// The nonce was issued by this server but has expired; RFC 7616 §3.3
    /// says to re-challenge with `stale=true`.
    Stale,
    /// The nonce was not issued with this server's secret.
    Forged,
}

impl Nonces {
    /// Creates a nonce issuer whose nonces stay fresh for `lifetime_ms`.
    pub fn new(secret: [u8; 32], lifetime_ms: u64) -> Self {
        Nonces {
            secret,
            lifetime_ms,
        }
    }

    /// Returns how long an issued nonce stays fresh, in milliseconds.
    pub fn lifetime_ms(&self) -> u64 {
        self.lifetime_ms
    }

    /// Issues a nonce at `now_ms`; `random` must come from a CSPRNG so that
    /// nonces issued in the same millisecond differ (RFC 7616 §5.5).
    pub fn issue(&self, now_ms: u64, random: u64) -> String {
        let mut raw = [0u8; NONCE_RAW_LEN];
        raw[..NONCE_TS_LEN].copy_from_slice(&now_ms.to_be_bytes());
        raw[NONCE_TS_LEN..NONCE_TS_LEN + NONCE_RANDOM_LEN].copy_from_slice(&random.to_be_bytes());
        let mac = self.mac(&raw[..NONCE_TS_LEN + NONCE_RANDOM_LEN]);
        raw[NONCE_TS_LEN + NONCE_RANDOM_LEN..].copy_from_slice(&mac);
        hex::encode(raw)
    }

    /// Classifies `nonce` as fresh, stale or forged at `now_ms`.
    pub fn check(&self, nonce: &str, now_ms: u64) -> NonceState {
        match self.expires_at(nonce) {
            None => NonceState::Forged,
            Some(expires) if now_ms >= expires => NonceState::Stale,
            Some(_) => NonceState::Fresh,
        }
    }

    /// Returns the instant (Unix ms) at which an authentic nonce turns
    /// stale, or `None` when the nonce is not one this server issued.
    pub fn expires_at(&self, nonce: &str) -> Option<u64> {
        // Only the canonical lowercase form is accepted, so one nonce has
        // exactly one spelling and one replay-table key.
        if nonce.len() != NONCE_RAW_LEN * 2
            || !nonce
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let raw = hex::decode(nonce).ok()?;
        let (data, mac) = raw.split_at(NONCE_TS_LEN + NONCE_RANDOM_LEN);
        if !ct_eq(&self.mac(data), mac) {
            return None;
        }
        let mut ts = [0u8; NONCE_TS_LEN];
        ts.copy_from_slice(&data[..NONCE_TS_LEN]);
        Some(u64::from_be_bytes(ts).saturating_add(self.lifetime_ms))
    }

    fn mac(&self, data: &[u8]) -> [u8; NONCE_MAC_LEN] {
        let mut h = Sha256::new();
        h.update(self.secret);
        h.update(data);
        let full = h.finalize();
        let mut out = [0u8; NONCE_MAC_LEN];
        out.copy_from_slice(&full[..NONCE_MAC_LEN]);
        out
    }
}

impl fmt::Debug for Nonces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nonces")
            .field("secret", &"<redacted>")
            .field("lifetime_ms", &self.lifetime_ms)
            .finish()
    }
}

/// Outcome of [`NonceCounts::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NcCheck {
    /// The count is higher than any seen for this nonce and was recorded.
    Accepted,
    /// The count is not higher than one already seen: a replay
    /// (RFC 7616 §3.4: the server can detect replays by tracking nc).
    Replayed,
    /// The nonce may have been evicted to bound memory (or the full table
    /// has no room for a nonce older than all it holds), so its history is
    /// unknown; the caller should treat the nonce as stale and re-challenge.
    Forgotten,
}

/// Bounded memory of the highest nonce count seen per nonce, for replay
/// protection (RFC 7616 §3.4 and §5.5; RFC 2617 §3.2.2 nonce-count).
///
/// Entries are dropped once their nonce expires. When the table is full the
/// entry expiring soonest is evicted, and any later use of a nonce that
/// could have been evicted is reported as [`NcCheck::Forgotten`], so
/// eviction never reopens a replay window.
#[derive(Debug, Clone)]
pub struct NonceCounts {
    max_entries: usize,
    /// Highest count seen per nonce.
    entries: HashMap<String, u32>,
    by_expiry: BTreeSet<(u64, String)>,
    /// Latest expiry among evicted entries; unknown nonces expiring at or
    /// before it may have been evicted.
    evicted_through_ms: Option<u64>,
}

impl Default for NonceCounts {
    fn default() -> Self {
        NonceCounts::new(DEFAULT_MAX_TRACKED_NONCES)
    }
}

impl NonceCounts {
    /// Creates a table that tracks at most `max_entries` nonces (at least 1).
    pub fn new(max_entries: usize) -> Self {
        NonceCounts {
            max_entries: max_entries.max(1),
            entries: HashMap::new(),
            by_expiry: BTreeSet::new(),
            evicted_through_ms: None,
        }
    }

    /// Returns the number of nonces currently tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether no nonce is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records count `nc` for `nonce`, which turns stale at `expires_at_ms`,
    /// accepting it only if it exceeds every count seen before for that
    /// nonce. Expired entries are purged first.
    pub fn record(&mut self, nonce: &str, nc: u32, expires_at_ms: u64, now_ms: u64) -> NcCheck {
        self.purge_expired(now_ms);
        if let Some(highest) = self.entries.get_mut(nonce) {
            if nc > *highest {
                *highest = nc;
                return NcCheck::Accepted;
            }
            return NcCheck::Replayed;
        }
        if self.evicted_through_ms.is_some_and(|t| expires_at_ms <= t) {
            return NcCheck::Forgotten;
        }
        if self.entries.len() >= self.max_entries {
            // The newcomer would be the first to go: keep the table as is and
            // let the client fetch a fresh nonce instead.
            if self
                .by_expiry
                .first()
                .is_some_and(|(first, _)| expires_at_ms <= *first)
            {
                return NcCheck::Forgotten;
            }
            while self.entries.len() >= self.max_entries {
                let Some((exp, old)) = self.by_expiry.pop_first() else {
                    break;
                };
                self.entries.remove(&old);
                self.evicted_through_ms = Some(self.evicted_through_ms.map_or(exp, |t| t.max(exp)));
            }
        }
        self.entries.insert(nonce.to_owned(), nc);
        self.by_expiry.insert((expires_at_ms, nonce.to_owned()));
        NcCheck::Accepted
    }

    fn purge_expired(&mut self, now_ms: u64) {
        while let Some((exp, _)) = self.by_expiry.first() {
            if *exp > now_ms {
                break;
            }
            if let Some((_, nonce)) = self.by_expiry.pop_first() {
                self.entries.remove(&nonce);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 32] = [7; 32];
    const LIFETIME: u64 = 300_000;
    const T0: u64 = 1_700_000_000_000;

    #[test]
    fn issued_nonces_are_fresh_within_their_lifetime() {
        let n = Nonces::new(SECRET, LIFETIME);
        let nonce = n.issue(T0, 42);
        assert_eq!(nonce.len(), 64);
        assert_eq!(n.check(&nonce, T0), NonceState::Fresh);
        assert_eq!(n.check(&nonce, T0 + LIFETIME - 1), NonceState::Fresh);
        assert_ne!(nonce, n.issue(T0, 43));
    }

    #[test]
    fn stale_nonce_is_reported_as_stale() {
        let n = Nonces::new(SECRET, LIFETIME);
        let nonce = n.issue(T0, 42);
        assert_eq!(n.check(&nonce, T0 + LIFETIME), NonceState::Stale);
    }

    #[test]
    fn forged_nonces_are_detected() {
        let n = Nonces::new(SECRET, LIFETIME);
        let nonce = n.issue(T0, 42);
        let other = Nonces::new([8; 32], LIFETIME);
        assert_eq!(other.check(&nonce, T0), NonceState::Forged);
        // Pushing the timestamp forward breaks the MAC.
        let mut tampered = nonce.clone().into_bytes();
        tampered[15] = if tampered[15] == b'f' { b'e' } else { b'f' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(n.check(&tampered, T0), NonceState::Forged);
        assert_eq!(n.check(&nonce.to_uppercase(), T0), NonceState::Forged);
        assert_eq!(
            n.check("dcd98b7102dd2f0e8b11d0f600bfb0c093", T0),
            NonceState::Forged
        );
        assert_eq!(n.check("", T0), NonceState::Forged);
    }

    #[test]
    fn nonce_counts_drop_entries_whose_nonce_expired() {
        let mut c = NonceCounts::new(10);
        assert_eq!(c.record("a", 1, T0 + 10, T0), NcCheck::Accepted);
        assert_eq!(c.record("b", 1, T0 + 20, T0), NcCheck::Accepted);
        assert_eq!(c.len(), 2);
        assert_eq!(c.record("c", 1, T0 + 30, T0 + 15), NcCheck::Accepted);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn nonce_counts_stay_bounded_and_never_forget_silently() {
        let mut c = NonceCounts::new(2);
        assert_eq!(c.record("a", 1, T0 + 10, T0), NcCheck::Accepted);
        assert_eq!(c.record("b", 1, T0 + 20, T0), NcCheck::Accepted);
        assert_eq!(c.record("c", 1, T0 + 30, T0), NcCheck::Accepted);
        assert_eq!(c.len(), 2);
        // "a" was evicted; a replay of it must not be accepted as new.
        assert_eq!(c.record("a", 1, T0 + 10, T0), NcCheck::Forgotten);
        assert_eq!(c.record("b", 1, T0 + 20, T0), NcCheck::Replayed);
        assert_eq!(c.record("c", 2, T0 + 30, T0), NcCheck::Accepted);
        // A nonce older than everything tracked does not evict anything.
        assert_eq!(c.record("z", 1, T0 + 15, T0), NcCheck::Forgotten);
        assert_eq!(c.record("b", 2, T0 + 20, T0), NcCheck::Accepted);
    }

    #[test]
    fn nonce_debug_output_hides_the_secret() {
        let dbg = format!("{:?}", Nonces::new(SECRET, LIFETIME));
        assert!(dbg.contains("<redacted>"));
        assert!(!dbg.contains("7, 7"));
    }
}
