//! The INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §8.5-8.7).

use std::time::{Duration, Instant};

use super::{
    Backoff, Event, Outbox, Peer, State, Timers, TransactionError, TransactionKey, earliest,
    end_timers, wait,
};
use crate::message::{Request, Response, SipMessage};
use crate::status::StatusCode;

/// RFC 3261 §17.2.1: a 100 Trying is due unless the TU answers in 200 ms.
const TRYING_DELAY: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub(crate) struct ServerInvite {
    key: TransactionKey,
    peer: Peer,
    timers: Timers,
    state: State,
    trying: Vec<u8>,
    /// The 200 ms deadline for the automatic 100 Trying.
    trying_at: Option<Instant>,
    /// The last response sent, resent on request retransmissions.
    last: Option<Vec<u8>>,
    /// The To tag of the final response, which an RFC 2543 ACK must carry.
    to_tag: Option<String>,
    timer_g: Backoff,
    timer_h: Option<Instant>,
    /// Timer I in Confirmed, Timer L in Accepted.
    linger: Option<Instant>,
}

impl ServerInvite {
    /// Enters Proceeding for a new INVITE; the caller tells the TU.
    pub(crate) fn start(
        now: Instant,
        key: TransactionKey,
        invite: &Request,
        peer: Peer,
        timers: Timers,
    ) -> Self {
        Self {
            key,
            timer_g: Backoff {
                at: None,
                interval: timers.t1,
            },
            peer,
            timers,
            state: State::Proceeding,
            trying: invite.response(StatusCode::TRYING, None).to_bytes(),
            trying_at: Some(now + TRYING_DELAY),
            last: None,
            to_tag: None,
            timer_h: None,
            linger: None,
        }
    }

    pub(crate) fn key(&self) -> &TransactionKey {
        &self.key
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    pub(crate) fn to_tag(&self) -> Option<&str> {
        self.to_tag.as_deref()
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        earliest(&[self.trying_at, self.timer_g.at, self.timer_h, self.linger])
    }

    /// A retransmission of the INVITE.
    pub(crate) fn on_request(&mut self, out: &mut Outbox) {
        match self.state {
            // RFC 3261 §17.2.1: Proceeding resends the last provisional
            // response (a 100 Trying if none went out yet); Completed
            // resends the final one.
            State::Proceeding if self.last.is_none() => self.send_trying(out),
            State::Proceeding | State::Completed => {
                if let Some(last) = &self.last {
                    out.send(&self.peer, last, &self.key);
                }
            }
            // RFC 6026 §8.7: Accepted absorbs INVITE retransmissions, the
            // TU retransmitting the 2xx itself.
            _ => {}
        }
    }

    pub(crate) fn on_ack(&mut self, now: Instant, ack: Request, from: Peer, out: &mut Outbox) {
        match self.state {
            State::Completed => {
                // RFC 3261 §17.2.1: the ACK stops Timers G and H; Timer I
                // (T4, zero on reliable transports) absorbs ACK copies.
                self.state = State::Confirmed;
                self.timer_g.stop();
                self.timer_h = None;
                self.linger = wait(now, self.peer.reliable, self.timers.t4);
                if self.linger.is_none() {
                    self.state = State::Terminated;
                }
            }
            // RFC 6026 §8.7: in Accepted, a matching ACK goes to the TU.
            State::Accepted => out.event(Event::Ack { request: ack, from }),
            _ => {}
        }
    }

    pub(crate) fn respond(
        &mut self,
        now: Instant,
        response: &Response,
        out: &mut Outbox,
    ) -> Result<(), TransactionError> {
        let status = response.status;
        match self.state {
            State::Proceeding => {
                let bytes = response.to_bytes();
                out.send(&self.peer, &bytes, &self.key);
                self.trying_at = None;
                if status.is_final() {
                    self.to_tag = response.to().ok().and_then(|t| t.tag().map(str::to_owned));
                }
                if status.is_provisional() {
                    self.last = Some(bytes);
                } else if status.is_success() {
                    // RFC 6026 §8.6: a 2xx moves to Accepted for Timer L.
                    self.state = State::Accepted;
                    self.linger = Some(now + self.timers.t1_x64());
                } else {
                    // RFC 3261 §17.2.1: a 300-699 starts Timer G (unreliable
                    // transports only) and Timer H.
                    self.last = Some(bytes);
                    self.state = State::Completed;
                    self.timer_g = Backoff::start(now, self.timers.t1, self.peer.reliable);
                    self.timer_h = Some(now + self.timers.t1_x64());
                }
                Ok(())
            }
            State::Accepted if status.is_success() => {
                // RFC 6026 §8.7: the TU's 2xx retransmissions go out.
                out.send(&self.peer, &response.to_bytes(), &self.key);
                Ok(())
            }
            state => Err(TransactionError::WrongState {
                status: status.as_u16(),
                state,
            }),
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant, out: &mut Outbox) {
        // RFC 3261 §17.2.1: Timer H fires without an ACK and tells the TU;
        // Timer I (and RFC 6026 §8.7 Timer L) end the transaction quietly.
        if end_timers(now, self.timer_h, self.linger, &self.key, out) {
            self.state = State::Terminated;
            return;
        }
        if self.trying_at.is_some_and(|t| t <= now) {
            self.send_trying(out);
        }
        if self.timer_g.is_due(now) {
            // RFC 3261 §17.2.1: Timer G resends the final response,
            // doubling up to T2.
            if let Some(last) = &self.last {
                out.send(&self.peer, last, &self.key);
            }
            self.timer_g.double(now, Some(self.timers.t2));
        }
    }

    fn send_trying(&mut self, out: &mut Outbox) {
        out.send(&self.peer, &self.trying, &self.key);
        self.last = Some(std::mem::take(&mut self.trying));
        self.trying_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Method;
    use crate::transaction::testing::{ms, peer, request};

    fn proceeding(now: Instant, reliable: bool) -> (ServerInvite, Request, Outbox) {
        let invite = request(Method::Invite, "z9hG4bKsi");
        let key = TransactionKey::server(&invite).unwrap();
        let t = ServerInvite::start(now, key, &invite, peer(reliable), Timers::default());
        (t, invite, Outbox::default())
    }

    fn sent_status(out: &mut Outbox) -> u16 {
        let t = out.transmits.pop_front().expect("something was sent");
        match crate::parse(&t.bytes).unwrap() {
            crate::Message::Response(r) => r.status.as_u16(),
            other => panic!("sent {other:?}"),
        }
    }

    #[test]
    fn trying_goes_out_after_200_ms_unless_the_tu_answers_first() {
        let t0 = Instant::now();
        let (mut slow, _, mut out) = proceeding(t0, false);
        assert_eq!(slow.deadline(), Some(t0 + ms(200)));
        slow.on_timeout(t0 + ms(200), &mut out);
        assert_eq!(sent_status(&mut out), 100);

        let (mut quick, invite, mut out) = proceeding(t0, false);
        let ringing = invite.response(StatusCode::RINGING, Some("b"));
        quick.respond(t0 + ms(50), &ringing, &mut out).unwrap();
        assert_eq!(sent_status(&mut out), 180);
        assert_eq!(quick.deadline(), None);
        quick.on_request(&mut out);
        assert_eq!(sent_status(&mut out), 180, "the last provisional again");
    }

    #[test]
    fn completed_retransmits_the_final_response_until_the_ack_then_absorbs() {
        let t0 = Instant::now();
        let (mut t, invite, mut out) = proceeding(t0, false);
        let busy = invite.response(StatusCode::BUSY_HERE, Some("b"));
        t.respond(t0, &busy, &mut out).unwrap();
        assert_eq!(sent_status(&mut out), 486);
        let mut fired = Vec::new();
        for _ in 0..4 {
            let at = t.deadline().unwrap();
            t.on_timeout(at, &mut out);
            assert_eq!(sent_status(&mut out), 486);
            fired.push((at - t0).as_millis() as u64);
        }
        assert_eq!(fired, [500, 1500, 3500, 7500]);
        t.on_request(&mut out);
        assert_eq!(sent_status(&mut out), 486, "an INVITE copy gets it too");

        let mut ack = invite.clone();
        ack.method = Method::Ack;
        t.on_ack(t0 + ms(8000), ack.clone(), peer(false), &mut out);
        assert_eq!(t.state(), State::Confirmed);
        t.on_ack(t0 + ms(8100), ack, peer(false), &mut out);
        t.on_request(&mut out);
        assert!(out.transmits.is_empty() && out.events.is_empty());
        assert_eq!(t.deadline(), Some(t0 + ms(13_000)), "Timer I is T4");
    }

    #[test]
    fn timer_g_is_capped_at_t2_and_timer_h_reports_a_missing_ack() {
        let t0 = Instant::now();
        let (mut t, invite, mut out) = proceeding(t0, false);
        t.respond(
            t0,
            &invite.response(StatusCode::DECLINE, Some("b")),
            &mut out,
        )
        .unwrap();
        out.transmits.clear();
        let mut last = t0;
        while let Some(at) = t.deadline() {
            t.on_timeout(at, &mut out);
            if t.state() == State::Terminated {
                assert_eq!(at - t0, ms(32_000));
                break;
            }
            assert!(at - last <= ms(4000), "Timer G never exceeds T2");
            last = at;
        }
        assert_eq!(
            out.events.pop_front(),
            Some(Event::Timeout { key: t.key.clone() })
        );
    }

    #[test]
    fn accepted_absorbs_invites_passes_acks_up_and_sends_tu_retransmissions() {
        let t0 = Instant::now();
        let (mut t, invite, mut out) = proceeding(t0, false);
        let ok = invite.response(StatusCode::OK, Some("b"));
        t.respond(t0, &ok, &mut out).unwrap();
        assert_eq!(t.state(), State::Accepted);
        assert_eq!(t.to_tag(), Some("b"));
        out.transmits.clear();
        t.on_request(&mut out);
        assert!(out.transmits.is_empty());
        t.respond(t0 + ms(500), &ok, &mut out).unwrap();
        assert_eq!(sent_status(&mut out), 200);
        let mut ack = invite.clone();
        ack.method = Method::Ack;
        t.on_ack(t0 + ms(600), ack, peer(false), &mut out);
        assert!(matches!(out.events.pop_front(), Some(Event::Ack { .. })));
        assert!(
            t.respond(t0, &invite.response(StatusCode::NOT_FOUND, None), &mut out)
                .is_err()
        );
        t.on_timeout(t0 + ms(32_000), &mut out);
        assert_eq!(t.state(), State::Terminated, "Timer L is 64*T1");
    }

    #[test]
    fn reliable_transport_sends_the_final_once_and_ends_at_the_ack() {
        let t0 = Instant::now();
        let (mut t, invite, mut out) = proceeding(t0, true);
        t.respond(
            t0,
            &invite.response(StatusCode::BUSY_HERE, Some("b")),
            &mut out,
        )
        .unwrap();
        assert_eq!(t.deadline(), Some(t0 + ms(32_000)), "Timer H only");
        let mut ack = invite;
        ack.method = Method::Ack;
        t.on_ack(t0 + ms(10), ack, peer(true), &mut out);
        assert_eq!(t.state(), State::Terminated, "Timer I is zero");
        assert_eq!(out.transmits.len(), 1);
    }
}
