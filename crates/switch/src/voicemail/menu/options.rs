//! Mailbox options: record the greeting or the name (with a review before
//! it replaces the old one), change the PIN.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use domain::{Pin, PinHash};
use storage::UserSettings;

use super::{End, Session, clips, failed, prompts, wav_samples};
use crate::voicemail::{Clip, Heard, RecordEnd};

/// The longest greeting or name.
pub const RECORD_MAX: Duration = Duration::from_secs(60);
/// Silence that ends a greeting or name.
pub const RECORD_SILENCE: Duration = Duration::from_secs(3);
/// A shorter recording is refused ("your message is too short").
const RECORD_MIN: Duration = Duration::from_secs(1);
/// How much of the silence that ended a recording is cut off (the rest
/// is a natural pause).
const SILENCE_TRIMMED: Duration = Duration::from_millis(2500);

/// What a recording becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// What callers hear before they leave a message.
    Greeting,
    /// The user's name, said in place of the extension number.
    Name,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Greeting => "greeting",
            Self::Name => "name",
        }
    }
}

impl Session<'_> {
    /// "Press 1 to record your unavailable message, 2 your busy message,
    /// 3 your name, 4 your temporary greeting, 5 to change your password,
    /// star for the main menu." The mailbox has one greeting, whatever
    /// the reason: 1, 2 and 4 all record it.
    pub(super) async fn mailbox_options(&mut self) -> Result<(), End> {
        loop {
            match self.choose(clips(&[prompts::MAILBOX_OPTIONS])).await? {
                '1' => {
                    self.record(Kind::Greeting, prompts::RECORD_UNAVAILABLE)
                        .await?
                }
                '2' => self.record(Kind::Greeting, prompts::RECORD_BUSY).await?,
                '4' => {
                    self.record(Kind::Greeting, prompts::RECORD_TEMPORARY)
                        .await?
                }
                '3' => self.record(Kind::Name, prompts::RECORD_NAME).await?,
                '5' => self.change_pin().await?,
                '*' => return Ok(()),
                '#' => return Err(End::Goodbye),
                _ => self.sorry().await?,
            }
        }
    }

    /// Records, lets the caller review ("1 accept, 2 listen, 3 record
    /// again"), and stores the accepted recording in place of the old.
    async fn record(&mut self, kind: Kind, instructions: &str) -> Result<(), End> {
        loop {
            let spool = SpoolFile(self.cx.spool.join(spool_name(
                kind,
                self.cx.user.raw(),
                (self.now)().millis(),
            )));
            self.say(vec![Clip::prompt(instructions), Clip::Beep])
                .await?;
            // A key typed during the instructions would stop the recording
            // at once.
            self.line.flush_keys();
            let recording = self
                .line
                .record(&spool.0, RECORD_MAX, Some(RECORD_SILENCE))
                .await
                .map_err(|e| failed("cannot record", e))?;
            if recording.end == RecordEnd::HungUp {
                return Err(End::HungUp);
            }
            let wav = tokio::fs::read(&spool.0)
                .await
                .map_err(|e| failed("recording not readable", e))?;
            let mut samples = wav_samples(&wav)
                .ok_or_else(|| failed("recording not readable", "not an 8 kHz WAV"))?
                .to_vec();
            if recording.end == RecordEnd::Silence {
                // The silence that ended it is not part of the greeting.
                samples.truncate(samples.len().saturating_sub(samples_in(SILENCE_TRIMMED)));
            }
            if samples.len() < samples_in(RECORD_MIN) {
                return self.say(clips(&[prompts::TOO_SHORT])).await;
            }
            let samples: Arc<[i16]> = samples.into();
            if self.review(&samples).await? {
                self.keep(kind, &samples).await?;
                return self.say(clips(&[prompts::RECORDING_SAVED])).await;
            }
        }
    }

    /// "Press 1 to accept this recording, 2 to listen to it, 3 to
    /// re-record": true to keep it, false to record again.
    async fn review(&mut self, samples: &Arc<[i16]>) -> Result<bool, End> {
        let mut typed = None;
        loop {
            let choice = match typed.take() {
                Some(key) => key,
                None => self.choose(clips(&[prompts::REVIEW])).await?,
            };
            match choice {
                '1' => return Ok(true),
                '3' => return Ok(false),
                // A key pressed while listening answers the review.
                '2' => match self
                    .line
                    .play(vec![Clip::Audio(samples.clone())], true)
                    .await
                {
                    Heard::Digit(key) => typed = Some(key),
                    Heard::HungUp => return Err(End::HungUp),
                    Heard::Done => {}
                },
                _ => self.sorry().await?,
            }
        }
    }

    /// Stores an accepted recording and deletes the one it replaces.
    async fn keep(&mut self, kind: Kind, samples: &[i16]) -> Result<(), End> {
        let wav = wav_bytes(samples).map_err(|e| failed("recording not encoded", e))?;
        let key = format!(
            "voicemail/{}/{}/{}-{}.wav",
            self.cx.account.raw(),
            self.cx.user.raw(),
            kind.as_str(),
            (self.now)().millis()
        );
        self.vm
            .blobs()
            .put(&key, Bytes::from(wav))
            .await
            .map_err(|e| failed("recording not stored", e))?;
        let scope = self.vm.store().account(self.cx.account);
        let old = match kind {
            Kind::Greeting => scope.set_greeting(self.cx.user, Some(&key)).await,
            Kind::Name => scope.set_recorded_name(self.cx.user, Some(&key)).await,
        }
        .map_err(|e| failed("recording not recorded in the mailbox", e))?;
        if let Some(old) = old.filter(|old| *old != key)
            && let Err(e) = self.vm.blobs().delete(&old).await
        {
            // The mailbox points at the new one; the old file only costs space.
            tracing::warn!(key = old, error = %e, "old recording not deleted");
        }
        Ok(())
    }

    /// A new PIN, keyed twice.
    async fn change_pin(&mut self) -> Result<(), End> {
        let first = self.digits(clips(&[prompts::NEW_PASSWORD])).await?;
        let Ok(pin) = Pin::parse(&first) else {
            return self.say(clips(&[prompts::PASSWORD_INVALID])).await;
        };
        let again = self.digits(clips(&[prompts::REENTER_PASSWORD])).await?;
        if again != first {
            return self.say(clips(&[prompts::MISMATCH])).await;
        }
        let hash = tokio::task::spawn_blocking(move || PinHash::of(&pin))
            .await
            .map_err(|e| failed("PIN not hashed", e))?;
        let scope = self.vm.store().account(self.cx.account);
        let user = scope
            .user(self.cx.user)
            .await
            .map_err(|e| failed("user not read", e))?;
        let mut voicemail = user.voicemail;
        voicemail.pin = Some(hash);
        scope
            .update_user_settings(
                self.cx.user,
                &UserSettings {
                    voicemail,
                    forwarding: user.forwarding,
                    caller_id: user.caller_id,
                },
            )
            .await
            .map_err(|e| failed("PIN not stored", e))?;
        self.say(clips(&[prompts::PASSWORD_CHANGED])).await
    }
}

/// How many 8 kHz samples last `d`.
fn samples_in(d: Duration) -> usize {
    (d.as_millis() * u128::from(media::RATE) / 1000) as usize
}

/// Samples as an 8 kHz 16-bit mono WAV file.
fn wav_bytes(samples: &[i16]) -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: media::RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec)?;
    for &s in samples {
        writer.write_sample(s)?;
    }
    writer.finalize()?;
    Ok(out.into_inner())
}

/// A recording in progress, removed once stored or abandoned.
struct SpoolFile(PathBuf);

impl Drop for SpoolFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.0.display(), error = %e, "spooled recording not removed");
        }
    }
}

/// A spool file name no other recording in progress has.
fn spool_name(kind: Kind, user: i64, millis: i64) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{}-{user}-{millis}-{n}.wav", kind.as_str())
}
