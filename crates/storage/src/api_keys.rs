//! API keys of the REST API: created by an account's administrator, shown
//! once, revocable. Only the SHA-256 of a key is stored.
//!
//! The random bytes of a new key come from the caller (this crate draws no
//! randomness), as do the times.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::{AccountId, UnixMillis};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use crate::accounts::found;
use crate::row::get;
use crate::{AccountScope, StorageError, Store};

/// The id of a stored API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiKeyId(i64);

impl ApiKeyId {
    /// Wraps a row id (from a URL or a row).
    pub const fn from_raw(raw: i64) -> Self {
        Self(raw)
    }

    /// The row id as stored.
    pub const fn raw(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The secret a client presents: `sb_` and 32 random bytes in unpadded
/// base64url (43 characters). Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyToken([u8; 32]);

/// Why a presented key was refused before any look-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an API key is \"sb_\" followed by 43 base64url characters")]
pub struct ApiKeyTokenError;

const PREFIX: &str = "sb_";

impl ApiKeyToken {
    /// A key made of these random bytes.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads a key as a client sends it.
    pub fn parse(text: &str) -> Result<Self, ApiKeyTokenError> {
        let body = text.trim().strip_prefix(PREFIX).ok_or(ApiKeyTokenError)?;
        if body.len() != 43 {
            return Err(ApiKeyTokenError);
        }
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| ApiKeyTokenError)?;
        Ok(Self(bytes.try_into().map_err(|_| ApiKeyTokenError)?))
    }

    /// The key as the client must send it; shown once, at creation.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(self.0))
    }

    /// What is stored: the hex SHA-256 of the 32 bytes.
    pub(crate) fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }
}

impl fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyToken(<redacted>)")
    }
}

/// A stored API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account: AccountId,
    pub name: String,
    pub created_at: UnixMillis,
    pub last_used_at: Option<UnixMillis>,
    /// Set once the key is revoked; a revoked key never works again.
    pub revoked_at: Option<UnixMillis>,
}

const COLUMNS: &str = "id, account_id, name, created_at, last_used_at, revoked_at";

fn key_from(row: &AnyRow) -> Result<ApiKey, StorageError> {
    let last: Option<i64> = get(row, "last_used_at")?;
    let revoked: Option<i64> = get(row, "revoked_at")?;
    Ok(ApiKey {
        id: ApiKeyId(get(row, "id")?),
        account: AccountId::from_raw(get(row, "account_id")?),
        name: get(row, "name")?,
        created_at: UnixMillis::from_millis(get(row, "created_at")?),
        last_used_at: last.map(UnixMillis::from_millis),
        revoked_at: revoked.map(UnixMillis::from_millis),
    })
}

impl Store {
    /// The live key matching `token`, whatever its account: not revoked,
    /// and of an active account (a suspended or closed company's keys stop
    /// working with it). Notes `now` as its last use, at most once a
    /// minute so that a busy client does not write on every request.
    pub async fn authenticate_api_key(
        &self,
        token: &ApiKeyToken,
        now: UnixMillis,
    ) -> Result<Option<ApiKey>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL
             AND account_id IN (SELECT id FROM accounts WHERE status = 'active')"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.digest())
            .fetch_optional(&self.pool)
            .await?;
        let Some(key) = row.as_ref().map(key_from).transpose()? else {
            return Ok(None);
        };
        let stale = key
            .last_used_at
            .is_none_or(|t| now.since(t) >= LAST_USE_GRANULARITY);
        if !stale {
            return Ok(Some(key));
        }
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now.millis())
            .bind(key.id.raw())
            .execute(&self.pool)
            .await?;
        Ok(Some(ApiKey {
            last_used_at: Some(now),
            ..key
        }))
    }
}

/// How precisely a key's last use is kept.
const LAST_USE_GRANULARITY: std::time::Duration = std::time::Duration::from_secs(60);

impl AccountScope<'_> {
    /// Stores a new key of the account under `name`.
    pub async fn create_api_key(
        &self,
        name: &str,
        token: &ApiKeyToken,
        now: UnixMillis,
    ) -> Result<ApiKey, StorageError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (account_id, name, key_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(self.raw())
        .bind(name)
        .bind(token.digest())
        .bind(now.millis())
        .fetch_one(self.pool())
        .await
        .map_err(|e| StorageError::conflict_or(e, || "this API key already exists".to_owned()))?;
        self.api_key(ApiKeyId(id)).await
    }

    /// Every key of the account, revoked ones included, oldest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(key_from).collect()
    }

    /// One key of the account.
    pub async fn api_key(&self, id: ApiKeyId) -> Result<ApiKey, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE account_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .bind(id.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("API key"))?;
        key_from(&row)
    }

    /// Revokes a key; revoking it again keeps the first time.
    pub async fn revoke_api_key(&self, id: ApiKeyId, now: UnixMillis) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE account_id = $2 AND id = $3",
        )
        .bind(now.millis())
        .bind(self.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "API key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_as_sb_and_43_base64url_characters_and_parse_back() {
        let token = ApiKeyToken::from_random([0xfb; 32]);
        let text = token.expose();
        assert!(text.starts_with("sb_"));
        assert_eq!(text.len(), 3 + 43);
        assert!(!text.contains(['+', '/', '=']));
        assert_eq!(ApiKeyToken::parse(&text), Ok(token.clone()));
        assert_eq!(format!("{token:?}"), "ApiKeyToken(<redacted>)");
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = ApiKeyToken::from_random([7; 32]).expose();
        for bad in [
            "",
            "sb_",
            &good[3..],
            &good[..good.len() - 1],
            &format!("{good}A"),
            &good.replace("sb_", "sk_"),
            &format!("sb_{}", "*".repeat(43)),
        ] {
            assert_eq!(ApiKeyToken::parse(bad), Err(ApiKeyTokenError), "{bad}");
        }
    }
}
