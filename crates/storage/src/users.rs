//! Users and their extensions (SPEC A5, A16, U6-U9), and bulk import.

use domain::{
    AfterEmail, E164, EmailAddress, ExtensionId, ExtensionKind, ExtensionNumber,
    ForwardingSettings, NewDevice, PasswordHash, PinHash, RingSeconds, User, UserId,
    VoicemailSettings,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::accounts::found;
use crate::row::{flag, get, named, parsed, parsed_opt};
use crate::{AccountScope, StorageError};

/// What it takes to create a user and their extension.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub extension: ExtensionNumber,
    pub name: String,
    pub email: EmailAddress,
    pub password: PasswordHash,
    /// A direct number to give the user: one of the account's unassigned
    /// numbers or one from the pool (bought on the spot).
    pub direct_number: Option<E164>,
}

/// The settings a user (or their admin) changes after creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSettings {
    pub voicemail: VoicemailSettings,
    pub forwarding: ForwardingSettings,
    pub caller_id: Option<E164>,
}

/// One user of a bulk import, with the one device the CSV row describes.
#[derive(Clone, Debug)]
pub struct ImportedUser {
    pub user: NewUser,
    pub device: NewDevice,
}

const SELECT: &str = "SELECT u.id, u.account_id, u.extension_id, e.number AS extension_number, u.name, u.email, u.password,
        u.vm_enabled, u.vm_ring_seconds, u.vm_pin, u.vm_email, u.vm_attach_mp3, u.vm_after_email,
        u.fwd_enabled, u.fwd_number, u.fwd_simultaneous, u.fwd_key_press, u.caller_id
    FROM users u JOIN extensions e ON e.id = u.extension_id";

fn user_from(row: &AnyRow) -> Result<User, StorageError> {
    let fwd_number = parsed_opt(row, "fwd_number", E164::parse)?;
    let fwd_enabled = flag(row, "fwd_enabled")?;
    let forwarding = ForwardingSettings::new(
        fwd_enabled,
        fwd_number,
        flag(row, "fwd_simultaneous")?,
        flag(row, "fwd_key_press")?,
    )
    .map_err(|_| StorageError::Corrupt {
        column: "fwd_number",
        value: String::new(),
    })?;
    let ring: i64 = get(row, "vm_ring_seconds")?;
    Ok(User {
        id: UserId::from_raw(get(row, "id")?),
        account: domain::AccountId::from_raw(get(row, "account_id")?),
        extension: ExtensionId::from_raw(get(row, "extension_id")?),
        extension_number: parsed(row, "extension_number", ExtensionNumber::parse)?,
        name: get(row, "name")?,
        email: parsed(row, "email", EmailAddress::parse)?,
        password: parsed(row, "password", PasswordHash::from_phc)?,
        voicemail: VoicemailSettings {
            enabled: flag(row, "vm_enabled")?,
            ring_seconds: RingSeconds::new(ring).map_err(|_| StorageError::Corrupt {
                column: "vm_ring_seconds",
                value: ring.to_string(),
            })?,
            pin: parsed_opt(row, "vm_pin", PinHash::from_phc)?,
            email_notification: flag(row, "vm_email")?,
            attach_mp3: flag(row, "vm_attach_mp3")?,
            after_email: parsed(row, "vm_after_email", named(AfterEmail::parse))?,
        },
        forwarding,
        caller_id: parsed_opt(row, "caller_id", E164::parse)?,
    })
}

impl AccountScope<'_> {
    /// Creates a user with their extension (and direct number, if asked).
    pub async fn create_user(&self, new: &NewUser) -> Result<User, StorageError> {
        let mut tx = self.pool().begin().await?;
        let id = self.insert_user(&mut tx, new).await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Creates many users and their devices in one transaction: all or
    /// nothing.
    pub async fn import_users(
        &self,
        users: &[ImportedUser],
        realm: &str,
    ) -> Result<usize, StorageError> {
        Ok(self.import_users_flagged(users, realm, false).await?.len())
    }

    /// [`AccountScope::import_users`], marking the passwords temporary when
    /// `temporary` is set; returns the new users' ids in order.
    pub async fn import_users_flagged(
        &self,
        users: &[ImportedUser],
        realm: &str,
        temporary: bool,
    ) -> Result<Vec<UserId>, StorageError> {
        let mut tx = self.pool().begin().await?;
        let mut ids = Vec::with_capacity(users.len());
        for entry in users {
            let user = self.insert_user(&mut tx, &entry.user).await?;
            if temporary {
                sqlx::query("UPDATE users SET must_change_password = $1 WHERE id = $2")
                    .bind(true)
                    .bind(user.raw())
                    .execute(&mut *tx)
                    .await?;
            }
            let device = NewDevice {
                user: Some(user),
                ..entry.device.clone()
            };
            self.insert_device(&mut tx, &device, realm).await?;
            ids.push(user);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn insert_user(
        &self,
        tx: &mut Transaction<'static, Any>,
        new: &NewUser,
    ) -> Result<UserId, StorageError> {
        let extension = self
            .insert_extension(tx, &new.extension, ExtensionKind::User, &new.name)
            .await?;
        let vm = VoicemailSettings::default();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (account_id, extension_id, name, email, password, vm_enabled, vm_ring_seconds, vm_pin,
                vm_email, vm_attach_mp3, vm_after_email, fwd_enabled, fwd_number, fwd_simultaneous, fwd_key_press, caller_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, FALSE, NULL, FALSE, FALSE, NULL) RETURNING id",
        )
        .bind(self.raw())
        .bind(extension.raw())
        .bind(new.name.as_str())
        .bind(new.email.as_str())
        .bind(new.password.as_phc())
        .bind(vm.enabled)
        .bind(i64::from(vm.ring_seconds.get()))
        .bind(vm.email_notification)
        .bind(vm.attach_mp3)
        .bind(vm.after_email.as_str())
        .fetch_one(&mut **tx)
        .await?;
        if let Some(number) = &new.direct_number {
            self.take_number(tx, number, Some(extension)).await?;
        }
        Ok(UserId::from_raw(id))
    }

    /// Every user of the account, by extension number.
    pub async fn users(&self) -> Result<Vec<User>, StorageError> {
        let sql = format!("{SELECT} WHERE u.account_id = $1 ORDER BY e.number");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from).collect()
    }

    /// One user.
    pub async fn user(&self, id: UserId) -> Result<User, StorageError> {
        let sql = format!("{SELECT} WHERE u.account_id = $1 AND u.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .bind(id.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("user"))?;
        user_from(&row)
    }

    /// The user behind an extension number, if it is a user extension
    /// (user-portal sign-in, SPEC U1; internal calls).
    pub async fn user_by_extension(
        &self,
        number: &ExtensionNumber,
    ) -> Result<Option<User>, StorageError> {
        let sql = format!("{SELECT} WHERE u.account_id = $1 AND e.number = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .bind(number.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    /// Replaces a user's voicemail, forwarding and caller-ID settings. The
    /// caller ID must be one of the account's numbers.
    pub async fn update_user_settings(
        &self,
        id: UserId,
        s: &UserSettings,
    ) -> Result<(), StorageError> {
        if let Some(cid) = &s.caller_id {
            let owned: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM phone_numbers WHERE account_id = $1 AND number = $2",
            )
            .bind(self.raw())
            .bind(cid.as_str())
            .fetch_one(self.pool())
            .await?;
            if owned == 0 {
                return Err(StorageError::Invalid(format!(
                    "{cid} is not a number of this account"
                )));
            }
        }
        let vm = &s.voicemail;
        let fwd = &s.forwarding;
        let done = sqlx::query(
            "UPDATE users SET vm_enabled = $1, vm_ring_seconds = $2, vm_pin = $3, vm_email = $4, vm_attach_mp3 = $5,
                vm_after_email = $6, fwd_enabled = $7, fwd_number = $8, fwd_simultaneous = $9, fwd_key_press = $10,
                caller_id = $11
             WHERE account_id = $12 AND id = $13",
        )
        .bind(vm.enabled)
        .bind(i64::from(vm.ring_seconds.get()))
        .bind(vm.pin.as_ref().map(|p| p.as_phc().to_owned()))
        .bind(vm.email_notification)
        .bind(vm.attach_mp3)
        .bind(vm.after_email.as_str())
        .bind(fwd.enabled())
        .bind(fwd.number().map(|n| n.as_str().to_owned()))
        .bind(fwd.simultaneous())
        .bind(fwd.key_press_required())
        .bind(s.caller_id.as_ref().map(|n| n.as_str().to_owned()))
        .bind(self.raw())
        .bind(id.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "user")
    }

    /// Changes a user's name (admin only) and e-mail address.
    pub async fn update_user_profile(
        &self,
        id: UserId,
        name: &str,
        email: &EmailAddress,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        let done =
            sqlx::query("UPDATE users SET name = $1, email = $2 WHERE account_id = $3 AND id = $4")
                .bind(name)
                .bind(email.as_str())
                .bind(self.raw())
                .bind(id.raw())
                .execute(&mut *tx)
                .await?;
        found(done.rows_affected(), "user")?;
        sqlx::query(
            "UPDATE extensions SET name = $1 WHERE account_id = $2 AND id = (SELECT extension_id FROM users WHERE id = $3)",
        )
        .bind(name)
        .bind(self.raw())
        .bind(id.raw())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a user's portal password hash (SPEC A15, U9).
    pub async fn set_user_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
    ) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE users SET password = $1 WHERE account_id = $2 AND id = $3")
            .bind(hash.as_phc())
            .bind(self.raw())
            .bind(id.raw())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "user")
    }

    /// Deletes a user and their extension. Their devices stay in the account,
    /// free for reuse; numbers that rang the extension become unassigned.
    pub async fn delete_user(&self, id: UserId) -> Result<(), StorageError> {
        let mut tx = self.pool().begin().await?;
        let ext: Option<i64> =
            sqlx::query_scalar("SELECT extension_id FROM users WHERE account_id = $1 AND id = $2")
                .bind(self.raw())
                .bind(id.raw())
                .fetch_optional(&mut *tx)
                .await?;
        let ext = ext.ok_or(StorageError::NotFound("user"))?;
        sqlx::query("UPDATE devices SET user_id = NULL WHERE account_id = $1 AND user_id = $2")
            .bind(self.raw())
            .bind(id.raw())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM extensions WHERE account_id = $1 AND id = $2")
            .bind(self.raw())
            .bind(ext)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
