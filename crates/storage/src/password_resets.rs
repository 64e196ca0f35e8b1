//! Password-recovery links (SPEC A1) and the "must change password" flag of
//! users who received a temporary password (SPEC A15, A16).
//!
//! Only a hash of each token is stored: whoever reads the database cannot
//! use a pending link. The caller hashes; this module compares strings.

use domain::{AccountId, PasswordHash, UnixMillis, UserId};

use crate::accounts::found;
use crate::row::{flag, get};
use crate::{AccountScope, StorageError, Store};

/// Whose password a valid recovery link resets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordReset {
    pub account: AccountId,
    /// `None` for the account's administrator.
    pub user: Option<UserId>,
}

impl Store {
    /// Stores a recovery link valid until `expires_at`.
    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        reset: PasswordReset,
        expires_at: UnixMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, account_id, user_id, expires_at, used_at)
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(token_hash)
        .bind(reset.account.raw())
        .bind(reset.user.map(|u| u.raw()))
        .bind(expires_at.millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The link `token_hash` if it is unused and unexpired at `now`; does
    /// not use it up (showing the form is not using the link).
    pub async fn pending_password_reset(
        &self,
        token_hash: &str,
        now: UnixMillis,
    ) -> Result<Option<PasswordReset>, StorageError> {
        let row = sqlx::query(
            "SELECT account_id, user_id FROM password_resets
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now.millis())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| reset_from(&row)).transpose()
    }

    /// Uses the link up: returns whose password it resets, or `None` if it
    /// was used already, expired or never existed. Two concurrent uses
    /// cannot both succeed.
    pub async fn use_password_reset(
        &self,
        token_hash: &str,
        now: UnixMillis,
    ) -> Result<Option<PasswordReset>, StorageError> {
        let row = sqlx::query(
            "UPDATE password_resets SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
             RETURNING account_id, user_id",
        )
        .bind(now.millis())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| reset_from(&row)).transpose()
    }
}

fn reset_from(row: &sqlx::any::AnyRow) -> Result<PasswordReset, StorageError> {
    let user: Option<i64> = get(row, "user_id")?;
    Ok(PasswordReset {
        account: AccountId::from_raw(get(row, "account_id")?),
        user: user.map(UserId::from_raw),
    })
}

impl AccountScope<'_> {
    /// True if the user's password is temporary and must be changed before
    /// anything else.
    pub async fn must_change_password(&self, id: UserId) -> Result<bool, StorageError> {
        let row =
            sqlx::query("SELECT must_change_password FROM users WHERE account_id = $1 AND id = $2")
                .bind(self.raw())
                .bind(id.raw())
                .fetch_optional(self.pool())
                .await?
                .ok_or(StorageError::NotFound("user"))?;
        flag(&row, "must_change_password")
    }

    /// Sets a user's password and whether it is temporary: `true` when an
    /// admin or the welcome e-mail chose it, `false` when the user did.
    pub async fn set_user_password_flagged(
        &self,
        id: UserId,
        hash: &PasswordHash,
        temporary: bool,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE users SET password = $1, must_change_password = $2 WHERE account_id = $3 AND id = $4",
        )
        .bind(hash.as_phc())
        .bind(temporary)
        .bind(self.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "user")
    }
}
