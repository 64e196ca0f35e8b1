//! What happens to a mailbox, whoever asks: the switch hands over finished
//! recordings, the portals and the phone menu mark and delete messages.
//! Every change goes out as a [`MailboxChange`] for the message-waiting
//! lamps.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use domain::{
    AccountId, AfterEmail, MessageId, MessageStatus, NewVoicemailMessage, UnixMillis, UserId,
    VoicemailMessage,
};
use mail::Mailer;
use storage::{StorageError, Store};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::blobs::{BlobError, Blobs};
use crate::{mp3, spool};

/// A recording shorter than this (one second) is dropped.
const MIN_SAMPLES: usize = mp3::INPUT_RATE as usize;

/// A mailbox whose messages changed (one arrived, was heard, saved,
/// marked new or deleted): its phones' lamps need an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MailboxChange {
    pub account: AccountId,
    pub user: UserId,
}

/// A recording the switch finished (or that a crash interrupted), waiting
/// in the spool folder to become a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub account: AccountId,
    pub user: UserId,
    pub caller_number: String,
    pub caller_name: Option<String>,
    pub received_at: UnixMillis,
    /// The spooled recording: 8 kHz mono 16-bit WAV.
    pub wav: PathBuf,
}

impl Recorded {
    /// Writes what the message is about next to the WAV (`<wav>.meta`)
    /// before recording starts, so that a recording a crash interrupted
    /// becomes a message at the next start ([`Voicemail::recover`]).
    pub fn save_meta(&self) -> std::io::Result<()> {
        // Written aside then renamed: a crash leaves the old description or
        // the new one, never half of one.
        let path = spool::meta_path(&self.wav);
        let mut partial = path.clone().into_os_string();
        partial.push(".partial");
        std::fs::write(&partial, spool::meta_text(self))?;
        std::fs::rename(&partial, &path)
    }
}

/// Why a mailbox operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VoicemailError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("recording {path}: {detail}")]
    Recording { path: String, detail: String },
    #[error("MP3 encoding: {0}")]
    Mp3(String),
    #[error("spool folder {path}: {source}")]
    Spool {
        path: String,
        source: std::io::Error,
    },
}

/// The voicemail service. Share it behind an `Arc`.
pub struct Voicemail {
    store: Store,
    blobs: Blobs,
    mailer: Arc<Mailer>,
    spool: PathBuf,
    changes: UnboundedSender<MailboxChange>,
}

impl Voicemail {
    /// The service, and the receiving end of its changes (for the switch).
    /// `spool` is the local folder where the switch records.
    pub fn new(
        store: Store,
        blobs: Blobs,
        mailer: Arc<Mailer>,
        spool: PathBuf,
    ) -> Result<(Self, UnboundedReceiver<MailboxChange>), VoicemailError> {
        std::fs::create_dir_all(&spool).map_err(|source| VoicemailError::Spool {
            path: spool.display().to_string(),
            source,
        })?;
        let (changes, rx) = unbounded_channel();
        Ok((
            Self {
                store,
                blobs,
                mailer,
                spool,
                changes,
            },
            rx,
        ))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Where the switch writes recordings in progress.
    pub fn spool(&self) -> &Path {
        &self.spool
    }

    /// Announces that a mailbox changed.
    pub fn changed(&self, account: AccountId, user: UserId) {
        let _ = self.changes.send(MailboxChange { account, user });
    }

    /// Marks a message new or heard.
    pub async fn set_status(
        &self,
        account: AccountId,
        user: UserId,
        id: MessageId,
        status: MessageStatus,
    ) -> Result<(), VoicemailError> {
        self.store
            .account(account)
            .set_voicemail_status(user, id, status)
            .await?;
        self.changed(account, user);
        Ok(())
    }

    /// Deletes a message and its audio.
    pub async fn delete(
        &self,
        account: AccountId,
        user: UserId,
        id: MessageId,
    ) -> Result<VoicemailMessage, VoicemailError> {
        let message = self
            .store
            .account(account)
            .delete_voicemail(user, id)
            .await?;
        self.changed(account, user);
        for key in [&message.wav_key, &message.mp3_key] {
            if let Err(e) = self.blobs.delete(key).await {
                // The row is gone; an orphan file costs space, not data.
                tracing::warn!(key, error = %e, "voicemail audio not deleted");
            }
        }
        Ok(message)
    }

    /// Turns a finished recording into a message: drops it when shorter
    /// than a second, else stores the WAV and its MP3, writes the row,
    /// e-mails the user (MP3 attached when chosen), applies the admin's
    /// after-e-mail action and announces the change. The spool files go
    /// once the message is safe.
    pub async fn ingest(
        &self,
        recorded: Recorded,
    ) -> Result<Option<VoicemailMessage>, VoicemailError> {
        let recording_error = |detail: String| VoicemailError::Recording {
            path: recorded.wav.display().to_string(),
            detail,
        };
        let wav = recorded.wav.clone();
        let samples = blocking(move || spool::read_wav(&wav))
            .await
            .map_err(recording_error)?;
        if samples.len() < MIN_SAMPLES {
            tracing::info!(samples = samples.len(), path = %recorded.wav.display(),
                "recording shorter than a second: dropped");
            remove_spool_files(&recorded.wav).await;
            return Ok(None);
        }
        let duration_ms = u32::try_from(samples.len() as u64 * 1000 / u64::from(mp3::INPUT_RATE))
            .unwrap_or(u32::MAX);
        let (wav_bytes, mp3_bytes) = blocking(move || {
            let wav = spool::wav_bytes(&samples).map_err(|e| format!("WAV copy: {e}"))?;
            Ok::<_, String>((wav, mp3::encode(&samples)?))
        })
        .await
        .map_err(VoicemailError::Mp3)?;

        let (account, user) = (recorded.account, recorded.user);
        let stem = format!(
            "voicemail/{}/{}/{}-{:08x}",
            account.raw(),
            user.raw(),
            recorded.received_at.millis(),
            rand::random::<u32>()
        );
        let new = NewVoicemailMessage {
            user,
            caller_number: recorded.caller_number.clone(),
            caller_name: recorded.caller_name.clone(),
            received_at: recorded.received_at,
            duration_ms,
            wav_key: format!("{stem}.wav"),
            mp3_key: format!("{stem}.mp3"),
        };
        let mp3_bytes = Bytes::from(mp3_bytes);
        let stored = async {
            self.blobs.put(&new.wav_key, Bytes::from(wav_bytes)).await?;
            self.blobs.put(&new.mp3_key, mp3_bytes.clone()).await?;
            Ok::<_, VoicemailError>(self.store.account(account).add_voicemail(&new).await?)
        }
        .await;
        let message = match stored {
            Ok(message) => message,
            Err(e) => {
                // Nothing refers to the audio: remove it, keep the spool
                // files for the next try.
                for key in [&new.wav_key, &new.mp3_key] {
                    if let Err(e) = self.blobs.delete(key).await {
                        tracing::warn!(key, error = %e, "voicemail audio not deleted");
                    }
                }
                return Err(e);
            }
        };
        self.changed(account, user);
        tracing::info!(account = %account, user = %user, id = %message.id.raw(), duration_ms,
            "voicemail stored");

        // The message is safe from here on: nothing below may fail it.
        if let Some(action) = self.notify(&message, account, &mp3_bytes).await {
            self.after_email(&message, account, action).await;
        }
        remove_spool_files(&recorded.wav).await;
        Ok(Some(message))
    }

    /// Ingests the recordings a crash left in the spool folder (each WAV
    /// with its `.meta`); returns how many became messages. Run it before
    /// the switch takes calls: a recording in progress would look left
    /// over. A WAV without its description is left alone and logged; a
    /// recording that fails again stays for the next start.
    pub async fn recover(&self) -> Result<usize, VoicemailError> {
        let spool_error = |source| VoicemailError::Spool {
            path: self.spool.display().to_string(),
            source,
        };
        let mut entries = tokio::fs::read_dir(&self.spool)
            .await
            .map_err(spool_error)?;
        let mut wavs = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(spool_error)? {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("wav") => wavs.push(path),
                Some("meta") if !path.with_extension("").exists() => {
                    // The call ended before recording started.
                    tracing::info!(path = %path.display(), "description without a recording: removed");
                    remove_file(&path).await;
                }
                // A description a crash interrupted while it was written.
                Some("partial") => remove_file(&path).await,
                _ => {}
            }
        }
        wavs.sort();
        let mut recovered = 0;
        for wav in wavs {
            let meta = spool::meta_path(&wav);
            let text = match tokio::fs::read_to_string(&meta).await {
                Ok(text) => text,
                Err(e) => {
                    tracing::warn!(path = %wav.display(), error = %e,
                        "recording without a readable description: left in the spool");
                    continue;
                }
            };
            let recorded = match spool::parse_meta(&text, &wav) {
                Ok(recorded) => recorded,
                Err(e) => {
                    tracing::warn!(path = %meta.display(), error = %e,
                        "recording description unreadable: left in the spool");
                    continue;
                }
            };
            match self.ingest(recorded).await {
                Ok(Some(_)) => recovered += 1,
                Ok(None) => {}
                Err(e) => tracing::error!(path = %wav.display(), error = %e,
                    "recording not recovered: kept for the next start"),
            }
        }
        if recovered > 0 {
            tracing::info!(recovered, "voicemail recovered from the spool");
        }
        Ok(recovered)
    }

    /// E-mails the user about a new message when they asked for it;
    /// returns the after-e-mail action to apply when an e-mail went out.
    async fn notify(
        &self,
        message: &VoicemailMessage,
        account: AccountId,
        mp3: &[u8],
    ) -> Option<AfterEmail> {
        let scope = self.store.account(account);
        let (user, details) = match tokio::try_join!(scope.user(message.user), scope.details()) {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, id = %message.id.raw(),
                    "voicemail e-mail not sent: user or account not read");
                return None;
            }
        };
        if !user.voicemail.email_notification {
            return None;
        }
        let email = mail::voicemail_notification(
            details.language,
            user.email.as_str(),
            &mail::VoicemailNotice {
                caller_number: &message.caller_number,
                caller_name: message.caller_name.as_deref(),
                received_at: message.received_at,
                time_zone: &details.time_zone,
                duration_ms: message.duration_ms,
                mp3: user.voicemail.attach_mp3.then_some(mp3),
            },
        );
        match self.mailer.send(&email).await {
            Ok(()) => Some(user.voicemail.after_email),
            Err(e) => {
                // The message stays new in the mailbox: nothing is lost.
                tracing::error!(error = %e, id = %message.id.raw(), to = %email.to,
                    "voicemail e-mail not sent");
                None
            }
        }
    }

    /// Applies the admin's after-e-mail action (SPEC A5) to a message just
    /// e-mailed.
    async fn after_email(
        &self,
        message: &VoicemailMessage,
        account: AccountId,
        action: AfterEmail,
    ) {
        let done = match action {
            AfterEmail::KeepNew => Ok(()),
            AfterEmail::MarkHeard => {
                self.set_status(account, message.user, message.id, MessageStatus::Saved)
                    .await
            }
            AfterEmail::Delete => self
                .delete(account, message.user, message.id)
                .await
                .map(drop),
        };
        if let Err(e) = done {
            tracing::error!(error = %e, id = %message.id.raw(),
                action = action.as_str(), "after-e-mail action failed");
        }
    }
}

/// Runs blocking work (file reading, encoding) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("worker thread failed: {e}"))?
}

/// Removes a recording and its description from the spool.
async fn remove_spool_files(wav: &Path) {
    remove_file(wav).await;
    remove_file(&spool::meta_path(wav)).await;
}

async fn remove_file(path: &Path) {
    match tokio::fs::remove_file(path).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "spool file not removed"),
    }
}
