//! Click-to-call (SPEC U2) as the web layer sees the switch: a [`Dialer`]
//! starts a call and tells where it is. The binary hands the switch's
//! implementation to [`crate::AppState::dialer`]; without one (the switch
//! is not running on this node) the portal and the API answer 503.
//!
//! The names programs read (`calling_you`, `no_phone`...) are here, so the
//! API and the portal's page agree on them; [`Scripted`] is a dialer that
//! plays a script, for tests.

use std::collections::HashMap;
use std::sync::Mutex;

use domain::{AccountId, CallEnd, CallProgress, ClickToCall};

/// Starts click-to-calls and reports their progress. Both methods return
/// at once: they hand work to the switch, they never wait for it.
pub trait Dialer: Send + Sync + 'static {
    /// Rings the user's phones, then dials the destination. The id names
    /// the call for [`Dialer::progress`].
    fn dial(&self, call: ClickToCall) -> Result<u64, DialUnavailable>;

    /// Where call `id` is, if it is a call of `account` the switch still
    /// knows. Another account's id is `None`, like an unknown one.
    fn progress(&self, account: AccountId, id: u64) -> Option<CallProgress>;
}

/// The switch is not running, so no call can be placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the switch is not running")]
pub struct DialUnavailable;

/// The name of a stage, as the API writes it in `state`.
pub fn state_name(progress: CallProgress) -> &'static str {
    match progress {
        CallProgress::CallingYou => "calling_you",
        CallProgress::Dialling => "dialling",
        CallProgress::Ringing => "ringing",
        CallProgress::Connected => "connected",
        CallProgress::Ended(_) => "ended",
    }
}

/// The name of an ending, as the API writes it in `end`.
pub fn end_name(end: CallEnd) -> &'static str {
    match end {
        CallEnd::NoPhone => "no_phone",
        CallEnd::YouDidNotAnswer => "you_did_not_answer",
        CallEnd::Busy => "busy",
        CallEnd::NoAnswer => "no_answer",
        CallEnd::Failed => "failed",
        CallEnd::HungUp => "hung_up",
    }
}

/// A dialer that records what it is asked and answers what the test
/// scripted: every call starts `CallingYou` and stays there until
/// [`Scripted::set`] moves it. Ids count from 1 across accounts, as a
/// switch's would.
#[derive(Default)]
pub struct Scripted {
    inner: Mutex<Script>,
}

#[derive(Default)]
struct Script {
    calls: Vec<ClickToCall>,
    progress: HashMap<u64, CallProgress>,
    unavailable: bool,
}

impl Scripted {
    /// A dialer with no call yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call asked for, in order; call `n` has id `n + 1`.
    pub fn requests(&self) -> Vec<ClickToCall> {
        self.lock().calls.clone()
    }

    /// Moves call `id` to `progress`.
    pub fn set(&self, id: u64, progress: CallProgress) {
        self.lock().progress.insert(id, progress);
    }

    /// From now on, answers every dial as a switch that is not running.
    pub fn stop(&self) {
        self.lock().unavailable = true;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        // A test that panicked while holding the lock fails on its own.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Dialer for Scripted {
    fn dial(&self, call: ClickToCall) -> Result<u64, DialUnavailable> {
        let mut s = self.lock();
        if s.unavailable {
            return Err(DialUnavailable);
        }
        s.calls.push(call);
        let id = s.calls.len() as u64;
        s.progress.insert(id, CallProgress::CallingYou);
        Ok(id)
    }

    fn progress(&self, account: AccountId, id: u64) -> Option<CallProgress> {
        let s = self.lock();
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        let call = s.calls.get(index)?;
        (call.account == account)
            .then(|| s.progress.get(&id).copied())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use domain::{Dialled, UserId};

    use super::*;

    fn call(account: i64) -> ClickToCall {
        ClickToCall {
            account: AccountId::from_raw(account),
            user: UserId::from_raw(1),
            destination: Dialled::parse("0612345678").unwrap(),
        }
    }

    #[test]
    fn a_scripted_call_is_seen_only_by_its_own_account() {
        let d = Scripted::new();
        let first = d.dial(call(1)).unwrap();
        let second = d.dial(call(2)).unwrap();
        assert_ne!(first, second);
        assert_eq!(
            d.progress(AccountId::from_raw(1), first),
            Some(CallProgress::CallingYou)
        );
        assert_eq!(d.progress(AccountId::from_raw(2), first), None);
        assert_eq!(d.progress(AccountId::from_raw(1), 0), None);
        assert_eq!(d.progress(AccountId::from_raw(1), 99), None);
        d.set(first, CallProgress::Ended(CallEnd::Busy));
        assert_eq!(
            d.progress(AccountId::from_raw(1), first),
            Some(CallProgress::Ended(CallEnd::Busy))
        );
        d.stop();
        assert_eq!(d.dial(call(1)), Err(DialUnavailable));
        assert_eq!(d.requests().len(), 2);
    }
}
