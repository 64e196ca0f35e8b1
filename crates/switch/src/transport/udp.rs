//! Receiving on the UDP socket. The SIP task may own the receiver itself,
//! so a datagram goes from the socket to the endpoint without crossing a
//! channel or a thread.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;

use super::{Inbound, Kind, MAX_MESSAGE};

/// The receiving half of the UDP transport.
pub struct UdpReceiver {
    socket: Arc<UdpSocket>,
    local: SocketAddr,
    buf: Vec<u8>,
}

impl UdpReceiver {
    pub(super) fn new(socket: Arc<UdpSocket>) -> io::Result<Self> {
        let local = socket.local_addr()?;
        Ok(Self {
            socket,
            local,
            buf: vec![0u8; MAX_MESSAGE],
        })
    }

    /// Waits for the next datagram that is not a keep-alive.
    pub async fn recv(&mut self) -> Inbound {
        loop {
            match self.socket.recv_from(&mut self.buf).await {
                Ok((n, peer)) => {
                    if let Some(msg) = self.inbound(n, peer) {
                        return msg;
                    }
                }
                // ICMP port unreachable shows up as an error on Linux:
                // nothing to do but carry on.
                Err(e) => tracing::debug!(error = %e, "UDP receive error"),
            }
        }
    }

    /// The next datagram already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Inbound> {
        loop {
            match self.socket.try_recv_from(&mut self.buf) {
                Ok((n, peer)) => {
                    if let Some(msg) = self.inbound(n, peer) {
                        return Some(msg);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(e) => tracing::debug!(error = %e, "UDP receive error"),
            }
        }
    }

    fn inbound(&self, n: usize, peer: SocketAddr) -> Option<Inbound> {
        // RFC 5626 §4.4.1: keep-alives over UDP are STUN or CRLF; a
        // datagram of only line ends is skipped.
        if self.buf[..n].iter().all(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return None;
        }
        Some(Inbound {
            kind: Kind::Udp,
            peer,
            local: self.local,
            conn: None,
            data: Bytes::copy_from_slice(&self.buf[..n]),
        })
    }
}
