//! Requests of INVITE sessions: through the transaction layer to the call
//! engine. A new call's INVITE is authenticated first (407 Proxy
//! Authentication Required, RFC 3261 §22.3), then its dialled string is
//! resolved, then `Calls::start` rings the callee.

use std::sync::Arc;
use std::time::Instant;

use domain::UnixMillis;
use sip::auth::{Algorithm, Credentials, Verdict};
use sip::transaction::{Event, Peer, TransactionKey};
use sip::{HeaderName, Method, Request, SipMessage, StatusCode};

use super::{Action, Caches, Endpoint, SUPPORTED, Source, Step};
use crate::calls::{NewCall, dialled};
use crate::dialplan::Resolution;
use crate::directory::DeviceCredentials;
use crate::transport::Kind;

/// A new call waiting for its device or its dialled string to be looked
/// up.
#[derive(Debug)]
pub struct PendingCall {
    pub key: TransactionKey,
    pub request: Request,
    pub from: Peer,
    pub kind: Kind,
    pub credentials: Credentials,
    /// Set once the digest was checked against a cached device.
    pub device: Option<Arc<DeviceCredentials>>,
}

impl PendingCall {
    /// The SIP username to look up.
    pub fn username(&self) -> &str {
        &self.credentials.username
    }

    /// What the caller dialled.
    pub fn dialled(&self) -> String {
        dialled(&self.request)
    }
}

impl Endpoint {
    pub(super) fn call_request(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        source: Source,
        request: Request,
        cached: &impl Caches,
    ) -> Step {
        self.calls.seed(random);
        // What any server checks first (missing headers, Max-Forwards,
        // Require) is answered statelessly, before a transaction exists.
        if request.method != Method::Ack
            && let Err(rejection) = sip::uas::check_request(&request, SUPPORTED)
        {
            self.counters.bad_requests += 1;
            let resp = rejection.response(&request, &format!("{random:016x}"));
            return Step::Send(super::reply_to(source, resp.to_bytes()));
        }
        let from = Peer {
            addr: source.reply,
            reliable: source.kind.is_reliable(),
            conn: source.conn.map(|c| c.raw()),
        };
        if let Err(e) = self.calls.tx.handle_request(instant, request, from) {
            self.counters.bad_requests += 1;
            tracing::debug!(error = %e, "request outside any transaction dropped");
        }
        self.drain_events(instant, now, random, source.kind, cached);
        Step::Nothing
    }

    /// Hands the transaction layer's events to the call engine, taking new
    /// calls' INVITEs on the way.
    pub(super) fn drain_events(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        kind: Kind,
        cached: &impl Caches,
    ) {
        while let Some(event) = self.calls.tx.poll_event() {
            let Some(event) = self.offer_to_registrations(instant, random, event) else {
                continue;
            };
            match event {
                Event::NewRequest { key, request, from }
                    if request.method == Method::Invite
                        && request.to().is_ok_and(|t| t.tag().is_none()) =>
                {
                    self.new_invite(instant, now, random, key, request, from, kind, cached)
                }
                other => self.calls.on_event(instant, now, other),
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one INVITE and where it came from"
    )]
    fn new_invite(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        key: TransactionKey,
        request: Request,
        from: Peer,
        kind: Kind,
        cached: &impl Caches,
    ) {
        let tag = format!("{random:016x}");
        let Some(value) = request.headers.get(&HeaderName::ProxyAuthorization) else {
            return self.challenge_call(instant, now, random, &key, &request, false);
        };
        let credentials = match Credentials::parse(value) {
            Ok(c) => c,
            Err(e) => {
                self.counters.bad_requests += 1;
                let mut resp = request.response(StatusCode::BAD_REQUEST, Some(&tag));
                resp.reason = format!("Bad Request (Proxy-Authorization: {e})");
                return self.respond_call(instant, &key, resp);
            }
        };
        let mut pending = PendingCall {
            key,
            request,
            from,
            kind,
            credentials,
            device: None,
        };
        let Some(device) = cached.device(pending.username()) else {
            self.out.push_back(Action::Resolve(Box::new(pending)));
            return;
        };
        let Some(device) = self.verify_caller(instant, now, random, &pending, device) else {
            return;
        };
        match cached.resolution(&device, &pending.dialled()) {
            Some(resolution) => self.start_call(instant, now, pending, &device, resolution),
            None => {
                pending.device = Some(device);
                self.out.push_back(Action::Resolve(Box::new(pending)));
            }
        }
    }

    /// Checks the caller's digest; answers 407 or 403 and returns `None`
    /// when it does not pass.
    fn verify_caller(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        p: &PendingCall,
        device: Option<Arc<DeviceCredentials>>,
    ) -> Option<Arc<DeviceCredentials>> {
        let ha1 = device.as_deref().map(|d| match p.credentials.algorithm {
            Algorithm::Md5 => d.ha1_md5.as_str(),
            Algorithm::Sha256 => d.ha1_sha256.as_str(),
        });
        match self
            .digest
            .verify(&p.credentials, "INVITE", ha1, now.millis().max(0) as u64)
        {
            Verdict::Ok => device,
            Verdict::Stale => {
                self.challenge_call(instant, now, random, &p.key, &p.request, true);
                None
            }
            Verdict::Rejected(reason) => {
                self.counters.auth_failures += 1;
                tracing::info!(peer = %p.from.addr, username = %p.credentials.username, %reason, "call refused");
                let tag = format!("{random:016x}");
                let resp = p.request.response(StatusCode::FORBIDDEN, Some(&tag));
                self.respond_call(instant, &p.key, resp);
                None
            }
        }
    }

    /// Finishes a new call once its look-ups are done. `device` is the
    /// calling device (`None`: no such username); `resolution` what the
    /// dialled string reaches (`None`: storage failed).
    pub fn resume_call(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        pending: PendingCall,
        device: Option<Arc<DeviceCredentials>>,
        resolution: Option<Resolution>,
    ) {
        self.calls.seed(random);
        let device = match pending.device.clone() {
            Some(d) => d,
            None => match self.verify_caller(instant, now, random, &pending, device) {
                Some(d) => d,
                None => {
                    self.calls.abandon(&pending.key);
                    return;
                }
            },
        };
        match resolution {
            Some(r) => self.start_call(instant, now, pending, &device, r),
            None => {
                self.calls.abandon(&pending.key);
                let resp = pending.request.response(
                    StatusCode::SERVER_INTERNAL_ERROR,
                    Some(&format!("{random:016x}")),
                );
                self.respond_call(instant, &pending.key, resp);
            }
        }
    }

    fn start_call(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        p: PendingCall,
        device: &DeviceCredentials,
        resolution: Resolution,
    ) {
        let location = &self.location;
        let new = NewCall {
            key: p.key,
            request: p.request,
            from: p.from,
            kind: p.kind,
            account: device.account,
            device: device.device,
            resolution,
        };
        self.calls.start(instant, now, new, |d| {
            location.live(d, now).into_iter().cloned().collect()
        });
    }

    fn challenge_call(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        key: &TransactionKey,
        request: &Request,
        stale: bool,
    ) {
        let tag = format!("{random:016x}");
        let mut resp = request.response(StatusCode::PROXY_AUTH_REQUIRED, Some(&tag));
        for c in self
            .digest
            .challenges(now.millis().max(0) as u64, random, stale)
        {
            resp.headers
                .push(HeaderName::ProxyAuthenticate, c.to_string());
        }
        self.respond_call(instant, key, resp);
    }

    fn respond_call(&mut self, instant: Instant, key: &TransactionKey, resp: sip::Response) {
        if let Err(e) = self.calls.tx.respond(instant, key, resp) {
            tracing::debug!(error = %e, "response not sent");
        }
    }
}
