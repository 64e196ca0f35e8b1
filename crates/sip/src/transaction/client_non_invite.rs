//! The non-INVITE client transaction (RFC 3261 §17.1.2).

use std::time::Instant;

use super::{
    Backoff, Event, Outbox, Peer, State, Timers, TransactionKey, earliest, end_timers, wait,
};
use crate::message::{Request, Response, SipMessage};

#[derive(Debug)]
pub(crate) struct ClientNonInvite {
    key: TransactionKey,
    peer: Peer,
    timers: Timers,
    state: State,
    bytes: Vec<u8>,
    timer_e: Backoff,
    timer_f: Option<Instant>,
    timer_k: Option<Instant>,
}

impl ClientNonInvite {
    /// Sends the request and enters Trying.
    pub(crate) fn start(
        now: Instant,
        key: TransactionKey,
        request: &Request,
        peer: Peer,
        timers: Timers,
        out: &mut Outbox,
    ) -> Self {
        let bytes = request.to_bytes();
        out.send(&peer, &bytes, &key);
        // RFC 3261 §17.1.2.2: Timer E starts at T1 on unreliable transports;
        // Timer F bounds the transaction at 64*T1 on all of them.
        let timer_e = Backoff::start(now, timers.t1, peer.reliable);
        Self {
            key,
            peer,
            timers,
            state: State::Trying,
            bytes,
            timer_e,
            timer_f: Some(now + timers.t1_x64()),
            timer_k: None,
        }
    }

    pub(crate) fn key(&self) -> &TransactionKey {
        &self.key
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        earliest(&[self.timer_e.at, self.timer_f, self.timer_k])
    }

    pub(crate) fn on_response(&mut self, now: Instant, response: Response, out: &mut Outbox) {
        if !matches!(self.state, State::Trying | State::Proceeding) {
            // RFC 3261 §17.1.2.2: Completed absorbs retransmitted finals.
            return;
        }
        if response.status.is_provisional() {
            self.state = State::Proceeding;
        } else {
            // RFC 3261 §17.1.2.2: a final response stops Timers E and F;
            // Timer K (T4, zero on reliable transports) absorbs copies.
            self.timer_e.stop();
            self.timer_f = None;
            self.state = State::Completed;
            self.timer_k = wait(now, self.peer.reliable, self.timers.t4);
            if self.timer_k.is_none() {
                self.state = State::Terminated;
            }
        }
        out.event(Event::Response {
            key: self.key.clone(),
            response,
        });
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, out: &mut Outbox) {
        // RFC 3261 §17.1.2.2: Timer F fires before a final response and
        // tells the TU; Timer K ends Completed quietly.
        if end_timers(now, self.timer_f, self.timer_k, &self.key, out) {
            self.state = State::Terminated;
            return;
        }
        if self.timer_e.is_due(now) {
            // RFC 3261 §17.1.2.2: Timer E doubles up to T2 in Trying and
            // stays at T2 in Proceeding.
            out.send(&self.peer, &self.bytes, &self.key);
            if self.state == State::Proceeding {
                self.timer_e.interval = self.timers.t2;
                self.timer_e.at = Some(now + self.timers.t2);
            } else {
                self.timer_e.double(now, Some(self.timers.t2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Method;
    use crate::status::StatusCode;
    use crate::transaction::testing::{ms, peer, request};

    fn trying(now: Instant, reliable: bool) -> (ClientNonInvite, Request, Outbox) {
        let options = request(Method::Options, "z9hG4bKcn");
        let key = TransactionKey::client(&options).unwrap();
        let mut out = Outbox::default();
        let t = ClientNonInvite::start(
            now,
            key,
            &options,
            peer(reliable),
            Timers::default(),
            &mut out,
        );
        out.transmits.clear();
        (t, options, out)
    }

    /// Runs the timers to the end and returns the retransmission times.
    fn run_out(t: &mut ClientNonInvite, out: &mut Outbox) -> Vec<Instant> {
        let mut fired = Vec::new();
        while let Some(at) = t.deadline() {
            t.on_timeout(at, out);
            if out.transmits.pop_front().is_some() {
                fired.push(at);
            }
            if t.state() == State::Terminated {
                break;
            }
        }
        fired
    }

    #[test]
    fn timer_e_doubles_up_to_t2_and_timer_f_times_out() {
        let t0 = Instant::now();
        let (mut t, _, mut out) = trying(t0, false);
        let fired = run_out(&mut t, &mut out);
        let offsets: Vec<u64> = fired
            .iter()
            .map(|at| (*at - t0).as_millis() as u64)
            .collect();
        assert_eq!(
            offsets,
            [
                500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500
            ]
        );
        assert!(matches!(
            out.events.pop_front(),
            Some(Event::Timeout { .. })
        ));
    }

    #[test]
    fn timer_e_stays_at_t2_in_proceeding() {
        let t0 = Instant::now();
        let (mut t, options, mut out) = trying(t0, false);
        t.on_response(
            t0 + ms(100),
            options.response(StatusCode::TRYING, None),
            &mut out,
        );
        assert_eq!(t.state(), State::Proceeding);
        t.on_timeout(t0 + ms(500), &mut out);
        assert_eq!(t.deadline(), Some(t0 + ms(4500)));
    }

    #[test]
    fn final_response_passes_up_once_and_timer_k_ends_the_transaction() {
        let t0 = Instant::now();
        let (mut t, options, mut out) = trying(t0, false);
        let ok = options.response(StatusCode::OK, Some("b"));
        t.on_response(t0 + ms(200), ok.clone(), &mut out);
        t.on_response(t0 + ms(700), ok, &mut out);
        assert_eq!(out.events.len(), 1);
        assert_eq!(t.deadline(), Some(t0 + ms(5200)));
        assert!(run_out(&mut t, &mut out).is_empty());
        assert_eq!(t.state(), State::Terminated);
    }

    #[test]
    fn reliable_transport_never_retransmits_and_needs_no_timer_k() {
        let t0 = Instant::now();
        let (mut t, options, mut out) = trying(t0, true);
        assert_eq!(t.deadline(), Some(t0 + ms(32_000)), "only Timer F runs");
        t.on_response(
            t0 + ms(5),
            options.response(StatusCode::NOT_FOUND, Some("b")),
            &mut out,
        );
        assert_eq!(t.state(), State::Terminated);
    }
}
