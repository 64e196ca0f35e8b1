//! Settings of the installation itself, kept in the database so that every
//! node of a cluster agrees on them (the SIP realm, the nonce secret).

use crate::{StorageError, Store};

impl Store {
    /// The stored value of `key`, or `init()` stored under it if there is
    /// none yet. Atomic: when two nodes race, both get the first value.
    pub async fn installation_value(
        &self,
        key: &str,
        init: impl FnOnce() -> String,
    ) -> Result<String, StorageError> {
        if let Some(v) = self.installation_get(key).await? {
            return Ok(v);
        }
        sqlx::query(
            "INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(init())
        .execute(&self.pool)
        .await?;
        self.installation_get(key)
            .await?
            .ok_or(StorageError::NotFound("installation setting"))
    }

    async fn installation_get(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM installation WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
