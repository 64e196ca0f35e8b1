//! The endpoint that owns every transaction and routes messages to them
//! (RFC 3261 §17.1.3, §17.2.3).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::{Event, Outbox, Peer, State, Timers, TransactionError, TransactionKey, Transmit};
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;
use crate::status::StatusCode;

/// Endpoint settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub timers: Timers,
    /// The most transactions alive at once. Beyond it new requests get a
    /// stateless 503 and [`Transactions::send_request`] fails. The default,
    /// a million, bounds memory at about 1.3 GB; see [`Transactions`] for
    /// what one transaction costs.
    pub max_transactions: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timers: Timers::default(),
            max_transactions: 1_000_000,
        }
    }
}

/// Every client and server transaction of one endpoint.
///
/// Cost: every call is O(1) or O(log n) in the number of live
/// transactions, amortised. Transactions sit in a hash map by key, and
/// their deadlines in a min-heap with lazy deletion: when a deadline
/// changes, the new one is pushed and the old entry stays behind, to be
/// dropped when it reaches the top or when the heap, grown past four
/// times the live transactions, is rebuilt.
///
/// Memory: at most [`Config::max_transactions`] transactions. Every state
/// has a timer that ends it except the two that wait for the TU (a server
/// transaction before its final response, an INVITE client transaction
/// in Proceeding); the TU bounds those by answering or cancelling. The
/// transmit and event queues grow until drained with `poll_transmit` and
/// `poll_event`, which the driver does after every `handle_*` call.
///
/// A transaction costs roughly 1 to 1.5 KiB on a 64-bit target:
///
/// - its map entry, 120 bytes (an 80-byte key and a 40-byte slot), over a
///   load factor between 7/16 and 7/8: 140 to 270 bytes;
/// - its state machine, boxed so that the map entry stays small: 230 to
///   510 bytes, 230 for the non-INVITE server transaction;
/// - its heap entry, 104 bytes, up to twice that in spare capacity;
/// - three copies of its key (the map's, the state machine's, the heap
///   entry's), each with a branch and a sent-by string of 20 to 40 bytes
///   on the heap: about 250 bytes;
/// - the bytes it keeps to retransmit: a server transaction's last
///   response (300 to 600 bytes for a 200 to a REGISTER) or a client
///   transaction's request.
///
/// A registrar answering 10,000 REGISTERs a second over UDP holds 640,000
/// transactions in Completed, since Timer J is 64*T1 (RFC 3261 §17.2.2):
/// about 800 MB. The default limit of a million allows about 1.3 GB.
#[derive(Debug)]
pub struct Transactions {
    config: Config,
    live: HashMap<TransactionKey, Slot>,
    /// Every live deadline, plus stale entries not yet dropped.
    deadlines: BinaryHeap<Reverse<Deadline>>,
    /// Numbers heap entries so that an entry is current exactly when its
    /// transaction's [`Slot::due`] names it.
    seq: u64,
    out: Outbox,
}

/// The heap is rebuilt from the live set once it holds more than this many
/// entries per live transaction (plus [`COMPACT_SLACK`]).
const COMPACT_RATIO: usize = 4;

/// Lets a small endpoint keep a few stale entries without rebuilding.
const COMPACT_SLACK: usize = 64;

#[derive(Debug)]
struct Slot {
    t: Transaction,
    /// The deadline and sequence number of the heap entry that stands for
    /// this transaction; `None` while it has no deadline. Any other heap
    /// entry with its key is stale.
    due: Option<(Instant, u64)>,
}

/// A heap entry, ordered by time and then by push order.
#[derive(Debug)]
struct Deadline {
    at: Instant,
    seq: u64,
    key: TransactionKey,
}

impl PartialEq for Deadline {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Deadline {}

impl PartialOrd for Deadline {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Deadline {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Debug)]
enum Transaction {
    InviteClient(Box<ClientInvite>),
    NonInviteClient(Box<ClientNonInvite>),
    InviteServer(Box<ServerInvite>),
    NonInviteServer(Box<ServerNonInvite>),
}

impl Transactions {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            live: HashMap::new(),
            deadlines: BinaryHeap::new(),
            seq: 0,
            out: Outbox::default(),
        }
    }

    /// Starts a client transaction and sends `request` to `to`. The request
    /// must carry a top Via with an RFC 3261 branch the TU made unique.
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        to: Peer,
    ) -> Result<TransactionKey, TransactionError> {
        if request.method == Method::Ack {
            return Err(TransactionError::AckIsNotATransaction);
        }
        if !request.top_via()?.has_rfc3261_branch() {
            return Err(TransactionError::NoRfc3261Branch);
        }
        let key = TransactionKey::client(&request)?;
        if self.live.contains_key(&key) {
            return Err(TransactionError::Duplicate(key));
        }
        if self.live.len() >= self.config.max_transactions {
            return Err(TransactionError::TooMany);
        }
        let (timers, out) = (self.config.timers, &mut self.out);
        let t = if request.method == Method::Invite {
            Transaction::InviteClient(Box::new(ClientInvite::start(
                now,
                key.clone(),
                request,
                to,
                timers,
                out,
            )))
        } else {
            Transaction::NonInviteClient(Box::new(ClientNonInvite::start(
                now,
                key.clone(),
                &request,
                to,
                timers,
                out,
            )))
        };
        self.live.insert(key.clone(), Slot { t, due: None });
        self.touch(&key);
        self.settle();
        Ok(key)
    }

    /// Sends the ACK for a 2xx, which is no transaction: the TU builds and
    /// retransmits it (RFC 3261 §13.2.2.4, §17.1.1.3).
    pub fn send_ack(&mut self, ack: &Request, to: Peer) {
        self.out.transmits.push_back(Transmit {
            to,
            bytes: ack.to_bytes(),
            key: None,
        });
    }

    /// Sends the TU's response on a server transaction.
    pub fn respond(
        &mut self,
        now: Instant,
        key: &TransactionKey,
        response: Response,
    ) -> Result<(), TransactionError> {
        let slot = self
            .live
            .get_mut(key)
            .ok_or_else(|| TransactionError::Unknown(key.clone()))?;
        match &mut slot.t {
            Transaction::InviteServer(t) => t.respond(now, &response, &mut self.out)?,
            Transaction::NonInviteServer(t) => t.respond(now, &response, &mut self.out)?,
            _ => return Err(TransactionError::NotServer(key.clone())),
        }
        self.touch(key);
        self.settle();
        Ok(())
    }

    /// A request from the network: a retransmission is absorbed by its
    /// transaction, an ACK goes to its INVITE transaction or to the TU, and
    /// any other request starts a server transaction.
    pub fn handle_request(
        &mut self,
        now: Instant,
        request: Request,
        from: Peer,
    ) -> Result<(), TransactionError> {
        let key = TransactionKey::server(&request)?;
        if request.method == Method::Ack {
            return self.handle_ack(now, key, request, from);
        }
        let full = self.live.len() >= self.config.max_transactions;
        match self.live.get_mut(&key).map(|slot| &mut slot.t) {
            Some(Transaction::InviteServer(t)) => t.on_request(&mut self.out),
            Some(Transaction::NonInviteServer(t)) => t.on_request(&mut self.out),
            Some(_) => {}
            None if full => {
                // RFC 3261 §21.5.4: an overloaded server answers 503,
                // statelessly since it keeps no transaction.
                let busy = request.response(StatusCode::SERVICE_UNAVAILABLE, None);
                self.out.transmits.push_back(Transmit {
                    to: from,
                    bytes: busy.to_bytes(),
                    key: None,
                });
                return Ok(());
            }
            None => {
                let timers = self.config.timers;
                let t = if request.method == Method::Invite {
                    Transaction::InviteServer(Box::new(ServerInvite::start(
                        now,
                        key.clone(),
                        &request,
                        from.clone(),
                        timers,
                    )))
                } else {
                    Transaction::NonInviteServer(Box::new(ServerNonInvite::start(
                        key.clone(),
                        from.clone(),
                        timers,
                    )))
                };
                self.live.insert(key.clone(), Slot { t, due: None });
                self.touch(&key);
                self.settle();
                self.out.event(Event::NewRequest { key, request, from });
                return Ok(());
            }
        }
        self.touch(&key);
        self.settle();
        Ok(())
    }

    /// A response from the network, matched by top Via branch and CSeq
    /// method (RFC 3261 §17.1.3); unmatched ones go to the TU (§18.1.2).
    pub fn handle_response(
        &mut self,
        now: Instant,
        response: Response,
    ) -> Result<(), TransactionError> {
        let key = TransactionKey::for_response(&response)?;
        match self.live.get_mut(&key).map(|slot| &mut slot.t) {
            Some(Transaction::InviteClient(t)) => t.on_response(now, response, &mut self.out),
            Some(Transaction::NonInviteClient(t)) => t.on_response(now, response, &mut self.out),
            _ => self.out.event(Event::StrayResponse { response }),
        }
        self.touch(&key);
        self.settle();
        Ok(())
    }

    /// Fires every timer due at `now` and drops terminated transactions.
    ///
    /// Each due transaction fires once per call, in deadline order, even if
    /// firing leaves it with another deadline at or before `now`; the next
    /// call fires that one.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due = Vec::new();
        while self.deadlines.peek().is_some_and(|Reverse(d)| d.at <= now) {
            let Some(Reverse(d)) = self.deadlines.pop() else {
                break;
            };
            if let Some(slot) = self.live.get_mut(&d.key)
                && slot.due == Some((d.at, d.seq))
            {
                slot.due = None;
                due.push(d.key);
            }
        }
        for key in due {
            if let Some(slot) = self.live.get_mut(&key) {
                match &mut slot.t {
                    Transaction::InviteClient(t) => t.on_timeout(now, &mut self.out),
                    Transaction::NonInviteClient(t) => t.on_timeout(now, &mut self.out),
                    Transaction::InviteServer(t) => t.on_timeout(now, &mut self.out),
                    Transaction::NonInviteServer(t) => t.on_timeout(now),
                }
            }
            self.touch(&key);
        }
        self.settle();
    }

    /// Drops a transaction at the TU's request, without an event: an
    /// INVITE client transaction still in Proceeding 64*T1 after its CANCEL
    /// went out, say (RFC 3261 §9.1). Returns whether it existed.
    pub fn terminate(&mut self, key: &TransactionKey) -> bool {
        let existed = self.live.remove(key).is_some();
        self.settle();
        existed
    }

    /// The transport failed to send for `key` (RFC 3261 §17.1.1.2,
    /// §17.1.2.2, §17.2.4): the transaction ends and the TU hears of it.
    pub fn handle_transport_error(&mut self, key: &TransactionKey) {
        if self.live.remove(key).is_some() {
            self.out.event(Event::TransportError { key: key.clone() });
        }
        self.settle();
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// The earliest deadline of any transaction. Every mutating call leaves
    /// a current entry on top of the heap, so this is a peek.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.peek().map(|Reverse(d)| d.at)
    }

    /// The state of a live transaction.
    pub fn state(&self, key: &TransactionKey) -> Option<State> {
        self.live.get(key).map(|slot| slot.t.state())
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// How many entries the deadline heap holds, stale ones included.
    #[cfg(test)]
    pub(crate) fn heap_len(&self) -> usize {
        self.deadlines.len()
    }

    fn handle_ack(
        &mut self,
        now: Instant,
        key: TransactionKey,
        ack: Request,
        from: Peer,
    ) -> Result<(), TransactionError> {
        let matched = if key.branch().is_some() {
            Some(key)
        } else {
            // RFC 3261 §17.2.3: an RFC 2543 ACK matches the INVITE whose
            // response carried the ACK's To tag.
            let to = ack.to()?;
            key.rfc2543_ack_candidates().into_iter().find(|k| {
                matches!(
                    self.live.get(k).map(|slot| &slot.t),
                    Some(Transaction::InviteServer(t)) if t.to_tag() == to.tag()
                )
            })
        };
        let target =
            matched
                .as_ref()
                .and_then(|k| match self.live.get_mut(k).map(|slot| &mut slot.t) {
                    Some(Transaction::InviteServer(t)) => Some(t),
                    _ => None,
                });
        match target {
            Some(t) => t.on_ack(now, ack, from, &mut self.out),
            // RFC 3261 §17.2.3: an ACK matching no transaction (the ACK
            // for a 2xx) goes to the TU.
            None => self.out.event(Event::Ack { request: ack, from }),
        }
        if let Some(k) = matched {
            self.touch(&k);
        }
        self.settle();
        Ok(())
    }

    /// Brings the index up to date after something happened to `key`: a
    /// terminated transaction is removed at once, and a changed deadline
    /// gets a new heap entry (the old one goes stale).
    fn touch(&mut self, key: &TransactionKey) {
        let Some(slot) = self.live.get_mut(key) else {
            return;
        };
        if slot.t.state() == State::Terminated {
            self.live.remove(key);
            return;
        }
        let deadline = slot.t.deadline();
        if deadline == slot.due.map(|(at, _)| at) {
            return;
        }
        slot.due = deadline.map(|at| (at, self.seq));
        if let Some(at) = deadline {
            self.deadlines.push(Reverse(Deadline {
                at,
                seq: self.seq,
                key: key.clone(),
            }));
            self.seq += 1;
        }
    }

    /// Restores the heap's invariants at the end of every mutating call:
    /// the top entry is current, so [`Transactions::poll_timeout`] can
    /// peek, and stale entries are at most [`COMPACT_RATIO`] times the live
    /// transactions. Each entry is pushed and dropped once, so the cost is
    /// amortised O(log n) per push.
    fn settle(&mut self) {
        let live = &self.live;
        let current = |d: &Deadline| {
            live.get(&d.key)
                .is_some_and(|slot| slot.due == Some((d.at, d.seq)))
        };
        if self.deadlines.len() > COMPACT_RATIO * live.len() + COMPACT_SLACK {
            self.deadlines.retain(|Reverse(d)| current(d));
        }
        while self.deadlines.peek().is_some_and(|Reverse(d)| !current(d)) {
            self.deadlines.pop();
        }
    }
}

impl Transaction {
    fn state(&self) -> State {
        match self {
            Transaction::InviteClient(t) => t.state(),
            Transaction::NonInviteClient(t) => t.state(),
            Transaction::InviteServer(t) => t.state(),
            Transaction::NonInviteServer(t) => t.state(),
        }
    }

    fn deadline(&self) -> Option<Instant> {
        match self {
            Transaction::InviteClient(t) => t.deadline(),
            Transaction::NonInviteClient(t) => t.deadline(),
            Transaction::InviteServer(t) => t.deadline(),
            Transaction::NonInviteServer(t) => t.deadline(),
        }
    }
}
