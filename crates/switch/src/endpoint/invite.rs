//! Requests of INVITE sessions: through the transaction layer to the call
//! engine. A new call's INVITE is authenticated first (407 Proxy
//! Authentication Required, RFC 3261 §22.3), then its dialled string is
//! resolved, then `Calls::start` rings the callee.

use std::sync::Arc;
use std::time::Instant;

use domain::{E164, UnixMillis};
use sip::auth::{Algorithm, Credentials, Verdict};
use sip::transaction::{Event, Peer, TransactionKey};
use sip::{HeaderName, Method, Request, SipMessage, StatusCode};

use super::{Action, Caches, Endpoint, SUPPORTED, Source, Step};
use crate::calls::{NewCall, dialled};
use crate::dialplan::{InboundRoute, Party, Resolution};
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

/// A call from a carrier waiting for its number to be looked up.
#[derive(Debug)]
pub struct PendingInbound {
    pub key: TransactionKey,
    pub request: Request,
    pub from: Peer,
    pub kind: Kind,
    /// The number called, in E.164.
    pub number: E164,
    pub caller: Party,
}

/// A number as carriers write it: E.164 with or without `+`, French
/// national, or `00` and the digits.
pub fn public_number(text: &str) -> Option<E164> {
    let t = text.trim();
    if t.len() >= 8 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0') {
        return E164::parse(&format!("+{t}")).ok();
    }
    E164::parse(t).ok()
}

fn user_of(uri: &sip::Uri) -> Option<String> {
    match uri {
        sip::Uri::Sip(u) => u.user_unescaped(),
        sip::Uri::Tel(t) => Some(t.to_string().trim_start_matches("tel:").to_owned()),
        _ => None,
    }
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
        // Who sent the packet (not where the Via says to answer): what
        // tells a carrier or a phone's address apart.
        self.packet_source = Some(source.peer);
        self.drain_events(instant, now, random, source.kind, cached);
        self.packet_source = None;
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
        let sender = self.packet_source.unwrap_or(from.addr);
        if crate::trunk::carrier_of(&self.trunks, sender).is_some() {
            return self.inbound_call(instant, now, random, key, request, from, kind, cached);
        }
        let Some(value) = request.headers.get(&HeaderName::ProxyAuthorization) else {
            let emergency = matches!(
                domain::Dialled::parse(&dialled(&request)),
                Ok(domain::Dialled::Emergency(_))
            );
            if !emergency && !self.location.knows_address(sender.ip()) {
                // Neither a carrier nor where any phone registered from: a
                // call from the public network that did not come through
                // a carrier of ours.
                self.counters.untrusted_calls += 1;
                tracing::info!(peer = %from.addr, "call from an unknown address refused");
                let mut resp = request.response(StatusCode::FORBIDDEN, Some(&tag));
                resp.reason = "Forbidden (not a carrier of this switch)".into();
                return self.respond_call(instant, &key, resp);
            }
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
            Verdict::Ok
                if device.as_ref().is_some_and(|d| d.suspended)
                    && !matches!(
                        domain::Dialled::parse(&p.dialled()),
                        Ok(domain::Dialled::Emergency(_))
                    ) =>
            {
                // A suspended account calls emergency numbers only.
                self.counters.auth_failures += 1;
                let tag = format!("{random:016x}");
                let mut resp = p.request.response(StatusCode::FORBIDDEN, Some(&tag));
                resp.reason = "Forbidden (account suspended)".into();
                self.respond_call(instant, &p.key, resp);
                None
            }
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
            None => self.lookup_failed(instant, random, &pending.key, &pending.request),
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
        let new = NewCall {
            key: p.key,
            request: p.request,
            from: p.from,
            kind: p.kind,
            account: device.account,
            device: Some(device.device),
            resolution,
            direction: domain::CallDirection::Internal,
            called: None,
        };
        self.start_new(instant, now, new);
    }

    /// Hands a new call to the engine with where phones are and the
    /// carriers.
    fn start_new(&mut self, instant: Instant, now: UnixMillis, new: NewCall) {
        let location = &self.location;
        self.calls.start(
            instant,
            now,
            new,
            |d| location.live(d, now).into_iter().cloned().collect(),
            &self.trunks,
        );
    }

    /// A call from a carrier: the number called picks the account and
    /// what it rings (SPEC T3, A6).
    #[expect(
        clippy::too_many_arguments,
        reason = "one INVITE and where it came from"
    )]
    fn inbound_call(
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
        let number = public_number(&dialled(&request)).or_else(|| {
            request
                .to()
                .ok()
                .and_then(|t| user_of(&t.uri))
                .and_then(|u| public_number(&u))
        });
        let Some(number) = number else {
            let resp = request.response(StatusCode::NOT_FOUND, Some(&format!("{random:016x}")));
            return self.respond_call(instant, &key, resp);
        };
        let caller = request.from().ok();
        let caller_user = caller
            .as_ref()
            .and_then(|f| user_of(&f.uri))
            .unwrap_or_default();
        let public = public_number(&caller_user);
        let party = Party {
            extension: None,
            name: caller
                .as_ref()
                .and_then(|f| f.display.clone())
                .unwrap_or_default(),
            number: public
                .as_ref()
                .map_or(caller_user, |n| n.as_str().to_owned()),
            public,
        };
        let pending = PendingInbound {
            key,
            request,
            from,
            kind,
            number,
            caller: party,
        };
        match cached.inbound(&pending.number) {
            Some(found) => self.start_inbound(instant, now, random, pending, found),
            None => self
                .out
                .push_back(Action::ResolveInbound(Box::new(pending))),
        }
    }

    /// Finishes a call from a carrier once the number is looked up
    /// (`None`: storage failed).
    pub fn resume_inbound(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        pending: PendingInbound,
        found: Option<Option<InboundRoute>>,
    ) {
        self.calls.seed(random);
        match found {
            Some(found) => self.start_inbound(instant, now, random, pending, found),
            None => self.lookup_failed(instant, random, &pending.key, &pending.request),
        }
    }

    fn start_inbound(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        p: PendingInbound,
        found: Option<InboundRoute>,
    ) {
        let Some(inbound) = found else {
            // No account of this installation holds the number.
            self.calls.abandon(&p.key);
            let mut resp = p
                .request
                .response(StatusCode::NOT_FOUND, Some(&format!("{random:016x}")));
            resp.reason = "Not Found (number not in service)".into();
            return self.respond_call(instant, &p.key, resp);
        };
        let new = NewCall {
            key: p.key,
            request: p.request,
            from: p.from,
            kind: p.kind,
            account: inbound.account,
            device: None,
            resolution: Resolution {
                caller: Arc::new(p.caller),
                target: inbound.target,
            },
            direction: domain::CallDirection::Inbound,
            called: Some(p.number.as_str().to_owned()),
        };
        self.start_new(instant, now, new);
    }

    /// Storage could not answer a new call's look-up: 500, and the INVITE
    /// is forgotten.
    fn lookup_failed(
        &mut self,
        instant: Instant,
        random: u64,
        key: &TransactionKey,
        request: &Request,
    ) {
        self.calls.abandon(key);
        let resp = request.response(
            StatusCode::SERVER_INTERNAL_ERROR,
            Some(&format!("{random:016x}")),
        );
        self.respond_call(instant, key, resp);
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
