//! Click-to-call requests from the portals and the API, and their
//! progress: the web side asks through [`Clicks::dial`] and reads
//! [`Clicks::progress`]; the SIP task places the calls and reports.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use domain::{AccountId, CallProgress, ClickToCall};
use tokio::sync::mpsc;

/// How long an ended click-to-call's outcome stays readable.
const KEEP_ENDED: Duration = Duration::from_secs(600);

/// The shared side of click-to-call.
#[derive(Debug)]
pub struct Clicks {
    next: AtomicU64,
    requests: mpsc::UnboundedSender<(u64, ClickToCall)>,
    state: Mutex<HashMap<u64, (AccountId, CallProgress, Instant)>>,
}

impl Clicks {
    /// The handle, and the requests for the SIP task.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<(u64, ClickToCall)>) {
        let (requests, rx) = mpsc::unbounded_channel();
        let clicks = Self {
            next: AtomicU64::new(1),
            requests,
            state: Mutex::new(HashMap::new()),
        };
        (clicks, rx)
    }

    /// Asks for a call; its id, or `None` when the switch is not running.
    pub fn dial(&self, call: ClickToCall) -> Option<u64> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let account = call.account;
        self.requests.send((id, call)).ok()?;
        self.report_for(id, account, CallProgress::CallingYou);
        Some(id)
    }

    /// Where call `id` of `account` is; `None` for another account's.
    pub fn progress(&self, account: AccountId, id: u64) -> Option<CallProgress> {
        let state = self.state.lock().expect("clicks lock is not poisoned");
        state
            .get(&id)
            .filter(|(a, _, _)| *a == account)
            .map(|(_, p, _)| *p)
    }

    fn report_for(&self, id: u64, account: AccountId, progress: CallProgress) {
        let now = Instant::now();
        let mut state = self.state.lock().expect("clicks lock is not poisoned");
        state.retain(|_, (_, p, at)| {
            !matches!(p, CallProgress::Ended(_)) || now.duration_since(*at) < KEEP_ENDED
        });
        state.insert(id, (account, progress, now));
    }

    /// What the SIP task says about call `id`.
    pub fn report(&self, id: u64, progress: CallProgress) {
        let account = {
            let state = self.state.lock().expect("clicks lock is not poisoned");
            state.get(&id).map(|(a, _, _)| *a)
        };
        if let Some(account) = account {
            self.report_for(id, account, progress);
        }
    }
}
