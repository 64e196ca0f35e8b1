//! The switch registering with its carriers (RFC 3261 §10.2), sans-IO: one
//! registration per trunk with credentials, sent through the endpoint's
//! transaction layer. A REGISTER answered 401/407 is sent again with
//! digest credentials (RFC 3261 §22.2); a 2xx is refreshed before the
//! granted time runs out; a failure (wrong credentials, any other final
//! error, no answer) is retried after a back-off that doubles from
//! `retry_base` up to [`MAX_RETRY`]. A trunk that is removed or disabled
//! while registered is unregistered (Expires: 0, RFC 3261 §10.2.2), so the
//! carrier stops sending its calls to the switch.
//!
//! Time comes in as `now`; randomness (Call-ID, tags, branches, cnonces)
//! from a generator the endpoint seeds with the random input of every call.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use domain::TrunkId;
use sip::auth::Challenge;
use sip::transaction::{Event, Peer, TransactionKey};
use sip::{HeaderName, Response, StatusCode};

use super::LiveTrunk;
use crate::calls::Calls;
use crate::transport::Kind;

/// The registration time asked for, in seconds; the carrier's granted
/// value wins.
pub const EXPIRES: u32 = 300;

/// The longest wait between two attempts after failures.
pub const MAX_RETRY: Duration = Duration::from_secs(600);

/// The default first wait after a failure.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(30);

/// Challenges answered within one attempt before it counts as failed: the
/// first one, and one more if the carrier says the nonce went stale.
const MAX_CHALLENGES: u32 = 2;

/// Where a trunk's registration stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    /// A REGISTER is on its way (first attempt, refresh or retry).
    Trying,
    /// The carrier accepted the registration until `until`; a refresh is
    /// sent before.
    Registered { until: Instant },
    /// The last attempt failed; the next one goes at `retry_at`.
    Failed {
        /// The carrier's final status, `None` when it did not answer.
        status: Option<u16>,
        /// The reason phrase, or what went wrong.
        reason: String,
        retry_at: Instant,
    },
}

/// Every trunk's registration.
#[derive(Debug)]
pub struct Registrations {
    retry_base: Duration,
    rng: u64,
    entries: BTreeMap<TrunkId, Registration>,
    /// The REGISTER in flight for each trunk.
    by_key: HashMap<TransactionKey, TrunkId>,
    /// Registrations of removed trunks being taken back, by the
    /// transaction of their Expires: 0 REGISTER.
    leaving: HashMap<TransactionKey, Registration>,
}

/// One trunk's registration.
#[derive(Debug)]
struct Registration {
    trunk: LiveTrunk,
    /// Kept across refreshes (RFC 3261 §10.2.4), with a rising CSeq.
    call_id: String,
    from_tag: String,
    cseq: u32,
    /// The Expires asked for: [`EXPIRES`] unless the carrier asked for
    /// more with 423 Interval Too Brief.
    expires: u32,
    state: RegistrationState,
    /// When the next REGISTER goes (refresh or retry); `None` while one
    /// is in flight.
    next: Option<Instant>,
    pending: Option<TransactionKey>,
    /// The carrier's last challenge, answered again on refreshes, and
    /// whether it came in a 407 (Proxy-Authorization) rather than a 401.
    challenge: Option<(Challenge, bool)>,
    /// Nonce count for `challenge` (RFC 7616 §3.4: one more per request
    /// that reuses the nonce).
    nc: u32,
    /// Challenges answered in the current attempt.
    challenges: u32,
    /// Consecutive failed attempts, for the back-off.
    failures: u32,
}

impl Registrations {
    /// No registrations yet; failures are retried after `retry_base`,
    /// doubling.
    pub fn new(retry_base: Duration) -> Self {
        Self {
            retry_base: retry_base.max(Duration::from_secs(1)),
            rng: 0x2545_F491_4F6C_DD1D,
            entries: BTreeMap::new(),
            by_key: HashMap::new(),
            leaving: HashMap::new(),
        }
    }

    /// Changes the first wait after a failure (registrations already
    /// waiting keep their time).
    pub fn set_retry_base(&mut self, retry_base: Duration) {
        self.retry_base = retry_base.max(Duration::from_secs(1));
    }

    /// Mixes fresh randomness into the generator.
    pub fn seed(&mut self, random: u64) {
        self.rng ^= random;
    }

    /// Where the trunk's registration stands; `None` for a trunk that does
    /// not register (authenticated by address, or unknown).
    pub fn state(&self, trunk: TrunkId) -> Option<&RegistrationState> {
        self.entries.get(&trunk).map(|r| &r.state)
    }

    /// Every registering trunk with its state, by id.
    pub fn iter(&self) -> impl Iterator<Item = (&LiveTrunk, &RegistrationState)> {
        self.entries.values().map(|r| (&r.trunk, &r.state))
    }

    /// The next refresh or retry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.entries.values().filter_map(|r| r.next).min()
    }

    /// Follows a new set of trunks: registers the new ones with
    /// credentials at once, and the ones whose carrier or credentials
    /// changed; forgets the removed ones (their REGISTER in flight is
    /// abandoned). Unchanged trunks keep their state.
    pub fn update(&mut self, now: Instant, trunks: &[LiveTrunk], calls: &mut Calls) {
        let wanted: BTreeMap<TrunkId, &LiveTrunk> = trunks
            .iter()
            .filter(|t| t.credentials.is_some())
            .map(|t| (t.id, t))
            .collect();
        let gone: Vec<TrunkId> = self
            .entries
            .iter()
            .filter(|(id, r)| {
                wanted
                    .get(id)
                    .is_none_or(|t| !same_registration(&r.trunk, t))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            let mut r = self.entries.remove(&id).expect("listed above");
            if let Some(key) = r.pending.take() {
                self.by_key.remove(&key);
                calls.tx.terminate(&key);
            }
            tracing::info!(trunk = %r.trunk.name, "trunk registration stopped");
            // A trunk whose carrier or credentials changed registers again
            // at once; taking the old binding back could race with it.
            if !wanted.contains_key(&id) && matches!(r.state, RegistrationState::Registered { .. })
            {
                r.expires = 0;
                r.challenges = 0;
                self.leave(now, r, calls);
            }
        }
        for (id, trunk) in wanted {
            if let Some(r) = self.entries.get_mut(&id) {
                // Same carrier and credentials: only the name or number
                // format may have changed.
                r.trunk = trunk.clone();
                continue;
            }
            let r = Registration {
                trunk: trunk.clone(),
                call_id: format!("{:016x}{:016x}", self.random(), self.random()),
                from_tag: format!("{:016x}", self.random()),
                cseq: 0,
                expires: EXPIRES,
                state: RegistrationState::Trying,
                next: Some(now),
                pending: None,
                challenge: None,
                nc: 0,
                challenges: 0,
                failures: 0,
            };
            self.entries.insert(id, r);
        }
        self.handle_timeout(now, calls);
    }

    /// Sends the REGISTERs that are due.
    pub fn handle_timeout(&mut self, now: Instant, calls: &mut Calls) {
        let due: Vec<TrunkId> = self
            .entries
            .iter()
            .filter(|(_, r)| r.next.is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let r = self.entries.get_mut(&id).expect("listed above");
            r.challenges = 0;
            self.send(now, id, calls);
        }
    }

    /// Takes the transaction layer's event if it is about a REGISTER of
    /// the trunks; gives it back otherwise.
    pub fn handle_event(&mut self, now: Instant, event: Event, calls: &mut Calls) -> Option<Event> {
        let key = match &event {
            Event::Response { key, .. }
            | Event::Timeout { key }
            | Event::TransportError { key } => key,
            _ => return Some(event),
        };
        if self.leaving.contains_key(key) {
            self.on_leaving(now, event, calls);
            return None;
        }
        let Some(&id) = self.by_key.get(key) else {
            return Some(event);
        };
        match event {
            Event::Response { key, response } => {
                if response.status.as_u16() >= 200 {
                    self.by_key.remove(&key);
                    if let Some(r) = self.entries.get_mut(&id) {
                        r.pending = None;
                    }
                    self.on_final(now, id, &response, calls);
                }
            }
            Event::Timeout { key } => {
                self.by_key.remove(&key);
                self.fail(now, id, None, "no answer from the carrier".into());
            }
            Event::TransportError { key } => {
                self.by_key.remove(&key);
                self.fail(now, id, None, "could not reach the carrier".into());
            }
            _ => unreachable!("only the events matched above reach here"),
        }
        None
    }

    fn on_final(&mut self, now: Instant, id: TrunkId, response: &Response, calls: &mut Calls) {
        let status = response.status;
        let Some(r) = self.entries.get_mut(&id) else {
            return;
        };
        if status.is_success() {
            let ours = message::contact_uri(r, &calls.sent_by(r.trunk.kind));
            let granted = message::granted_expires(response, &ours, r.expires);
            let until = now + Duration::from_secs(u64::from(granted));
            let next = now + refresh_after(granted);
            tracing::info!(trunk = %r.trunk.name, granted, "registered with the carrier");
            r.state = RegistrationState::Registered { until };
            r.next = Some(next);
            r.failures = 0;
            return;
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::PROXY_AUTH_REQUIRED {
            let proxy = status == StatusCode::PROXY_AUTH_REQUIRED;
            let header = if proxy {
                HeaderName::ProxyAuthenticate
            } else {
                HeaderName::WwwAuthenticate
            };
            let challenge = response
                .headers
                .lines(&header)
                .filter_map(|v| Challenge::parse(v).ok())
                .next();
            match challenge {
                // Credentials already answered a challenge in this attempt
                // and the carrier still refuses (not merely a stale
                // nonce): they are wrong.
                Some(c) if r.challenges == 0 || (c.stale && r.challenges < MAX_CHALLENGES) => {
                    r.challenges += 1;
                    r.nc = 0;
                    r.challenge = Some((c, proxy));
                    self.send(now, id, calls);
                }
                Some(_) => {
                    let reason = format!(
                        "{} {} (credentials refused)",
                        status.as_u16(),
                        response.reason
                    );
                    self.fail(now, id, Some(status.as_u16()), reason);
                }
                None => {
                    let reason = format!(
                        "{} {} (no digest challenge)",
                        status.as_u16(),
                        response.reason
                    );
                    self.fail(now, id, Some(status.as_u16()), reason);
                }
            }
            return;
        }
        if status == StatusCode::INTERVAL_TOO_BRIEF
            && let Some(min) = response
                .headers
                .get(&HeaderName::MinExpires)
                .and_then(|v| v.trim().parse::<u32>().ok())
            && min > r.expires
        {
            // RFC 3261 §10.2.8: ask again for at least Min-Expires.
            r.expires = min;
            self.send(now, id, calls);
            return;
        }
        let reason = format!("{} {}", status.as_u16(), response.reason);
        self.fail(now, id, Some(status.as_u16()), reason);
    }

    /// Records a failed attempt and schedules the next one.
    fn fail(&mut self, now: Instant, id: TrunkId, status: Option<u16>, reason: String) {
        let base = self.retry_base;
        let Some(r) = self.entries.get_mut(&id) else {
            return;
        };
        r.pending = None;
        r.failures += 1;
        let retry_at = now + back_off(base, r.failures);
        tracing::warn!(trunk = %r.trunk.name, %reason, failures = r.failures, "registration with the carrier failed");
        r.state = RegistrationState::Failed {
            status,
            reason,
            retry_at,
        };
        r.next = Some(retry_at);
    }

    /// Sends the trunk's next REGISTER, with credentials when a challenge
    /// is known.
    fn send(&mut self, now: Instant, id: TrunkId, calls: &mut Calls) {
        let branch = format!("z9hG4bK{:016x}", self.random());
        let cnonce = format!("{:016x}", self.random());
        let r = self.entries.get_mut(&id).expect("the trunk is registered");
        r.cseq += 1;
        r.next = None;
        if !matches!(r.state, RegistrationState::Registered { .. }) {
            r.state = RegistrationState::Trying;
        }
        let sent_by = calls.sent_by(r.trunk.kind);
        let request = match r.request(&sent_by, &branch, &cnonce) {
            Ok(req) => req,
            Err(e) => {
                let reason = format!("cannot write the REGISTER: {e}");
                return self.fail(now, id, None, reason);
            }
        };
        let peer = Peer {
            addr: r.trunk.addr,
            reliable: r.trunk.kind != Kind::Udp,
            conn: None,
        };
        match calls.tx.send_request(now, request, peer) {
            Ok(key) => {
                r.pending = Some(key.clone());
                self.by_key.insert(key, id);
            }
            Err(e) => {
                let reason = format!("cannot send the REGISTER: {e}");
                self.fail(now, id, None, reason);
            }
        }
    }

    /// Sends the Expires: 0 REGISTER of a removed trunk.
    fn leave(&mut self, now: Instant, mut r: Registration, calls: &mut Calls) {
        let branch = format!("z9hG4bK{:016x}", self.random());
        let cnonce = format!("{:016x}", self.random());
        r.cseq += 1;
        let sent_by = calls.sent_by(r.trunk.kind);
        let Ok(request) = r.request(&sent_by, &branch, &cnonce) else {
            return;
        };
        let peer = Peer {
            addr: r.trunk.addr,
            reliable: r.trunk.kind != Kind::Udp,
            conn: None,
        };
        if let Ok(key) = calls.tx.send_request(now, request, peer) {
            self.leaving.insert(key, r);
        }
    }

    /// The carrier's answer to an Expires: 0 REGISTER: a first challenge
    /// is answered, anything else ends it (the binding expires by itself
    /// otherwise).
    fn on_leaving(&mut self, now: Instant, event: Event, calls: &mut Calls) {
        let Event::Response { key, response } = event else {
            if let Event::Timeout { key } | Event::TransportError { key } = event {
                self.leaving.remove(&key);
            }
            return;
        };
        if response.status.as_u16() < 200 {
            return;
        }
        let mut r = self.leaving.remove(&key).expect("checked by the caller");
        let proxy = response.status == StatusCode::PROXY_AUTH_REQUIRED;
        if (response.status == StatusCode::UNAUTHORIZED || proxy) && r.challenges == 0 {
            let header = if proxy {
                HeaderName::ProxyAuthenticate
            } else {
                HeaderName::WwwAuthenticate
            };
            if let Some(c) = response
                .headers
                .lines(&header)
                .find_map(|v| Challenge::parse(v).ok())
            {
                r.challenges = 1;
                r.nc = 0;
                r.challenge = Some((c, proxy));
                self.leave(now, r, calls);
            }
        }
    }

    fn random(&mut self) -> u64 {
        crate::splitmix64(&mut self.rng)
    }
}

/// Whether two versions of a trunk register the same way (else the
/// registration starts over).
fn same_registration(a: &LiveTrunk, b: &LiveTrunk) -> bool {
    a.host == b.host && a.addr == b.addr && a.kind == b.kind && a.credentials == b.credentials
}

/// When to refresh a registration granted for `granted` seconds: at 80 %
/// or 5 s before it runs out, whichever is earlier, never sooner than 1 s.
pub fn refresh_after(granted: u32) -> Duration {
    let granted = Duration::from_secs(u64::from(granted));
    let eighty = granted * 4 / 5;
    let margin = granted.saturating_sub(Duration::from_secs(5));
    eighty.min(margin).max(Duration::from_secs(1))
}

/// The wait after `failures` consecutive failures: `base`, doubling, at
/// most [`MAX_RETRY`].
pub fn back_off(base: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    base.saturating_mul(1 << doublings).min(MAX_RETRY)
}

mod message;
#[cfg(test)]
mod tests;
