//! The mailbox by phone (`*97`, `*98` + extension).

use domain::{AccountId, ExtensionNumber, UnixMillis, UserId};
use voicemail::Voicemail;

use super::Line;

/// Whose mailbox the caller reached.
#[derive(Clone, Debug)]
pub struct MenuContext {
    pub account: AccountId,
    pub user: UserId,
    pub extension: ExtensionNumber,
    /// Where recordings in progress go (greeting, name).
    pub spool: std::path::PathBuf,
}

/// Runs the mailbox menu until the caller hangs up or leaves. `now` reads
/// the wall clock (PIN lock-out).
pub async fn run(
    line: &mut dyn Line,
    vm: &Voicemail,
    cx: &MenuContext,
    now: &(dyn Fn() -> UnixMillis + Send + Sync),
) {
    let _ = (vm, cx, now);
    line.hang_up().await;
}

/// A stored recording (8 kHz WAV) as samples to play.
pub async fn load_audio(blobs: &voicemail::Blobs, key: &str) -> Option<std::sync::Arc<[i16]>> {
    let bytes = blobs.get(key).await.ok()?;
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).ok()?;
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .map(Into::into)
}
