//! Devices: desk phones and softphones with their SIP credentials (SPEC
//! A5 devices tab, T1, T13).

use domain::{
    Device, DeviceId, DeviceModel, MacAddress, NewDevice, SipPassword, SipUsername, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::accounts::found;
use crate::row::{get, parsed, parsed_opt};
use crate::{AccountScope, StorageError, Store};

const SELECT: &str = "SELECT id, account_id, mac, model, label, sip_username, realm, ha1_md5, ha1_sha256, user_id FROM devices";

fn device_from(row: &AnyRow) -> Result<Device, StorageError> {
    let user: Option<i64> = get(row, "user_id")?;
    Ok(Device {
        id: DeviceId::from_raw(get(row, "id")?),
        account: domain::AccountId::from_raw(get(row, "account_id")?),
        mac: parsed_opt(row, "mac", MacAddress::parse)?,
        model: DeviceModel(get(row, "model")?),
        label: get(row, "label")?,
        sip_username: parsed(row, "sip_username", SipUsername::parse)?,
        realm: get(row, "realm")?,
        ha1_md5: get(row, "ha1_md5")?,
        ha1_sha256: get(row, "ha1_sha256")?,
        user: user.map(UserId::from_raw),
    })
}

impl Store {
    /// The device registering with this SIP username, whatever its account
    /// (usernames are unique across the installation).
    pub async fn device_by_sip_username(
        &self,
        username: &SipUsername,
    ) -> Result<Option<Device>, StorageError> {
        let sql = format!("{SELECT} WHERE sip_username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(device_from).transpose()
    }

    /// The device registering with this SIP username if its account is
    /// active: a suspended or closed account's phones are refused by the
    /// switch (except for emergency calls).
    pub async fn active_device_by_sip_username(
        &self,
        username: &SipUsername,
    ) -> Result<Option<Device>, StorageError> {
        Ok(self
            .device_and_activity_by_sip_username(username)
            .await?
            .and_then(|(d, active)| active.then_some(d)))
    }

    /// The device with this SIP username and whether its account is
    /// active, in one query: what the switch's directory reads. One
    /// primary-key probe more than [`Store::device_by_sip_username`].
    pub async fn device_and_activity_by_sip_username(
        &self,
        username: &SipUsername,
    ) -> Result<Option<(Device, bool)>, StorageError> {
        let sql = SELECT.replace(
            " FROM devices",
            ", (SELECT a.status FROM accounts a WHERE a.id = devices.account_id) AS account_status FROM devices WHERE sip_username = $1",
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = get(&row, "account_status")?;
        Ok(Some((device_from(&row)?, status == "active")))
    }

    /// The device with this MAC address (auto-provisioning, SPEC T13).
    pub async fn device_by_mac(&self, mac: &MacAddress) -> Result<Option<Device>, StorageError> {
        let sql = format!("{SELECT} WHERE mac = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(mac.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(device_from).transpose()
    }

    /// Which of these SIP usernames are already taken, anywhere.
    pub async fn taken_sip_usernames(
        &self,
        names: &[SipUsername],
    ) -> Result<Vec<SipUsername>, StorageError> {
        let mut taken = Vec::new();
        for chunk in names.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT sip_username FROM devices WHERE sip_username IN ({})",
                placeholders.join(",")
            );
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for n in chunk {
                q = q.bind(n.as_str());
            }
            for name in q.fetch_all(&self.pool).await? {
                taken.push(
                    SipUsername::parse(&name).map_err(|_| StorageError::Corrupt {
                        column: "sip_username",
                        value: name,
                    })?,
                );
            }
        }
        Ok(taken)
    }
}

impl AccountScope<'_> {
    /// Adds a device to the account, storing only the digest HA1 values of
    /// its SIP password for `realm`.
    pub async fn create_device(
        &self,
        new: &NewDevice,
        realm: &str,
    ) -> Result<Device, StorageError> {
        let mut tx = self.pool().begin().await?;
        let id = self.insert_device(&mut tx, new, realm).await?;
        tx.commit().await?;
        self.device(id).await
    }

    pub(crate) async fn insert_device(
        &self,
        tx: &mut Transaction<'static, Any>,
        new: &NewDevice,
        realm: &str,
    ) -> Result<DeviceId, StorageError> {
        if let Some(user) = new.user {
            self.check_user(tx, user).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO devices (account_id, mac, model, label, sip_username, realm, ha1_md5, ha1_sha256, user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(self.raw())
        .bind(new.mac.map(|m| m.to_string()))
        .bind(new.model.0.as_str())
        .bind(new.label.as_str())
        .bind(new.sip_username.as_str())
        .bind(realm)
        .bind(new.sip_password.ha1_md5(&new.sip_username, realm))
        .bind(new.sip_password.ha1_sha256(&new.sip_username, realm))
        .bind(new.user.map(|u| u.raw()))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            StorageError::conflict_or(e, || {
                format!("SIP username {} or MAC address is already in use", new.sip_username)
            })
        })?;
        Ok(DeviceId::from_raw(id))
    }

    async fn check_user(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: UserId,
    ) -> Result<(), StorageError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE account_id = $1 AND id = $2")
                .bind(self.raw())
                .bind(user.raw())
                .fetch_one(&mut **tx)
                .await?;
        if n == 0 {
            Err(StorageError::NotFound("user"))
        } else {
            Ok(())
        }
    }

    /// One device of the account.
    pub async fn device(&self, id: DeviceId) -> Result<Device, StorageError> {
        let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .bind(id.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("device"))?;
        device_from(&row)
    }

    /// Every device of the account.
    pub async fn devices(&self) -> Result<Vec<Device>, StorageError> {
        let sql = format!("{SELECT} WHERE account_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(device_from).collect()
    }

    /// The devices that ring for a user.
    pub async fn devices_of(&self, user: UserId) -> Result<Vec<Device>, StorageError> {
        let sql = format!("{SELECT} WHERE account_id = $1 AND user_id = $2 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .bind(user.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(device_from).collect()
    }

    /// Assigns a device to a user, or frees it (`None`).
    pub async fn assign_device(
        &self,
        device: DeviceId,
        user: Option<UserId>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        if let Some(u) = user {
            self.check_user(&mut tx, u).await?;
        }
        let done = sqlx::query("UPDATE devices SET user_id = $1 WHERE account_id = $2 AND id = $3")
            .bind(user.map(|u| u.raw()))
            .bind(self.raw())
            .bind(device.raw())
            .execute(&mut *tx)
            .await?;
        found(done.rows_affected(), "device")?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a device a new SIP password, storing only its HA1 values for
    /// `realm` (the old password stops working at the next challenge).
    pub async fn set_device_password(
        &self,
        device: &Device,
        password: &SipPassword,
        realm: &str,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE devices SET realm = $1, ha1_md5 = $2, ha1_sha256 = $3 WHERE account_id = $4 AND id = $5",
        )
        .bind(realm)
        .bind(password.ha1_md5(&device.sip_username, realm))
        .bind(password.ha1_sha256(&device.sip_username, realm))
        .bind(self.raw())
        .bind(device.id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "device")
    }

    /// Removes a device and its registrations.
    pub async fn delete_device(&self, device: DeviceId) -> Result<(), StorageError> {
        let done = sqlx::query("DELETE FROM devices WHERE account_id = $1 AND id = $2")
            .bind(self.raw())
            .bind(device.raw())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "device")
    }
}
