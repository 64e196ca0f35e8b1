//! The RTP relay's runtime: the [`Media`] handle allocates a call's ports
//! and sends commands to worker threads that run `media::relay` on real
//! sockets.
//!
//! The hot path lives on dedicated OS threads, not tokio tasks: each worker
//! owns its sessions' sockets in an epoll set, drains a ready socket with
//! `recvmmsg` into preallocated buffers, lets the session's
//! [`media::relay::Relay`] rewrite the datagrams in place, and sends them
//! on with one `sendmmsg`. Nothing on that path allocates, locks or crosses
//! a channel; commands (add, update, play, record, release) reach a worker
//! through a channel and an eventfd, and events come back on a tokio
//! channel. A session belongs to worker `id % workers` for its whole life.
//!
//! Invariant: the control side never touches a session's state; only its
//! worker does.

mod sys;
mod worker;

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

use media::relay::Relay;
pub use media::relay::{Codec, Latching, Leg, LegParams, Quality};
use media::{Sink, Source};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use sys::{Epoll, EventFd};
use worker::{Command, Shared, WAKE, Worker};

/// Where and how the relay runs.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The address the RTP sockets bind to.
    pub bind: IpAddr,
    /// The address put in SDP for phones to send to.
    pub advertise: IpAddr,
    /// The port range; RTP takes the even ports, RTCP the odd one above.
    pub port_min: u16,
    pub port_max: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// A call whose legs send no media this long gets [`MediaEvent::RtpTimeout`].
    pub rtp_timeout: Duration,
}

/// A call's relay ports, to put in the SDP of each leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionHandle {
    pub id: u64,
    /// Leg A's phone sends here.
    pub a_port: u16,
    /// Leg B's phone sends here.
    pub b_port: u16,
    pub advertise: IpAddr,
}

/// What the relay tells the call logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    /// No media from the call's sending legs for `rtp_timeout` (sent once).
    RtpTimeout { id: u64 },
    /// The source given to [`Media::play`] ended.
    PlayDone { id: u64, leg: Leg },
    /// A key press from a leg: an RFC 4733 event, or a tone heard in the
    /// audio with [`Media::detect_inband`] on.
    Dtmf { id: u64, leg: Leg, digit: char },
    /// A leg's RTCP report about the stream we send it came: the leg's
    /// quality both ways (loss, jitter, round trip).
    Quality { id: u64, leg: Leg, quality: Quality },
}

/// Totals over all workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MediaStats {
    /// Live sessions.
    pub sessions: u64,
    /// Datagrams forwarded.
    pub relayed: u64,
    /// Datagrams not relayed (RTCP included: the relay takes it, see
    /// `media::relay`).
    pub dropped: u64,
}

/// The handle to the relay; clones share it. The workers stop when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Media {
    inner: Arc<Inner>,
}

struct Inner {
    config: MediaConfig,
    workers: Vec<WorkerHandle>,
    next_id: AtomicU64,
    /// Rotates through the port range so freed ports rest before reuse.
    next_pair: AtomicU64,
    shared: Arc<Shared>,
}

struct WorkerHandle {
    tx: Sender<Command>,
    wake: Arc<EventFd>,
}

/// Socket buffers: a second of a few hundred calls' bursts.
const SOCKET_BUFFER: usize = 1 << 20;

impl Media {
    /// Starts the workers.
    pub fn start(config: MediaConfig) -> io::Result<(Media, UnboundedReceiver<MediaEvent>)> {
        if config.port_max < config.port_min.saturating_add(3) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "media port range holds no call",
            ));
        }
        let workers = match config.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let (events, rx_events) = unbounded_channel();
        let shared = Arc::new(Shared::default());
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let (tx, rx) = channel();
            let wake = Arc::new(EventFd::new()?);
            let epoll = Epoll::new()?;
            epoll.add(wake.fd(), WAKE)?;
            let (w, events, shared, timeout) = (
                wake.clone(),
                events.clone(),
                shared.clone(),
                config.rtp_timeout,
            );
            std::thread::Builder::new()
                .name(format!("media-{i}"))
                .spawn(move || Worker::new(rx, w, epoll, events, shared, timeout).run())?;
            handles.push(WorkerHandle { tx, wake });
        }
        let inner = Inner {
            config,
            workers: handles,
            next_id: AtomicU64::new(1),
            next_pair: AtomicU64::new(0),
            shared,
        };
        Ok((
            Media {
                inner: Arc::new(inner),
            },
            rx_events,
        ))
    }

    /// Binds two even RTP ports (and their RTCP port+1) for a call's two
    /// legs, latching onto the SDP's addresses. Tries the next ports when
    /// one is taken (several servers may share a range).
    pub fn allocate(&self) -> io::Result<SessionHandle> {
        self.allocate_with(Latching::Expected)
    }

    /// [`Media::allocate`] with the latching rule of the call's phones.
    pub fn allocate_with(&self, latching: Latching) -> io::Result<SessionHandle> {
        let (a_port, a) = self.bind_pair()?;
        let (b_port, b) = self.bind_pair()?;
        let [a_rtp, a_rtcp] = a;
        let [b_rtp, b_rtcp] = b;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let relay = Relay::new(latching, [rand::random(), rand::random()], Instant::now());
        let sockets = Box::new([a_rtp, a_rtcp, b_rtp, b_rtcp]);
        self.inner.shared.sessions.fetch_add(1, Ordering::Relaxed);
        let relay = Box::new(relay);
        self.send(id, Command::Add { id, sockets, relay });
        Ok(SessionHandle {
            id,
            a_port,
            b_port,
            advertise: self.inner.config.advertise,
        })
    }

    /// New SDP for one leg of a session.
    pub fn update(&self, id: u64, leg: Leg, params: LegParams) {
        self.send(id, Command::Update { id, leg, params });
    }

    /// Terminated media on that leg: the worker encodes a frame every 20 ms
    /// to the leg's codec and sends it instead of relayed audio, until the
    /// source ends (then [`MediaEvent::PlayDone`]). A second source on the
    /// same leg replaces the first without an event. A leg whose codec is
    /// neither G.711 nor Opus ends the play at once.
    pub fn play(&self, id: u64, leg: Leg, source: Box<dyn Source + Send>) {
        self.send(id, Command::Play { id, leg, source });
    }

    /// Decoded frames received on that leg are also given to the sink
    /// (`None` stops). Audio in the leg's payload type and codec (G.711 or
    /// Opus) is decoded.
    pub fn record(&self, id: u64, leg: Leg, sink: Option<Box<dyn Sink + Send>>) {
        self.send(id, Command::Record { id, leg, sink });
    }

    /// In-band DTMF detection on that leg, for phones that send key tones
    /// in the audio: its decoded frames go through a
    /// `media::dtmf::Detector` and keys come out as [`MediaEvent::Dtmf`],
    /// as RFC 4733 events do. Off by default: it costs a decode and eight
    /// Goertzel filters per packet. Works on G.711 legs (and Opus ones,
    /// whose decoded audio is the same 8 kHz linear).
    pub fn detect_inband(&self, id: u64, leg: Leg, on: bool) {
        self.send(id, Command::DetectInband { id, leg, on });
    }

    /// Closes the session's sockets, which frees its ports.
    pub fn release(&self, id: u64) {
        self.send(id, Command::Release { id });
    }

    pub fn stats(&self) -> MediaStats {
        let s = &self.inner.shared;
        MediaStats {
            sessions: s.sessions.load(Ordering::Relaxed),
            relayed: s.relayed.load(Ordering::Relaxed),
            dropped: s.dropped.load(Ordering::Relaxed),
        }
    }

    fn send(&self, id: u64, command: Command) {
        let w = &self.inner.workers[(id % self.inner.workers.len() as u64) as usize];
        // A send fails only once the worker has stopped, at shutdown.
        let _ = w.tx.send(command);
        w.wake.notify();
    }

    /// An even port and the odd one above it, both free.
    fn bind_pair(&self) -> io::Result<(u16, [UdpSocket; 2])> {
        let c = &self.inner.config;
        let first = c.port_min.next_multiple_of(2);
        let pairs = u64::from((u32::from(c.port_max) + 1 - u32::from(first)) / 2);
        for _ in 0..pairs {
            let k = self.inner.next_pair.fetch_add(1, Ordering::Relaxed) % pairs;
            let port = first + 2 * k as u16;
            let Ok(rtp) = bind(SocketAddr::new(c.bind, port)) else {
                continue;
            };
            let Ok(rtcp) = bind(SocketAddr::new(c.bind, port + 1)) else {
                continue;
            };
            return Ok((port, [rtp, rtcp]));
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "no free media ports left in the range",
        ))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        for WorkerHandle { tx, wake } in self.workers.drain(..) {
            drop(tx);
            wake.notify();
        }
    }
}

fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    // The kernel caps these at net.core.[rw]mem_max; a smaller buffer is
    // no reason to fail.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod codec_tests;

#[cfg(test)]
mod rtcp_tests;
