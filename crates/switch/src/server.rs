//! The tokio shell around [`Endpoint`]: one task owns the endpoint, takes
//! inbound messages off the transports' channel, and carries out each
//! [`Step`] and [`Action`]: sends bytes, queues binding changes and call
//! records for storage, looks devices and dialled numbers up in the
//! background when the caches miss, and fires the call engine's timers.
//! It loads the trunks at start and again every `trunk_reload`, so trunks
//! added, changed or removed with the CLI take effect without a restart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use domain::UnixMillis;
use tokio::sync::{mpsc, watch};

use crate::calls::LocalEvent;
use crate::cdr::CdrWriter;
use crate::dialplan::{Dialplan, InboundRoute, Resolution};
use crate::directory::{DeviceCredentials, Directory};
use crate::endpoint::{
    Action, Caches, Counters, Endpoint, PendingCall, PendingInbound, PendingRegister, Step,
    Transmit,
};
use crate::media::MediaEvent;
use crate::persist::BindingWriter;
use crate::transport::{Inbound, Kind, SendError, Transports, UdpReceiver};
use crate::trunk::LiveTrunk;
use crate::trunk::register::RegistrationState;
use crate::voicemail::runtime::{LineCommand, LineEvent, Lines};

/// Datagrams handled per wake-up before the other inputs get a turn.
const UDP_BURST: usize = 64;

/// How often expired bindings and old transactions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

type LookedUp = (
    Box<PendingRegister>,
    Result<Option<Arc<DeviceCredentials>>, storage::StorageError>,
);

type Resolved = (
    Box<PendingCall>,
    Option<Arc<DeviceCredentials>>,
    Option<Resolution>,
);

/// Click-to-calls asked for by the web side, with their ids.
pub type ClickRequests = mpsc::UnboundedReceiver<(u64, domain::ClickToCall)>;

/// What the SIP task works with.
pub struct SipTask {
    pub endpoint: Endpoint,
    pub transports: Transports,
    pub udp_in: UdpReceiver,
    pub inbound: mpsc::Receiver<Inbound>,
    pub directory: Arc<Directory>,
    pub dialplan: Arc<Dialplan>,
    pub bindings: BindingWriter,
    pub cdr: CdrWriter,
    /// What the media relay reports (RTP timeouts).
    pub media_events: Option<mpsc::UnboundedReceiver<MediaEvent>>,
    pub shutdown: watch::Receiver<bool>,
    pub clock: fn() -> UnixMillis,
    /// Where the trunks are loaded from.
    pub store: storage::Store,
    /// How often the trunks are loaded again.
    pub trunk_reload: Duration,
    /// Click-to-call: where progress goes, and the requests.
    pub clicks: Option<(Arc<crate::clicks::Clicks>, ClickRequests)>,
    /// Voicemail: the service the scripts store through, and its mailbox
    /// changes (for the message-waiting lamps).
    pub voicemail: Option<(
        Arc<voicemail::Voicemail>,
        mpsc::UnboundedReceiver<voicemail::MailboxChange>,
    )>,
    /// The recorded prompts (Debian's asterisk sounds), shared with the
    /// relay's announcements.
    pub sounds: Arc<crate::voicemail::sounds::Sounds>,
    /// The longest voicemail message.
    pub max_message: Duration,
}

/// The caches as the endpoint reads them.
struct Cached<'a> {
    directory: &'a Directory,
    dialplan: &'a Dialplan,
    now: Instant,
}

impl Caches for Cached<'_> {
    fn device(&self, username: &str) -> Option<Option<Arc<DeviceCredentials>>> {
        self.directory.cached(username, self.now)
    }

    fn resolution(&self, device: &DeviceCredentials, dialled: &str) -> Option<Resolution> {
        self.dialplan.cached(device, dialled, self.now)
    }

    fn inbound(&self, number: &domain::E164) -> Option<Option<InboundRoute>> {
        self.dialplan.cached_inbound(number, self.now)
    }
}

/// Runs the SIP endpoint until `shutdown` turns true or the transports
/// close. Returns the final counters.
pub async fn run(task: SipTask) -> Counters {
    let SipTask {
        mut endpoint,
        transports,
        mut udp_in,
        mut inbound,
        directory,
        dialplan,
        bindings,
        cdr,
        media_events,
        mut shutdown,
        clock,
        store,
        trunk_reload,
        clicks,
        voicemail,
        sounds,
        max_message,
    } = task;
    let (vm_service, mailbox_changes) = match voicemail {
        Some((s, rx)) => (Some(s), rx),
        None => (None, mpsc::unbounded_channel().1),
    };
    // Message waiting (RFC 3842): the mailbox changes light the lamps.
    let (mwi, mut mwi_found) = mwi_shell::start(store.clone(), directory.clone(), mailbox_changes);
    // Calls the switch answers itself (voicemail, mailbox): their scripts'
    // commands, and where the relay's events for them go.
    let local_setup = vm_service.map(|service| crate::voicemail::runtime::Setup {
        service,
        sounds,
        max_message,
        clock,
    });
    let (line_tx, mut line_rx) = mpsc::unbounded_channel::<LineCommand>();
    let mut lines = Lines::default();
    #[allow(clippy::type_complexity)]
    let (dial_tx, mut dial_rx) = mpsc::unbounded_channel::<(
        u64,
        crate::dialplan::Target,
        tokio::sync::oneshot::Sender<bool>,
    )>();
    let (clicks, mut click_requests) = match clicks {
        Some((c, rx)) => (Some(c), rx),
        None => (None, mpsc::unbounded_channel().1),
    };
    let (originate_tx, mut originate_rx) = mpsc::unbounded_channel::<crate::calls::Originate>();
    let look_up_click = |id: u64, click: domain::ClickToCall| {
        let plan = dialplan.clone();
        let done = originate_tx.clone();
        let clicks = clicks.clone();
        tokio::spawn(async move {
            match plan.originate(id, &click).await {
                Ok(o) => {
                    let _ = done.send(o);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "click-to-call look-up failed");
                    if let Some(c) = clicks {
                        c.report(id, domain::CallProgress::Ended(domain::CallEnd::Failed));
                    }
                }
            }
        });
    };
    let mut media_events = media_events.unwrap_or_else(|| mpsc::unbounded_channel().1);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<LookedUp>();
    let (resolved_tx, mut resolved_rx) = mpsc::unbounded_channel::<Resolved>();
    let (trunks_tx, mut trunks_rx) = mpsc::channel::<Vec<LiveTrunk>>(1);
    // What `trunks list` shows of each registration, written when it
    // changes.
    let status_store = store.clone();
    let mut shown: std::collections::HashMap<domain::TrunkId, RegistrationState> =
        std::collections::HashMap::new();
    let show_registrations =
        |endpoint: &Endpoint,
         shown: &mut std::collections::HashMap<domain::TrunkId, RegistrationState>| {
            let (now, wall) = (Instant::now(), clock());
            for (trunk, state) in endpoint.registrations().iter() {
                if shown.get(&trunk.id) == Some(state) {
                    continue;
                }
                shown.insert(trunk.id, state.clone());
                let record = stored_registration(state, now, wall);
                let store = status_store.clone();
                let id = trunk.id;
                tokio::spawn(async move {
                    if let Err(e) = store.set_trunk_registration(id, &record).await {
                        tracing::warn!(error = %e, "trunk registration state not stored");
                    }
                });
            }
        };
    let loader = tokio::spawn(async move {
        let mut every = tokio::time::interval(trunk_reload.max(Duration::from_secs(1)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let trunks = crate::trunk::load::load(&store).await;
            if trunks_tx.send(trunks).await.is_err() {
                break;
            }
        }
    });
    let (inbound_tx, mut inbound_rx) =
        mpsc::unbounded_channel::<(Box<PendingInbound>, Option<Option<InboundRoute>>)>();
    let resolve_inbound = |pending: Box<PendingInbound>| {
        let plan = dialplan.clone();
        let done = inbound_tx.clone();
        tokio::spawn(async move {
            let found = match plan.resolve_inbound(&pending.number).await {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::warn!(error = %e, "number look-up failed");
                    None
                }
            };
            let _ = done.send((pending, found));
        });
    };
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let lookups = |pending: Box<PendingRegister>| {
        let dir = directory.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let result = dir.lookup(pending.username()).await;
            let _ = done.send((pending, result));
        });
    };
    let resolve = |pending: Box<PendingCall>| {
        let dir = directory.clone();
        let plan = dialplan.clone();
        let done = resolved_tx.clone();
        tokio::spawn(async move {
            let device = match &pending.device {
                Some(d) => Some(d.clone()),
                None => match dir.lookup(pending.username()).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "device look-up failed");
                        None
                    }
                },
            };
            let resolution = match &device {
                Some(d) => match plan.resolve(d, &pending.dialled()).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        tracing::warn!(error = %e, "dial plan look-up failed");
                        None
                    }
                },
                None => None,
            };
            let _ = done.send((pending, device, resolution));
        });
    };
    let carry_out = |step: Step| match step {
        Step::Nothing => {}
        Step::Send(t) => send(&transports, t),
        Step::Register(t, changes) => {
            send(&transports, t);
            bindings.queue(changes);
        }
        Step::LookUp(pending) => lookups(pending),
    };
    let drain = |endpoint: &mut Endpoint, lines: &mut Lines| {
        while let Some(action) = endpoint.poll_action() {
            match action {
                Action::SendTx(t) => {
                    let bytes = Bytes::from(t.bytes);
                    match transports.send_peer(t.to.reliable, t.to.addr, t.to.conn, bytes.clone()) {
                        Ok(()) => {}
                        // A carrier reached over TCP: the switch opens the
                        // connection (a phone's connection, once gone, is
                        // not reopened).
                        Err(SendError::NoConnection(dest, _))
                            if t.to.conn.is_none()
                                && endpoint
                                    .trunks()
                                    .iter()
                                    .any(|c| c.addr == dest && c.kind == Kind::Tcp) =>
                        {
                            connect_and_send(&transports, dest, bytes);
                        }
                        Err(e) => tracing::debug!(error = %e, "request or response not sent"),
                    }
                }
                Action::Cdr(e) => cdr.queue(e),
                Action::Resolve(p) => resolve(p),
                Action::ResolveInbound(p) => resolve_inbound(p),
                Action::Progress(id, p) => {
                    if let Some(c) = &clicks {
                        c.report(id, p);
                    }
                }
                Action::Mwi(work) => mwi.work(work),
                Action::Local(LocalEvent::Started(call)) => match &local_setup {
                    Some(setup) => crate::voicemail::runtime::start(lines, setup, &line_tx, call),
                    None => {
                        tracing::warn!("no voicemail on this switch: the call is hung up");
                        endpoint
                            .calls_mut()
                            .local_hang_up(Instant::now(), clock(), call.call);
                    }
                },
                Action::Local(LocalEvent::Ended { call }) => lines.ended(call),
            }
        }
    };
    let deliver = |endpoint: &mut Endpoint, lines: &mut Lines, msg: &Inbound| {
        let now = Instant::now();
        let caches = Cached {
            directory: &directory,
            dialplan: &dialplan,
            now,
        };
        let step = endpoint.receive(now, clock(), rand::random(), msg, caches);
        carry_out(step);
        drain(endpoint, lines);
    };
    loop {
        let deadline = endpoint
            .poll_timeout()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + SWEEP_EVERY);
        tokio::select! {
            msg = udp_in.recv() => {
                // Take what else is already queued before waiting again:
                // under load one wake-up serves a burst of datagrams.
                let mut next = Some(msg);
                let mut budget = UDP_BURST;
                while let Some(msg) = next {
                    deliver(&mut endpoint, &mut lines, &msg);
                    budget -= 1;
                    next = if budget > 0 { udp_in.try_recv() } else { None };
                }
            }
            msg = inbound.recv() => {
                let Some(msg) = msg else { break };
                deliver(&mut endpoint, &mut lines, &msg);
            }
            Some((pending, result)) = done_rx.recv() => match result {
                Ok(device) => {
                    carry_out(endpoint.resume_register(clock(), *pending, device));
                    // A new binding asks for the mailbox counts (MWI).
                    drain(&mut endpoint, &mut lines);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "device look-up failed");
                    endpoint.abandon_register(&pending);
                }
            },
            Some((pending, device, resolution)) = resolved_rx.recv() => {
                endpoint.resume_call(Instant::now(), clock(), rand::random(), *pending, device, resolution);
                drain(&mut endpoint, &mut lines);
            }
            Some(command) = line_rx.recv() => {
                let (now, wall) = (Instant::now(), clock());
                match command {
                    LineCommand::Play { call, source } => endpoint.calls_mut().local_play(call, source),
                    LineCommand::Record { call, sink } => endpoint.calls_mut().local_record(call, sink),
                    LineCommand::HangUp { call } => endpoint.calls_mut().local_hang_up(now, wall, call),
                    LineCommand::Dial { call, account, number, done } => {
                        // The number is looked up off the SIP task.
                        let plan = dialplan.clone();
                        let found = dial_tx.clone();
                        tokio::spawn(async move {
                            match plan.target_of(account, &number).await {
                                Ok(target) => {
                                    let _ = found.send((call, target, done));
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "call back look-up failed");
                                    let _ = done.send(false);
                                }
                            }
                        });
                    }
                }
                drain(&mut endpoint, &mut lines);
            }
            Some((call, target, done)) = dial_rx.recv() => {
                let placed = endpoint.local_dial(Instant::now(), clock(), rand::random(), call, &target);
                let _ = done.send(placed);
                drain(&mut endpoint, &mut lines);
            }
            Some((id, click)) = click_requests.recv() => look_up_click(id, click),
            Some(o) = originate_rx.recv() => {
                endpoint.originate(Instant::now(), clock(), rand::random(), o);
                drain(&mut endpoint, &mut lines);
            }
            Some((pending, found)) = inbound_rx.recv() => {
                endpoint.resume_inbound(Instant::now(), clock(), rand::random(), *pending, found);
                drain(&mut endpoint, &mut lines);
            }
            Some(event) = media_events.recv() => {
                match event {
                    MediaEvent::RtpTimeout { id } => endpoint.media_timeout(Instant::now(), clock(), id),
                    MediaEvent::Dtmf { id, leg, digit } => {
                        let side = match leg {
                            crate::media::Leg::A => crate::calls::Side::A,
                            crate::media::Leg::B => crate::calls::Side::B,
                        };
                        if !(side == crate::calls::Side::A && lines.to_media(id, LineEvent::Digit(digit))) {
                            endpoint.media_dtmf(Instant::now(), clock(), id, side, digit);
                        }
                    }
                    MediaEvent::PlayDone { id, leg: crate::media::Leg::A } => {
                        lines.to_media(id, LineEvent::PlayDone);
                    }
                    _ => {}
                }
                drain(&mut endpoint, &mut lines);
            }
            _ = tokio::time::sleep_until(deadline) => {
                endpoint.handle_timeout(Instant::now(), clock());
                drain(&mut endpoint, &mut lines);
            }
            Some(found) = mwi_found.recv() => {
                if let Some(step) = mwi_shell::apply(&mut endpoint, found, clock()) {
                    carry_out(step);
                }
                drain(&mut endpoint, &mut lines);
            }
            Some(trunks) = trunks_rx.recv() => {
                endpoint.set_trunks(Instant::now(), rand::random(), Arc::new(trunks));
                drain(&mut endpoint, &mut lines);
            }
            _ = sweep.tick() => {
                bindings.queue(endpoint.expire(clock()));
                show_registrations(&endpoint, &mut shown);
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() { break }
            }
        }
    }
    loader.abort();
    endpoint.counters
}

/// Opens a TCP connection to a carrier, then sends `bytes` on it. A
/// failure is only logged: the transaction times out and, for a
/// registration, is retried after the back-off.
fn connect_and_send(transports: &Transports, dest: std::net::SocketAddr, bytes: Bytes) {
    let transports = transports.clone();
    tokio::spawn(async move {
        match transports.connect_tcp(dest).await {
            Ok(id) => {
                if let Err(e) = transports.send(Kind::Tcp, dest, Some(id), bytes) {
                    tracing::debug!(error = %e, "request to the carrier not sent");
                }
            }
            Err(e) => tracing::warn!(%dest, error = %e, "cannot connect to the carrier"),
        }
    });
}

/// A registration as `trunks list` shows it: times on the wall clock.
fn stored_registration(
    state: &RegistrationState,
    now: Instant,
    wall: UnixMillis,
) -> storage::TrunkRegistration {
    let at = |when: Instant| {
        let ahead = when.saturating_duration_since(now).as_millis() as i64;
        Some(UnixMillis::from_millis(wall.millis() + ahead))
    };
    match state {
        RegistrationState::Trying => storage::TrunkRegistration {
            state: storage::RegistrationStatus::Trying,
            detail: None,
            at: None,
        },
        RegistrationState::Registered { until } => storage::TrunkRegistration {
            state: storage::RegistrationStatus::Registered,
            detail: None,
            at: at(*until),
        },
        RegistrationState::Failed {
            status,
            reason,
            retry_at,
        } => storage::TrunkRegistration {
            state: storage::RegistrationStatus::Failed,
            detail: Some(match status {
                Some(code) => format!("{code} {reason}"),
                None => reason.clone(),
            }),
            at: at(*retry_at),
        },
    }
}

fn send(transports: &Transports, t: Transmit) {
    if let Err(e) = transports.send(t.kind, t.dest, t.conn, Bytes::from(t.bytes)) {
        tracing::debug!(error = %e, "response not sent");
    }
}

/// Message waiting's look-ups (RFC 3842), off the SIP task.
mod mwi_shell;
