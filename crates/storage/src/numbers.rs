//! Phone numbers: the pool of numbers to buy, the account's numbers and the
//! extension each one rings (SPEC A6, T3).

use domain::{AccountId, E164, ExtensionId, PhoneNumber, PhoneNumberId};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::accounts::found;
use crate::row::{get, parsed};
use crate::{AccountScope, StorageError, Store};

fn number_from(row: &AnyRow) -> Result<PhoneNumber, StorageError> {
    let account: Option<i64> = get(row, "account_id")?;
    let target: Option<i64> = get(row, "target_extension_id")?;
    Ok(PhoneNumber {
        id: PhoneNumberId::from_raw(get(row, "id")?),
        number: parsed(row, "number", E164::parse)?,
        account: account.map(AccountId::from_raw),
        target: target.map(ExtensionId::from_raw),
    })
}

impl Store {
    /// Adds numbers to the pool of numbers available to buy. Numbers already
    /// known (in the pool or owned) are skipped; returns how many were added.
    pub async fn add_pool_numbers(&self, numbers: &[E164]) -> Result<usize, StorageError> {
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for n in numbers {
            let exists: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM phone_numbers WHERE number = $1")
                    .bind(n.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
            if exists == 0 {
                sqlx::query("INSERT INTO phone_numbers (number) VALUES ($1)")
                    .bind(n.as_str())
                    .execute(&mut *tx)
                    .await?;
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Numbers available to buy, in order.
    pub async fn pool_numbers(&self) -> Result<Vec<PhoneNumber>, StorageError> {
        let rows = sqlx::query("SELECT id, number, account_id, target_extension_id FROM phone_numbers WHERE account_id IS NULL ORDER BY number")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(number_from).collect()
    }

    /// Who owns a dialed number and what it rings (inbound routing, SPEC T3).
    pub async fn number(&self, number: &E164) -> Result<Option<PhoneNumber>, StorageError> {
        let row = sqlx::query("SELECT id, number, account_id, target_extension_id FROM phone_numbers WHERE number = $1")
            .bind(number.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(number_from).transpose()
    }
}

impl AccountScope<'_> {
    /// The account's numbers, in order.
    pub async fn numbers(&self) -> Result<Vec<PhoneNumber>, StorageError> {
        let rows = sqlx::query("SELECT id, number, account_id, target_extension_id FROM phone_numbers WHERE account_id = $1 ORDER BY number")
            .bind(self.raw())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(number_from).collect()
    }

    /// Buys a number from the pool (SPEC A6).
    pub async fn buy_number(&self, number: &E164) -> Result<PhoneNumber, StorageError> {
        let mut tx = self.pool().begin().await?;
        self.take_number(&mut tx, number, None).await?;
        tx.commit().await?;
        let row = sqlx::query("SELECT id, number, account_id, target_extension_id FROM phone_numbers WHERE number = $1")
            .bind(number.as_str())
            .fetch_one(self.pool())
            .await?;
        number_from(&row)
    }

    /// Makes `number` the account's (from the pool if needed) and points it
    /// at `target`. Fails if another account owns it.
    pub(crate) async fn take_number(
        &self,
        tx: &mut Transaction<'static, Any>,
        number: &E164,
        target: Option<ExtensionId>,
    ) -> Result<(), StorageError> {
        let owner: Option<Option<i64>> =
            sqlx::query_scalar("SELECT account_id FROM phone_numbers WHERE number = $1")
                .bind(number.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        match owner {
            None => {
                return Err(StorageError::Invalid(format!(
                    "number {number} is not available"
                )));
            }
            Some(Some(a)) if a != self.raw() => {
                return Err(StorageError::Invalid(format!(
                    "number {number} is not available"
                )));
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE phone_numbers SET account_id = $1, target_extension_id = COALESCE($2, target_extension_id) WHERE number = $3",
        )
        .bind(self.raw())
        .bind(target.map(|t| t.raw()))
        .bind(number.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Points one of the account's numbers at an extension of the account,
    /// or at nothing (SPEC A6).
    pub async fn route_number(
        &self,
        number: &E164,
        target: Option<ExtensionId>,
    ) -> Result<(), StorageError> {
        if let Some(t) = target {
            self.extension(t).await?;
        }
        let done = sqlx::query("UPDATE phone_numbers SET target_extension_id = $1 WHERE account_id = $2 AND number = $3")
            .bind(target.map(|t| t.raw()))
            .bind(self.raw())
            .bind(number.as_str())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "phone number")
    }

    /// Numbers that ring one extension (a user's direct numbers).
    pub async fn numbers_of(&self, extension: ExtensionId) -> Result<Vec<E164>, StorageError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT number FROM phone_numbers WHERE account_id = $1 AND target_extension_id = $2 ORDER BY number",
        )
        .bind(self.raw())
        .bind(extension.raw())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|n| {
                E164::parse(&n).map_err(|_| StorageError::Corrupt {
                    column: "number",
                    value: n,
                })
            })
            .collect()
    }

    /// Gives a number back to the pool; whatever it rang stops ringing.
    /// The main number cannot be released.
    pub async fn release_number(&self, number: &E164) -> Result<(), StorageError> {
        let main = self.details().await?.main_number;
        if &main == number {
            return Err(StorageError::Invalid(
                "the main number cannot be released".to_owned(),
            ));
        }
        let done = sqlx::query(
            "UPDATE phone_numbers SET account_id = NULL, target_extension_id = NULL WHERE account_id = $1 AND number = $2",
        )
        .bind(self.raw())
        .bind(number.as_str())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "phone number")
    }
}
