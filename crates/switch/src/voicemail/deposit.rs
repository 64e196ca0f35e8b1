//! Leaving a message (SPEC T6): the greeting (the user's own recording,
//! else the system's "the person at extension 101 is unavailable"), the
//! instructions, a beep, then the caller is recorded until they hang up,
//! press `#`, stay silent or reach the maximum length. The recording goes
//! to [`Voicemail::ingest`], which drops it when shorter than a second.

use std::path::PathBuf;
use std::time::Duration;

use domain::{AccountId, ExtensionNumber, UnixMillis, UserId, VoicemailMessage};
use voicemail::{Recorded, Voicemail};

use super::{Clip, Line, RecordEnd};

/// How long a caller may stay silent before the recording stops.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(8);

/// Why the call came to voicemail: it changes the system greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Nobody answered in the ring time, no phone is connected, or the
    /// forward was not accepted.
    Unavailable,
    /// The user's phone answered busy.
    Busy,
}

/// Whose mailbox takes the message, and from whom.
#[derive(Clone, Debug)]
pub struct DepositContext {
    pub account: AccountId,
    pub user: UserId,
    pub extension: ExtensionNumber,
    /// Whether the user's voicemail is on; off, the caller hears that
    /// nobody can take the call, and the line is hung up.
    pub enabled: bool,
    pub reason: Reason,
    pub caller_number: String,
    pub caller_name: Option<String>,
    /// The longest message.
    pub max: Duration,
    /// A name for the recording, unique among calls in progress.
    pub token: String,
}

/// Takes a message; returns it once stored (`None`: voicemail off, the
/// caller left nothing, or it could not be stored — which is logged).
pub async fn run(
    line: &mut dyn Line,
    vm: &Voicemail,
    cx: &DepositContext,
    now: &(dyn Fn() -> UnixMillis + Send + Sync),
) -> Option<VoicemailMessage> {
    if !cx.enabled {
        line.play(
            vec![Clip::prompt("vm-nobodyavail"), Clip::prompt("vm-goodbye")],
            false,
        )
        .await;
        line.hang_up().await;
        return None;
    }
    let mut greeting = match vm.store().account(cx.account).mailbox(cx.user).await {
        Ok(mailbox) => match &mailbox.greeting_key {
            Some(key) => super::menu::load_audio(vm.blobs(), key)
                .await
                .map(|samples| vec![Clip::Audio(samples)]),
            None => None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "mailbox not read: system greeting");
            None
        }
    }
    .unwrap_or_else(|| {
        vec![
            Clip::prompt("vm-theperson"),
            Clip::Digits(cx.extension.as_str().to_owned()),
            Clip::prompt(match cx.reason {
                Reason::Unavailable => "vm-isunavail",
                Reason::Busy => "vm-isonphone",
            }),
        ]
    });
    greeting.push(Clip::prompt("vm-intro"));
    // Any key skips the greeting straight to the beep.
    if line.play(greeting, true).await == super::Heard::HungUp {
        return None;
    }
    line.flush_keys();
    if line.play(vec![Clip::Beep], false).await == super::Heard::HungUp {
        return None;
    }
    let received_at = now();
    let wav: PathBuf = vm
        .spool()
        .join(format!("{}-{}.wav", received_at.millis(), cx.token));
    let recorded = Recorded {
        account: cx.account,
        user: cx.user,
        caller_number: cx.caller_number.clone(),
        caller_name: cx.caller_name.clone(),
        received_at,
        wav: wav.clone(),
    };
    if let Err(e) = recorded.save_meta() {
        tracing::warn!(error = %e, "recording's description not saved: a crash would lose it");
    }
    let recording = match line.record(&wav, cx.max, Some(SILENCE_LIMIT)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, path = %wav.display(), "cannot record voicemail");
            line.hang_up().await;
            return None;
        }
    };
    if recording.end != RecordEnd::HungUp {
        line.play(
            vec![Clip::prompt("vm-msgsaved"), Clip::prompt("vm-goodbye")],
            false,
        )
        .await;
        line.hang_up().await;
    }
    match vm.ingest(recorded).await {
        Ok(message) => message,
        Err(e) => {
            tracing::error!(error = %e, "voicemail not stored; kept in the spool for the next start");
            None
        }
    }
}
