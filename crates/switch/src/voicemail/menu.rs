//! The mailbox by phone (`*97`, `*98` + extension).
//!
//! The dialogue, with the keys the prompts announce (Asterisk's layout, so
//! that the recorded prompts of `asterisk-core-sounds` are true):
//!
//! 1. No PIN set, or the mailbox is locked: "login incorrect", goodbye.
//! 2. "Password": digits until `#` or [`DIGIT_WAIT`] without a key; a wrong
//!    PIN counts toward the lock-out (storage locks at the third in a row).
//! 3. "You have N new messages and M old messages".
//! 4. Main menu: `1` listen (new messages, then saved ones; newest first in
//!    each, the order of the portal), `2` change folder (`0` new, `1` old),
//!    `3` advanced options, `0` mailbox options, `*` help (the menu again),
//!    `#` goodbye.
//! 5. After (or during) a message: `4` previous, `5` repeat, `6` next, `7`
//!    delete, `9` save, `3` advanced options (`2` call the sender back, `3`
//!    who sent it), `*` main menu, `#` goodbye. A new message heard to its
//!    end becomes saved.
//! 6. Mailbox options: `1`, `2` and `4` record the greeting (the mailbox
//!    has one, played whatever the reason), `3` the name, `5` a new PIN,
//!    `*` main menu. Each recording is reviewed: `1` keep, `2` listen, `3`
//!    record again.
//!
//! Any menu waits [`MENU_WAIT`] for a key after its prompt, says it again,
//! and says goodbye after [`MENU_TRIES`] silent waits. Keys typed ahead
//! stop a prompt and count.

mod listen;
mod login;
mod options;
pub mod prompts;

use std::time::Duration;

use domain::{AccountId, ExtensionNumber, MessageCounts, UnixMillis, UserId, VoicemailMessage};
use voicemail::Voicemail;

use super::{Clip, Heard, Key, Line};

/// How long a menu waits for a key once its prompt is over.
pub const MENU_WAIT: Duration = Duration::from_secs(6);
/// How many silent waits a menu allows before it says goodbye.
pub const MENU_TRIES: u32 = 3;
/// How long PIN entry waits for the next digit.
pub const DIGIT_WAIT: Duration = Duration::from_secs(5);
/// The longest PIN entry read.
pub const MAX_DIGITS: usize = 12;

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
    let mut session = Session {
        line,
        vm,
        cx,
        now,
        current: None,
    };
    let end = match session.dialogue().await {
        Ok(()) => End::Goodbye,
        Err(end) => end,
    };
    match end {
        End::HungUp | End::Connected => {}
        End::Goodbye => {
            session
                .line
                .play(vec![Clip::prompt(prompts::GOODBYE)], false)
                .await;
            session.line.hang_up().await;
        }
    }
}

/// A stored recording (8 kHz WAV) as samples to play.
pub async fn load_audio(blobs: &voicemail::Blobs, key: &str) -> Option<std::sync::Arc<[i16]>> {
    let bytes = blobs.get(key).await.ok()?;
    wav_samples(&bytes)
}

/// The samples of an 8 kHz 16-bit mono WAV.
fn wav_samples(bytes: &[u8]) -> Option<std::sync::Arc<[i16]>> {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).ok()?;
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .map(Into::into)
}

/// Why the dialogue stops before the caller chose to leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The caller is gone.
    HungUp,
    /// Say goodbye and hang up (the caller left, stayed silent, was
    /// refused, or something failed).
    Goodbye,
    /// The caller was connected elsewhere (a call back): the line is no
    /// longer the menu's.
    Connected,
}

/// Logs an unexpected failure; the caller hears goodbye.
fn failed(what: &str, error: impl std::fmt::Display) -> End {
    tracing::error!(%error, "mailbox menu: {what}");
    End::Goodbye
}

/// One caller in one mailbox.
struct Session<'a> {
    line: &'a mut dyn Line,
    vm: &'a Voicemail,
    cx: &'a MenuContext,
    now: &'a (dyn Fn() -> UnixMillis + Send + Sync),
    /// The message heard last, which the main menu's advanced options
    /// are about.
    current: Option<VoicemailMessage>,
}

impl Session<'_> {
    async fn dialogue(&mut self) -> Result<(), End> {
        self.log_in().await?;
        self.summary().await?;
        self.main_menu().await
    }

    async fn main_menu(&mut self) -> Result<(), End> {
        loop {
            let counts = self.counts().await?;
            let mut menu = Vec::new();
            if counts.new > 0 || counts.saved > 0 {
                let folder = if counts.new > 0 {
                    prompts::NEW
                } else {
                    prompts::OLD
                };
                menu.extend(clips(&[prompts::ONE_FOR, folder, prompts::MESSAGES]));
            }
            menu.extend(clips(&[prompts::MAIN_OPTIONS, prompts::HELP_EXIT]));
            match self.choose(menu).await? {
                '1' if counts.new > 0 || counts.saved > 0 => {
                    self.listen(listen::Folder::All).await?;
                }
                '2' => self.change_folder().await?,
                '3' => {
                    let current = self.current.clone();
                    self.advanced(current.as_ref()).await?;
                }
                '0' => self.mailbox_options().await?,
                '*' => {}
                '#' => return Ok(()),
                _ => self.sorry().await?,
            }
        }
    }

    /// How many new and saved messages the mailbox holds.
    async fn counts(&mut self) -> Result<MessageCounts, End> {
        self.vm
            .store()
            .account(self.cx.account)
            .voicemail_counts(self.cx.user)
            .await
            .map_err(|e| failed("counts not read", e))
    }

    /// Plays `menu` and returns the key the caller chose: one pressed
    /// during the prompt, or within [`MENU_WAIT`] after it; the prompt is
    /// said again after a silent wait, and [`MENU_TRIES`] of them end the
    /// call.
    async fn choose(&mut self, menu: Vec<Clip>) -> Result<char, End> {
        for _ in 0..MENU_TRIES {
            match self.line.play(menu.clone(), true).await {
                Heard::Digit(d) => return Ok(d),
                Heard::HungUp => return Err(End::HungUp),
                Heard::Done => {}
            }
            match self.line.key(MENU_WAIT).await {
                Key::Digit(d) => return Ok(d),
                Key::HungUp => return Err(End::HungUp),
                Key::Timeout => {}
            }
        }
        Err(End::Goodbye)
    }

    /// Plays `clips` to the end; keys pressed meanwhile wait for the next
    /// question.
    async fn say(&mut self, clips: Vec<Clip>) -> Result<(), End> {
        match self.line.play(clips, false).await {
            Heard::HungUp => Err(End::HungUp),
            Heard::Done | Heard::Digit(_) => Ok(()),
        }
    }

    /// "I did not understand": a key no menu item has.
    async fn sorry(&mut self) -> Result<(), End> {
        self.say(clips(&[prompts::SORRY])).await
    }

    /// Reads digits after `prompt` until `#`, [`DIGIT_WAIT`] without a key
    /// or [`MAX_DIGITS`]; the prompt stops at the first key.
    async fn digits(&mut self, prompt: Vec<Clip>) -> Result<String, End> {
        let mut digits = String::new();
        let mut next = match self.line.play(prompt, true).await {
            Heard::Digit(d) => Key::Digit(d),
            Heard::HungUp => return Err(End::HungUp),
            Heard::Done => self.line.key(DIGIT_WAIT).await,
        };
        loop {
            match next {
                Key::HungUp => return Err(End::HungUp),
                Key::Timeout | Key::Digit('#') => return Ok(digits),
                Key::Digit(d) => digits.push(d),
            }
            if digits.len() >= MAX_DIGITS {
                return Ok(digits);
            }
            next = self.line.key(DIGIT_WAIT).await;
        }
    }
}

/// Prompts by name.
fn clips(names: &[&str]) -> Vec<Clip> {
    names.iter().map(|name| Clip::prompt(name)).collect()
}
