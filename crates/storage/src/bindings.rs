//! Registration bindings (SPEC T1), stored so they survive a restart.

use domain::{AccountId, Binding, BindingChange, DeviceId, UnixMillis};
use sqlx::any::AnyRow;

use crate::row::get;
use crate::{AccountScope, StorageError, Store};

fn binding_from(row: &AnyRow) -> Result<Binding, StorageError> {
    let cseq: i64 = get(row, "cseq")?;
    let q: i64 = get(row, "q_millis")?;
    Ok(Binding {
        device: DeviceId::from_raw(get(row, "device_id")?),
        account: AccountId::from_raw(get(row, "account_id")?),
        contact: get(row, "contact")?,
        instance: get(row, "instance")?,
        source: get(row, "source")?,
        transport: get(row, "transport")?,
        call_id: get(row, "call_id")?,
        cseq: u32::try_from(cseq).map_err(|_| StorageError::Corrupt {
            column: "cseq",
            value: cseq.to_string(),
        })?,
        q_millis: u16::try_from(q).map_err(|_| StorageError::Corrupt {
            column: "q_millis",
            value: q.to_string(),
        })?,
        user_agent: get(row, "user_agent")?,
        expires_at: UnixMillis::from_millis(get(row, "expires_at")?),
        updated_at: UnixMillis::from_millis(get(row, "updated_at")?),
    })
}

const UPSERT: &str = "INSERT INTO bindings (device_id, account_id, contact, instance, source, transport, call_id,
        cseq, q_millis, user_agent, expires_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (device_id, contact) DO UPDATE SET instance = excluded.instance, source = excluded.source,
        transport = excluded.transport, call_id = excluded.call_id, cseq = excluded.cseq,
        q_millis = excluded.q_millis, user_agent = excluded.user_agent, expires_at = excluded.expires_at,
        updated_at = excluded.updated_at";

fn upsert(b: &Binding) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(UPSERT)
        .bind(b.device.raw())
        .bind(b.account.raw())
        .bind(b.contact.as_str())
        .bind(b.instance.clone())
        .bind(b.source.as_str())
        .bind(b.transport.as_str())
        .bind(b.call_id.as_str())
        .bind(i64::from(b.cseq))
        .bind(i64::from(b.q_millis))
        .bind(b.user_agent.clone())
        .bind(b.expires_at.millis())
        .bind(b.updated_at.millis())
}

impl Store {
    /// Creates or refreshes a binding (keyed by device and contact).
    pub async fn save_binding(&self, b: &Binding) -> Result<(), StorageError> {
        upsert(b).execute(&self.pool).await?;
        Ok(())
    }

    /// Applies a batch of binding changes in one transaction: the registrar
    /// writes behind its in-memory location service this way.
    pub async fn apply_binding_changes(
        &self,
        changes: &[BindingChange],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        for change in changes {
            match change {
                BindingChange::Save(b) => {
                    upsert(b).execute(&mut *tx).await?;
                }
                BindingChange::Remove { device, contact } => {
                    sqlx::query("DELETE FROM bindings WHERE device_id = $1 AND contact = $2")
                        .bind(device.raw())
                        .bind(contact.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes one binding of a device.
    pub async fn remove_binding(
        &self,
        device: DeviceId,
        contact: &str,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM bindings WHERE device_id = $1 AND contact = $2")
            .bind(device.raw())
            .bind(contact)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes every binding of a device (`Contact: *`).
    pub async fn remove_bindings(&self, device: DeviceId) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM bindings WHERE device_id = $1")
            .bind(device.raw())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The live bindings of a device.
    pub async fn bindings_of_device(
        &self,
        device: DeviceId,
        now: UnixMillis,
    ) -> Result<Vec<Binding>, StorageError> {
        let rows = sqlx::query("SELECT * FROM bindings WHERE device_id = $1 AND expires_at > $2 ORDER BY q_millis DESC, id")
            .bind(device.raw())
            .bind(now.millis())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(binding_from).collect()
    }

    /// Every live binding (loaded into memory at start-up).
    pub async fn live_bindings(&self, now: UnixMillis) -> Result<Vec<Binding>, StorageError> {
        let rows = sqlx::query("SELECT * FROM bindings WHERE expires_at > $1 ORDER BY id")
            .bind(now.millis())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(binding_from).collect()
    }

    /// Deletes expired bindings; returns how many.
    pub async fn purge_expired_bindings(&self, now: UnixMillis) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM bindings WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

impl AccountScope<'_> {
    /// The account's live bindings, for the portal's registration state.
    pub async fn live_bindings(&self, now: UnixMillis) -> Result<Vec<Binding>, StorageError> {
        let rows = sqlx::query("SELECT * FROM bindings WHERE account_id = $1 AND expires_at > $2 ORDER BY device_id, id")
            .bind(self.raw())
            .bind(now.millis())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(binding_from).collect()
    }
}
