//! The caller's line as a voicemail script sees it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use domain::Language;

/// A piece of what the caller hears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clip {
    /// A recorded prompt of the line's language, by its file name in
    /// Debian's `asterisk-core-sounds-*-wav` without `.wav`, e.g.
    /// `"vm-intro"` or `"digits/5"`.
    Prompt(String),
    /// A whole number said the way the language says it (`digits/…`).
    Number(u32),
    /// Each character said alone (`1`, `0`, `1` for extension 101).
    Digits(String),
    /// The recording tone.
    Beep,
    Silence(Duration),
    /// Recorded audio, 8 kHz 16-bit mono samples (a message, a greeting,
    /// a recorded name).
    Audio(Arc<[i16]>),
}

impl Clip {
    pub fn prompt(name: &str) -> Self {
        Self::Prompt(name.to_owned())
    }
}

/// How playing ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Everything was played.
    Done,
    /// The caller pressed a key, which stopped the playing (the key is
    /// consumed: it is not returned again by [`Line::key`]).
    Digit(char),
    HungUp,
}

/// What waiting for a key gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Digit(char),
    Timeout,
    HungUp,
}

/// Why a recording stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEnd {
    HungUp,
    /// A key (`#` ends a message; the script decides what others mean).
    Digit(char),
    /// The caller was silent for the silence limit.
    Silence,
    MaxLength,
}

/// A finished recording: the WAV file is closed and complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    /// Audio kept (trailing silence included).
    pub duration: Duration,
    pub end: RecordEnd,
}

/// The caller's side of a call the switch answered.
///
/// Keys pressed while nothing waits for them are kept in order (type
/// ahead): a caller who knows the menu need not wait for the prompt.
#[async_trait::async_trait]
pub trait Line: Send {
    /// The language of the prompts (the account's).
    fn language(&self) -> Language;

    /// Plays `clips` in order. With `interrupt`, a key (typed ahead or
    /// pressed during the playing) stops it and is returned; without, keys
    /// are kept for later.
    async fn play(&mut self, clips: Vec<Clip>, interrupt: bool) -> Heard;

    /// The next key, waiting at most `wait`.
    async fn key(&mut self, wait: Duration) -> Key;

    /// Forgets keys typed ahead.
    fn flush_keys(&mut self);

    /// Records the caller into `path` (8 kHz WAV) until they hang up, press
    /// a key, stay silent for `silence` (when given) or reach `max`.
    async fn record(
        &mut self,
        path: &Path,
        max: Duration,
        silence: Option<Duration>,
    ) -> std::io::Result<Recording>;

    /// Ends the call (BYE to the caller). Does nothing once they hung up.
    async fn hang_up(&mut self);

    /// Connects the caller to `number` (a call back from the mailbox) as
    /// if they had dialled it. Returns `false` when the switch cannot (the
    /// script then goes on).
    async fn call(&mut self, number: &str) -> bool;
}
