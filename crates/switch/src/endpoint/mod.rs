//! The switch's SIP endpoint: what it does with every message that
//! arrives, as a synchronous state machine. Time and randomness come in;
//! bytes to send, binding changes to store, and device look-ups to make
//! come out as [`Step`]s. The tokio shell in `crate::server` carries them
//! out, so everything here is tested without sockets.
//!
//! Today it serves OPTIONS and REGISTER (SPEC T1); calls come next.

mod invite;
mod register;
mod retransmit;

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use domain::{BindingChange, UnixMillis};
use sip::auth::{Algorithm, DigestServer};
use sip::{HeaderName, Message, Method, Request, Response, SipMessage, StatusCode, Via};

pub use invite::{PendingCall, PendingInbound, public_number};
pub use register::PendingRegister;
use retransmit::ResponseCache;

use crate::calls::{Calls, CallsConfig, CdrEvent, LegMedia, MediaPlane, MediaPorts, Side};
use crate::dialplan::Resolution;
use crate::directory::DeviceCredentials;
use crate::location::Location;
use crate::registrar::RegistrarPolicy;
use crate::transport::{ConnId, Inbound, Kind};
use crate::trunk::register::Registrations;

/// Option tags the switch implements (RFC 3261 §8.2.2.3).
pub const SUPPORTED: &[&str] = &["path", "outbound"];

/// Methods the switch accepts, for Allow.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE";

/// Bytes for one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub kind: Kind,
    pub dest: SocketAddr,
    pub conn: Option<ConnId>,
    pub bytes: Vec<u8>,
}

/// Work the shell carries out besides [`Step`]s, drained with
/// [`Endpoint::poll_action`] after every input.
#[derive(Debug)]
pub enum Action {
    /// Bytes of the transaction layer for a peer.
    SendTx(sip::transaction::Transmit),
    /// A call record change to write.
    Cdr(CdrEvent),
    /// Look the calling device and the dialled string up, then call
    /// [`Endpoint::resume_call`].
    Resolve(Box<PendingCall>),
    /// Look the number a carrier's call is for up, then call
    /// [`Endpoint::resume_inbound`].
    ResolveInbound(Box<PendingInbound>),
    /// Where a click-to-call is.
    Progress(u64, domain::CallProgress),
    /// A call the switch answered itself (voicemail, mailbox), or its end.
    Local(crate::calls::LocalEvent),
}

/// The caches the endpoint may read without waiting.
pub trait Caches {
    /// The device with this SIP username: `Some(None)` when it is known not
    /// to exist, `None` when it must be looked up.
    fn device(&self, username: &str) -> Option<Option<Arc<DeviceCredentials>>>;
    /// Who calls and what the dialled string reaches, when cached.
    fn resolution(&self, _device: &DeviceCredentials, _dialled: &str) -> Option<Resolution> {
        None
    }
    /// What a call from the public network to `number` reaches, when
    /// cached (`Some(None)`: no account holds it).
    fn inbound(&self, _number: &domain::E164) -> Option<Option<crate::dialplan::InboundRoute>> {
        None
    }
}

impl<F: Fn(&str) -> Option<Option<Arc<DeviceCredentials>>>> Caches for F {
    fn device(&self, username: &str) -> Option<Option<Arc<DeviceCredentials>>> {
        self(username)
    }
}

/// A media plane that has no ports: calls are refused with 503. For an
/// endpoint that only registers.
#[derive(Debug, Default)]
pub struct NoMedia;

impl MediaPlane for NoMedia {
    fn allocate(&mut self) -> std::io::Result<MediaPorts> {
        Err(std::io::Error::other("no media plane"))
    }
    fn update(&mut self, _id: u64, _side: Side, _leg: LegMedia) {}
    fn release(&mut self, _id: u64) {}
}

/// What the shell must do after the endpoint handled an input.
#[derive(Debug)]
pub enum Step {
    /// Nothing to do (absorbed retransmission, stray response, ACK).
    Nothing,
    /// Send these bytes.
    Send(Transmit),
    /// Send the response and store the binding changes.
    Register(Transmit, Vec<BindingChange>),
    /// Look the device up (it is not cached) and call
    /// [`Endpoint::resume_register`] with the answer.
    LookUp(Box<PendingRegister>),
}

/// Counters for metrics and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub requests: u64,
    pub bad_requests: u64,
    pub dropped: u64,
    pub retransmissions: u64,
    pub registrations: u64,
    pub auth_failures: u64,
    /// Calls refused because they came from neither a carrier nor a phone.
    pub untrusted_calls: u64,
}

/// Where a request came from, and where its responses go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub kind: Kind,
    pub peer: SocketAddr,
    pub conn: Option<ConnId>,
    /// Where responses are sent: the peer itself until the top Via says
    /// otherwise (see [`Source::follow_via`]).
    pub reply: SocketAddr,
}

impl From<&Inbound> for Source {
    fn from(i: &Inbound) -> Self {
        Self {
            kind: i.kind,
            peer: i.peer,
            conn: i.conn,
            reply: i.peer,
        }
    }
}

impl Source {
    /// RFC 3261 §18.2.2 and RFC 3581 §4: on a stream, back over the same
    /// connection; over UDP to the source port when `rport` was asked,
    /// else to the source address and the Via port.
    fn follow_via(&mut self, via: &Via) {
        if self.kind == Kind::Udp && !via.wants_rport() {
            self.reply.set_port(via.port.unwrap_or(5060));
        }
    }
}

/// How the endpoint is set up.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    /// The digest realm of challenges.
    pub realm: String,
    /// Signs nonces; shared by every node.
    pub secret: [u8; 32],
    /// Digest algorithms offered, in order of preference.
    pub algorithms: Vec<Algorithm>,
    pub policy: RegistrarPolicy,
}

/// The endpoint's state.
pub struct Endpoint {
    pub(crate) digest: DigestServer,
    pub(crate) location: Location,
    pub(crate) policy: RegistrarPolicy,
    cache: ResponseCache,
    pub(crate) calls: Calls,
    /// The carriers, in failover order.
    pub(crate) trunks: crate::trunk::TrunkSet,
    /// The source of the packet being handled, while its events drain.
    packet_source: Option<SocketAddr>,
    /// The switch's registrations with the carriers that want one.
    pub(crate) registrations: Registrations,
    out: VecDeque<Action>,
    pub counters: Counters,
}

impl Endpoint {
    /// An endpoint configured by `config`, serving the stored `location`.
    pub fn new(config: EndpointConfig, location: Location) -> Self {
        // RFC 7616 §3.3: a nonce lives long enough for a registration to
        // be answered; 5 minutes, then `stale=true`.
        let mut digest = DigestServer::new(config.realm, config.secret, 300_000);
        digest.algorithms = config.algorithms;
        Self {
            digest,
            location,
            policy: config.policy,
            cache: ResponseCache::default(),
            calls: Calls::new(CallsConfig::default(), Box::new(NoMedia)),
            trunks: Default::default(),
            packet_source: None,
            registrations: Registrations::new(crate::trunk::register::DEFAULT_RETRY_BASE),
            out: VecDeque::new(),
            counters: Counters::default(),
        }
    }

    /// The endpoint with its call engine.
    pub fn with_calls(mut self, calls: Calls) -> Self {
        self.calls = calls;
        self
    }

    /// The first wait before registering again with a carrier after a
    /// failure (doubling on each further failure, up to 10 minutes).
    pub fn with_trunk_retry(mut self, retry_base: std::time::Duration) -> Self {
        self.registrations.set_retry_base(retry_base);
        self
    }

    /// Replaces the carriers (loaded from storage by the shell): new
    /// trunks with credentials start registering at once, removed ones
    /// stop.
    pub fn set_trunks(&mut self, instant: Instant, random: u64, trunks: crate::trunk::TrunkSet) {
        self.registrations.seed(random);
        self.registrations.update(instant, &trunks, &mut self.calls);
        self.trunks = trunks;
    }

    /// Where each registering trunk's registration stands.
    pub fn registrations(&self) -> &Registrations {
        &self.registrations
    }

    /// The carriers in use.
    pub fn trunks(&self) -> &crate::trunk::TrunkSet {
        &self.trunks
    }

    /// The call engine (for counters and tests).
    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    /// The call engine, for the scripts of the calls the switch answered
    /// (`Calls::local_play`, `local_record`, `local_hang_up`).
    pub fn calls_mut(&mut self) -> &mut Calls {
        &mut self.calls
    }

    /// The next piece of work for the shell.
    pub fn poll_action(&mut self) -> Option<Action> {
        if let Some(a) = self.out.pop_front() {
            return Some(a);
        }
        if let Some(t) = self.calls.tx.poll_transmit() {
            return Some(Action::SendTx(t));
        }
        if let Some((id, p)) = self.calls.poll_progress() {
            return Some(Action::Progress(id, p));
        }
        if let Some(e) = self.calls.poll_local() {
            return Some(Action::Local(e));
        }
        self.calls.poll_cdr().map(Action::Cdr)
    }

    /// The earliest deadline of the call engine and the registrations.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.calls.poll_timeout(), self.registrations.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The relay saw no media on a call for too long: it is hung up.
    pub fn media_timeout(&mut self, instant: Instant, now: UnixMillis, media: u64) {
        self.calls.on_media_timeout(instant, now, media);
    }

    /// Places a click-to-call whose look-ups are done.
    pub fn originate(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        o: crate::calls::Originate,
    ) {
        self.calls.seed(random);
        let location = &self.location;
        self.calls.originate(
            instant,
            now,
            o,
            |d| location.live(d, now).into_iter().cloned().collect(),
            &self.trunks,
        );
    }

    /// Connects a local call's caller to `target` (a call back from the
    /// mailbox); `false` when it cannot.
    pub fn local_dial(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        call: u64,
        target: &crate::dialplan::Target,
    ) -> bool {
        self.calls.seed(random);
        let location = &self.location;
        self.calls.local_dial(
            instant,
            now,
            call,
            target,
            |d| location.live(d, now).into_iter().cloned().collect(),
            &self.trunks,
        )
    }

    /// A key pressed on a call's leg, heard by the relay.
    pub fn media_dtmf(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        media: u64,
        side: Side,
        digit: char,
    ) {
        self.calls.on_dtmf(instant, now, media, side, digit);
    }

    /// Fires due call timers and sends due registrations.
    pub fn handle_timeout(&mut self, instant: Instant, now: UnixMillis) {
        self.calls.handle_timeout(instant, now);
        self.registrations.handle_timeout(instant, &mut self.calls);
        self.drain_events(instant, now, 0, Kind::Udp, &|_: &str| None);
    }

    /// The location service (for routing calls and showing state).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Handles one message from the network. `random` feeds tags and
    /// nonces. `cached` answers device look-ups without waiting when the
    /// directory already knows the username.
    pub fn receive(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        input: &Inbound,
        cached: impl Caches,
    ) -> Step {
        let mut source = Source::from(input);
        let mut request = match sip::parse(&input.data) {
            Ok(Message::Request(r)) => r,
            // Responses to the switch's own requests: the call engine's.
            Ok(Message::Response(r)) => {
                self.calls.seed(random);
                if let Err(e) = self.calls.tx.handle_response(instant, r) {
                    tracing::debug!(error = %e, "response dropped");
                    self.counters.dropped += 1;
                }
                self.drain_events(instant, now, random, source.kind, &cached);
                return Step::Nothing;
            }
            Err(e) => {
                self.counters.bad_requests += 1;
                tracing::debug!(peer = %input.peer, error = %e, "unparsable SIP message");
                return match sip::uas::error_response(&input.data, &e) {
                    Some(bytes) => Step::Send(reply_to(source, bytes)),
                    None => {
                        self.counters.dropped += 1;
                        Step::Nothing
                    }
                };
            }
        };
        self.counters.requests += 1;
        // The top Via is read once: for the transaction key, the response
        // address and the received/rport stamp.
        let via = request.top_via().ok();
        if let Some(via) = &via {
            source.follow_via(via);
        }
        if is_call_request(&request) {
            if let Some(via) = via {
                stamp_via(&mut request, via, source.peer);
            }
            return self.call_request(instant, now, random, source, request, &cached);
        }
        let key = via.as_ref().and_then(|v| retransmit::key(&request, v));
        if let Some(k) = &key
            && let Some(previous) = self.cache.get(k, now)
        {
            self.counters.retransmissions += 1;
            return match previous {
                Some(bytes) => Step::Send(reply_to(source, bytes.to_vec())),
                // Still being looked up: the answer will come.
                None => Step::Nothing,
            };
        }
        if let Some(via) = via {
            stamp_via(&mut request, via, source.peer);
        }
        let to_tag = format!("{random:016x}");
        if let Err(rejection) = sip::uas::check_request(&request, SUPPORTED) {
            self.counters.bad_requests += 1;
            let resp = rejection.response(&request, &to_tag);
            return self.finish(now, key, source, resp);
        }
        match request.method {
            Method::Options => {
                let mut resp = request.response(StatusCode::OK, Some(&to_tag));
                resp.headers.push(HeaderName::Allow, ALLOW);
                resp.headers.push(HeaderName::Accept, "application/sdp");
                resp.headers
                    .push(HeaderName::Supported, SUPPORTED.join(", "));
                self.finish(now, key, source, resp)
            }
            Method::Register => {
                let step = self.register(now, random, key.clone(), source, request, &|n: &str| {
                    cached.device(n)
                });
                if let (Some(k), Step::LookUp(_)) = (&key, &step) {
                    self.cache.pending(k.clone(), now);
                }
                step
            }
            _ => {
                let mut resp = request.response(StatusCode::NOT_IMPLEMENTED, Some(&to_tag));
                resp.reason = format!("Not Implemented ({} is not served yet)", request.method);
                resp.headers.push(HeaderName::Allow, ALLOW);
                self.finish(now, key, source, resp)
            }
        }
    }

    /// Drops bindings that expired; returns the changes to store.
    pub fn expire(&mut self, now: UnixMillis) -> Vec<BindingChange> {
        self.cache.purge(now);
        self.location.expire(now)
    }

    /// Offers a transaction event to the trunk registrations first; gives
    /// it back when it is not theirs.
    fn offer_to_registrations(
        &mut self,
        instant: Instant,
        random: u64,
        event: sip::transaction::Event,
    ) -> Option<sip::transaction::Event> {
        self.registrations.seed(random);
        self.registrations
            .handle_event(instant, event, &mut self.calls)
    }

    fn cache_forget(&mut self, key: &str) {
        self.cache.forget(key);
    }

    /// Records the response for retransmissions and addresses it.
    fn finish(
        &mut self,
        now: UnixMillis,
        key: Option<retransmit::Key>,
        source: Source,
        response: Response,
    ) -> Step {
        let bytes = response.to_bytes();
        if let Some(k) = key
            && source.kind == Kind::Udp
        {
            self.cache.insert(k, bytes.clone(), now);
        }
        Step::Send(reply_to(source, bytes))
    }
}

/// Whether a request belongs to the call engine: everything of INVITE
/// sessions, and any request inside a dialog.
fn is_call_request(r: &Request) -> bool {
    match r.method {
        Method::Invite
        | Method::Ack
        | Method::Cancel
        | Method::Bye
        | Method::Info
        | Method::Update
        | Method::Prack => true,
        Method::Register => false,
        _ => r.to().is_ok_and(|t| t.tag().is_some()),
    }
}

fn reply_to(source: Source, bytes: Vec<u8>) -> Transmit {
    Transmit {
        kind: source.kind,
        dest: source.reply,
        conn: source.conn,
        bytes,
    }
}

/// Adds `received` and `rport` to the top Via (RFC 3261 §18.2.1, RFC 3581
/// §4), so the response tells the client how it was seen. `via` is the
/// request's top Via, already parsed.
fn stamp_via(request: &mut Request, mut via: Via, peer: SocketAddr) {
    let seen: IpAddr = peer.ip();
    let same_host = matches!(&via.host, sip::Host::V4(a) if IpAddr::V4(*a) == seen)
        || matches!(&via.host, sip::Host::V6(a) if IpAddr::V6(*a) == seen);
    let rport = via.wants_rport();
    if same_host && !rport {
        return;
    }
    via.params.set("received", Some(seen.to_string()));
    if rport {
        via.params.set("rport", Some(peer.port().to_string()));
    }
    request.headers.pop_first_value(&HeaderName::Via);
    request.headers.push_front(HeaderName::Via, via.to_string());
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod call_tests;
