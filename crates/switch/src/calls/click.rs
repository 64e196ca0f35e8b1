//! Click-to-call (SPEC U2): the switch rings the user's own phones first;
//! when one answers, it dials the destination with the user's caller ID
//! and joins the two. The user's phone is the call's A leg, reached by an
//! INVITE of the switch instead of the phone's own; from then on the call
//! is like any other (stages, forks, relay, record). Progress is reported
//! for the page that follows the call.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{AccountId, CallDirection, CallEnd, CallProgress, DeviceId, Disposition, UnixMillis};
use media::sdp::{self, Direction, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::Peer;
use sip::{Method, Request, Response, SipMessage, StatusCode};

use super::route::{Decision, Stage};
use super::{
    ALeg, Announcement, Call, Calls, CdrEvent, Fork, ForkState, LegState, Phase, Purpose, Side,
    TimerKind, build,
};
use crate::dialplan::{Party, Target};

/// What a click-to-call needs once its look-ups are done.
#[derive(Debug)]
pub struct Originate {
    /// The id progress is reported under.
    pub id: u64,
    pub account: AccountId,
    /// The user, as the destination will see them (caller ID).
    pub user: Arc<Party>,
    /// The user's phones.
    pub devices: Vec<DeviceId>,
    /// How long they ring.
    pub ring: Duration,
    /// What the destination reaches.
    pub target: Arc<Target>,
}

/// A click-to-call's own state in its [`Call`].
#[derive(Debug)]
pub(super) struct Click {
    pub id: u64,
    /// The INVITEs to the user's phones.
    pub user_forks: Vec<Fork>,
    /// The destination's stages, decided when the call was placed.
    pub stages: VecDeque<Stage>,
    /// The destination rang already.
    pub ringing: bool,
}

impl Calls {
    /// Places a click-to-call.
    pub fn originate(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        o: Originate,
        bindings: impl Fn(DeviceId) -> Vec<domain::Binding>,
        trunks: &[crate::trunk::LiveTrunk],
    ) {
        let ended = |s: &mut Self, end| {
            s.progress.push_back((o.id, CallProgress::Ended(end)));
        };
        // The user's phones first: without one nothing can start.
        let mine = Target::Devices {
            party: (*o.user).clone(),
            user: None,
            voicemail: None,
            devices: o.devices.clone(),
            ring: o.ring,
            forward: None,
        };
        let user_forks = match self.decide(&mine, None, &bindings, &[]) {
            Decision::Ring(mut s) => s.remove(0).forks,
            Decision::Reject { .. } => return ended(self, CallEnd::NoPhone),
        };
        // Then the destination: a number nobody can reach is said at
        // once, before the user's phone rings.
        let dest = self.decide(&o.target, None, &bindings, trunks);
        let stages: VecDeque<Stage> = match dest {
            Decision::Ring(stages) => stages.into(),
            Decision::Reject { disposition, .. } => {
                let end = match disposition {
                    Disposition::Busy => CallEnd::Busy,
                    Disposition::Missed => CallEnd::NoAnswer,
                    _ => CallEnd::Failed,
                };
                return ended(self, end);
            }
        };
        let media = match self.media.allocate() {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "no media ports for a click-to-call");
                return ended(self, CallEnd::Failed);
            }
        };
        let id = self.next_id;
        self.next_id += 1;
        self.counters.started += 1;
        // A mailbox code is for a phone's own keys, not a click.
        let Some(callee) = o.target.party().cloned() else {
            return ended(self, CallEnd::Failed);
        };
        let direction = match &*o.target {
            Target::Public { .. } => CallDirection::Outbound,
            _ => CallDirection::Internal,
        };
        let a_call_id = format!("{}@{}", self.token(), self.config.domain);
        let a_tag = self.token();
        let mut a_leg = LegState {
            session: self.random() >> 1,
            ..LegState::default()
        };
        let a_offer = SessionDescription::offer(
            media.addr,
            media.a_port,
            a_leg.session,
            0,
            &self.b_formats(None),
            true,
            Direction::SendRecv,
        );
        a_leg.local = Some(a_offer.clone());
        let body = a_offer.to_string().into_bytes();
        // The user's phone shows the destination as the caller.
        let blank = Request::new(
            Method::Invite,
            sip::Uri::parse("sip:switch").expect("valid"),
        );
        let mut forks = Vec::new();
        for target in user_forks {
            let branch = format!("z9hG4bK{}", self.token());
            let invite = build::fork_invite(
                &blank,
                &target,
                &self.sent_by(target.kind),
                &branch,
                &self.config.domain,
                &callee,
                &o.user,
                &a_call_id,
                &a_tag,
                1,
                body.clone(),
            );
            let peer = Peer {
                addr: target.peer,
                reliable: target.kind.is_reliable(),
                conn: None,
            };
            let i = forks.len();
            let Some(key) = self.send(now, invite.clone(), peer.clone(), id, Purpose::UserFork(i))
            else {
                continue;
            };
            forks.push(Fork {
                target,
                invite,
                key,
                peer,
                state: ForkState::Calling,
                cancel_wanted: false,
                status: None,
                authenticated: false,
                held: None,
            });
        }
        let Some(first) = forks.first() else {
            self.media.release(media.id);
            return ended(self, CallEnd::NoPhone);
        };
        let a = ALeg {
            invite: first.invite.clone(),
            key: first.key.clone(),
            peer: first.peer.clone(),
            kind: first.target.kind,
            tag: a_tag,
            dialog: None,
            offer: None,
        };
        self.cdr.push_back(CdrEvent::Start {
            call: id,
            account: o.account,
            record: domain::NewCallRecord {
                call_id: a_call_id,
                direction,
                caller_number: o.user.number.clone(),
                caller_extension: o.user.extension.clone(),
                callee_number: callee.number.clone(),
                callee_extension: callee.extension.clone(),
                started_at: wall,
            },
        });
        let b_call_id = format!("{}@{}", self.token(), self.config.domain);
        let b_tag = self.token();
        let mut call = Call {
            id,
            phase: Phase::CallingUser,
            stages: VecDeque::new(),
            stage_start: 0,
            failover_only: false,
            stage_no: 0,
            confirming: None,
            confirm_deadline: None,
            busy: Vec::new(),
            click: Some(Click {
                id: o.id,
                user_forks: forks,
                stages,
                ringing: false,
            }),
            caller: o.user.clone(),
            callee,
            a,
            b_call_id: b_call_id.clone(),
            b_tag,
            forks: Vec::new(),
            winner: None,
            b_dialog: None,
            media,
            legs: [a_leg, LegState::default()],
            early_answer: false,
            rang: false,
            reinvite: None,
            pending_2xx: Vec::new(),
            session_deadline: None,
            session_expires: None,
            ring_deadline: now + o.ring,
            end_deadline: None,
            fallback: None,
            local: None,
        };
        call.legs[1].session = self.random() >> 1;
        self.progress.push_back((o.id, CallProgress::CallingYou));
        self.arm(call.ring_deadline, id, TimerKind::Ring);
        self.by_b_call_id.insert(b_call_id, id);
        self.counters.active += 1;
        self.calls.insert(id, call);
    }

    pub(super) fn on_user_fork_response(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        id: u64,
        i: usize,
        response: Response,
    ) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let Some(mut click) = call.click.take() else {
            self.calls.insert(id, call);
            return;
        };
        let status = response.status;
        if status.is_provisional() {
            let fork = &mut click.user_forks[i];
            if status != StatusCode::TRYING && fork.state == ForkState::Calling {
                fork.state = ForkState::Proceeding;
            }
            if fork.cancel_wanted && fork.state == ForkState::Proceeding {
                self.cancel_one(now, id, fork);
            }
        } else if status.is_success() {
            let fork = &mut click.user_forks[i];
            let dialog = Dialog::new_uac(&fork.invite, &response).ok();
            if let Some(d) = &dialog {
                let mut ack = d.ack_for(1);
                self.stamp(&mut ack, fork.target.kind);
                self.tx.send_ack(&ack, fork.peer.clone());
            }
            let first = fork.state != ForkState::Answered && call.phase == Phase::CallingUser;
            fork.state = ForkState::Answered;
            if first {
                call.click = Some(click);
                return self.user_answered(now, wall, call, i, dialog, &response);
            }
            // Another phone of the user answered too late.
            if let Some(mut d) = dialog
                && let Ok(mut bye) = d.request(Method::Bye)
            {
                self.stamp(&mut bye, fork.target.kind);
                let peer = fork.peer.clone();
                self.send(now, bye, peer, id, Purpose::Other);
            }
        } else {
            click.user_forks[i].state = ForkState::Done;
            let none_left = click
                .user_forks
                .iter()
                .all(|f| f.state == ForkState::Done || f.cancel_wanted);
            call.click = Some(click);
            self.calls.insert(id, call);
            if none_left && self.calls[&id].phase == Phase::CallingUser {
                self.user_did_not_answer(now, wall, id);
            }
            return;
        }
        call.click = Some(click);
        self.calls.insert(id, call);
    }

    /// One of the user's phones answered: it is the A leg; the
    /// destination is dialled.
    fn user_answered(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        mut call: Call,
        i: usize,
        dialog: Option<Dialog>,
        response: &Response,
    ) {
        let id = call.id;
        let click = call.click.as_mut().expect("a click-to-call");
        let mut others: Vec<Fork> = Vec::new();
        for (j, f) in std::mem::take(&mut click.user_forks)
            .into_iter()
            .enumerate()
        {
            if j == i {
                others.insert(0, f);
            } else {
                others.push(f);
            }
        }
        let (answered, rest) = others.split_first_mut().expect("the answered fork");
        for f in rest.iter_mut() {
            self.cancel_one(now, id, f);
        }
        call.a.invite = answered.invite.clone();
        call.a.key = answered.key.clone();
        call.a.peer = answered.peer.clone();
        call.a.kind = answered.target.kind;
        call.a.dialog = dialog;
        if let Some(d) = answered.target.device() {
            call.busy.push(d);
        }
        let agreement = call.legs[0].local.as_ref().and_then(|offer| {
            let text = std::str::from_utf8(&response.body).ok()?;
            let answer = SessionDescription::parse(text).ok()?;
            sdp::agreement_from_answer(offer, &answer).ok()
        });
        call.legs[0].agreement = agreement;
        self.push_leg(&call, Side::A);
        if let Some(call_id) = call.a.invite.call_id() {
            self.by_a_dialog
                .insert((call_id.to_owned(), call.a.tag.clone()), id);
        }
        let click = call.click.as_mut().expect("a click-to-call");
        click.user_forks = others;
        let stages = std::mem::take(&mut click.stages);
        self.progress.push_back((click.id, CallProgress::Dialling));
        // The user hears it ring while the destination rings.
        self.media
            .announce(call.media.id, Side::A, Announcement::Ringback);
        let formats = self.b_formats(None);
        call.legs[1].local = Some(SessionDescription::offer(
            call.media.addr,
            call.media.b_port,
            call.legs[1].session,
            0,
            &formats,
            true,
            Direction::SendRecv,
        ));
        call.phase = Phase::Ringing;
        call.stages = stages;
        // Counted answered when the destination answers.
        if let Some(first) = call.stages.pop_front() {
            self.start_stage(now, &mut call, first);
        }
        self.calls.insert(id, call);
        if self.calls[&id].forks.is_empty() {
            self.stage_failed(now, wall, id);
        }
    }

    /// The user's phones rang their time, or all refused.
    pub(super) fn user_did_not_answer(&mut self, now: Instant, wall: UnixMillis, id: u64) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        if let Some(click) = &mut call.click {
            let mut forks = std::mem::take(&mut click.user_forks);
            for f in &mut forks {
                self.cancel_one(now, id, f);
            }
            if let Some(c) = &mut call.click {
                c.user_forks = forks;
            }
        }
        self.calls.insert(id, call);
        self.finish(now, wall, id, Disposition::Failed, "user did not answer");
    }

    /// The destination could not be reached: the user's phone is hung up.
    pub(super) fn click_failed(&mut self, now: Instant, id: u64, _status: StatusCode) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        self.media.silence(call.media.id, Side::A);
        self.hang_up(now, &mut call, Side::A);
        self.calls.insert(id, call);
    }
}
