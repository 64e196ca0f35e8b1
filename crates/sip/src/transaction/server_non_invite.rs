//! The non-INVITE server transaction (RFC 3261 §17.2.2).

use std::time::Instant;

use super::{Outbox, Peer, State, Timers, TransactionError, TransactionKey, wait};
use crate::message::{Response, SipMessage};

#[derive(Debug)]
pub(crate) struct ServerNonInvite {
    key: TransactionKey,
    peer: Peer,
    timers: Timers,
    state: State,
    /// The last response sent, resent on request retransmissions.
    last: Option<Vec<u8>>,
    timer_j: Option<Instant>,
}

impl ServerNonInvite {
    /// Enters Trying for a new request; the caller tells the TU.
    pub(crate) fn start(key: TransactionKey, peer: Peer, timers: Timers) -> Self {
        Self {
            key,
            peer,
            timers,
            state: State::Trying,
            last: None,
            timer_j: None,
        }
    }

    pub(crate) fn key(&self) -> &TransactionKey {
        &self.key
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.timer_j
    }

    /// A retransmission of the request.
    pub(crate) fn on_request(&mut self, out: &mut Outbox) {
        // RFC 3261 §17.2.2: Trying discards retransmissions; Proceeding and
        // Completed resend the last response.
        if let Some(last) = &self.last {
            out.send(&self.peer, last, &self.key);
        }
    }

    pub(crate) fn respond(
        &mut self,
        now: Instant,
        response: &Response,
        out: &mut Outbox,
    ) -> Result<(), TransactionError> {
        if !matches!(self.state, State::Trying | State::Proceeding) {
            return Err(TransactionError::WrongState {
                status: response.status.as_u16(),
                state: self.state,
            });
        }
        let bytes = response.to_bytes();
        out.send(&self.peer, &bytes, &self.key);
        self.last = Some(bytes);
        if response.status.is_provisional() {
            self.state = State::Proceeding;
        } else {
            // RFC 3261 §17.2.2: Timer J (64*T1, zero on reliable transports)
            // keeps the final response for retransmitted requests.
            self.state = State::Completed;
            self.timer_j = wait(now, self.peer.reliable, self.timers.t1_x64());
            if self.timer_j.is_none() {
                self.state = State::Terminated;
            }
        }
        Ok(())
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) {
        if self.timer_j.is_some_and(|j| j <= now) {
            self.state = State::Terminated;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Method;
    use crate::status::StatusCode;
    use crate::transaction::testing::{ms, peer, request};

    fn trying(reliable: bool) -> (ServerNonInvite, crate::Request) {
        let bye = request(Method::Bye, "z9hG4bKsn");
        let key = TransactionKey::server(&bye).unwrap();
        (
            ServerNonInvite::start(key, peer(reliable), Timers::default()),
            bye,
        )
    }

    #[test]
    fn retransmitted_request_gets_the_last_response_again() {
        let t0 = Instant::now();
        let (mut t, bye) = trying(false);
        let mut out = Outbox::default();
        t.on_request(&mut out);
        assert!(out.transmits.is_empty(), "Trying discards copies");
        let ok = bye.response(StatusCode::OK, Some("b"));
        t.respond(t0, &ok, &mut out).unwrap();
        t.on_request(&mut out);
        t.on_request(&mut out);
        assert_eq!(out.transmits.len(), 3);
        assert!(out.transmits.iter().all(|x| x.bytes == ok.to_bytes()));
        assert!(t.respond(t0, &ok, &mut out).is_err());
        assert_eq!(t.deadline(), Some(t0 + ms(32_000)), "Timer J is 64*T1");
        t.on_timeout(t0 + ms(32_000));
        assert_eq!(t.state(), State::Terminated);
    }

    #[test]
    fn provisional_response_is_resent_in_proceeding() {
        let t0 = Instant::now();
        let (mut t, bye) = trying(false);
        let mut out = Outbox::default();
        t.respond(t0, &bye.response(StatusCode::TRYING, None), &mut out)
            .unwrap();
        t.on_request(&mut out);
        assert_eq!(out.transmits.len(), 2);
        assert_eq!(t.state(), State::Proceeding);
    }

    #[test]
    fn reliable_transport_terminates_at_the_final_response() {
        let (mut t, bye) = trying(true);
        let mut out = Outbox::default();
        t.respond(
            Instant::now(),
            &bye.response(StatusCode::OK, Some("b")),
            &mut out,
        )
        .unwrap();
        assert_eq!(t.state(), State::Terminated);
    }
}
