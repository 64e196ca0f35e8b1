//! The call engine: a back-to-back user agent (SPEC T2). Every call is an
//! A-leg (the caller's INVITE, answered by the switch) and one B-leg per
//! registered contact of the callee (forking); the first B-leg to answer
//! wins and the others are cancelled. Media is anchored: each leg
//! negotiates its own SDP with the switch, whose relay joins them (and
//! transcodes when they agreed different codecs).
//!
//! Sans-IO like the rest of the endpoint: requests, responses and timer
//! expiries come in with the time and a random seed; bytes to send (via the
//! transaction layer), media commands (through [`MediaPlane`]) and call
//! record events come out. Routing is `route::decide`, a pure function.

mod build;
mod click;
mod local;
pub mod route;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{AccountId, CallDirection, Disposition, Language, NewCallRecord, UnixMillis};
use media::sdp::{self, Agreement, Codec, Direction, Format, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::{Config as TxConfig, Event, Peer, Timers, TransactionKey, Transactions};
use sip::{HeaderName, Method, Request, Response, SipMessage, StatusCode};

use crate::dialplan::{Party, Resolution};
use crate::transport::Kind;
pub use click::Originate;
pub use local::{LocalApp, LocalCall, LocalEvent};
use route::{Decision, Dest, Fork as ForkTarget, Stage};

/// Which leg of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller's leg.
    A,
    /// The callee's leg.
    B,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// A call's pair of relay ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaPorts {
    pub id: u64,
    /// The address written in SDP.
    pub addr: IpAddr,
    pub a_port: u16,
    pub b_port: u16,
}

/// What the relay must know of one leg.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegMedia {
    /// Where the leg's SDP says to send; the relay latches on the real
    /// source once media flows.
    pub remote: Option<SocketAddr>,
    pub format: Format,
    pub telephone_event: Option<u8>,
    /// Whether the switch sends media to this leg.
    pub send: bool,
    /// Whether media from this leg is taken.
    pub recv: bool,
}

/// What the switch says to a leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Announcement {
    /// "Press 1 to accept the call", to a forwarded party (SPEC U7),
    /// repeated until stopped.
    PressOne(Language),
    /// The ringing tone, to a click-to-call's user while the destination
    /// rings.
    Ringback,
}

/// The media relay as the call engine drives it.
pub trait MediaPlane: Send {
    fn allocate(&mut self) -> std::io::Result<MediaPorts>;
    fn update(&mut self, id: u64, side: Side, leg: LegMedia);
    fn release(&mut self, id: u64);
    /// Plays `what` to one leg (instead of what the other leg sends).
    fn announce(&mut self, _id: u64, _side: Side, _what: Announcement) {}
    /// Stops what [`MediaPlane::announce`] started.
    fn silence(&mut self, _id: u64, _side: Side) {}
    /// Plays any source to one leg (a local call's prompts).
    fn play(&mut self, _id: u64, _side: Side, _source: Box<dyn media::Source + Send>) {}
    /// Feeds what one leg says to `sink` (`None` stops).
    fn record(&mut self, _id: u64, _side: Side, _sink: Option<Box<dyn media::Sink + Send>>) {}
}

/// A change to a call's record, written by the storage side in order.
#[derive(Clone, Debug)]
pub enum CdrEvent {
    Start {
        call: u64,
        account: AccountId,
        record: NewCallRecord,
    },
    Answer {
        call: u64,
        at: UnixMillis,
    },
    End {
        call: u64,
        at: UnixMillis,
        disposition: Disposition,
        cause: String,
    },
}

/// How the engine is set up.
#[derive(Clone, Debug)]
pub struct CallsConfig {
    /// The host of From and To URIs the switch writes.
    pub domain: String,
    /// The switch's Via sent-by (`host:port`) for each transport it serves.
    pub sent_by: HashMap<Kind, String>,
    /// Session-Expires granted to callers that support timers (RFC 4028).
    pub session_expires: u32,
    /// The smallest Session-Expires accepted (Min-SE).
    pub min_se: u32,
    pub timers: Timers,
    /// Codecs the switch negotiates, in its order of preference.
    pub codecs: Vec<Codec>,
}

impl Default for CallsConfig {
    fn default() -> Self {
        Self {
            domain: "switchboard.invalid".into(),
            sent_by: HashMap::new(),
            session_expires: 1800,
            min_se: 90,
            timers: Timers::default(),
            // Opus last: the relay converts it to and from G.711 (libopus),
            // which costs more than copying or switching laws.
            codecs: vec![Codec::Pcmu, Codec::Pcma, Codec::Opus],
        }
    }
}

/// Counters for metrics and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CallCounters {
    pub started: u64,
    pub answered: u64,
    pub rejected: u64,
    pub active: u64,
}

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Click-to-call: the user's own phones ring first.
    CallingUser,
    Ringing,
    Answered,
    /// Finished; kept until the forks' answers are in, to ACK and BYE
    /// late 2xx.
    Ended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ForkState {
    /// INVITE sent, no provisional yet: a CANCEL must wait (RFC 3261 §9.1).
    Calling,
    Proceeding,
    Answered,
    Done,
}

#[derive(Debug)]
struct Fork {
    target: ForkTarget,
    invite: Request,
    key: TransactionKey,
    peer: Peer,
    state: ForkState,
    cancel_wanted: bool,
    status: Option<StatusCode>,
    /// The carrier's challenge was answered once already.
    authenticated: bool,
    /// The dialog and answer of a fork answered while it must still press
    /// 1.
    held: Option<(Dialog, Response)>,
}

#[derive(Debug)]
struct ALeg {
    invite: Request,
    key: TransactionKey,
    peer: Peer,
    kind: Kind,
    tag: String,
    dialog: Option<Dialog>,
    /// The caller's SDP offer (`None`: late offer, the answer comes in
    /// the ACK).
    offer: Option<SessionDescription>,
}

/// One leg's negotiated media and the SDP the switch last sent on it.
#[derive(Debug, Default)]
struct LegState {
    agreement: Option<Agreement>,
    /// The switch's last SDP on this leg (offer or answer).
    local: Option<SessionDescription>,
    session: u64,
    version: u64,
}

/// A re-INVITE being relayed from one side to the other.
#[derive(Debug)]
struct Reinvite {
    from: Side,
    server: TransactionKey,
    request: Request,
    offer: SessionDescription,
}

/// A 2xx the switch retransmits until its ACK arrives (RFC 3261
/// §13.3.1.4).
#[derive(Debug)]
struct Pending2xx {
    key: TransactionKey,
    cseq: u32,
    response: Response,
    interval: Duration,
    next: Instant,
    give_up: Instant,
}

#[derive(Debug)]
struct Call {
    id: u64,
    phase: Phase,
    /// The stages not tried yet.
    stages: VecDeque<Stage>,
    /// The first fork of the stage ringing now.
    stage_start: usize,
    /// Whether the stage ringing now moves on only after a server failure.
    failover_only: bool,
    /// Stages started so far (each INVITE's CSeq).
    stage_no: u32,
    /// The fork answered that must still press 1.
    confirming: Option<usize>,
    confirm_deadline: Option<Instant>,
    /// Devices this call keeps busy once answered.
    busy: Vec<domain::DeviceId>,
    /// Set for a click-to-call: its id and the user's phones' forks.
    click: Option<click::Click>,
    caller: Arc<Party>,
    callee: Party,
    a: ALeg,
    b_call_id: String,
    b_tag: String,
    forks: Vec<Fork>,
    winner: Option<usize>,
    b_dialog: Option<Dialog>,
    media: MediaPorts,
    legs: [LegState; 2],
    /// Whether the caller was already sent an early answer (183 with SDP)
    /// that the 200 must repeat.
    early_answer: bool,
    rang: bool,
    reinvite: Option<Reinvite>,
    pending_2xx: Vec<Pending2xx>,
    /// When the caller's session must have been refreshed by.
    session_deadline: Option<Instant>,
    session_expires: Option<u32>,
    ring_deadline: Instant,
    end_deadline: Option<Instant>,
    /// The mailbox that takes the call when nobody answers.
    fallback: Option<crate::dialplan::VoicemailBox>,
    /// Set once the switch answered the call itself.
    local: Option<LocalApp>,
}

impl Call {
    fn leg(&mut self, side: Side) -> &mut LegState {
        match side {
            Side::A => &mut self.legs[0],
            Side::B => &mut self.legs[1],
        }
    }

    /// One side's dialog, transport and peer, once that side has a dialog
    /// (the B side only with a winner).
    fn route(&mut self, side: Side) -> Option<(&mut Dialog, Kind, Peer)> {
        match side {
            Side::A => Some((self.a.dialog.as_mut()?, self.a.kind, self.a.peer.clone())),
            Side::B => {
                let w = self.winner?;
                let fork = &self.forks[w];
                Some((self.b_dialog.as_mut()?, fork.target.kind, fork.peer.clone()))
            }
        }
    }

    fn port(&self, side: Side) -> u16 {
        match side {
            Side::A => self.media.a_port,
            Side::B => self.media.b_port,
        }
    }
}

/// What a client transaction of the engine is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Fork(usize),
    /// One of the user's phones rung first by a click-to-call.
    UserFork(usize),
    ReInvite(Side),
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Ring,
    Retransmit,
    Session,
    Linger,
    Confirm,
}

/// A new call's INVITE once the caller is authenticated and the dialled
/// string resolved.
#[derive(Debug)]
pub struct NewCall {
    pub key: TransactionKey,
    pub request: Request,
    pub from: Peer,
    pub kind: Kind,
    pub account: AccountId,
    /// The calling device, which is never rung by its own call (`None`:
    /// the call comes from a carrier).
    pub device: Option<domain::DeviceId>,
    pub resolution: Resolution,
    pub direction: CallDirection,
    /// The number the record shows as called, when it is not the
    /// target's (the number dialled from the public network).
    pub called: Option<String>,
}

/// How long a forwarded party has to press 1.
pub const KEY_PRESS_WAIT: Duration = Duration::from_secs(10);

/// The engine.
pub struct Calls {
    config: CallsConfig,
    pub(crate) tx: Transactions,
    media: Box<dyn MediaPlane>,
    calls: HashMap<u64, Call>,
    next_id: u64,
    rng: u64,
    by_a_invite: HashMap<TransactionKey, u64>,
    by_a_dialog: HashMap<(String, String), u64>,
    by_b_call_id: HashMap<String, u64>,
    by_client: HashMap<TransactionKey, (u64, Purpose)>,
    /// INVITEs cancelled while their caller or dialled string was being
    /// looked up.
    cancelled: std::collections::HashSet<TransactionKey>,
    timers: BinaryHeap<Reverse<(Instant, u64, TimerKind)>>,
    cdr: VecDeque<CdrEvent>,
    /// Devices in answered calls, with how many.
    busy: HashMap<domain::DeviceId, u32>,
    /// Click-to-call progress to report.
    progress: VecDeque<(u64, domain::CallProgress)>,
    /// Calls answered by the switch, and their ends, for the shell.
    locals: VecDeque<LocalEvent>,
    pub counters: CallCounters,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calls")
            .field("calls", &self.calls.len())
            .field("counters", &self.counters)
            .finish()
    }
}

impl Calls {
    pub fn new(config: CallsConfig, media: Box<dyn MediaPlane>) -> Self {
        let tx = Transactions::new(TxConfig {
            timers: config.timers,
            ..TxConfig::default()
        });
        Self {
            config,
            tx,
            media,
            calls: HashMap::new(),
            next_id: 1,
            rng: 0x9E37_79B9_7F4A_7C15,
            by_a_invite: HashMap::new(),
            by_a_dialog: HashMap::new(),
            by_b_call_id: HashMap::new(),
            by_client: HashMap::new(),
            cancelled: std::collections::HashSet::new(),
            timers: BinaryHeap::new(),
            cdr: VecDeque::new(),
            busy: HashMap::new(),
            progress: VecDeque::new(),
            locals: VecDeque::new(),
            counters: CallCounters::default(),
        }
    }

    /// Forgets an INVITE that will not start a call (its caller was
    /// refused, or its look-up failed).
    pub fn abandon(&mut self, key: &TransactionKey) {
        self.cancelled.remove(key);
    }

    /// Mixes fresh randomness into the tag and branch generator.
    pub fn seed(&mut self, random: u64) {
        self.rng ^= random;
    }

    /// Calls in progress.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The next click-to-call progress to report.
    pub fn poll_progress(&mut self) -> Option<(u64, domain::CallProgress)> {
        self.progress.pop_front()
    }

    /// The next call record change to write.
    pub fn poll_cdr(&mut self) -> Option<CdrEvent> {
        self.cdr.pop_front()
    }

    /// The earliest deadline of the engine or its transactions.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mine = self.timers.peek().map(|Reverse((at, _, _))| *at);
        match (mine, self.tx.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn random(&mut self) -> u64 {
        crate::splitmix64(&mut self.rng)
    }

    fn token(&mut self) -> String {
        format!("{:016x}", self.random())
    }

    /// Puts the switch's Via, with a new branch, on top of `r`.
    fn stamp(&mut self, r: &mut Request, kind: Kind) {
        let branch = format!("z9hG4bK{}", self.token());
        build::push_via(r, &self.sent_by(kind), kind, &branch);
    }

    /// A new request inside one side's dialog, stamped, and where it goes.
    fn in_dialog(
        &mut self,
        call: &mut Call,
        side: Side,
        method: Method,
    ) -> Option<(Request, Peer)> {
        let (d, kind, peer) = call.route(side)?;
        let mut r = d.request(method).ok()?;
        self.stamp(&mut r, kind);
        Some((r, peer))
    }

    /// The host of the From and To URIs the switch writes.
    pub(crate) fn domain(&self) -> &str {
        &self.config.domain
    }

    /// The switch's Via sent-by on `kind`.
    pub(crate) fn sent_by(&self, kind: Kind) -> String {
        self.config
            .sent_by
            .get(&kind)
            .or_else(|| self.config.sent_by.get(&Kind::Udp))
            .cloned()
            .unwrap_or_else(|| self.config.domain.clone())
    }

    fn arm(&mut self, at: Instant, call: u64, kind: TimerKind) {
        self.timers.push(Reverse((at, call, kind)));
    }

    /// Answers a server transaction, logging what cannot be sent.
    fn respond(&mut self, now: Instant, key: &TransactionKey, response: Response) {
        if let Err(e) = self.tx.respond(now, key, response) {
            tracing::debug!(error = %e, "response not sent");
        }
    }

    /// Starts a client transaction; `None` when the request could not go.
    fn send(
        &mut self,
        now: Instant,
        request: Request,
        peer: Peer,
        call: u64,
        purpose: Purpose,
    ) -> Option<TransactionKey> {
        match self.tx.send_request(now, request, peer) {
            Ok(key) => {
                self.by_client.insert(key.clone(), (call, purpose));
                Some(key)
            }
            Err(e) => {
                tracing::debug!(error = %e, "request not sent");
                None
            }
        }
    }

    /// Rejects a request that starts no call (bad SDP, unknown dialog).
    pub fn reject(
        &mut self,
        now: Instant,
        key: &TransactionKey,
        request: &Request,
        status: StatusCode,
    ) {
        let tag = self.token();
        let resp = request.response(status, Some(&tag));
        self.respond(now, key, resp);
    }

    /// Starts a call whose INVITE is authenticated and resolved.
    pub fn start(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        new: NewCall,
        bindings: impl Fn(domain::DeviceId) -> Vec<domain::Binding>,
        trunks: &[crate::trunk::LiveTrunk],
    ) {
        let NewCall {
            key,
            request,
            from,
            kind,
            account,
            device: caller_device,
            resolution,
            direction,
            called,
        } = new;
        let id = self.next_id;
        self.next_id += 1;
        self.counters.started += 1;
        use crate::dialplan::Target;
        let callee_party = match resolution.target.party() {
            Some(party) => party.clone(),
            // A mailbox code or nothing: the record shows what was dialled.
            None => Party {
                extension: match &*resolution.target {
                    Target::Mailbox(mailbox) => Some(mailbox.extension.clone()),
                    _ => None,
                },
                name: String::new(),
                number: dialled(&request),
                public: None,
            },
        };
        // A call from an extension to the public network goes out.
        let direction = match (&*resolution.target, direction) {
            (Target::Public { .. }, CallDirection::Internal) => CallDirection::Outbound,
            (_, d) => d,
        };
        let record = NewCallRecord {
            call_id: request.call_id().unwrap_or_default().to_owned(),
            direction,
            caller_number: resolution.caller.number.clone(),
            caller_extension: resolution.caller.extension.clone(),
            callee_number: called.unwrap_or_else(|| callee_party.number.clone()),
            callee_extension: callee_party.extension.clone(),
            started_at: wall,
        };
        self.cdr.push_back(CdrEvent::Start {
            call: id,
            account,
            record,
        });
        if self.cancelled.remove(&key) {
            self.counters.rejected += 1;
            self.reject(now, &key, &request, StatusCode::REQUEST_TERMINATED);
            self.cdr.push_back(CdrEvent::End {
                call: id,
                at: wall,
                disposition: Disposition::Missed,
                cause: "caller cancelled".into(),
            });
            return;
        }
        let end =
            |s: &mut Self, request: &Request, status: StatusCode, disposition, cause: &str| {
                s.counters.rejected += 1;
                s.reject(now, &key, request, status);
                s.cdr.push_back(CdrEvent::End {
                    call: id,
                    at: wall,
                    disposition,
                    cause: cause.to_owned(),
                });
            };
        // The caller's offer, if any, must be usable before anything rings.
        let offer = if request.body.is_empty() {
            None
        } else {
            match std::str::from_utf8(&request.body)
                .ok()
                .and_then(|t| SessionDescription::parse(t).ok())
            {
                Some(o) if o.audio().is_some() => Some(o),
                _ => {
                    return end(
                        self,
                        &request,
                        StatusCode::NOT_ACCEPTABLE_HERE,
                        Disposition::Failed,
                        "unusable SDP offer",
                    );
                }
            }
        };
        if let Some(o) = &offer
            && self.answer_codecs(o, None).is_empty()
        {
            return end(
                self,
                &request,
                StatusCode::NOT_ACCEPTABLE_HERE,
                Disposition::Failed,
                "no common codec",
            );
        }
        // RFC 4028 §8.1: too short a session interval gets 422.
        let session_expires = build::session_expires(&request);
        if let Some(se) = session_expires
            && se < self.config.min_se
        {
            self.counters.rejected += 1;
            let tag = self.token();
            let mut resp = request.response(StatusCode::new(422).expect("valid"), Some(&tag));
            resp.reason = "Session Interval Too Small".into();
            resp.headers.push(
                HeaderName::Other("Min-SE".into()),
                self.config.min_se.to_string(),
            );
            self.respond(now, &key, resp);
            self.cdr.push_back(CdrEvent::End {
                call: id,
                at: wall,
                disposition: Disposition::Failed,
                cause: "session interval too small".into(),
            });
            return;
        }
        // The mailbox menu is answered at once; a user nobody can ring
        // (no phone connected) goes straight to their voicemail.
        let fallback = local::fallback_of(&resolution.target);
        let (mut stages, local_now): (VecDeque<Stage>, Option<LocalApp>) =
            if let Target::Mailbox(mailbox) = &*resolution.target {
                (
                    VecDeque::new(),
                    Some(LocalApp::Menu {
                        mailbox: mailbox.clone(),
                    }),
                )
            } else {
                match self.decide(&resolution.target, caller_device, &bindings, trunks) {
                    Decision::Reject { .. } if fallback.is_some() => (
                        VecDeque::new(),
                        Some(LocalApp::Deposit {
                            mailbox: fallback.clone().expect("checked"),
                            busy: false,
                        }),
                    ),
                    Decision::Reject {
                        status,
                        disposition,
                        cause,
                    } => return end(self, &request, status, disposition, cause),
                    Decision::Ring(stages) => (stages.into(), None),
                }
            };
        let first = match local_now {
            Some(_) => None,
            None => Some(stages.pop_front().expect("a decision to ring has a stage")),
        };
        let media = match self.media.allocate() {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "no media ports for a call");
                return end(
                    self,
                    &request,
                    StatusCode::SERVICE_UNAVAILABLE,
                    Disposition::Failed,
                    "no media ports",
                );
            }
        };
        // Timers only with a caller that supports them: it is the refresher
        // (RFC 4028 §9); the switch refreshes nobody.
        let timer = build::supports(&request, "timer");
        let a_tag = self.token();
        let b_tag = self.token();
        let b_call_id = format!("{}@{}", self.token(), self.config.domain);
        let mut call = Call {
            id,
            phase: Phase::Ringing,
            stages,
            stage_start: 0,
            failover_only: first.as_ref().is_some_and(|f| f.failover_only),
            stage_no: 0,
            confirming: None,
            confirm_deadline: None,
            busy: caller_device.into_iter().collect(),
            click: None,
            caller: resolution.caller.clone(),
            callee: callee_party,
            a: ALeg {
                invite: request,
                key: key.clone(),
                peer: from,
                kind,
                tag: a_tag,
                dialog: None,
                offer,
            },
            b_call_id: b_call_id.clone(),
            b_tag,
            forks: Vec::with_capacity(first.as_ref().map_or(0, |f| f.forks.len())),
            winner: None,
            b_dialog: None,
            media,
            legs: [LegState::default(), LegState::default()],
            early_answer: false,
            rang: false,
            reinvite: None,
            pending_2xx: Vec::new(),
            session_deadline: None,
            session_expires: timer.then(|| {
                session_expires
                    .unwrap_or(self.config.session_expires)
                    .max(self.config.min_se)
            }),
            ring_deadline: now,
            end_deadline: None,
            fallback,
            local: None,
        };
        call.legs[0].session = self.random() >> 1;
        call.legs[1].session = self.random() >> 1;
        // The offer to the callee: the caller's codecs first, so that the
        // relay copies packets instead of transcoding, then the others.
        let formats = self.b_formats(call.a.offer.as_ref());
        let b_offer = SessionDescription::offer(
            media.addr,
            media.b_port,
            call.legs[1].session,
            0,
            &formats,
            true,
            Direction::SendRecv,
        );
        call.legs[1].local = Some(b_offer);
        let Some(first) = first else {
            let trying = call.a.invite.response(StatusCode::TRYING, None);
            self.respond(now, &key, trying);
            self.by_a_invite.insert(key, id);
            self.by_b_call_id.insert(b_call_id, id);
            self.counters.active += 1;
            let app = local_now.expect("no stage means a local call");
            return self.go_local(now, wall, call, app);
        };
        self.start_stage(now, &mut call, first);
        while call.forks.len() == call.stage_start && !call.stages.is_empty() {
            // No fork of that stage could be sent: the next one.
            let next = call.stages.pop_front().expect("not empty");
            self.start_stage(now, &mut call, next);
        }
        if call.forks.len() == call.stage_start
            && let Some(mailbox) = call.fallback.clone()
        {
            let trying = call.a.invite.response(StatusCode::TRYING, None);
            self.respond(now, &key, trying);
            self.by_a_invite.insert(key, id);
            self.by_b_call_id.insert(b_call_id, id);
            self.counters.active += 1;
            let app = LocalApp::Deposit {
                mailbox,
                busy: false,
            };
            return self.go_local(now, wall, call, app);
        }
        if call.forks.len() == call.stage_start {
            self.media.release(media.id);
            return end(
                self,
                &call.a.invite,
                StatusCode::SERVICE_UNAVAILABLE,
                Disposition::Failed,
                "could not reach the callee",
            );
        }
        // A 100 at once: the answer may take a while.
        let trying = call.a.invite.response(StatusCode::TRYING, None);
        self.respond(now, &key, trying);
        self.by_a_invite.insert(key, id);
        self.by_b_call_id.insert(b_call_id, id);
        self.counters.active += 1;
        self.calls.insert(id, call);
    }

    /// The routing decision for `target`, over the live bindings of the
    /// devices it may ring and the devices in calls now.
    fn decide(
        &self,
        target: &crate::dialplan::Target,
        caller: Option<domain::DeviceId>,
        bindings: &impl Fn(domain::DeviceId) -> Vec<domain::Binding>,
        trunks: &[crate::trunk::LiveTrunk],
    ) -> Decision {
        let devices = target_devices(target);
        let bound: Vec<Vec<domain::Binding>> = devices.iter().map(|d| bindings(*d)).collect();
        route::decide(
            target,
            &route::Context {
                caller,
                bindings: |d| {
                    devices
                        .iter()
                        .position(|x| *x == d)
                        .map(|i| bound[i].iter().collect())
                        .unwrap_or_default()
                },
                busy: |d| self.busy.contains_key(&d),
                trunks,
            },
        )
    }

    /// Sends the INVITEs of one stage and arms its ring timer.
    fn start_stage(&mut self, now: Instant, call: &mut Call, stage: Stage) {
        call.stage_start = call.forks.len();
        call.failover_only = stage.failover_only;
        call.stage_no += 1;
        call.ring_deadline = now + stage.ring;
        self.arm(call.ring_deadline, call.id, TimerKind::Ring);
        let body = call.legs[1]
            .local
            .as_ref()
            .map(|o| o.to_string().into_bytes())
            .unwrap_or_default();
        for target in stage.forks {
            let branch = format!("z9hG4bK{}", self.token());
            let sent_by = self.sent_by(target.kind);
            let invite = build::fork_invite(
                &call.a.invite,
                &target,
                &sent_by,
                &branch,
                &self.config.domain,
                &call.caller,
                &call.callee,
                &call.b_call_id,
                &call.b_tag,
                call.stage_no,
                body.clone(),
            );
            let peer = Peer {
                addr: target.peer,
                reliable: target.kind.is_reliable(),
                conn: None,
            };
            let i = call.forks.len();
            let Some(fkey) =
                self.send(now, invite.clone(), peer.clone(), call.id, Purpose::Fork(i))
            else {
                continue;
            };
            call.forks.push(Fork {
                target,
                invite,
                key: fkey,
                peer,
                state: ForkState::Calling,
                cancel_wanted: false,
                status: None,
                authenticated: false,
                held: None,
            });
        }
    }

    /// The stage ringing now rang its time: its forks are cancelled and
    /// the next stage rings (not after a carrier: its far end rang).
    fn ring_expired(&mut self, now: Instant, wall: UnixMillis, id: u64) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        for j in call.stage_start..call.forks.len() {
            self.cancel_fork(now, &mut call, j);
            let f = &mut call.forks[j];
            if f.state != ForkState::Answered {
                f.status.get_or_insert(StatusCode::REQUEST_TIMEOUT);
            }
        }
        if call.failover_only {
            call.stages.clear();
        }
        self.calls.insert(id, call);
        self.stage_failed(now, wall, id);
    }

    /// The forks of the stage ringing now have all failed: the next stage
    /// rings, or the caller hears why nobody answered.
    fn stage_failed(&mut self, now: Instant, wall: UnixMillis, id: u64) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if call.confirming.is_some() {
            self.calls.insert(id, call);
            return;
        }
        let statuses: Vec<StatusCode> = call.forks[call.stage_start..]
            .iter()
            .filter_map(|f| f.status)
            .filter(|s| *s != StatusCode::REQUEST_TERMINATED)
            .collect();
        let go_on = !call.failover_only || statuses.iter().all(|s| route::fails_over(*s));
        while go_on && let Some(next) = call.stages.pop_front() {
            self.start_stage(now, &mut call, next);
            if call.forks.len() > call.stage_start {
                self.calls.insert(id, call);
                return;
            }
        }
        let all: Vec<StatusCode> = call
            .forks
            .iter()
            .filter_map(|f| f.status)
            .filter(|s| *s != StatusCode::REQUEST_TERMINATED)
            .collect();
        if call.click.is_none()
            && let Some(mailbox) = call.fallback.clone()
        {
            // Nobody took it (no answer, busy, refused, forward not
            // accepted): the user's voicemail does.
            let busy = !all.is_empty()
                && all
                    .iter()
                    .all(|s| *s == StatusCode::BUSY_HERE || s.as_u16() == 600);
            return self.go_local(now, wall, call, LocalApp::Deposit { mailbox, busy });
        }
        self.calls.insert(id, call);
        let (status, disposition, cause) = if all.contains(&StatusCode::TEMPORARILY_UNAVAILABLE)
            && self.calls[&id]
                .forks
                .iter()
                .any(|f| f.target.confirm.is_some() && f.held.is_some())
        {
            (
                StatusCode::TEMPORARILY_UNAVAILABLE,
                Disposition::Missed,
                "forward not accepted",
            )
        } else {
            route::best_failure(&all)
        };
        self.fail_a(now, id, status);
        self.finish(now, wall, id, disposition, cause);
    }

    /// Formats offered to the callee.
    fn b_formats(&self, a_offer: Option<&SessionDescription>) -> Vec<Format> {
        let mut codecs: Vec<Codec> = Vec::new();
        if let Some(audio) = a_offer.and_then(|o| o.audio()) {
            for f in audio.formats() {
                if self.config.codecs.contains(&f.codec) && !codecs.contains(&f.codec) {
                    codecs.push(f.codec);
                }
            }
        }
        for c in &self.config.codecs {
            if !codecs.contains(c) {
                codecs.push(*c);
            }
        }
        codecs.iter().filter_map(|c| build::format_of(*c)).collect()
    }

    /// Our codecs to answer `offer` with: `prefer` alone when the offer
    /// has it (the answer takes the offerer's order, so this is how the
    /// other leg's codec wins and the relay copies instead of
    /// transcoding), else every codec both sides have.
    fn answer_codecs(&self, offer: &SessionDescription, prefer: Option<Codec>) -> Vec<Codec> {
        let Some(audio) = offer.audio() else {
            return Vec::new();
        };
        let offered: Vec<Codec> = audio.formats().iter().map(|f| f.codec).collect();
        let mut ours = Vec::new();
        if let Some(p) = prefer
            && offered.contains(&p)
        {
            ours.push(p);
        } else {
            for c in &self.config.codecs {
                if offered.contains(c) && !ours.contains(c) {
                    ours.push(*c);
                }
            }
        }
        // Key presses travel as RFC 4733 events whenever the leg has them.
        if !ours.is_empty() && offered.contains(&Codec::TelephoneEvent) {
            ours.push(Codec::TelephoneEvent);
        }
        ours
    }

    /// Handles one event of the transaction layer.
    pub fn on_event(&mut self, now: Instant, wall: UnixMillis, event: Event) {
        match event {
            Event::NewRequest { key, request, from } => {
                self.on_request(now, wall, key, request, from)
            }
            Event::Response { key, response } => self.on_response(now, wall, key, response),
            Event::Ack { request, .. } => self.on_ack(now, request),
            Event::StrayResponse { response } => self.on_stray(response),
            Event::Timeout { key } | Event::TransportError { key } => {
                self.on_failure(now, wall, key)
            }
        }
    }

    /// A request inside a call, or a CANCEL. Initial INVITEs are the
    /// endpoint's (authentication first); they reach [`Calls::start`].
    fn on_request(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        key: TransactionKey,
        request: Request,
        from: Peer,
    ) {
        if request.method == Method::Cancel {
            return self.on_cancel(now, wall, key, request);
        }
        let Some((id, side)) = self.find_dialog(&request) else {
            return self.reject(now, &key, &request, StatusCode::CALL_DOES_NOT_EXIST);
        };
        let _ = from;
        match request.method {
            Method::Bye => self.on_bye(now, wall, id, side, key, request),
            Method::Invite => self.on_reinvite(now, id, side, key, request),
            Method::Update => self.on_update(now, id, side, key, request),
            Method::Info => self.on_info(now, id, side, key, request),
            Method::Options => {
                let resp = request.response(StatusCode::OK, None);
                self.respond(now, &key, resp);
            }
            _ => {
                let mut resp = request.response(StatusCode::METHOD_NOT_ALLOWED, None);
                resp.headers.push(HeaderName::Allow, crate::endpoint::ALLOW);
                self.respond(now, &key, resp);
            }
        }
    }

    /// The call and side a request inside a dialog belongs to.
    fn find_dialog(&self, request: &Request) -> Option<(u64, Side)> {
        let call_id = request.call_id()?;
        if let Some(id) = self.by_b_call_id.get(call_id) {
            return Some((*id, Side::B));
        }
        let to = request.to().ok()?;
        let tag = to.tag()?;
        self.by_a_dialog
            .get(&(call_id.to_owned(), tag.to_owned()))
            .map(|id| (*id, Side::A))
    }

    fn on_cancel(&mut self, now: Instant, wall: UnixMillis, key: TransactionKey, cancel: Request) {
        let invite_key = key.cancelled_invite();
        let id = invite_key
            .as_ref()
            .and_then(|k| self.by_a_invite.get(k))
            .copied();
        let Some(id) = id else {
            // An INVITE still being looked up: the call ends before it
            // starts.
            if let Some(k) = invite_key
                && self.tx.state(&k) == Some(sip::transaction::State::Proceeding)
            {
                let ok = cancel.response(StatusCode::OK, None);
                self.respond(now, &key, ok);
                self.cancelled.insert(k);
                return;
            }
            return self.reject(now, &key, &cancel, StatusCode::CALL_DOES_NOT_EXIST);
        };
        let ok = cancel.response(StatusCode::OK, None);
        self.respond(now, &key, ok);
        let ringing = self
            .calls
            .get(&id)
            .is_some_and(|c| c.phase == Phase::Ringing);
        if !ringing {
            return;
        }
        self.fail_a(now, id, StatusCode::REQUEST_TERMINATED);
        self.finish(now, wall, id, Disposition::Missed, "caller cancelled");
    }

    /// Sends the caller a final failure.
    fn fail_a(&mut self, now: Instant, id: u64, status: StatusCode) {
        if self.calls.get(&id).is_some_and(|c| c.click.is_some()) {
            return self.click_failed(now, id, status);
        }
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let resp = call.a.invite.response(status, Some(&call.a.tag));
        let key = call.a.key.clone();
        self.respond(now, &key, resp);
    }

    /// Ends a call: cancels forks still ringing, hangs up answered legs
    /// that did not hang up themselves, releases media, closes the record.
    fn finish(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        id: u64,
        disposition: Disposition,
        cause: &str,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if call.phase == Phase::Ended {
            self.calls.insert(id, call);
            return;
        }
        if let Some(c) = &call.click {
            let end = match (call.phase, disposition) {
                (Phase::Answered, _) => domain::CallEnd::HungUp,
                (Phase::CallingUser, _) => domain::CallEnd::YouDidNotAnswer,
                (_, Disposition::Busy) => domain::CallEnd::Busy,
                (_, Disposition::Missed) => domain::CallEnd::NoAnswer,
                _ => domain::CallEnd::Failed,
            };
            self.progress
                .push_back((c.id, domain::CallProgress::Ended(end)));
        }
        if call.phase == Phase::Answered {
            for d in &call.busy {
                if let Some(n) = self.busy.get_mut(d) {
                    *n -= 1;
                    if *n == 0 {
                        self.busy.remove(d);
                    }
                }
            }
        }
        let (disposition, cause) = match self.local_ended(&call) {
            Some((d, c)) if disposition == Disposition::Answered => (d, c),
            _ => (disposition, cause),
        };
        call.phase = Phase::Ended;
        self.counters.active = self.counters.active.saturating_sub(1);
        for i in 0..call.forks.len() {
            if Some(i) != call.winner {
                self.cancel_fork(now, &mut call, i);
            }
        }
        self.media.release(call.media.id);
        self.cdr.push_back(CdrEvent::End {
            call: id,
            at: wall,
            disposition,
            cause: cause.to_owned(),
        });
        call.pending_2xx.clear();
        self.by_a_invite.remove(&call.a.key);
        if call
            .forks
            .iter()
            .all(|f| matches!(f.state, ForkState::Done | ForkState::Answered))
        {
            self.forget(call);
            return;
        }
        // Forks may still answer: keep the call a while to ACK and BYE a
        // late 2xx, then forget it.
        let linger = now + self.config.timers.t1_x64();
        call.end_deadline = Some(linger);
        self.arm(linger, id, TimerKind::Linger);
        self.calls.insert(id, call);
    }

    fn cancel_fork(&mut self, now: Instant, call: &mut Call, i: usize) {
        self.cancel_one(now, call.id, &mut call.forks[i]);
    }

    /// Cancels one fork: at once once it rang, else at its first
    /// provisional.
    fn cancel_one(&mut self, now: Instant, call: u64, fork: &mut Fork) {
        match fork.state {
            ForkState::Calling => fork.cancel_wanted = true,
            ForkState::Proceeding => {
                fork.cancel_wanted = false;
                fork.state = ForkState::Done;
                let cancel = build::cancel_for(&fork.invite);
                let peer = fork.peer.clone();
                self.send(now, cancel, peer, call, Purpose::Other);
            }
            ForkState::Answered | ForkState::Done => {}
        }
    }

    fn on_response(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        key: TransactionKey,
        response: Response,
    ) {
        let Some(&(id, purpose)) = self.by_client.get(&key) else {
            return;
        };
        if response.status.is_final() && !response.status.is_success() {
            self.by_client.remove(&key);
        }
        match purpose {
            Purpose::Fork(i) => self.on_fork_response(now, wall, id, i, response),
            Purpose::UserFork(i) => self.on_user_fork_response(now, wall, id, i, response),
            Purpose::ReInvite(side) => self.on_reinvite_response(now, id, side, response),
            Purpose::Other => {
                if response.status.is_final() {
                    self.by_client.remove(&key);
                }
            }
        }
    }

    fn on_fork_response(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        id: u64,
        i: usize,
        response: Response,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let status = response.status;
        if status.is_provisional() {
            if status != StatusCode::TRYING && call.forks[i].state == ForkState::Calling {
                call.forks[i].state = ForkState::Proceeding;
            }
            if call.forks[i].cancel_wanted && call.forks[i].state == ForkState::Proceeding {
                self.cancel_fork(now, &mut call, i);
            } else if call.phase == Phase::Ringing && status != StatusCode::TRYING {
                self.relay_progress(now, &mut call, &response);
            }
            self.calls.insert(id, call);
            return;
        }
        if status.is_success() {
            self.on_fork_answer(now, wall, call, i, response);
            return;
        }
        if matches!(status.as_u16(), 401 | 407)
            && call.phase == Phase::Ringing
            && !call.forks[i].authenticated
            && !call.forks[i].cancel_wanted
            && self.authenticate_fork(now, &mut call, i, &response)
        {
            self.calls.insert(id, call);
            return;
        }
        call.forks[i].state = ForkState::Done;
        call.forks[i].status.get_or_insert(status);
        self.fork_ended(now, wall, call, i);
    }

    /// After a fork ended: forgets a finished call once every fork is in,
    /// or moves on when the stage ringing now has no fork left.
    fn fork_ended(&mut self, now: Instant, wall: UnixMillis, call: Call, i: usize) {
        let id = call.id;
        let all_done = call.forks.iter().all(|f| f.state == ForkState::Done);
        if call.phase == Phase::Ended && all_done {
            self.forget(call);
            return;
        }
        let stage_done = i >= call.stage_start
            && call.forks[call.stage_start..]
                .iter()
                .all(|f| f.state == ForkState::Done || f.cancel_wanted);
        let ringing = call.phase == Phase::Ringing;
        self.calls.insert(id, call);
        if ringing && stage_done {
            self.stage_failed(now, wall, id);
        }
    }

    /// Answers a carrier's digest challenge to an INVITE (RFC 3261 §22.2):
    /// the same INVITE again, CSeq one up, with credentials. False when
    /// the fork has none to give.
    fn authenticate_fork(
        &mut self,
        now: Instant,
        call: &mut Call,
        i: usize,
        response: &Response,
    ) -> bool {
        let Dest::Trunk {
            credentials: Some(creds),
            ..
        } = &call.forks[i].target.dest
        else {
            return false;
        };
        let (ask, answer_header) = if response.status.as_u16() == 407 {
            (
                HeaderName::ProxyAuthenticate,
                HeaderName::ProxyAuthorization,
            )
        } else {
            (HeaderName::WwwAuthenticate, HeaderName::Authorization)
        };
        let Some(challenge) = response
            .headers
            .values(&ask)
            .find_map(|v| sip::auth::Challenge::parse(v).ok())
        else {
            return false;
        };
        let cnonce = self.token();
        let mut invite = call.forks[i].invite.clone();
        let uri = invite.uri.to_string();
        let credentials = sip::auth::answer(
            &challenge,
            &creds.username,
            &creds.password,
            "INVITE",
            &uri,
            &cnonce,
            1,
        );
        invite.headers.pop_first_value(&HeaderName::Via);
        let branch = format!("z9hG4bK{}", self.token());
        build::push_via(
            &mut invite,
            &self.sent_by(call.forks[i].target.kind),
            call.forks[i].target.kind,
            &branch,
        );
        let seq = invite.cseq().map(|c| c.seq).unwrap_or(1) + 1;
        invite
            .headers
            .set(HeaderName::CSeq, format!("{seq} INVITE"));
        invite.headers.set(answer_header, credentials.to_string());
        let peer = call.forks[i].peer.clone();
        let Some(key) = self.send(now, invite.clone(), peer, call.id, Purpose::Fork(i)) else {
            return false;
        };
        let fork = &mut call.forks[i];
        fork.invite = invite;
        fork.key = key;
        fork.state = ForkState::Calling;
        fork.authenticated = true;
        true
    }

    /// A 180 or 183 from a fork: the caller hears it ring (the phone makes
    /// the ringback), or early media when the fork sent SDP.
    fn relay_progress(&mut self, now: Instant, call: &mut Call, response: &Response) {
        if let Some(c) = &mut call.click {
            if !c.ringing {
                c.ringing = true;
                let id = c.id;
                self.progress.push_back((id, domain::CallProgress::Ringing));
            }
            return;
        }
        let early = !response.body.is_empty() && !call.early_answer && call.a.offer.is_some();
        if early && let Some(b) = self.b_agreement(call, response) {
            let b_codec = b.format.codec;
            call.legs[1].agreement = Some(b);
            self.push_leg(call, Side::B);
            if let Some(sdp) = self.answer_a(call, Some(b_codec)) {
                let mut resp = call
                    .a
                    .invite
                    .response(StatusCode::SESSION_PROGRESS, Some(&call.a.tag));
                build::contact(&mut resp, &self.sent_by(call.a.kind), call.a.kind);
                build::sdp_body(&mut resp, &sdp);
                call.early_answer = true;
                let key = call.a.key.clone();
                self.respond(now, &key, resp);
                return;
            }
        }
        if call.rang {
            return;
        }
        call.rang = true;
        let mut resp = call
            .a
            .invite
            .response(StatusCode::RINGING, Some(&call.a.tag));
        build::contact(&mut resp, &self.sent_by(call.a.kind), call.a.kind);
        let key = call.a.key.clone();
        self.respond(now, &key, resp);
    }

    /// The callee's agreement from its SDP answer.
    fn b_agreement(&self, call: &Call, response: &Response) -> Option<Agreement> {
        let offer = call.legs[1].local.as_ref()?;
        let text = std::str::from_utf8(&response.body).ok()?;
        let answer = SessionDescription::parse(text).ok()?;
        sdp::agreement_from_answer(offer, &answer).ok()
    }

    /// Answers the caller's offer, preferring `prefer`; records the A-leg
    /// agreement and tells the relay.
    fn answer_a(&mut self, call: &mut Call, prefer: Option<Codec>) -> Option<SessionDescription> {
        let offer = call.a.offer.clone()?;
        let ours = self.answer_codecs(&offer, prefer);
        let want = Direction::SendRecv;
        call.legs[0].version += 1;
        let (sdp, agreement) = SessionDescription::answer(
            &offer,
            call.media.addr,
            call.media.a_port,
            call.legs[0].session,
            call.legs[0].version,
            &ours,
            want,
        )
        .ok()?;
        call.legs[0].agreement = Some(agreement);
        call.legs[0].local = Some(sdp.clone());
        self.push_leg(call, Side::A);
        Some(sdp)
    }

    /// Tells the relay what a leg agreed.
    fn push_leg(&mut self, call: &Call, side: Side) {
        let leg = match side {
            Side::A => &call.legs[0],
            Side::B => &call.legs[1],
        };
        let Some(a) = &leg.agreement else { return };
        self.media.update(
            call.media.id,
            side,
            LegMedia {
                remote: Some(a.remote),
                format: a.format.clone(),
                telephone_event: a.telephone_event,
                send: a.direction.sends(),
                recv: a.direction.receives(),
            },
        );
    }

    fn on_fork_answer(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        mut call: Call,
        i: usize,
        response: Response,
    ) {
        let id = call.id;
        // ACK every 2xx, first or retransmitted, winner or not.
        let dialog = Dialog::new_uac(&call.forks[i].invite, &response).ok();
        if let Some(d) = &dialog {
            let mut ack = d.ack_for(1);
            self.stamp(&mut ack, call.forks[i].target.kind);
            self.tx.send_ack(&ack, call.forks[i].peer.clone());
        }
        let already = call.forks[i].state == ForkState::Answered;
        call.forks[i].state = ForkState::Answered;
        if already {
            self.calls.insert(id, call);
            return;
        }
        if call.phase != Phase::Ringing || call.winner.is_some() {
            // Too late: this fork answered after another or after the end.
            if let Some(mut d) = dialog
                && let Ok(mut bye) = d.request(Method::Bye)
            {
                self.stamp(&mut bye, call.forks[i].target.kind);
                let peer = call.forks[i].peer.clone();
                self.send(now, bye, peer, id, Purpose::Other);
            }
            call.forks[i].state = ForkState::Done;
            let all_done = call
                .forks
                .iter()
                .all(|f| f.state == ForkState::Done || f.state == ForkState::Answered);
            if call.phase == Phase::Ended && all_done {
                self.forget(call);
            } else {
                self.calls.insert(id, call);
            }
            return;
        }
        if let Some(language) = call.forks[i].target.confirm {
            if call.confirming.is_some() {
                // One party is asked at a time; this one is let go.
                self.release_fork(now, &mut call, i, dialog);
                self.fork_ended(now, wall, call, i);
                return;
            }
            // The forwarded party hears the question and must press 1.
            let Some(d) = dialog else {
                self.calls.insert(id, call);
                return;
            };
            let b = self.b_agreement(&call, &response);
            call.legs[1].agreement = b;
            self.push_leg(&call, Side::B);
            self.media
                .announce(call.media.id, Side::B, Announcement::PressOne(language));
            call.forks[i].held = Some((d, response));
            call.confirming = Some(i);
            let deadline = now + KEY_PRESS_WAIT;
            call.confirm_deadline = Some(deadline);
            self.arm(deadline, id, TimerKind::Confirm);
            self.calls.insert(id, call);
            return;
        }
        self.accept(now, wall, call, i, dialog, response);
    }

    /// Lets an answered fork go (BYE) and counts it as not available.
    fn release_fork(&mut self, now: Instant, call: &mut Call, i: usize, dialog: Option<Dialog>) {
        if let Some(mut d) = dialog
            && let Ok(mut bye) = d.request(Method::Bye)
        {
            self.stamp(&mut bye, call.forks[i].target.kind);
            let peer = call.forks[i].peer.clone();
            self.send(now, bye, peer, call.id, Purpose::Other);
        }
        call.forks[i].state = ForkState::Done;
        call.forks[i].status = Some(StatusCode::TEMPORARILY_UNAVAILABLE);
    }

    /// A key from a leg's media: the forwarded party's answer to "press 1".
    pub fn on_dtmf(&mut self, now: Instant, wall: UnixMillis, media: u64, side: Side, digit: char) {
        if side != Side::B {
            return;
        }
        let Some(id) = self
            .calls
            .values()
            .find(|c| c.media.id == media && c.confirming.is_some())
            .map(|c| c.id)
        else {
            return;
        };
        let mut call = self.calls.remove(&id).expect("present");
        let i = call.confirming.take().expect("confirming");
        call.confirm_deadline = None;
        self.media.silence(call.media.id, Side::B);
        let (dialog, response) = call.forks[i].held.take().expect("held while confirming");
        if digit == '1' {
            self.accept(now, wall, call, i, Some(dialog), response);
        } else {
            call.forks[i].held = Some((dialog.clone(), response));
            self.release_fork(now, &mut call, i, Some(dialog));
            self.fork_ended(now, wall, call, i);
        }
    }

    /// The forwarded party did not press 1 in time.
    fn confirm_expired(&mut self, now: Instant, wall: UnixMillis, id: u64) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let Some(i) = call.confirming.take() else {
            self.calls.insert(id, call);
            return;
        };
        call.confirm_deadline = None;
        self.media.silence(call.media.id, Side::B);
        let dialog = call.forks[i].held.as_ref().map(|(d, _)| d.clone());
        self.release_fork(now, &mut call, i, dialog);
        self.fork_ended(now, wall, call, i);
    }

    /// Joins fork `i` to the caller: it wins, the others are cancelled.
    fn accept(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        mut call: Call,
        i: usize,
        dialog: Option<Dialog>,
        response: Response,
    ) {
        let id = call.id;
        // A party still asked to press 1 is let go.
        if let Some(c) = call.confirming.take() {
            self.media.silence(call.media.id, Side::B);
            let d = call.forks[c].held.as_ref().map(|(d, _)| d.clone());
            self.release_fork(now, &mut call, c, d);
        }
        call.winner = Some(i);
        call.b_dialog = dialog;
        call.phase = Phase::Answered;
        self.counters.answered += 1;
        if let Some(d) = call.forks[i].target.device() {
            call.busy.push(d);
        }
        for d in &call.busy {
            *self.busy.entry(*d).or_default() += 1;
        }
        for j in 0..call.forks.len() {
            if j != i {
                self.cancel_fork(now, &mut call, j);
            }
        }
        // The callee's media, then the caller's answer.
        let b = self.b_agreement(&call, &response);
        let b_codec = b.as_ref().map(|a| a.format.codec);
        call.legs[1].agreement = b;
        self.push_leg(&call, Side::B);
        if let Some(c) = &call.click {
            // The user's phone already answered: the two now talk.
            self.media.silence(call.media.id, Side::A);
            self.progress
                .push_back((c.id, domain::CallProgress::Connected));
            self.cdr.push_back(CdrEvent::Answer { call: id, at: wall });
            self.calls.insert(id, call);
            return;
        }
        self.answer_caller(now, &mut call, b_codec);
        self.cdr.push_back(CdrEvent::Answer { call: id, at: wall });
        self.calls.insert(id, call);
    }

    /// Answers the caller with a 200 (the SDP answer to its offer,
    /// preferring `prefer`, or the switch's offer when it made none) and
    /// retransmits it until the ACK.
    fn answer_caller(&mut self, now: Instant, call: &mut Call, prefer: Option<Codec>) {
        let id = call.id;
        let sdp = if call.early_answer {
            call.legs[0].local.clone()
        } else if call.a.offer.is_some() {
            self.answer_a(call, prefer)
        } else {
            // Late offer: the switch offers in the 200, the caller answers
            // in the ACK.
            let formats = self.b_formats(None);
            call.legs[0].version += 1;
            let offer = SessionDescription::offer(
                call.media.addr,
                call.media.a_port,
                call.legs[0].session,
                call.legs[0].version,
                &formats,
                true,
                Direction::SendRecv,
            );
            call.legs[0].local = Some(offer.clone());
            Some(offer)
        };
        let mut ok = call.a.invite.response(StatusCode::OK, Some(&call.a.tag));
        build::contact(&mut ok, &self.sent_by(call.a.kind), call.a.kind);
        ok.headers.push(HeaderName::Allow, crate::endpoint::ALLOW);
        if let Some(se) = call.session_expires {
            ok.headers
                .push(HeaderName::SessionExpires, format!("{se};refresher=uac"));
            ok.headers.push(HeaderName::Require, "timer");
            let deadline = now + Duration::from_secs(u64::from(se));
            call.session_deadline = Some(deadline);
            self.arm(deadline, id, TimerKind::Session);
        }
        if let Some(sdp) = &sdp {
            build::sdp_body(&mut ok, sdp);
        }
        call.a.dialog = Dialog::new_uas(&call.a.invite, &ok).ok();
        if let Some(call_id) = call.a.invite.call_id() {
            self.by_a_dialog
                .insert((call_id.to_owned(), call.a.tag.clone()), id);
        }
        let key = call.a.key.clone();
        self.respond(now, &key, ok.clone());
        self.expect_ack(now, call, key, 1, ok);
    }

    /// Retransmits a 2xx to the caller over UDP until its ACK.
    fn expect_ack(
        &mut self,
        now: Instant,
        call: &mut Call,
        key: TransactionKey,
        cseq: u32,
        response: Response,
    ) {
        let cseq = if cseq == 1 {
            call.a.invite.cseq().map(|c| c.seq).unwrap_or(1)
        } else {
            cseq
        };
        if call.a.peer.reliable {
            return;
        }
        let t1 = self.config.timers.t1;
        call.pending_2xx.push(Pending2xx {
            key,
            cseq,
            response,
            interval: t1,
            next: now + t1,
            give_up: now + self.config.timers.t1_x64(),
        });
        self.arm(now + t1, call.id, TimerKind::Retransmit);
    }

    fn on_ack(&mut self, now: Instant, ack: Request) {
        let _ = now;
        let Some((id, Side::A)) = self.find_dialog(&ack) else {
            return;
        };
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let cseq = ack.cseq().map(|c| c.seq).unwrap_or(0);
        call.pending_2xx.retain(|p| p.cseq != cseq);
        // Late offer: the caller's answer is in the ACK.
        if call.a.offer.is_none()
            && !ack.body.is_empty()
            && let (Some(offer), Ok(text)) = (&call.legs[0].local, std::str::from_utf8(&ack.body))
            && let Ok(answer) = SessionDescription::parse(text)
            && let Ok(a) = sdp::agreement_from_answer(offer, &answer)
        {
            call.legs[0].agreement = Some(a);
            call.a.offer = Some(answer);
            self.push_leg(&call, Side::A);
        }
        self.calls.insert(id, call);
    }

    fn on_stray(&mut self, response: Response) {
        // A 2xx retransmitted after its transaction ended: ACK it again.
        if !response.status.is_success() {
            return;
        }
        let Some(call_id) = response.call_id() else {
            return;
        };
        let Some(&id) = self.by_b_call_id.get(call_id) else {
            return;
        };
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let Some(d) = &call.b_dialog else { return };
        let Ok(cseq) = response.cseq() else { return };
        if cseq.method != Method::Invite {
            return;
        }
        let Some(w) = call.winner else { return };
        let fork = &call.forks[w];
        let (kind, peer) = (fork.target.kind, fork.peer.clone());
        let mut ack = d.ack_for(cseq.seq);
        self.stamp(&mut ack, kind);
        self.tx.send_ack(&ack, peer);
    }

    fn on_failure(&mut self, now: Instant, wall: UnixMillis, key: TransactionKey) {
        let Some((id, purpose)) = self.by_client.remove(&key) else {
            return;
        };
        match purpose {
            Purpose::Fork(i) => {
                let timeout = Response::new(StatusCode::REQUEST_TIMEOUT);
                self.on_fork_response(now, wall, id, i, timeout);
            }
            Purpose::UserFork(i) => {
                let timeout = Response::new(StatusCode::REQUEST_TIMEOUT);
                self.on_user_fork_response(now, wall, id, i, timeout);
            }
            Purpose::ReInvite(side) => {
                let timeout = Response::new(StatusCode::REQUEST_TIMEOUT);
                self.on_reinvite_response(now, id, side, timeout);
            }
            Purpose::Other => {}
        }
    }

    fn on_bye(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        id: u64,
        side: Side,
        key: TransactionKey,
        bye: Request,
    ) {
        let ok = bye.response(StatusCode::OK, None);
        self.respond(now, &key, ok);
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if call.phase == Phase::Ringing && side == Side::A && call.click.is_some() {
            // The user hung up while the destination rang.
            self.calls.insert(id, call);
            return self.finish(now, wall, id, Disposition::Missed, "caller hung up");
        }
        if call.phase != Phase::Answered {
            self.calls.insert(id, call);
            return;
        }
        // The reply to a re-INVITE in flight no longer matters.
        if let Some(r) = call.reinvite.take() {
            let resp = r.request.response(StatusCode::REQUEST_TERMINATED, None);
            self.respond(now, &r.server, resp);
        }
        self.hang_up(now, &mut call, side.other());
        call.winner = None;
        self.calls.insert(id, call);
        let cause = match side {
            Side::A => "caller hung up",
            Side::B => "callee hung up",
        };
        self.finish(now, wall, id, Disposition::Answered, cause);
    }

    /// Sends BYE on one side of an answered call.
    fn hang_up(&mut self, now: Instant, call: &mut Call, side: Side) {
        if let Some((bye, peer)) = self.in_dialog(call, side, Method::Bye) {
            self.send(now, bye, peer, call.id, Purpose::Other);
        }
    }

    /// A re-INVITE from one side: hold, resume, a new address or a
    /// session refresh.
    fn on_reinvite(
        &mut self,
        now: Instant,
        id: u64,
        side: Side,
        key: TransactionKey,
        request: Request,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if call.phase != Phase::Answered {
            self.calls.insert(id, call);
            return self.reject(now, &key, &request, StatusCode::CALL_DOES_NOT_EXIST);
        }
        if call.reinvite.is_some() {
            // RFC 3261 §14.2: one offer at a time.
            self.calls.insert(id, call);
            let mut resp = request.response(StatusCode::SERVER_INTERNAL_ERROR, None);
            resp.headers.push(HeaderName::RetryAfter, "1");
            return self.respond(now, &key, resp);
        }
        self.refresh_session(now, &mut call, side);
        let offer = if request.body.is_empty() {
            None
        } else {
            match std::str::from_utf8(&request.body)
                .ok()
                .and_then(|t| SessionDescription::parse(t).ok())
                .filter(|o| o.audio().is_some())
            {
                Some(o) => Some(o),
                None => {
                    self.calls.insert(id, call);
                    return self.reject(now, &key, &request, StatusCode::NOT_ACCEPTABLE_HERE);
                }
            }
        };
        let Some(offer) = offer else {
            // No offer: answer with the switch's current SDP (a session
            // refresh, or a late-offer re-INVITE whose answer is ignored).
            let sdp = call.leg(side).local.clone();
            let mut ok = request.response(StatusCode::OK, None);
            self.finish_reinvite_ok(&mut call, side, &mut ok, sdp.as_ref());
            self.respond(now, &key, ok.clone());
            let cseq = request.cseq().map(|c| c.seq).unwrap_or(0);
            if side == Side::A {
                self.expect_ack(now, &mut call, key, cseq.max(2), ok);
            }
            self.calls.insert(id, call);
            return;
        };
        let old_dir = call.leg(side).agreement.as_ref().map(|a| a.direction);
        let new_dir = offer
            .audio()
            .map(|m| m.direction)
            .unwrap_or(Direction::SendRecv);
        // What the switch does on this leg after answering: the reverse of
        // what the leg offers (RFC 3264 §6.1).
        let answered_dir = answer_direction(new_dir, Direction::SendRecv);
        if old_dir == Some(answered_dir) {
            // Same direction: answer locally (new address, refresh).
            let prefer = call.leg(side).agreement.as_ref().map(|a| a.format.codec);
            match self.local_answer(&mut call, side, &offer, prefer, Direction::SendRecv) {
                Some(sdp) => {
                    let mut ok = request.response(StatusCode::OK, None);
                    self.finish_reinvite_ok(&mut call, side, &mut ok, Some(&sdp));
                    self.respond(now, &key, ok.clone());
                    let cseq = request.cseq().map(|c| c.seq).unwrap_or(0);
                    if side == Side::A {
                        self.expect_ack(now, &mut call, key, cseq.max(2), ok);
                    }
                }
                None => self.reject(now, &key, &request, StatusCode::NOT_ACCEPTABLE_HERE),
            }
            self.calls.insert(id, call);
            return;
        }
        // A direction change (hold, resume) goes to the other side.
        let other = side.other();
        let codec = call
            .leg(other)
            .agreement
            .as_ref()
            .map(|a| a.format.clone())
            .or_else(|| build::format_of(Codec::Pcmu));
        let port = call.port(other);
        let leg = call.leg(other);
        leg.version += 1;
        let their_offer = SessionDescription::offer(
            call.media.addr,
            port,
            call.leg(other).session,
            call.leg(other).version,
            &codec.into_iter().collect::<Vec<_>>(),
            true,
            new_dir,
        );
        let sent = self.send_reinvite(now, &mut call, other, &their_offer);
        if !sent {
            self.calls.insert(id, call);
            return self.reject(now, &key, &request, StatusCode::SERVER_INTERNAL_ERROR);
        }
        call.leg(other).local = Some(their_offer);
        call.reinvite = Some(Reinvite {
            from: side,
            server: key,
            request,
            offer,
        });
        self.calls.insert(id, call);
    }

    /// Answers `offer` on `side` without asking the other side.
    fn local_answer(
        &mut self,
        call: &mut Call,
        side: Side,
        offer: &SessionDescription,
        prefer: Option<Codec>,
        want: Direction,
    ) -> Option<SessionDescription> {
        let ours = self.answer_codecs(offer, prefer);
        let port = call.port(side);
        let addr = call.media.addr;
        let leg = call.leg(side);
        leg.version += 1;
        let (sdp, agreement) =
            SessionDescription::answer(offer, addr, port, leg.session, leg.version, &ours, want)
                .ok()?;
        leg.agreement = Some(agreement);
        leg.local = Some(sdp.clone());
        if side == Side::A {
            call.a.offer = Some(offer.clone());
        }
        self.push_leg(call, side);
        Some(sdp)
    }

    fn finish_reinvite_ok(
        &self,
        call: &mut Call,
        side: Side,
        ok: &mut Response,
        sdp: Option<&SessionDescription>,
    ) {
        let (tag, kind) = match side {
            Side::A => (call.a.tag.clone(), call.a.kind),
            Side::B => (
                call.b_tag.clone(),
                call.winner.map_or(Kind::Udp, |w| call.forks[w].target.kind),
            ),
        };
        let _ = tag;
        build::contact(ok, &self.sent_by(kind), kind);
        if side == Side::A
            && let Some(se) = call.session_expires
        {
            ok.headers
                .push(HeaderName::SessionExpires, format!("{se};refresher=uac"));
            ok.headers.push(HeaderName::Require, "timer");
        }
        if let Some(sdp) = sdp {
            build::sdp_body(ok, sdp);
        }
    }

    fn send_reinvite(
        &mut self,
        now: Instant,
        call: &mut Call,
        side: Side,
        offer: &SessionDescription,
    ) -> bool {
        let Some((mut invite, peer)) = self.in_dialog(call, side, Method::Invite) else {
            return false;
        };
        invite
            .headers
            .push(HeaderName::Allow, crate::endpoint::ALLOW);
        build::sdp_request(&mut invite, offer);
        self.send(now, invite, peer, call.id, Purpose::ReInvite(side))
            .is_some()
    }

    fn on_reinvite_response(&mut self, now: Instant, id: u64, side: Side, response: Response) {
        if response.status.is_provisional() {
            return;
        }
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if response.status.is_success() {
            // ACK the 2xx (every retransmission too).
            if let (Some((d, kind, peer)), Ok(cseq)) = (call.route(side), response.cseq()) {
                let mut ack = d.ack_for(cseq.seq);
                self.stamp(&mut ack, kind);
                self.tx.send_ack(&ack, peer);
            }
        }
        let Some(r) = call.reinvite.take() else {
            self.calls.insert(id, call);
            return;
        };
        if !response.status.is_success() {
            // The other side refused: so does the switch.
            let resp = r.request.response(response.status, None);
            self.respond(now, &r.server, resp);
            self.calls.insert(id, call);
            return;
        }
        // The other side's answer sets its leg; then answer the offerer
        // with the direction the other side accepted.
        if let (Some(offer), Ok(text)) =
            (&call.leg(side).local, std::str::from_utf8(&response.body))
            && let Ok(answer) = SessionDescription::parse(text)
            && let Ok(a) = sdp::agreement_from_answer(offer, &answer)
        {
            let their_dir = answer
                .audio()
                .map(|m| m.direction)
                .unwrap_or(Direction::SendRecv);
            call.leg(side).agreement = Some(a);
            self.push_leg(&call, side);
            let prefer = call.leg(r.from).agreement.as_ref().map(|a| a.format.codec);
            let sdp = self.local_answer(&mut call, r.from, &r.offer, prefer, their_dir);
            let mut ok = r.request.response(StatusCode::OK, None);
            self.finish_reinvite_ok(&mut call, r.from, &mut ok, sdp.as_ref());
            self.respond(now, &r.server, ok.clone());
            if r.from == Side::A {
                let cseq = r.request.cseq().map(|c| c.seq).unwrap_or(0);
                self.expect_ack(now, &mut call, r.server, cseq.max(2), ok);
            }
        } else {
            let resp = r.request.response(StatusCode::NOT_ACCEPTABLE_HERE, None);
            self.respond(now, &r.server, resp);
        }
        self.calls.insert(id, call);
    }

    /// UPDATE (RFC 3311): a session refresh, answered by the switch.
    fn on_update(
        &mut self,
        now: Instant,
        id: u64,
        side: Side,
        key: TransactionKey,
        request: Request,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        self.refresh_session(now, &mut call, side);
        let mut ok = request.response(StatusCode::OK, None);
        if !request.body.is_empty() {
            let offer = std::str::from_utf8(&request.body)
                .ok()
                .and_then(|t| SessionDescription::parse(t).ok());
            let prefer = call.leg(side).agreement.as_ref().map(|a| a.format.codec);
            let sdp = offer
                .and_then(|o| self.local_answer(&mut call, side, &o, prefer, Direction::SendRecv));
            match sdp {
                Some(sdp) => self.finish_reinvite_ok(&mut call, side, &mut ok, Some(&sdp)),
                None => ok = request.response(StatusCode::NOT_ACCEPTABLE_HERE, None),
            }
        } else {
            self.finish_reinvite_ok(&mut call, side, &mut ok, None);
        }
        self.respond(now, &key, ok);
        self.calls.insert(id, call);
    }

    /// INFO (DTMF by `application/dtmf-relay`): passed to the other side.
    fn on_info(
        &mut self,
        now: Instant,
        id: u64,
        side: Side,
        key: TransactionKey,
        request: Request,
    ) {
        let ok = request.response(StatusCode::OK, None);
        self.respond(now, &key, ok);
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if let Some((mut info, peer)) = self.in_dialog(&mut call, side.other(), Method::Info) {
            if let Some(ct) = request.headers.get(&HeaderName::ContentType) {
                info.headers.push(HeaderName::ContentType, ct.to_owned());
            }
            info.body = request.body.clone();
            self.send(now, info, peer, id, Purpose::Other);
        }
        self.calls.insert(id, call);
    }

    fn refresh_session(&mut self, now: Instant, call: &mut Call, side: Side) {
        if side == Side::A
            && let Some(se) = call.session_expires
            && call.session_deadline.is_some()
        {
            let deadline = now + Duration::from_secs(u64::from(se));
            call.session_deadline = Some(deadline);
            self.arm(deadline, call.id, TimerKind::Session);
        }
    }

    /// Fires the engine's due timers, then the transactions'.
    pub fn handle_timeout(&mut self, now: Instant, wall: UnixMillis) {
        self.tx.handle_timeout(now);
        while let Some(Reverse((at, id, kind))) = self.timers.peek().cloned() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(call) = self.calls.get(&id) else {
                continue;
            };
            match kind {
                TimerKind::Ring if call.phase == Phase::CallingUser => {
                    if call.ring_deadline <= now {
                        self.user_did_not_answer(now, wall, id);
                    }
                }
                TimerKind::Ring => {
                    if call.phase == Phase::Ringing
                        && call.ring_deadline <= now
                        && call.confirming.is_none()
                    {
                        self.ring_expired(now, wall, id);
                    }
                }
                TimerKind::Session => {
                    if call.phase == Phase::Answered
                        && call.session_deadline.is_some_and(|d| d <= now)
                    {
                        let mut call = self.calls.remove(&id).expect("present");
                        self.hang_up(now, &mut call, Side::A);
                        self.hang_up(now, &mut call, Side::B);
                        call.winner = None;
                        self.calls.insert(id, call);
                        self.finish(
                            now,
                            wall,
                            id,
                            Disposition::Answered,
                            "session timer expired",
                        );
                    }
                }
                TimerKind::Retransmit => self.retransmit(now, wall, id),
                TimerKind::Confirm => {
                    if call.phase == Phase::Ringing
                        && call.confirm_deadline.is_some_and(|d| d <= now)
                    {
                        self.confirm_expired(now, wall, id);
                    }
                }
                TimerKind::Linger => {
                    if call.end_deadline.is_some_and(|d| d <= now) {
                        let call = self.calls.remove(&id).expect("present");
                        self.forget(call);
                    }
                }
            }
        }
    }

    /// The relay got no media from an answered call's legs: the phones are
    /// gone (crashed, out of network). Both legs are hung up.
    pub fn on_media_timeout(&mut self, now: Instant, wall: UnixMillis, media: u64) {
        let Some(id) = self
            .calls
            .values()
            .find(|c| c.media.id == media && c.phase == Phase::Answered)
            .map(|c| c.id)
        else {
            return;
        };
        let mut call = self.calls.remove(&id).expect("present");
        self.hang_up(now, &mut call, Side::A);
        self.hang_up(now, &mut call, Side::B);
        call.winner = None;
        self.calls.insert(id, call);
        self.finish(now, wall, id, Disposition::Answered, "no media");
    }

    fn retransmit(&mut self, now: Instant, wall: UnixMillis, id: u64) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let t2 = self.config.timers.t2;
        let mut lost = false;
        let mut again = Vec::new();
        let mut next = None::<Instant>;
        for p in &mut call.pending_2xx {
            if p.give_up <= now {
                lost = true;
                continue;
            }
            if p.next <= now {
                again.push((p.key.clone(), p.response.clone()));
                p.interval = (p.interval * 2).min(t2);
                p.next = now + p.interval;
            }
            next = Some(next.map_or(p.next, |n: Instant| n.min(p.next)));
        }
        call.pending_2xx.retain(|p| p.give_up > now);
        for (key, resp) in again {
            self.respond(now, &key, resp);
        }
        if let Some(n) = next {
            self.arm(n, id, TimerKind::Retransmit);
        }
        let answered = call.phase == Phase::Answered;
        if lost && answered {
            // RFC 3261 §13.3.1.4: no ACK for the 2xx ends the session.
            self.hang_up(now, &mut call, Side::A);
            self.hang_up(now, &mut call, Side::B);
            call.winner = None;
            self.calls.insert(id, call);
            self.finish(now, wall, id, Disposition::Answered, "no ACK from caller");
            return;
        }
        self.calls.insert(id, call);
    }

    /// Drops every index of a finished call.
    fn forget(&mut self, call: Call) {
        self.by_a_invite.remove(&call.a.key);
        self.by_b_call_id.remove(&call.b_call_id);
        if let Some(call_id) = call.a.invite.call_id() {
            self.by_a_dialog
                .remove(&(call_id.to_owned(), call.a.tag.clone()));
        }
        for f in &call.forks {
            self.by_client.remove(&f.key);
        }
        self.by_client.retain(|_, (id, _)| *id != call.id);
    }
}

/// The direction the switch answers with to an offer of `offered`, when it
/// would like `want` (RFC 3264 §6.1).
fn answer_direction(offered: Direction, want: Direction) -> Direction {
    match offered {
        Direction::SendOnly => {
            if want.receives() {
                Direction::RecvOnly
            } else {
                Direction::Inactive
            }
        }
        Direction::RecvOnly => {
            if want.sends() {
                Direction::SendOnly
            } else {
                Direction::Inactive
            }
        }
        Direction::Inactive => Direction::Inactive,
        Direction::SendRecv => want,
    }
}

/// The user part of the Request-URI: what the caller dialled.
pub fn dialled(request: &Request) -> String {
    match &request.uri {
        sip::Uri::Sip(u) => u.user_unescaped().unwrap_or_default(),
        sip::Uri::Tel(t) => t.to_string().trim_start_matches("tel:").to_owned(),
        other => other.to_string(),
    }
}

/// Every device a target may ring, whose bindings routing reads.
fn target_devices(target: &crate::dialplan::Target) -> Vec<domain::DeviceId> {
    use crate::dialplan::{ForwardTo, Target};
    match target {
        Target::Devices {
            devices, forward, ..
        } => {
            let mut all = devices.clone();
            if let Some(crate::dialplan::Forward {
                to: ForwardTo::Devices { devices, .. },
                ..
            }) = forward
            {
                all.extend(devices.iter().copied());
            }
            all
        }
        Target::Group { members, .. } => members
            .iter()
            .flat_map(|m| m.devices.iter().copied())
            .collect(),
        _ => Vec::new(),
    }
}
