//! SIP transports: thin tokio drivers for UDP, TCP, TLS and WebSocket
//! (RFC 7118). They move bytes only: every message that arrives becomes an
//! [`Inbound`] on one channel that the SIP task consumes; the SIP task sends
//! through [`Transports::send`]. Stream connections are remembered by peer,
//! so a request to a device goes back over the connection it registered on.

mod framing;
mod stream;
mod udp;
mod ws;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

pub use framing::{Frame, FramingError, next_frame};
pub use stream::{TlsError, TlsFiles, serve_tcp, serve_tls};
pub use udp::UdpReceiver;
pub use ws::{serve_ws, serve_wss};

/// The UDP socket buffers asked for (the kernel may grant less).
const UDP_BUFFER: usize = 4 << 20;

/// The largest SIP message accepted on any transport.
pub const MAX_MESSAGE: usize = 65_535;

/// How long a stream connection may carry no traffic at all before it is
/// closed. Clients keep NAT bindings open with CRLF keep-alives well within
/// this (RFC 5626 §4.4.1 suggests 95 to 120 seconds).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Kind {
    /// The Via transport token (RFC 3261 §20.42, RFC 7118 §5).
    pub fn via_token(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
            Self::Ws => "WS",
            Self::Wss => "WSS",
        }
    }

    /// Lower-case name for storage and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Ws => "ws",
            Self::Wss => "wss",
        }
    }

    /// Reliable transports shorten the RFC 3261 retransmission timers.
    pub fn is_reliable(self) -> bool {
        self != Self::Udp
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifies one stream connection for its lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnId(u64);

impl ConnId {
    /// The number, as the transaction layer carries it.
    pub fn raw(self) -> u64 {
        self.0
    }
}

/// A message (or keep-alive) that arrived.
#[derive(Debug)]
pub struct Inbound {
    pub kind: Kind,
    /// Where it came from (the real source, for `received`/`rport`).
    pub peer: SocketAddr,
    /// The local address it arrived on.
    pub local: SocketAddr,
    /// The stream connection, for answers and later requests.
    pub conn: Option<ConnId>,
    pub data: Bytes,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The stream connection is gone and cannot be reopened (the peer is a
    /// device behind NAT, or a WebSocket client).
    #[error("no connection to {0} over {1}")]
    NoConnection(SocketAddr, Kind),
    /// The operating system refused the datagram.
    #[error("sending to {0} failed")]
    Io(SocketAddr, #[source] std::io::Error),
    /// A new TCP connection to the destination could not be opened (refused,
    /// unreachable, or timed out).
    #[error("connecting to {0} failed")]
    Connect(SocketAddr, #[source] std::io::Error),
}

/// The sending side of every transport, shared by the SIP task and the
/// connection tasks. Cheap to clone.
#[derive(Clone)]
pub struct Transports {
    udp: Arc<UdpSocket>,
    conns: Arc<Mutex<Registry>>,
    inbound: mpsc::Sender<Inbound>,
    next_id: Arc<AtomicU64>,
    idle: Duration,
}

#[derive(Default)]
struct Registry {
    writers: HashMap<ConnId, (Kind, SocketAddr, mpsc::UnboundedSender<Bytes>)>,
    by_peer: HashMap<(Kind, SocketAddr), ConnId>,
}

impl Transports {
    /// Wraps the bound UDP socket and starts receiving on it. Inbound
    /// messages of every transport go to `inbound`.
    pub fn start(udp: UdpSocket, inbound: mpsc::Sender<Inbound>) -> std::io::Result<Self> {
        let (t, mut udp_in) = Self::with_udp_receiver(udp, inbound)?;
        let tx = t.inbound.clone();
        tokio::spawn(async move {
            loop {
                let msg = udp_in.recv().await;
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
        });
        Ok(t)
    }

    /// Wraps the bound UDP socket and hands its receiving half to the
    /// caller, which reads datagrams itself; stream transports still
    /// deliver to `inbound`.
    pub fn with_udp_receiver(
        udp: UdpSocket,
        inbound: mpsc::Sender<Inbound>,
    ) -> std::io::Result<(Self, UdpReceiver)> {
        // Bursts of thousands of registrations a second overflow the
        // default 208 KiB receive buffer while the SIP task is busy; the
        // kernel caps the request at net.core.rmem_max.
        let sock = socket2::SockRef::from(&udp);
        for (what, result) in [
            ("receive", sock.set_recv_buffer_size(UDP_BUFFER)),
            ("send", sock.set_send_buffer_size(UDP_BUFFER)),
        ] {
            if let Err(e) = result {
                tracing::warn!(error = %e, "cannot enlarge the UDP {what} buffer");
            }
        }
        let udp = Arc::new(udp);
        let receiver = UdpReceiver::new(udp.clone())?;
        let t = Self {
            udp,
            conns: Arc::default(),
            inbound,
            next_id: Arc::new(AtomicU64::new(1)),
            idle: IDLE_TIMEOUT,
        };
        Ok((t, receiver))
    }

    /// Sets how long stream connections served from now on may stay without
    /// traffic (default [`IDLE_TIMEOUT`]).
    pub fn with_idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// The local UDP address.
    pub fn udp_addr(&self) -> std::io::Result<SocketAddr> {
        self.udp.local_addr()
    }

    /// Sends `data` to `dest` over `kind`, on connection `conn` when given,
    /// else on the connection last seen from `dest`. A missing TCP or TLS
    /// connection is not reopened here: the SIP layer decides (devices are
    /// reached over the connection they registered on).
    pub fn send(
        &self,
        kind: Kind,
        dest: SocketAddr,
        conn: Option<ConnId>,
        data: Bytes,
    ) -> Result<(), SendError> {
        if kind == Kind::Udp {
            return match self.udp.try_send_to(&data, dest) {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let udp = self.udp.clone();
                    tokio::spawn(async move { udp.send_to(&data, dest).await });
                    Ok(())
                }
                Err(e) => Err(SendError::Io(dest, e)),
            };
        }
        let reg = self.conns.lock().expect("registry lock is not poisoned");
        // A connection id of another transport kind is ignored rather than
        // written to with the wrong framing.
        let id = conn
            .filter(|c| reg.writers.get(c).is_some_and(|(k, _, _)| *k == kind))
            .or_else(|| reg.by_peer.get(&(kind, dest)).copied());
        match id.and_then(|id| reg.writers.get(&id)) {
            Some((_, _, w)) if w.send(data).is_ok() => Ok(()),
            _ => Err(SendError::NoConnection(dest, kind)),
        }
    }

    /// Sends for the transaction layer, which knows a peer by address,
    /// reliability and connection number: over that connection when it is
    /// open, else over UDP for an unreliable peer, else over the stream
    /// connection last seen from `dest` (TCP, TLS, WS, WSS in that order).
    pub fn send_peer(
        &self,
        reliable: bool,
        dest: SocketAddr,
        conn: Option<u64>,
        data: Bytes,
    ) -> Result<(), SendError> {
        if !reliable {
            return self.send(Kind::Udp, dest, None, data);
        }
        let kind = {
            let reg = self.conns.lock().expect("registry lock is not poisoned");
            conn.and_then(|c| reg.writers.get(&ConnId(c)).map(|(k, _, _)| *k))
                .or_else(|| {
                    [Kind::Tcp, Kind::Tls, Kind::Ws, Kind::Wss]
                        .into_iter()
                        .find(|k| reg.by_peer.contains_key(&(*k, dest)))
                })
        };
        match kind {
            Some(k) => self.send(k, dest, conn.map(ConnId), data),
            None => Err(SendError::NoConnection(dest, Kind::Tcp)),
        }
    }

    /// Registers a new stream connection; returns its id and the receiver of
    /// bytes to write on it.
    fn register(&self, kind: Kind, peer: SocketAddr) -> (ConnId, mpsc::UnboundedReceiver<Bytes>) {
        let id = ConnId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::unbounded_channel();
        let mut reg = self.conns.lock().expect("registry lock is not poisoned");
        reg.writers.insert(id, (kind, peer, tx));
        reg.by_peer.insert((kind, peer), id);
        (id, rx)
    }

    /// The open connection last seen from `peer` over `kind`, if any.
    pub fn connection_to(&self, kind: Kind, peer: SocketAddr) -> Option<ConnId> {
        let reg = self.conns.lock().expect("registry lock is not poisoned");
        let id = reg.by_peer.get(&(kind, peer)).copied()?;
        reg.writers
            .get(&id)
            .filter(|(_, _, w)| !w.is_closed())
            .map(|_| id)
    }

    /// Forgets a closed connection.
    fn unregister(&self, id: ConnId) {
        let mut reg = self.conns.lock().expect("registry lock is not poisoned");
        if let Some((kind, peer, _)) = reg.writers.remove(&id)
            && reg.by_peer.get(&(kind, peer)) == Some(&id)
        {
            reg.by_peer.remove(&(kind, peer));
        }
    }

    /// How many stream connections are open.
    pub fn open_connections(&self) -> usize {
        self.conns
            .lock()
            .expect("registry lock is not poisoned")
            .writers
            .len()
    }
}

/// Unregisters a stream connection when its task ends, however it ends.
struct Registered {
    transports: Transports,
    id: ConnId,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.transports.unregister(self.id);
    }
}
