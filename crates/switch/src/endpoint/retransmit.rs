//! Absorbing retransmitted requests: the server non-INVITE transaction's
//! Completed state (RFC 3261 §17.2.2) reduced to what the registrar needs.
//! A retransmission gets the same response again for Timer J (64*T1)
//! after the first one was sent; while the answer is still being worked
//! out, retransmissions are dropped.

use std::collections::HashMap;

use domain::UnixMillis;
use sip::{Request, SipMessage};

/// How long a response is kept: Timer J, 64*T1 (RFC 3261 §17.2.2).
const KEEP_MS: i64 = 32_000;

/// A cap on remembered transactions; beyond it the oldest half goes.
const MAX_ENTRIES: usize = 200_000;

/// Identifies a server transaction (RFC 3261 §17.2.3).
pub type Key = String;

/// The key of `request`: branch, sent-by and method for RFC 3261
/// clients; for RFC 2543 clients (no magic cookie) Call-ID, CSeq, From
/// tag and the top Via.
pub fn key(request: &Request) -> Option<Key> {
    let via = request.top_via().ok()?;
    let method = request.method.as_str();
    if via.has_rfc3261_branch() {
        return Some(format!("{}|{}|{method}", via.branch()?, via.sent_by()));
    }
    let from_tag = request.from().ok()?.tag().unwrap_or_default().to_owned();
    Some(format!(
        "2543|{}|{}|{from_tag}|{via}",
        request.call_id()?,
        request.cseq().ok()?
    ))
}

#[derive(Default)]
pub struct ResponseCache {
    entries: HashMap<Key, (UnixMillis, Option<Vec<u8>>)>,
}

impl ResponseCache {
    /// The response already sent (`Some(Some)`), or a marker that one is
    /// being worked out (`Some(None)`).
    pub fn get(&self, key: &str, now: UnixMillis) -> Option<Option<&[u8]>> {
        let (at, bytes) = self.entries.get(key)?;
        (now.millis() - at.millis() < KEEP_MS).then_some(bytes.as_deref())
    }

    pub fn pending(&mut self, key: Key, now: UnixMillis) {
        self.make_room();
        self.entries.insert(key, (now, None));
    }

    pub fn insert(&mut self, key: Key, bytes: Vec<u8>, now: UnixMillis) {
        self.make_room();
        self.entries.insert(key, (now, Some(bytes)));
    }

    /// Forgets a pending marker (the look-up failed).
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Drops what Timer J let go.
    pub fn purge(&mut self, now: UnixMillis) {
        self.entries
            .retain(|_, (at, _)| now.millis() - at.millis() < KEEP_MS);
    }

    fn make_room(&mut self) {
        if self.entries.len() < MAX_ENTRIES {
            return;
        }
        let mut times: Vec<i64> = self.entries.values().map(|(t, _)| t.millis()).collect();
        let mid = times.len() / 2;
        let (_, median, _) = times.select_nth_unstable(mid);
        let median = *median;
        self.entries.retain(|_, (t, _)| t.millis() > median);
    }
}
