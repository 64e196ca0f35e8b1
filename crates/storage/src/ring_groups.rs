//! Extensions of every kind, and ring groups (SPEC A5, T5).

use domain::{Extension, ExtensionId, ExtensionKind, ExtensionNumber, RingGroup, RingStrategy};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::accounts::found;
use crate::row::{get, named, parsed};
use crate::{AccountScope, StorageError};

fn extension_from(row: &AnyRow) -> Result<Extension, StorageError> {
    Ok(Extension {
        id: ExtensionId::from_raw(get(row, "id")?),
        account: domain::AccountId::from_raw(get(row, "account_id")?),
        number: parsed(row, "number", ExtensionNumber::parse)?,
        kind: parsed(row, "kind", named(ExtensionKind::parse))?,
        name: get(row, "name")?,
    })
}

impl AccountScope<'_> {
    pub(crate) async fn insert_extension(
        &self,
        tx: &mut Transaction<'static, Any>,
        number: &ExtensionNumber,
        kind: ExtensionKind,
        name: &str,
    ) -> Result<ExtensionId, StorageError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO extensions (account_id, number, kind, name) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(self.raw())
        .bind(number.as_str())
        .bind(kind.as_str())
        .bind(name)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StorageError::conflict_or(e, || format!("extension {number} is already taken")))?;
        Ok(ExtensionId::from_raw(id))
    }

    /// Every extension of the account, by number.
    pub async fn extensions(&self) -> Result<Vec<Extension>, StorageError> {
        let rows = sqlx::query("SELECT id, account_id, number, kind, name FROM extensions WHERE account_id = $1 ORDER BY number")
            .bind(self.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(extension_from).collect()
    }

    /// The extension with this number, of any kind.
    pub async fn extension_by_number(
        &self,
        number: &ExtensionNumber,
    ) -> Result<Option<Extension>, StorageError> {
        let row = sqlx::query("SELECT id, account_id, number, kind, name FROM extensions WHERE account_id = $1 AND number = $2")
            .bind(self.raw())
            .bind(number.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(extension_from).transpose()
    }

    /// One extension by id.
    pub async fn extension(&self, id: ExtensionId) -> Result<Extension, StorageError> {
        let row = sqlx::query("SELECT id, account_id, number, kind, name FROM extensions WHERE account_id = $1 AND id = $2")
            .bind(self.raw())
            .bind(id.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("extension"))?;
        extension_from(&row)
    }

    /// Creates an extension that is not a user (conference, receptionist).
    /// Ring groups go through [`AccountScope::create_ring_group`].
    pub async fn create_service_extension(
        &self,
        number: &ExtensionNumber,
        kind: ExtensionKind,
        name: &str,
    ) -> Result<Extension, StorageError> {
        if matches!(kind, ExtensionKind::User | ExtensionKind::RingGroup) {
            return Err(StorageError::Invalid(format!(
                "{} extensions have their own creation",
                kind.as_str()
            )));
        }
        let mut tx = self.pool().begin().await?;
        let id = self.insert_extension(&mut tx, number, kind, name).await?;
        tx.commit().await?;
        self.extension(id).await
    }

    /// Creates a ring group with its members (user extensions, in order).
    pub async fn create_ring_group(
        &self,
        number: &ExtensionNumber,
        name: &str,
        strategy: RingStrategy,
        ring_seconds: u32,
        members: &[ExtensionId],
    ) -> Result<RingGroup, StorageError> {
        let mut tx = self.pool().begin().await?;
        let id = self
            .insert_extension(&mut tx, number, ExtensionKind::RingGroup, name)
            .await?;
        sqlx::query("INSERT INTO ring_groups (extension_id, account_id, strategy, ring_seconds) VALUES ($1, $2, $3, $4)")
            .bind(id.raw())
            .bind(self.raw())
            .bind(strategy.as_str())
            .bind(i64::from(ring_seconds))
            .execute(&mut *tx)
            .await?;
        self.write_members(&mut tx, id, members).await?;
        tx.commit().await?;
        self.ring_group(id).await
    }

    /// Replaces a ring group's members, strategy and ring time.
    pub async fn update_ring_group(
        &self,
        id: ExtensionId,
        strategy: RingStrategy,
        ring_seconds: u32,
        members: &[ExtensionId],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        self.update_group_in(&mut tx, id, strategy, ring_seconds, members)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a ring group another name and extension number; the number
    /// must be free in the account (SPEC A5).
    pub async fn rename_ring_group(
        &self,
        id: ExtensionId,
        number: &ExtensionNumber,
        name: &str,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        self.rename_group_in(&mut tx, id, number, name).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames a ring group and replaces its settings at once: all of it
    /// or, on any refusal, none.
    pub async fn edit_ring_group(
        &self,
        id: ExtensionId,
        number: &ExtensionNumber,
        name: &str,
        strategy: RingStrategy,
        ring_seconds: u32,
        members: &[ExtensionId],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        self.rename_group_in(&mut tx, id, number, name).await?;
        self.update_group_in(&mut tx, id, strategy, ring_seconds, members)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rename_group_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: ExtensionId,
        number: &ExtensionNumber,
        name: &str,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE extensions SET number = $1, name = $2 WHERE account_id = $3 AND id = $4 AND kind = 'ring_group'",
        )
        .bind(number.as_str())
        .bind(name)
        .bind(self.raw())
        .bind(id.raw())
        .execute(&mut **tx)
        .await
        .map_err(|e| StorageError::conflict_or(e, || format!("extension {number} is already taken")))?;
        found(done.rows_affected(), "ring group")
    }

    async fn update_group_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: ExtensionId,
        strategy: RingStrategy,
        ring_seconds: u32,
        members: &[ExtensionId],
    ) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE ring_groups SET strategy = $1, ring_seconds = $2 WHERE account_id = $3 AND extension_id = $4")
            .bind(strategy.as_str())
            .bind(i64::from(ring_seconds))
            .bind(self.raw())
            .bind(id.raw())
            .execute(&mut **tx)
            .await?;
        found(done.rows_affected(), "ring group")?;
        sqlx::query("DELETE FROM ring_group_members WHERE group_extension_id = $1")
            .bind(id.raw())
            .execute(&mut **tx)
            .await?;
        self.write_members(tx, id, members).await
    }

    async fn write_members(
        &self,
        tx: &mut Transaction<'static, Any>,
        group: ExtensionId,
        members: &[ExtensionId],
    ) -> Result<(), StorageError> {
        for (position, member) in members.iter().enumerate() {
            // The member must be a user extension of this same account.
            let ok: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM extensions WHERE account_id = $1 AND id = $2 AND kind = 'user'")
                .bind(self.raw())
                .bind(member.raw())
                .fetch_one(&mut **tx)
                .await?;
            if ok == 0 {
                return Err(StorageError::Invalid(format!(
                    "extension id {member} is not a user extension of this account"
                )));
            }
            sqlx::query("INSERT INTO ring_group_members (group_extension_id, member_extension_id, position) VALUES ($1, $2, $3)")
                .bind(group.raw())
                .bind(member.raw())
                .bind(position as i64)
                .execute(&mut **tx)
                .await
                .map_err(|e| StorageError::conflict_or(e, || "a member appears twice in the ring group".to_owned()))?;
        }
        Ok(())
    }

    /// One ring group, with its members in ringing order.
    pub async fn ring_group(&self, id: ExtensionId) -> Result<RingGroup, StorageError> {
        let extension = self.extension(id).await?;
        let row = sqlx::query("SELECT strategy, ring_seconds FROM ring_groups WHERE account_id = $1 AND extension_id = $2")
            .bind(self.raw())
            .bind(id.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("ring group"))?;
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT member_extension_id FROM ring_group_members WHERE group_extension_id = $1 ORDER BY position",
        )
        .bind(id.raw())
        .fetch_all(self.pool())
        .await?;
        let ring: i64 = get(&row, "ring_seconds")?;
        Ok(RingGroup {
            extension,
            members: members.into_iter().map(ExtensionId::from_raw).collect(),
            strategy: parsed(&row, "strategy", named(RingStrategy::parse))?,
            ring_seconds: u32::try_from(ring).map_err(|_| StorageError::Corrupt {
                column: "ring_seconds",
                value: ring.to_string(),
            })?,
        })
    }

    /// Deletes a non-user extension (ring group, conference, receptionist).
    pub async fn delete_service_extension(&self, id: ExtensionId) -> Result<(), StorageError> {
        let done = sqlx::query(
            "DELETE FROM extensions WHERE account_id = $1 AND id = $2 AND kind <> 'user'",
        )
        .bind(self.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "extension")
    }
}
