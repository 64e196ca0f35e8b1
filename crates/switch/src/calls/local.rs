//! Calls the switch answers itself (SPEC T6): voicemail when the user did
//! not take the call, and the mailbox menu (`*97`, `*98` + extension).
//!
//! The engine answers the caller with the relay's address, as if a phone
//! had answered, and hands the call to a script over
//! [`Calls::poll_local`]: [`LocalCall`] names the script, the call and
//! its relay session. The script plays and records through
//! [`Calls::local_play`] and [`Calls::local_record`] and ends with
//! [`Calls::local_hang_up`]; the engine reports the caller's hang-up as
//! [`LocalEvent::Ended`].

use std::sync::Arc;
use std::time::Instant;

use domain::{Disposition, UnixMillis};
use media::sdp::{Direction, SessionDescription};

use super::route::Decision;
use super::{Announcement, Call, CdrEvent, Phase, Side};
use crate::dialplan::{Party, Target, VoicemailBox};

/// What the switch does on a call it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalApp {
    /// Take a message for the mailbox.
    Deposit { mailbox: VoicemailBox, busy: bool },
    /// The mailbox menu.
    Menu { mailbox: VoicemailBox },
}

/// A call the switch answered, for its script.
#[derive(Clone, Debug)]
pub struct LocalCall {
    pub call: u64,
    /// The relay session: its leg A is the caller.
    pub media: u64,
    pub app: LocalApp,
    pub caller: Arc<Party>,
}

/// What the engine tells a local call's script.
#[derive(Clone, Debug)]
pub enum LocalEvent {
    Started(LocalCall),
    /// The call ended (the caller hung up, or it failed).
    Ended {
        call: u64,
    },
}

impl LocalApp {
    fn mailbox(&self) -> &VoicemailBox {
        match self {
            Self::Deposit { mailbox, .. } | Self::Menu { mailbox } => mailbox,
        }
    }
}

/// The mailbox that takes a target's unanswered calls.
pub(super) fn fallback_of(target: &Target) -> Option<VoicemailBox> {
    match target {
        Target::Devices { voicemail, .. } => voicemail.clone(),
        _ => None,
    }
}

/// The id a call back's progress goes under: nobody follows it.
const CALL_BACK: u64 = u64::MAX;

impl super::Calls {
    /// Connects the caller of a local call to `target` (a call back from
    /// the mailbox): the caller hears ringback while it rings, as in a
    /// click-to-call whose user already answered. `false` when the call
    /// is not a local one or nothing can be rung.
    pub fn local_dial(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        call: u64,
        target: &Target,
        bindings: impl Fn(domain::DeviceId) -> Vec<domain::Binding>,
        trunks: &[crate::trunk::LiveTrunk],
    ) -> bool {
        let Some(mut c) = self.calls.remove(&call) else {
            return false;
        };
        let stages = match self.decide(target, None, &bindings, trunks) {
            Decision::Ring(stages) if c.local.is_some() && c.phase == Phase::Answered => stages,
            _ => {
                self.calls.insert(call, c);
                return false;
            }
        };
        self.media.record(c.media.id, Side::A, None);
        self.locals.push_back(LocalEvent::Ended { call });
        c.local = None;
        c.fallback = None;
        if let Some(party) = target.party() {
            c.callee = party.clone();
        }
        c.click = Some(super::click::Click {
            id: CALL_BACK,
            user_forks: Vec::new(),
            stages: std::collections::VecDeque::new(),
            ringing: false,
        });
        self.media
            .announce(c.media.id, Side::A, Announcement::Ringback);
        let formats = self.b_formats(c.a.offer.as_ref());
        c.legs[1].local = Some(SessionDescription::offer(
            c.media.addr,
            c.media.b_port,
            c.legs[1].session,
            0,
            &formats,
            true,
            Direction::SendRecv,
        ));
        c.phase = Phase::Ringing;
        c.stages = stages.into();
        if let Some(first) = c.stages.pop_front() {
            self.start_stage(now, &mut c, first);
        }
        self.calls.insert(call, c);
        if self.calls[&call].forks.is_empty() {
            self.stage_failed(now, wall, call);
        }
        true
    }

    /// The next call answered locally or ended, for the shell.
    pub fn poll_local(&mut self) -> Option<LocalEvent> {
        self.locals.pop_front()
    }

    /// Plays `source` to the caller of a local call (replacing what was
    /// playing).
    pub fn local_play(&mut self, call: u64, source: Box<dyn media::Source + Send>) {
        if let Some(c) = self.calls.get(&call)
            && c.local.is_some()
        {
            self.media.play(c.media.id, Side::A, source);
        }
    }

    /// Starts (with a sink) or stops (`None`) recording a local call's
    /// caller.
    pub fn local_record(&mut self, call: u64, sink: Option<Box<dyn media::Sink + Send>>) {
        if let Some(c) = self.calls.get(&call)
            && c.local.is_some()
        {
            self.media.record(c.media.id, Side::A, sink);
        }
    }

    /// The script is done: BYE to the caller.
    pub fn local_hang_up(&mut self, now: Instant, wall: UnixMillis, call: u64) {
        let Some(mut c) = self.calls.remove(&call) else {
            return;
        };
        if c.local.is_none() || c.phase != Phase::Answered {
            self.calls.insert(call, c);
            return;
        }
        self.hang_up(now, &mut c, Side::A);
        self.calls.insert(call, c);
        self.finish(now, wall, call, Disposition::Answered, "switch hung up");
    }

    /// Answers the caller on the switch's own behalf and starts `app`.
    pub(super) fn go_local(
        &mut self,
        now: Instant,
        wall: UnixMillis,
        mut call: Call,
        app: LocalApp,
    ) {
        let id = call.id;
        for j in 0..call.forks.len() {
            self.cancel_fork(now, &mut call, j);
        }
        call.stages.clear();
        call.phase = Phase::Answered;
        call.winner = None;
        self.counters.answered += 1;
        self.answer_caller(now, &mut call, None);
        if matches!(app, LocalApp::Menu { .. }) {
            self.cdr.push_back(CdrEvent::Answer { call: id, at: wall });
        }
        self.locals.push_back(LocalEvent::Started(LocalCall {
            call: id,
            media: call.media.id,
            app: app.clone(),
            caller: call.caller.clone(),
        }));
        tracing::debug!(call = id, user = %app.mailbox().user, "answered by the switch");
        call.local = Some(app);
        self.calls.insert(id, call);
    }

    /// How a local call's record ends, and the script told.
    pub(super) fn local_ended(&mut self, call: &Call) -> Option<(Disposition, &'static str)> {
        let app = call.local.as_ref()?;
        self.locals.push_back(LocalEvent::Ended { call: call.id });
        Some(match app {
            // The user missed the call; the record says where it went.
            LocalApp::Deposit { mailbox, .. } if mailbox.enabled => {
                (Disposition::Missed, "voicemail")
            }
            LocalApp::Deposit { busy: true, .. } => (Disposition::Busy, "busy, no voicemail"),
            LocalApp::Deposit { .. } => (Disposition::Missed, "no answer, no voicemail"),
            LocalApp::Menu { .. } => (Disposition::Answered, "mailbox"),
        })
    }
}
