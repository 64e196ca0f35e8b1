//! One media worker: an OS thread that owns its sessions' sockets in an
//! epoll set, moves datagrams in batches through each session's
//! [`Relay`], plays sources and feeds sinks. Commands arrive on a channel
//! with an eventfd to wake the thread; nothing on the packet path locks,
//! allocates or crosses a channel.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use media::dtmf::Detector;
use media::relay::{Action, Leg, LegParams, Port, Relay, RelayEvent};
use media::rtp::HEADER_LEN;
use media::{FRAME, Frame, Sink, Source};
use tokio::sync::mpsc::UnboundedSender;

use super::MediaEvent;
use super::sys::{BATCH, Batch, Epoll, EventFd};

/// What the control side asks of a worker.
pub(super) enum Command {
    Add {
        id: u64,
        /// A's RTP and RTCP, then B's.
        sockets: Box<[UdpSocket; 4]>,
        relay: Box<Relay>,
    },
    Update {
        id: u64,
        leg: Leg,
        params: LegParams,
    },
    Play {
        id: u64,
        leg: Leg,
        source: Box<dyn Source + Send>,
    },
    Record {
        id: u64,
        leg: Leg,
        sink: Option<Box<dyn Sink + Send>>,
    },
    DetectInband {
        id: u64,
        leg: Leg,
        on: bool,
    },
    Release {
        id: u64,
    },
}

/// Counters all workers add to, once per batch.
#[derive(Default)]
pub(super) struct Shared {
    pub sessions: AtomicU64,
    pub relayed: AtomicU64,
    pub dropped: AtomicU64,
}

/// The epoll token of the worker's eventfd.
pub(super) const WAKE: u64 = u64::MAX;
const PTIME: Duration = Duration::from_millis(20);
/// How often the worker looks for RTCP reports due; reports go out every
/// 2.5 to 7.5 s, so this is their precision.
const RTCP_TICK: Duration = Duration::from_millis(100);
/// Batches read from one socket per turn, so one busy socket cannot starve
/// the others. The epoll set is edge-triggered (no re-poll of every ready
/// socket on the next wait), so a socket left with datagrams goes on the
/// backlog and gets another turn once the other ready sockets had theirs.
const ROUNDS: usize = 4;

struct Session {
    id: u64,
    sockets: Box<[UdpSocket; 4]>,
    relay: Box<Relay>,
    plays: [Option<Box<dyn Source + Send>>; 2],
    sinks: [Option<Box<dyn Sink + Send>>; 2],
    /// In-band DTMF detectors of the legs that asked for one.
    detectors: [Option<Box<Detector>>; 2],
    timed_out: bool,
}

impl Session {
    /// The relay decodes a leg's audio only while something listens.
    fn listen(&mut self, leg: Leg) {
        let i = leg as usize;
        let on = self.sinks[i].is_some() || self.detectors[i].is_some();
        self.relay.listen(leg, on);
    }
}

pub(super) struct Worker {
    rx: Receiver<Command>,
    wake: Arc<EventFd>,
    epoll: Epoll,
    events: UnboundedSender<MediaEvent>,
    shared: Arc<Shared>,
    rtp_timeout: Duration,
    sessions: Vec<Option<Session>>,
    free: Vec<usize>,
    ids: HashMap<u64, usize>,
    /// Legs being played to: (slot, leg, next frame due).
    playing: Vec<(usize, Leg, Instant)>,
    /// Tokens of sockets not drained in their turn, and the next such list.
    backlog: Vec<u64>,
    backlog_next: Vec<u64>,
    batch: Box<Batch>,
    scratch: [u8; SCRATCH],
}

/// A played frame's packet: G.711 is 160 bytes, and Opus at 24 kbit/s
/// far less.
const SCRATCH: usize = HEADER_LEN + FRAME;

impl Worker {
    /// A worker over an epoll set that watches `wake` (token [`WAKE`]);
    /// its thread calls [`Worker::run`].
    pub fn new(
        rx: Receiver<Command>,
        wake: Arc<EventFd>,
        epoll: Epoll,
        events: UnboundedSender<MediaEvent>,
        shared: Arc<Shared>,
        rtp_timeout: Duration,
    ) -> Self {
        Self {
            rx,
            wake,
            epoll,
            events,
            shared,
            rtp_timeout,
            sessions: Vec::new(),
            free: Vec::new(),
            ids: HashMap::new(),
            playing: Vec::new(),
            backlog: Vec::with_capacity(256),
            backlog_next: Vec::with_capacity(256),
            batch: Batch::new(),
            scratch: [0; SCRATCH],
        }
    }

    /// Runs until every [`super::Media`] handle is gone.
    pub fn run(mut self) {
        let mut ready = [libc::epoll_event { events: 0, u64: 0 }; 256];
        let mut sweep = Instant::now() + Duration::from_secs(1);
        let mut rtcp = Instant::now() + RTCP_TICK;
        loop {
            let now = Instant::now();
            let due = self
                .playing
                .iter()
                .map(|p| p.2)
                .min()
                .unwrap_or(sweep)
                .min(sweep)
                .min(rtcp);
            // Rounded up: waking before a frame is due would spin.
            let timeout = if self.backlog.is_empty() {
                due.saturating_duration_since(now)
                    .as_micros()
                    .div_ceil(1000)
                    .min(1000) as i32
            } else {
                0
            };
            let mut tokens = [0u64; 256];
            let mut n = 0;
            for token in self.epoll.wait(&mut ready, timeout) {
                tokens[n] = token;
                n += 1;
            }
            for &token in &tokens[..n] {
                if token == WAKE {
                    self.wake.clear();
                    if !self.commands() {
                        return;
                    }
                } else {
                    self.readable(token);
                }
            }
            std::mem::swap(&mut self.backlog, &mut self.backlog_next);
            while let Some(token) = self.backlog_next.pop() {
                self.readable(token);
            }
            let now = Instant::now();
            if !self.playing.is_empty() {
                self.play(now);
            }
            if now >= sweep {
                self.sweep(now);
                sweep = now + Duration::from_secs(1);
            }
            if now >= rtcp {
                self.reports(now);
                rtcp = now + RTCP_TICK;
            }
        }
    }

    /// Applies queued commands; false once the control side is gone.
    fn commands(&mut self) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(command) => self.command(command),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Add { id, sockets, relay } => {
                let slot = self.free.pop().unwrap_or_else(|| {
                    self.sessions.push(None);
                    self.sessions.len() - 1
                });
                for (kind, socket) in sockets.iter().enumerate() {
                    let token = (slot as u64) << 2 | kind as u64;
                    if let Err(e) = self.epoll.add(socket.as_raw_fd(), token) {
                        tracing::warn!(error = %e, id, "media socket not watched");
                    }
                }
                self.sessions[slot] = Some(Session {
                    id,
                    sockets,
                    relay,
                    plays: [None, None],
                    sinks: [None, None],
                    detectors: [None, None],
                    timed_out: false,
                });
                self.ids.insert(id, slot);
            }
            Command::Update { id, leg, params } => {
                if let Some(s) = self.session(id) {
                    s.relay.update(leg, params);
                }
            }
            Command::Play { id, leg, source } => {
                let Some(&slot) = self.ids.get(&id) else {
                    return;
                };
                let s = self.sessions[slot]
                    .as_mut()
                    .expect("ids point at live sessions");
                s.relay.set_playing(leg, true);
                if s.plays[leg as usize].replace(source).is_none() {
                    self.playing.push((slot, leg, Instant::now()));
                }
            }
            Command::Record { id, leg, sink } => {
                if let Some(s) = self.session(id) {
                    s.sinks[leg as usize] = sink;
                    s.listen(leg);
                }
            }
            Command::DetectInband { id, leg, on } => {
                if let Some(s) = self.session(id) {
                    let d = &mut s.detectors[leg as usize];
                    match (on, d.is_some()) {
                        (true, false) => *d = Some(Box::new(Detector::new())),
                        (false, _) => *d = None,
                        (true, true) => {}
                    }
                    s.listen(leg);
                }
            }
            Command::Release { id } => {
                let Some(slot) = self.ids.remove(&id) else {
                    return;
                };
                // Closing the sockets takes them out of the epoll set.
                self.sessions[slot] = None;
                self.free.push(slot);
                self.playing.retain(|p| p.0 != slot);
                self.shared.sessions.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    fn session(&mut self, id: u64) -> Option<&mut Session> {
        let slot = *self.ids.get(&id)?;
        self.sessions[slot].as_mut()
    }

    /// Drains a ready socket. The token is the session's slot and the
    /// socket's kind: 0/1 for A's RTP/RTCP, 2/3 for B's.
    fn readable(&mut self, token: u64) {
        let (slot, kind) = ((token >> 2) as usize, (token & 3) as usize);
        let Some(Some(s)) = self.sessions.get_mut(slot) else {
            return;
        };
        let leg = if kind < 2 { Leg::A } else { Leg::B };
        let fd_in = s.sockets[kind].as_raw_fd();
        let fd_out = s.sockets[(kind + 2) % 4].as_raw_fd();
        let batch = &mut self.batch;
        let (mut relayed, mut dropped) = (0, 0);
        for round in 0.. {
            if round == ROUNDS {
                self.backlog.push(token);
                break;
            }
            let n = batch.recv(fd_in);
            if kind % 2 == 1 {
                // RTCP is taken by the relay, not relayed (see
                // `media::relay`).
                let now = Instant::now();
                for i in 0..n {
                    let (buf, len, src) = batch.datagram(i);
                    if let Some(src) = src {
                        s.relay.rtcp(leg, Port::Rtcp, src, &buf[..len], now);
                    }
                    relay_events(s, &self.events);
                }
                dropped += n;
            } else {
                let now = Instant::now();
                for i in 0..n {
                    let (buf, len, src) = batch.datagram(i);
                    let Some(src) = src else {
                        dropped += 1;
                        continue;
                    };
                    let action = s.relay.packet(leg, src, buf, len, now);
                    relay_events(s, &self.events);
                    let accepted = match action {
                        Action::Forward { to, len } => {
                            batch.queue(i, len, to);
                            true
                        }
                        Action::Drop(reason) => {
                            dropped += 1;
                            reason.media_accepted()
                        }
                    };
                    if accepted {
                        heard(s, leg, &self.events);
                    }
                }
                let sent = batch.send(fd_out);
                relayed += sent;
            }
            if n < BATCH {
                break;
            }
        }
        if relayed > 0 {
            self.shared
                .relayed
                .fetch_add(relayed as u64, Ordering::Relaxed);
        }
        if dropped > 0 {
            self.shared
                .dropped
                .fetch_add(dropped as u64, Ordering::Relaxed);
        }
    }

    /// Sends the frames now due of every source being played.
    fn play(&mut self, now: Instant) {
        let mut i = 0;
        while i < self.playing.len() {
            let (slot, leg, due) = self.playing[i];
            if due > now {
                i += 1;
                continue;
            }
            let s = self.sessions[slot]
                .as_mut()
                .expect("playing points at live sessions");
            if !play_frame(s, leg, now, &mut self.scratch) {
                s.plays[leg as usize] = None;
                s.relay.set_playing(leg, false);
                let _ = self.events.send(MediaEvent::PlayDone { id: s.id, leg });
                self.playing.swap_remove(i);
                continue;
            }
            // A worker that fell far behind skips frames rather than burst.
            let next = due + PTIME;
            self.playing[i].2 = if next + 5 * PTIME < now {
                now + PTIME
            } else {
                next
            };
            i += 1;
        }
    }

    /// Sends the RTCP reports due (see `media::relay`'s `report.rs`).
    fn reports(&mut self, now: Instant) {
        let wall = SystemTime::now();
        for s in self.sessions.iter_mut().flatten() {
            if s.relay.rtcp_deadline().is_some_and(|due| due > now) {
                continue;
            }
            for leg in [Leg::A, Leg::B] {
                let buf = &mut self.scratch;
                let Some(t) = s.relay.poll_rtcp(leg, now, wall, rand::random(), buf) else {
                    continue;
                };
                let kind = if leg == Leg::A { 0 } else { 2 } + usize::from(t.port == Port::Rtcp);
                if let Err(e) = s.sockets[kind].send_to(&buf[..t.len], t.to) {
                    tracing::debug!(error = %e, "RTCP report not sent");
                }
            }
        }
    }

    fn sweep(&mut self, now: Instant) {
        for s in self.sessions.iter_mut().flatten() {
            if !s.timed_out && s.relay.timed_out(now, self.rtp_timeout) {
                s.timed_out = true;
                let _ = self.events.send(MediaEvent::RtpTimeout { id: s.id });
            }
        }
    }
}

/// Encodes and sends the next frame of the leg's source; false when the
/// source is exhausted (or the leg's codec is one the switch cannot
/// encode).
fn play_frame(s: &mut Session, leg: Leg, now: Instant, buf: &mut [u8]) -> bool {
    let Some(source) = s.plays[leg as usize].as_mut() else {
        return false;
    };
    let mut frame: Frame = [0; FRAME];
    if !source.next_frame(&mut frame) {
        return false;
    }
    match s.relay.local_frame(leg, &frame, buf, now) {
        Action::Forward { to, len } => {
            let socket = &s.sockets[if leg == Leg::A { 0 } else { 2 }];
            if let Err(e) = socket.send_to(&buf[..len], to) {
                tracing::debug!(error = %e, "media frame not sent");
            }
            true
        }
        Action::Drop(reason) => reason != media::relay::DropReason::CodecMismatch,
    }
}

/// Hands the relay's events to the call logic.
fn relay_events(s: &mut Session, events: &UnboundedSender<MediaEvent>) {
    while let Some(e) = s.relay.poll_event() {
        let e = match e {
            RelayEvent::Dtmf { leg, digit } => MediaEvent::Dtmf {
                id: s.id,
                leg,
                digit,
            },
            RelayEvent::Quality { leg, quality } => MediaEvent::Quality {
                id: s.id,
                leg,
                quality,
            },
        };
        let _ = events.send(e);
    }
}

/// Gives the audio the relay decoded from the leg's last packet to the
/// leg's recorder and in-band DTMF detector, 20 ms at a time (a short
/// packet padded with silence).
fn heard(s: &mut Session, leg: Leg, events: &UnboundedSender<MediaEvent>) {
    let i = leg as usize;
    for chunk in s.relay.heard(leg).chunks(FRAME) {
        let mut frame: Frame = [0; FRAME];
        frame[..chunk.len()].copy_from_slice(chunk);
        if let Some(sink) = &mut s.sinks[i] {
            sink.frame(&frame);
        }
        if let Some(digit) = s.detectors[i].as_mut().and_then(|d| d.frame(&frame)) {
            let _ = events.send(MediaEvent::Dtmf {
                id: s.id,
                leg,
                digit,
            });
        }
    }
}
