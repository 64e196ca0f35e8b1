//! Absorbing retransmitted requests: the server non-INVITE transaction's
//! Completed state (RFC 3261 §17.2.2) reduced to what the registrar needs.
//! A retransmission gets the same response again for Timer J (64*T1)
//! after the first one was sent; while the answer is still being worked
//! out, retransmissions are dropped.

use std::collections::{HashMap, VecDeque};

use domain::UnixMillis;
use sip::{Request, SipMessage, Via};

/// How long a response is kept: Timer J, 64*T1 (RFC 3261 §17.2.2).
const KEEP_MS: i64 = 32_000;

/// A cap on remembered transactions; beyond it the oldest go first.
const MAX_ENTRIES: usize = 200_000;

/// Identifies a server transaction (RFC 3261 §17.2.3).
pub type Key = String;

/// The key of `request`: branch, sent-by and method for RFC 3261
/// clients; for RFC 2543 clients (no magic cookie) Call-ID, CSeq, From
/// tag and the top Via. `via` is the request's top Via, as received.
pub fn key(request: &Request, via: &Via) -> Option<Key> {
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

/// Responses by transaction, with their insertion order so expiry costs
/// only what expires.
#[derive(Default)]
pub struct ResponseCache {
    entries: HashMap<Key, (UnixMillis, Option<Vec<u8>>)>,
    order: VecDeque<(UnixMillis, Key)>,
}

impl ResponseCache {
    /// The response already sent (`Some(Some)`), or a marker that one is
    /// being worked out (`Some(None)`).
    pub fn get(&self, key: &str, now: UnixMillis) -> Option<Option<&[u8]>> {
        let (at, bytes) = self.entries.get(key)?;
        (now.millis() - at.millis() < KEEP_MS).then_some(bytes.as_deref())
    }

    pub fn pending(&mut self, key: Key, now: UnixMillis) {
        self.put(key, now, None);
    }

    pub fn insert(&mut self, key: Key, bytes: Vec<u8>, now: UnixMillis) {
        self.put(key, now, Some(bytes));
    }

    /// Forgets a pending marker (the look-up failed).
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Drops what Timer J let go.
    pub fn purge(&mut self, now: UnixMillis) {
        while let Some((at, _)) = self.order.front() {
            if now.millis() - at.millis() < KEEP_MS && self.entries.len() < MAX_ENTRIES {
                break;
            }
            let (at, key) = self.order.pop_front().expect("front exists");
            // A key answered again later has a newer time: keep it.
            if self.entries.get(&key).is_some_and(|(t, _)| *t == at) {
                self.entries.remove(&key);
            }
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn put(&mut self, key: Key, now: UnixMillis, value: Option<Vec<u8>>) {
        if self.entries.len() >= MAX_ENTRIES {
            // Past the cap the oldest go first, before Timer J.
            self.purge(now);
        }
        self.order.push_back((now, key.clone()));
        self.entries.insert(key, (now, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_kept_for_timer_j_then_purged_in_order() {
        let mut c = ResponseCache::default();
        c.insert("a".into(), b"one".to_vec(), UnixMillis::from_millis(0));
        c.insert("b".into(), b"two".to_vec(), UnixMillis::from_millis(10_000));
        assert_eq!(
            c.get("a", UnixMillis::from_millis(31_999)),
            Some(Some(&b"one"[..]))
        );
        c.purge(UnixMillis::from_millis(32_000));
        assert_eq!(c.len(), 1);
        assert_eq!(c.get("a", UnixMillis::from_millis(32_000)), None);
        assert!(c.get("b", UnixMillis::from_millis(32_000)).is_some());
    }

    #[test]
    fn a_pending_marker_answered_later_keeps_its_newer_time() {
        let mut c = ResponseCache::default();
        c.pending("a".into(), UnixMillis::from_millis(0));
        c.insert("a".into(), b"ok".to_vec(), UnixMillis::from_millis(20_000));
        c.purge(UnixMillis::from_millis(33_000));
        assert_eq!(
            c.get("a", UnixMillis::from_millis(33_000)),
            Some(Some(&b"ok"[..]))
        );
    }
}
