//! The INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4).

use std::time::{Duration, Instant};

use super::{
    Backoff, Event, Outbox, Peer, State, Timers, TransactionKey, earliest, end_timers, wait,
};
use crate::header::HeaderName;
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;

/// RFC 3261 §17.1.1.2: Timer D is at least 32 s on unreliable transports.
const TIMER_D: Duration = Duration::from_secs(32);

#[derive(Debug)]
pub(crate) struct ClientInvite {
    key: TransactionKey,
    peer: Peer,
    timers: Timers,
    state: State,
    invite: Request,
    bytes: Vec<u8>,
    ack: Option<Vec<u8>>,
    timer_a: Backoff,
    timer_b: Option<Instant>,
    /// Timer D in Completed, Timer M in Accepted.
    linger: Option<Instant>,
}

impl ClientInvite {
    /// Sends the INVITE and enters Calling.
    pub(crate) fn start(
        now: Instant,
        key: TransactionKey,
        invite: Request,
        peer: Peer,
        timers: Timers,
        out: &mut Outbox,
    ) -> Self {
        let bytes = invite.to_bytes();
        out.send(&peer, &bytes, &key);
        // RFC 3261 §17.1.1.2: Timer A starts at T1 on unreliable transports
        // only; Timer B bounds the wait for any response at 64*T1.
        let timer_a = Backoff::start(now, timers.t1, peer.reliable);
        Self {
            key,
            peer,
            timers,
            state: State::Calling,
            invite,
            bytes,
            ack: None,
            timer_a,
            timer_b: Some(now + timers.t1_x64()),
            linger: None,
        }
    }

    pub(crate) fn key(&self) -> &TransactionKey {
        &self.key
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        earliest(&[self.timer_a.at, self.timer_b, self.linger])
    }

    pub(crate) fn on_response(&mut self, now: Instant, response: Response, out: &mut Outbox) {
        let status = response.status;
        match self.state {
            State::Calling | State::Proceeding if status.is_provisional() => {
                // RFC 3261 §17.1.1.2: a provisional response stops
                // retransmissions and Timer B.
                self.state = State::Proceeding;
                self.timer_a.stop();
                self.timer_b = None;
                self.pass_up(response, out);
            }
            State::Calling | State::Proceeding if status.is_success() => {
                // RFC 6026 §8.4: a 2xx moves to Accepted, where Timer M
                // keeps the transaction to pass 2xx retransmissions up.
                self.state = State::Accepted;
                self.timer_a.stop();
                self.timer_b = None;
                self.linger = Some(now + self.timers.t1_x64());
                self.pass_up(response, out);
            }
            State::Calling | State::Proceeding => {
                // RFC 3261 §17.1.1.2: a 300-699 response is acknowledged by
                // the transaction itself and passed up; Timer D then absorbs
                // its retransmissions.
                self.timer_a.stop();
                self.timer_b = None;
                let ack = self.ack_for(&response).to_bytes();
                out.send(&self.peer, &ack, &self.key);
                self.ack = Some(ack);
                self.state = State::Completed;
                self.linger = wait(now, self.peer.reliable, TIMER_D);
                if self.linger.is_none() {
                    self.state = State::Terminated;
                }
                self.pass_up(response, out);
            }
            State::Completed if status.is_final() && !status.is_success() => {
                // RFC 3261 §17.1.1.2: a retransmitted final response gets
                // the ACK again and is not passed up.
                if let Some(ack) = &self.ack {
                    out.send(&self.peer, ack, &self.key);
                }
            }
            State::Accepted if status.is_success() => {
                // RFC 6026 §8.4: 2xx retransmissions go to the TU, which
                // acknowledges them.
                self.pass_up(response, out);
            }
            _ => {}
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, out: &mut Outbox) {
        // RFC 3261 §17.1.1.2: Timer B fires in Calling and tells the TU;
        // Timer D (and RFC 6026 §8.4 Timer M) end the transaction quietly.
        if end_timers(now, self.timer_b, self.linger, &self.key, out) {
            self.state = State::Terminated;
            return;
        }
        if self.timer_a.is_due(now) {
            // RFC 3261 §17.1.1.2: Timer A retransmits and doubles, without
            // a cap, until Timer B fires.
            out.send(&self.peer, &self.bytes, &self.key);
            self.timer_a.double(now, None);
        }
    }

    fn pass_up(&self, response: Response, out: &mut Outbox) {
        out.event(Event::Response {
            key: self.key.clone(),
            response,
        });
    }

    /// RFC 3261 §17.1.1.3: the ACK for a non-2xx copies the INVITE's
    /// Request-URI, top Via, From, Call-ID, CSeq number and Route set, and
    /// the response's To.
    fn ack_for(&self, response: &Response) -> Request {
        let invite = &self.invite;
        let mut ack = Request::new(Method::Ack, invite.uri.clone());
        let h = &mut ack.headers;
        if let Some(via) = invite.headers.values(&HeaderName::Via).next() {
            h.push(HeaderName::Via, via);
        }
        h.push(HeaderName::MaxForwards, "70");
        for name in [HeaderName::From, HeaderName::CallId] {
            if let Some(v) = invite.headers.get(&name) {
                h.push(name, v);
            }
        }
        if let Some(to) = response.headers.get(&HeaderName::To) {
            h.push(HeaderName::To, to);
        }
        if let Ok(cseq) = invite.cseq() {
            h.push(HeaderName::CSeq, format!("{} ACK", cseq.seq));
        }
        for route in invite.headers.lines(&HeaderName::Route) {
            h.push(HeaderName::Route, route);
        }
        ack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::status::StatusCode;
    use crate::transaction::testing::{ms, peer, request};

    fn calling(now: Instant, reliable: bool) -> (ClientInvite, Outbox) {
        let invite = request(Method::Invite, "z9hG4bKci");
        let key = TransactionKey::client(&invite).unwrap();
        let mut out = Outbox::default();
        let t = ClientInvite::start(
            now,
            key,
            invite,
            peer(reliable),
            Timers::default(),
            &mut out,
        );
        (t, out)
    }

    fn sent_request(out: &mut Outbox) -> Request {
        let t = out.transmits.pop_front().expect("something was sent");
        match parse(&t.bytes).unwrap() {
            crate::Message::Request(r) => r,
            other => panic!("sent {other:?}"),
        }
    }

    #[test]
    fn timer_a_doubles_from_half_a_second_and_timer_b_times_out_at_32_seconds() {
        let t0 = Instant::now();
        let (mut t, mut out) = calling(t0, false);
        out.transmits.clear();
        let mut fired = Vec::new();
        while let Some(at) = t.deadline() {
            t.on_timeout(at, &mut out);
            if out.transmits.pop_front().is_some() {
                fired.push(at - t0);
            }
            if t.state() == State::Terminated {
                assert_eq!(at - t0, ms(32_000));
                break;
            }
        }
        let gaps: Vec<u64> = fired
            .iter()
            .scan(Duration::ZERO, |last, at| {
                let gap = *at - *last;
                *last = *at;
                Some(gap.as_millis() as u64)
            })
            .collect();
        assert_eq!(gaps, [500, 1000, 2000, 4000, 8000, 16000]);
        assert!(matches!(
            out.events.pop_front(),
            Some(Event::Timeout { .. })
        ));
    }

    #[test]
    fn non_2xx_final_is_acked_with_the_invite_branch_and_reacked_when_retransmitted() {
        let t0 = Instant::now();
        let (mut t, mut out) = calling(t0, false);
        let invite = sent_request(&mut out);
        let busy = invite.response(StatusCode::BUSY_HERE, Some("callee"));
        t.on_response(t0 + ms(100), busy.clone(), &mut out);
        let ack = sent_request(&mut out);
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.top_via().unwrap().branch(), Some("z9hG4bKci"));
        assert_eq!(ack.cseq().unwrap().to_string(), "1 ACK");
        assert_eq!(ack.to().unwrap().tag(), Some("callee"));
        assert!(matches!(
            out.events.pop_front(),
            Some(Event::Response { .. })
        ));
        assert_eq!(t.state(), State::Completed);

        t.on_response(t0 + ms(600), busy, &mut out);
        assert_eq!(sent_request(&mut out), ack);
        assert!(out.events.is_empty(), "a retransmission is not passed up");
        t.on_timeout(t0 + ms(100) + TIMER_D, &mut out);
        assert_eq!(t.state(), State::Terminated);
    }

    #[test]
    fn retransmitted_2xx_goes_to_the_tu_in_accepted_until_timer_m() {
        let t0 = Instant::now();
        let (mut t, mut out) = calling(t0, false);
        let invite = sent_request(&mut out);
        let ok = invite.response(StatusCode::OK, Some("callee"));
        t.on_response(t0 + ms(50), ok.clone(), &mut out);
        assert_eq!(t.state(), State::Accepted);
        t.on_response(t0 + ms(550), ok.clone(), &mut out);
        assert_eq!(out.events.len(), 2, "both 2xx reach the TU");
        assert!(out.transmits.is_empty(), "the TU sends the ACK for a 2xx");
        assert_eq!(t.deadline(), Some(t0 + ms(50) + ms(32_000)));
        t.on_timeout(t0 + ms(32_050), &mut out);
        assert_eq!(t.state(), State::Terminated);
    }

    #[test]
    fn reliable_transport_never_retransmits_and_ends_at_the_final_response() {
        let t0 = Instant::now();
        let (mut t, mut out) = calling(t0, true);
        let invite = sent_request(&mut out);
        assert_eq!(t.deadline(), Some(t0 + ms(32_000)), "only Timer B runs");
        t.on_response(
            t0 + ms(10),
            invite.response(StatusCode::RINGING, Some("x")),
            &mut out,
        );
        assert_eq!(t.deadline(), None, "Proceeding waits for the TU");
        t.on_response(
            t0 + ms(20),
            invite.response(StatusCode::DECLINE, Some("x")),
            &mut out,
        );
        assert_eq!(sent_request(&mut out).method, Method::Ack);
        assert_eq!(t.state(), State::Terminated, "Timer D is zero");
        assert!(out.transmits.is_empty());
    }
}
