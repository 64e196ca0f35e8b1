//! The SIP transaction layer (RFC 3261 §17, amended by RFC 6026), free of
//! I/O.
//!
//! [`Transactions`] is the endpoint: requests and responses go in through
//! `handle_*`, the clock through `handle_timeout`, and bytes to send,
//! events for the transaction user (TU) and the next deadline come out
//! through `poll_*`. Each of the four state machines lives in its own
//! file; [`TransactionKey`] says which transaction a message belongs to.
//!
//! The layer does not pick branches or tags (the TU supplies requests with
//! a `z9hG4bK` branch), does not resolve where responses go beyond "back
//! where the request came from", and does not send the ACK for a 2xx,
//! which belongs to the TU (RFC 3261 §13.2.2.4).

mod client_invite;
mod client_non_invite;
mod key;
mod manager;
mod server_invite;
mod server_non_invite;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use key::{Role, TransactionKey};
pub use manager::{Config, Transactions};

use crate::headers::HeaderError;
use crate::message::{Request, Response};

/// The RFC 3261 §17 timer base values (Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// The round-trip time estimate, 500 ms by default.
    pub t1: Duration,
    /// The longest retransmit interval for non-INVITE requests and INVITE
    /// responses, 4 s by default.
    pub t2: Duration,
    /// The longest time a message stays in the network, 5 s by default.
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl Timers {
    /// RFC 3261 §17: Timers B, F, H and J, and RFC 6026 Timers L and M,
    /// are all 64*T1.
    pub fn t1_x64(&self) -> Duration {
        self.t1 * 64
    }
}

/// The far end of a transaction, as the caller's transport names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Peer {
    pub addr: SocketAddr,
    /// TCP, TLS, SCTP and WebSocket are reliable; RFC 3261 §17 then skips
    /// retransmissions and the wait states that absorb them.
    pub reliable: bool,
    /// The caller's connection id, so responses go back on the connection
    /// the request came in on (RFC 3261 §18.2.2).
    pub conn: Option<u64>,
}

/// Bytes for the transport to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub to: Peer,
    pub bytes: Vec<u8>,
    /// The transaction that sends them, for
    /// [`Transactions::handle_transport_error`]; `None` for messages sent
    /// outside a transaction.
    pub key: Option<TransactionKey>,
}

/// What the transaction layer tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A request that started a server transaction; answer it with
    /// [`Transactions::respond`].
    NewRequest {
        key: TransactionKey,
        request: Request,
        from: Peer,
    },
    /// A response for a client transaction. After a 2xx to an INVITE its
    /// retransmissions come here too (RFC 6026 §8.4), for the TU to ACK.
    Response {
        key: TransactionKey,
        response: Response,
    },
    /// An ACK outside any transaction: the ACK for a 2xx (RFC 3261
    /// §17.2.3), or one matching an INVITE server transaction in the
    /// Accepted state (RFC 6026 §8.7).
    Ack { request: Request, from: Peer },
    /// A response no client transaction claims; RFC 3261 §18.1.2 passes it
    /// to the core (a late 2xx forked downstream, say).
    StrayResponse { response: Response },
    /// A client transaction got no final response in time (Timer B or F),
    /// or an INVITE server transaction got no ACK for its final response
    /// (Timer H). The transaction is gone.
    Timeout { key: TransactionKey },
    /// The transport could not send for this transaction (RFC 3261
    /// §17.1.1.2, §17.2.4). The transaction is gone.
    TransportError { key: TransactionKey },
}

/// Where a transaction is in its state machine (RFC 3261 Figures 5-8 and
/// RFC 6026 Figures 5-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Calling,
    Trying,
    Proceeding,
    Completed,
    /// RFC 6026: an INVITE transaction that saw a 2xx.
    Accepted,
    Confirmed,
    Terminated,
}

/// Why the transaction layer refused a message or command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// A header the transaction layer needs (Via, CSeq, From, To,
    /// Call-ID) is missing or malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A request the TU sends lacks an RFC 3261 branch (`z9hG4bK...`),
    /// which RFC 3261 §8.1.1.7 requires of new requests.
    #[error("the top Via branch must start with z9hG4bK")]
    NoRfc3261Branch,
    /// The TU tried to start a client transaction for an ACK; an ACK for a
    /// 2xx goes out with [`Transactions::send_ack`] (RFC 3261 §17.1.1.3).
    #[error("an ACK does not start a transaction")]
    AckIsNotATransaction,
    /// A transaction with this key already exists.
    #[error("transaction {0:?} already exists")]
    Duplicate(TransactionKey),
    /// No live transaction has this key (it may have terminated).
    #[error("no transaction {0:?}")]
    Unknown(TransactionKey),
    /// The key names a client transaction where a server one is needed.
    #[error("transaction {0:?} is not a server transaction")]
    NotServer(TransactionKey),
    /// The server transaction has already sent a final response, or the
    /// response is not one it may send now.
    #[error("a {status} response is not allowed in state {state:?}")]
    WrongState { status: u16, state: State },
    /// The endpoint holds [`Config::max_transactions`] transactions.
    #[error("too many transactions")]
    TooMany,
}

/// Output shared by the state machines: transmits and events in order.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<Event>,
}

impl Outbox {
    pub(crate) fn send(&mut self, to: &Peer, bytes: &[u8], key: &TransactionKey) {
        self.transmits.push_back(Transmit {
            to: to.clone(),
            bytes: bytes.to_vec(),
            key: Some(key.clone()),
        });
    }

    pub(crate) fn event(&mut self, event: Event) {
        self.events.push_back(event);
    }
}

/// A retransmit timer whose interval doubles, optionally up to a cap
/// (Timers A, E and G).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub(crate) at: Option<Instant>,
    pub(crate) interval: Duration,
}

impl Backoff {
    /// Starts at `now + t1`, or never on a reliable transport.
    pub(crate) fn start(now: Instant, t1: Duration, reliable: bool) -> Self {
        Self {
            at: (!reliable).then(|| now + t1),
            interval: t1,
        }
    }

    pub(crate) fn is_due(&self, now: Instant) -> bool {
        self.at.is_some_and(|at| at <= now)
    }

    /// Doubles the interval, capped at `cap`, and schedules the next firing.
    pub(crate) fn double(&mut self, now: Instant, cap: Option<Duration>) {
        self.interval *= 2;
        if let Some(cap) = cap {
            self.interval = self.interval.min(cap);
        }
        self.at = Some(now + self.interval);
    }

    pub(crate) fn stop(&mut self) {
        self.at = None;
    }
}

/// A wait timer that is zero on reliable transports (Timers D, I, J, K):
/// `None` means the transaction terminates at once.
pub(crate) fn wait(now: Instant, reliable: bool, unreliable: Duration) -> Option<Instant> {
    (!reliable).then(|| now + unreliable)
}

/// Fires a transaction's ending timers: `timeout` (Timer B, F or H)
/// tells the TU, `linger` (Timer D, I, J, K, L or M) ends it quietly.
/// Returns whether the transaction ended.
pub(crate) fn end_timers(
    now: Instant,
    timeout: Option<Instant>,
    linger: Option<Instant>,
    key: &TransactionKey,
    out: &mut Outbox,
) -> bool {
    if timeout.is_some_and(|t| t <= now) {
        out.event(Event::Timeout { key: key.clone() });
        return true;
    }
    linger.is_some_and(|l| l <= now)
}

/// The earliest of some deadlines.
pub(crate) fn earliest(deadlines: &[Option<Instant>]) -> Option<Instant> {
    deadlines.iter().flatten().min().copied()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
