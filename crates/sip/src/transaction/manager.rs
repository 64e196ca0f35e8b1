//! The endpoint that owns every transaction and routes messages to them
//! (RFC 3261 §17.1.3, §17.2.3).

use std::cmp::Reverse;
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
    /// a million, bounds memory at about 1.2 GB; see [`Transactions`] for
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
/// transactions, amortised. A hash map finds a transaction's slot by key;
/// a min-heap of (deadline, slot) entries orders the timers, with lazy
/// deletion: when a deadline changes, the new one is pushed and the old
/// entry stays behind, to be dropped when it reaches the top or when the
/// heap, grown past four times the live transactions, is rebuilt.
/// Checking an entry costs a slot lookup, no hashing.
///
/// Memory: at most [`Config::max_transactions`] transactions. Every state
/// has a timer that ends it except the two that wait for the TU (a server
/// transaction before its final response, an INVITE client transaction
/// in Proceeding); the TU bounds those by answering or cancelling. The
/// transmit and event queues grow until drained with `poll_transmit` and
/// `poll_event`, which the driver does after every `handle_*` call. The
/// map, the slots and the heap keep the capacity of their busiest moment.
///
/// A transaction costs roughly 1 to 1.3 KiB on a 64-bit target:
///
/// - its map entry, 88 bytes (an 80-byte key and a slot number), over a
///   load factor between 7/16 and 7/8: 100 to 200 bytes;
/// - its slot, 40 bytes, and its heap entry, 32 bytes;
/// - its state machine, boxed so that a slot stays small: 230 to 510
///   bytes, 230 for the non-INVITE server transaction;
/// - two copies of its key (the map's and the state machine's), each with
///   a branch and a sent-by string of 20 to 40 bytes on the heap: about
///   170 bytes;
/// - the bytes it keeps to retransmit: a server transaction's last
///   response (300 to 600 bytes for a 200 to a REGISTER) or a client
///   transaction's request.
///
/// A registrar answering 10,000 REGISTERs a second over UDP holds 640,000
/// transactions in Completed, since Timer J is 64*T1 (RFC 3261 §17.2.2):
/// about 750 MB. The default limit of a million allows about 1.2 GB.
#[derive(Debug)]
pub struct Transactions {
    config: Config,
    /// Each live transaction's index in `slots`.
    index: HashMap<TransactionKey, u32>,
    slots: Vec<Option<Slot>>,
    /// Empty slots, reused before `slots` grows.
    free: Vec<u32>,
    /// Every live deadline, plus stale entries not yet dropped.
    deadlines: BinaryHeap<Reverse<Deadline>>,
    /// Numbers heap entries so that an entry is current exactly when its
    /// slot's `due` names it, even after the slot is reused.
    seq: u64,
    /// Whether the top of `deadlines` may be stale.
    stale_top: bool,
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
    /// entry naming this slot is stale.
    due: Option<(Instant, u64)>,
}

/// A heap entry, ordered by time and then by push order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Deadline {
    at: Instant,
    seq: u64,
    slot: u32,
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
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            deadlines: BinaryHeap::new(),
            seq: 0,
            stale_top: false,
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
        if self.index.contains_key(&key) {
            return Err(TransactionError::Duplicate(key));
        }
        if self.index.len() >= self.config.max_transactions {
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
        let slot = self.insert(t);
        self.index.insert(key.clone(), slot);
        self.touch(slot);
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
            .find(key)
            .ok_or_else(|| TransactionError::Unknown(key.clone()))?;
        match self.transaction(slot) {
            (Transaction::InviteServer(t), out) => t.respond(now, &response, out)?,
            (Transaction::NonInviteServer(t), out) => t.respond(now, &response, out)?,
            _ => return Err(TransactionError::NotServer(key.clone())),
        }
        self.touch(slot);
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
        if let Some(slot) = self.find(&key) {
            match self.transaction(slot) {
                (Transaction::InviteServer(t), out) => t.on_request(out),
                (Transaction::NonInviteServer(t), out) => t.on_request(out),
                _ => {}
            }
            self.touch(slot);
            self.settle();
            return Ok(());
        }
        if self.index.len() >= self.config.max_transactions {
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
        let slot = self.insert(t);
        self.index.insert(key.clone(), slot);
        self.touch(slot);
        self.settle();
        self.out.event(Event::NewRequest { key, request, from });
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
        let slot = self.find(&key);
        match slot.map(|slot| self.transaction(slot)) {
            Some((Transaction::InviteClient(t), out)) => t.on_response(now, response, out),
            Some((Transaction::NonInviteClient(t), out)) => t.on_response(now, response, out),
            _ => self.out.event(Event::StrayResponse { response }),
        }
        if let Some(slot) = slot {
            self.touch(slot);
        }
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
            if let Some(Some(slot)) = self.slots.get_mut(d.slot as usize)
                && slot.due == Some((d.at, d.seq))
            {
                slot.due = None;
                due.push(d.slot);
            }
        }
        // Popping may have uncovered a stale entry.
        self.stale_top = true;
        for slot in due {
            match self.transaction(slot) {
                (Transaction::InviteClient(t), out) => t.on_timeout(now, out),
                (Transaction::NonInviteClient(t), out) => t.on_timeout(now, out),
                (Transaction::InviteServer(t), out) => t.on_timeout(now, out),
                (Transaction::NonInviteServer(t), _) => t.on_timeout(now),
            }
            self.touch(slot);
        }
        self.settle();
    }

    /// Drops a transaction at the TU's request, without an event: an
    /// INVITE client transaction still in Proceeding 64*T1 after its CANCEL
    /// went out, say (RFC 3261 §9.1). Returns whether it existed.
    pub fn terminate(&mut self, key: &TransactionKey) -> bool {
        let Some(slot) = self.find(key) else {
            return false;
        };
        self.remove(slot);
        self.settle();
        true
    }

    /// The transport failed to send for `key` (RFC 3261 §17.1.1.2,
    /// §17.1.2.2, §17.2.4): the transaction ends and the TU hears of it.
    pub fn handle_transport_error(&mut self, key: &TransactionKey) {
        if self.terminate(key) {
            self.out.event(Event::TransportError { key: key.clone() });
        }
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
        let slot = *self.index.get(key)?;
        self.slots[slot as usize].as_ref().map(|s| s.t.state())
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
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
            self.find(&key)
        } else {
            // RFC 3261 §17.2.3: an RFC 2543 ACK matches the INVITE whose
            // response carried the ACK's To tag.
            let to = ack.to()?;
            key.rfc2543_ack_candidates()
                .iter()
                .filter_map(|k| self.find(k))
                .find(|&slot| {
                    matches!(
                        &self.slots[slot as usize],
                        Some(Slot { t: Transaction::InviteServer(t), .. })
                            if t.to_tag() == to.tag()
                    )
                })
        };
        let target = matched.and_then(|slot| match self.transaction(slot) {
            (Transaction::InviteServer(t), out) => Some((t, out)),
            _ => None,
        });
        match target {
            Some((t, out)) => t.on_ack(now, ack, from, out),
            // RFC 3261 §17.2.3: an ACK matching no transaction (the ACK
            // for a 2xx) goes to the TU.
            None => self.out.event(Event::Ack { request: ack, from }),
        }
        if let Some(slot) = matched {
            self.touch(slot);
        }
        self.settle();
        Ok(())
    }

    fn find(&self, key: &TransactionKey) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// The transaction in a live slot, and the outbox for it to write to.
    fn transaction(&mut self, slot: u32) -> (&mut Transaction, &mut Outbox) {
        match &mut self.slots[slot as usize] {
            Some(s) => (&mut s.t, &mut self.out),
            None => unreachable!("slot {slot} is empty"),
        }
    }

    /// Puts a new transaction in a free slot; the caller indexes it.
    fn insert(&mut self, t: Transaction) -> u32 {
        let s = Some(Slot { t, due: None });
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = s;
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("under 2^32 transactions");
                self.slots.push(s);
                slot
            }
        }
    }

    /// Forgets a live transaction; its heap entry goes stale.
    fn remove(&mut self, slot: u32) {
        if let Some(s) = self.slots[slot as usize].take() {
            self.index.remove(s.t.key());
            self.free.push(slot);
            self.stale_top |= s.due.is_some();
        }
    }

    /// Brings the index up to date after something happened to a
    /// transaction: a terminated one is removed at once, and a changed
    /// deadline gets a new heap entry (the old one goes stale).
    fn touch(&mut self, slot: u32) {
        let Some(s) = &mut self.slots[slot as usize] else {
            return;
        };
        if s.t.state() == State::Terminated {
            self.remove(slot);
            return;
        }
        let deadline = s.t.deadline();
        if deadline == s.due.map(|(at, _)| at) {
            return;
        }
        self.stale_top |= s.due.is_some();
        s.due = deadline.map(|at| (at, self.seq));
        if let Some(at) = deadline {
            self.deadlines.push(Reverse(Deadline {
                at,
                seq: self.seq,
                slot,
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
        let slots = &self.slots;
        let current = |d: &Deadline| matches!(slots.get(d.slot as usize), Some(Some(s)) if s.due == Some((d.at, d.seq)));
        if self.deadlines.len() > COMPACT_RATIO * self.index.len() + COMPACT_SLACK {
            self.deadlines.retain(|Reverse(d)| current(d));
            self.stale_top = false;
        }
        if self.stale_top {
            while self.deadlines.peek().is_some_and(|Reverse(d)| !current(d)) {
                self.deadlines.pop();
            }
            self.stale_top = false;
        }
    }
}

impl Transaction {
    fn key(&self) -> &TransactionKey {
        match self {
            Transaction::InviteClient(t) => t.key(),
            Transaction::NonInviteClient(t) => t.key(),
            Transaction::InviteServer(t) => t.key(),
            Transaction::NonInviteServer(t) => t.key(),
        }
    }

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
