//! The endpoint that owns every transaction and routes messages to them
//! (RFC 3261 §17.1.3, §17.2.3).

use std::collections::HashMap;
use std::time::Instant;

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::{
    Event, Outbox, Peer, State, Timers, TransactionError, TransactionKey, Transmit, earliest,
};
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;
use crate::status::StatusCode;

/// Endpoint settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub timers: Timers,
    /// The most transactions alive at once. Beyond it new requests get a
    /// stateless 503 and [`Transactions::send_request`] fails.
    pub max_transactions: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timers: Timers::default(),
            max_transactions: 65_536,
        }
    }
}

/// Every client and server transaction of one endpoint.
///
/// Memory: at most [`Config::max_transactions`] transactions, each holding
/// its request or last response. Every state has a timer that ends it
/// except the two that wait for the TU (a server transaction before its
/// final response, an INVITE client transaction in Proceeding); the TU
/// bounds those by answering or cancelling. The transmit and event queues
/// grow until drained with `poll_transmit` and `poll_event`, which the
/// driver does after every `handle_*` call. `poll_timeout` and
/// `handle_timeout` scan all transactions.
#[derive(Debug)]
pub struct Transactions {
    config: Config,
    live: HashMap<TransactionKey, Transaction>,
    out: Outbox,
}

#[derive(Debug)]
enum Transaction {
    InviteClient(ClientInvite),
    NonInviteClient(ClientNonInvite),
    InviteServer(ServerInvite),
    NonInviteServer(ServerNonInvite),
}

impl Transactions {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            live: HashMap::new(),
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
            Transaction::InviteClient(ClientInvite::start(
                now,
                key.clone(),
                request,
                to,
                timers,
                out,
            ))
        } else {
            Transaction::NonInviteClient(ClientNonInvite::start(
                now,
                key.clone(),
                &request,
                to,
                timers,
                out,
            ))
        };
        self.live.insert(key.clone(), t);
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
        let t = self
            .live
            .get_mut(key)
            .ok_or_else(|| TransactionError::Unknown(key.clone()))?;
        match t {
            Transaction::InviteServer(t) => t.respond(now, &response, &mut self.out)?,
            Transaction::NonInviteServer(t) => t.respond(now, &response, &mut self.out)?,
            _ => return Err(TransactionError::NotServer(key.clone())),
        }
        self.reap(key);
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
        match self.live.get_mut(&key) {
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
                    Transaction::InviteServer(ServerInvite::start(
                        now,
                        key.clone(),
                        &request,
                        from.clone(),
                        timers,
                    ))
                } else {
                    Transaction::NonInviteServer(ServerNonInvite::start(
                        key.clone(),
                        from.clone(),
                        timers,
                    ))
                };
                self.live.insert(key.clone(), t);
                self.out.event(Event::NewRequest { key, request, from });
            }
        }
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
        match self.live.get_mut(&key) {
            Some(Transaction::InviteClient(t)) => t.on_response(now, response, &mut self.out),
            Some(Transaction::NonInviteClient(t)) => t.on_response(now, response, &mut self.out),
            _ => self.out.event(Event::StrayResponse { response }),
        }
        self.reap(&key);
        Ok(())
    }

    /// Fires every timer due at `now` and drops terminated transactions.
    pub fn handle_timeout(&mut self, now: Instant) {
        for t in self.live.values_mut() {
            if t.deadline().is_none_or(|d| d > now) {
                continue;
            }
            match t {
                Transaction::InviteClient(t) => t.on_timeout(now, &mut self.out),
                Transaction::NonInviteClient(t) => t.on_timeout(now, &mut self.out),
                Transaction::InviteServer(t) => t.on_timeout(now, &mut self.out),
                Transaction::NonInviteServer(t) => t.on_timeout(now),
            }
        }
        self.live.retain(|_, t| t.state() != State::Terminated);
    }

    /// Drops a transaction at the TU's request, without an event: an
    /// INVITE client transaction still in Proceeding 64*T1 after its CANCEL
    /// went out, say (RFC 3261 §9.1). Returns whether it existed.
    pub fn terminate(&mut self, key: &TransactionKey) -> bool {
        self.live.remove(key).is_some()
    }

    /// The transport failed to send for `key` (RFC 3261 §17.1.1.2,
    /// §17.1.2.2, §17.2.4): the transaction ends and the TU hears of it.
    pub fn handle_transport_error(&mut self, key: &TransactionKey) {
        if self.live.remove(key).is_some() {
            self.out.event(Event::TransportError { key: key.clone() });
        }
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// The earliest deadline of any transaction.
    pub fn poll_timeout(&self) -> Option<Instant> {
        earliest(
            &self
                .live
                .values()
                .map(Transaction::deadline)
                .collect::<Vec<_>>(),
        )
    }

    /// The state of a live transaction.
    pub fn state(&self, key: &TransactionKey) -> Option<State> {
        self.live.get(key).map(Transaction::state)
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
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
                matches!(self.live.get(k), Some(Transaction::InviteServer(t)) if t.to_tag() == to.tag())
            })
        };
        let target = matched.as_ref().and_then(|k| match self.live.get_mut(k) {
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
            self.reap(&k);
        }
        Ok(())
    }

    fn reap(&mut self, key: &TransactionKey) {
        if self.state(key) == Some(State::Terminated) {
            self.live.remove(key);
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
