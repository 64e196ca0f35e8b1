//! Web sessions and failed sign-in attempts (installation-wide: a session
//! exists before anyone has signed in to an account).
//!
//! The session data is opaque text here; the web layer serialises it.

use domain::UnixMillis;

use crate::row::get;
use crate::{StorageError, Store};

/// One stored session: its data and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub data: String,
    pub expires_at: UnixMillis,
}

impl Store {
    /// Inserts a new session. `Conflict` if the id is taken (the caller
    /// draws another id).
    pub async fn create_session(
        &self,
        id: &str,
        session: &StoredSession,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(session.data.as_str())
            .bind(session.expires_at.millis())
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::conflict_or(e, || "session id already in use".to_owned()))?;
        Ok(())
    }

    /// Inserts or replaces a session.
    pub async fn save_session(
        &self,
        id: &str,
        session: &StoredSession,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO web_sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(session.data.as_str())
        .bind(session.expires_at.millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session `id` if it exists and has not expired at `now`.
    pub async fn load_session(
        &self,
        id: &str,
        now: UnixMillis,
    ) -> Result<Option<StoredSession>, StorageError> {
        let row = sqlx::query(
            "SELECT data, expires_at FROM web_sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(now.millis())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredSession {
                data: get(&row, "data")?,
                expires_at: UnixMillis::from_millis(get(&row, "expires_at")?),
            })
        })
        .transpose()
    }

    /// Forgets a session (sign-out).
    pub async fn delete_session(&self, id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM web_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes the sessions expired at `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: UnixMillis) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Records one failed sign-in under `key` (e.g. `account:+33199000200`
    /// or `ip:192.0.2.1`).
    pub async fn record_login_failure(
        &self,
        key: &str,
        at: UnixMillis,
    ) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(at.millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many sign-ins failed under `key` since `since`.
    pub async fn login_failures_since(
        &self,
        key: &str,
        since: UnixMillis,
    ) -> Result<i64, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
                .bind(key)
                .bind(since.millis())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Forgets the failures under `key` (after a successful sign-in) and every
    /// failure older than `before`.
    pub async fn clear_login_failures(
        &self,
        key: &str,
        before: UnixMillis,
    ) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1 OR at <= $2")
            .bind(key)
            .bind(before.millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
