//! What happens to a mailbox, whoever asks: the switch hands over finished
//! recordings, the portals and the phone menu mark and delete messages.
//! Every change goes out as a [`MailboxChange`] for the message-waiting
//! lamps.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use domain::{AccountId, MessageId, MessageStatus, UnixMillis, UserId, VoicemailMessage};
use mail::Mailer;
use storage::{StorageError, Store};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::blobs::{BlobError, Blobs};

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
        Err(std::io::Error::other("not written yet"))
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
        let _ = recorded;
        Err(VoicemailError::Mp3("ingest is not written yet".into()))
    }

    /// Ingests the recordings a crash left in the spool folder (each WAV
    /// with its `.meta`); returns how many became messages.
    pub async fn recover(&self) -> Result<usize, VoicemailError> {
        Ok(0)
    }
}
