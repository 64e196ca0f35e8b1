//! Voicemail messages and mailboxes (SPEC T6, T7, U3). Every query names
//! the account and the user, so one user never reads another's messages.

use domain::{
    Mailbox, MessageCounts, MessageId, MessageStatus, NewVoicemailMessage, PIN_ATTEMPTS,
    PIN_LOCKOUT_MS, UnixMillis, UserId, VoicemailMessage,
};
use sqlx::any::AnyRow;

use crate::accounts::found;
use crate::row::{get, named, parsed};
use crate::{AccountScope, StorageError};

const COLUMNS: &str =
    "id, user_id, caller_number, caller_name, received_at, duration_ms, status, wav_key, mp3_key";

fn message_from(row: &AnyRow) -> Result<VoicemailMessage, StorageError> {
    let duration: i64 = get(row, "duration_ms")?;
    Ok(VoicemailMessage {
        id: MessageId::from_raw(get(row, "id")?),
        user: UserId::from_raw(get(row, "user_id")?),
        caller_number: get(row, "caller_number")?,
        caller_name: get(row, "caller_name")?,
        received_at: UnixMillis::from_millis(get(row, "received_at")?),
        duration_ms: u32::try_from(duration).map_err(|_| StorageError::Corrupt {
            column: "duration_ms",
            value: duration.to_string(),
        })?,
        status: parsed(row, "status", named(MessageStatus::parse))?,
        wav_key: get(row, "wav_key")?,
        mp3_key: get(row, "mp3_key")?,
    })
}

fn mailbox_from(row: &AnyRow) -> Result<Mailbox, StorageError> {
    let failures: i64 = get(row, "pin_failures")?;
    let locked: Option<i64> = get(row, "locked_until")?;
    Ok(Mailbox {
        greeting_key: get(row, "greeting_key")?,
        name_key: get(row, "name_key")?,
        pin_failures: u32::try_from(failures).unwrap_or(u32::MAX),
        locked_until: locked.map(UnixMillis::from_millis),
    })
}

impl AccountScope<'_> {
    /// Stores a new message (status new) for one of the account's users.
    pub async fn add_voicemail(
        &self,
        new: &NewVoicemailMessage,
    ) -> Result<VoicemailMessage, StorageError> {
        // The user must be the account's: an id from elsewhere is not found.
        self.user(new.user).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO voicemail_messages (account_id, user_id, caller_number, caller_name, received_at,
                duration_ms, status, wav_key, mp3_key)
             VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $8) RETURNING id",
        )
        .bind(self.raw())
        .bind(new.user.raw())
        .bind(new.caller_number.as_str())
        .bind(new.caller_name.clone())
        .bind(new.received_at.millis())
        .bind(i64::from(new.duration_ms))
        .bind(new.wav_key.as_str())
        .bind(new.mp3_key.as_str())
        .fetch_one(self.pool())
        .await?;
        self.voicemail(new.user, MessageId::from_raw(id)).await
    }

    /// A user's messages, newest first.
    pub async fn voicemails(&self, user: UserId) -> Result<Vec<VoicemailMessage>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM voicemail_messages WHERE account_id = $1 AND user_id = $2
             ORDER BY received_at DESC, id DESC"
        )))
        .bind(self.raw())
        .bind(user.raw())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_from).collect()
    }

    /// One of a user's messages.
    pub async fn voicemail(
        &self,
        user: UserId,
        id: MessageId,
    ) -> Result<VoicemailMessage, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM voicemail_messages WHERE account_id = $1 AND user_id = $2 AND id = $3"
        )))
        .bind(self.raw())
        .bind(user.raw())
        .bind(id.raw())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StorageError::NotFound("voicemail message"))?;
        message_from(&row)
    }

    /// Marks a message new or heard.
    pub async fn set_voicemail_status(
        &self,
        user: UserId,
        id: MessageId,
        status: MessageStatus,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE voicemail_messages SET status = $1 WHERE account_id = $2 AND user_id = $3 AND id = $4",
        )
        .bind(status.as_str())
        .bind(self.raw())
        .bind(user.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "voicemail message")
    }

    /// Deletes a message and returns it (its audio keys, for the object
    /// store).
    pub async fn delete_voicemail(
        &self,
        user: UserId,
        id: MessageId,
    ) -> Result<VoicemailMessage, StorageError> {
        let message = self.voicemail(user, id).await?;
        let done = sqlx::query(
            "DELETE FROM voicemail_messages WHERE account_id = $1 AND user_id = $2 AND id = $3",
        )
        .bind(self.raw())
        .bind(user.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "voicemail message")?;
        Ok(message)
    }

    /// How many new and saved messages a user has.
    pub async fn voicemail_counts(&self, user: UserId) -> Result<MessageCounts, StorageError> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM voicemail_messages WHERE account_id = $1 AND user_id = $2
             GROUP BY status",
        )
        .bind(self.raw())
        .bind(user.raw())
        .fetch_all(self.pool())
        .await?;
        let mut counts = MessageCounts::default();
        for row in &rows {
            let n: i64 = get(row, "n")?;
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            match parsed(row, "status", named(MessageStatus::parse))? {
                MessageStatus::New => counts.new = n,
                MessageStatus::Saved => counts.saved = n,
            }
        }
        Ok(counts)
    }

    /// A user's mailbox (the default when nothing was recorded yet).
    pub async fn mailbox(&self, user: UserId) -> Result<Mailbox, StorageError> {
        let row = sqlx::query(
            "SELECT greeting_key, name_key, pin_failures, locked_until FROM mailboxes
             WHERE account_id = $1 AND user_id = $2",
        )
        .bind(self.raw())
        .bind(user.raw())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => mailbox_from(&row),
            None => Ok(Mailbox::default()),
        }
    }

    /// Makes sure the user's mailbox row exists.
    async fn ensure_mailbox(&self, user: UserId) -> Result<(), StorageError> {
        self.user(user).await?;
        sqlx::query(
            "INSERT INTO mailboxes (user_id, account_id, pin_failures) VALUES ($1, $2, 0)
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user.raw())
        .bind(self.raw())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Sets (or with `None` removes) the user's recorded greeting; returns
    /// the key it replaced, for the object store.
    pub async fn set_greeting(
        &self,
        user: UserId,
        key: Option<&str>,
    ) -> Result<Option<String>, StorageError> {
        self.ensure_mailbox(user).await?;
        let old = self.mailbox(user).await?.greeting_key;
        sqlx::query(
            "UPDATE mailboxes SET greeting_key = $1 WHERE account_id = $2 AND user_id = $3",
        )
        .bind(key.map(str::to_owned))
        .bind(self.raw())
        .bind(user.raw())
        .execute(self.pool())
        .await?;
        Ok(old)
    }

    /// Sets (or with `None` removes) the user's recorded name; returns the
    /// key it replaced.
    pub async fn set_recorded_name(
        &self,
        user: UserId,
        key: Option<&str>,
    ) -> Result<Option<String>, StorageError> {
        self.ensure_mailbox(user).await?;
        let old = self.mailbox(user).await?.name_key;
        sqlx::query("UPDATE mailboxes SET name_key = $1 WHERE account_id = $2 AND user_id = $3")
            .bind(key.map(str::to_owned))
            .bind(self.raw())
            .bind(user.raw())
            .execute(self.pool())
            .await?;
        Ok(old)
    }

    /// Counts a wrong PIN; the [`PIN_ATTEMPTS`]th in a row locks the
    /// mailbox for [`PIN_LOCKOUT_MS`]. Returns the mailbox as it now is.
    pub async fn pin_failed(&self, user: UserId, now: UnixMillis) -> Result<Mailbox, StorageError> {
        self.ensure_mailbox(user).await?;
        let mailbox = self.mailbox(user).await?;
        let failures = mailbox.pin_failures.saturating_add(1);
        let (failures, locked) = if failures >= PIN_ATTEMPTS {
            (0, Some(now.millis() + PIN_LOCKOUT_MS))
        } else {
            (failures, mailbox.locked_until.map(UnixMillis::millis))
        };
        sqlx::query(
            "UPDATE mailboxes SET pin_failures = $1, locked_until = $2 WHERE account_id = $3 AND user_id = $4",
        )
        .bind(i64::from(failures))
        .bind(locked)
        .bind(self.raw())
        .bind(user.raw())
        .execute(self.pool())
        .await?;
        self.mailbox(user).await
    }

    /// A right PIN: the count of wrong ones starts again.
    pub async fn pin_succeeded(&self, user: UserId) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE mailboxes SET pin_failures = 0, locked_until = NULL WHERE account_id = $1 AND user_id = $2",
        )
        .bind(self.raw())
        .bind(user.raw())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
