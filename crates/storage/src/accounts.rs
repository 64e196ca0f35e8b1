//! Accounts: creation and sign-in look-up (installation-wide), settings
//! (through the account's scope).

use domain::{
    Account, AccountId, AccountStatus, CompanyName, E164, EmailAddress, Language, NewAccount,
    PasswordHash, TimeZone, UnixMillis,
};
use sqlx::any::AnyRow;

use crate::row::{get, named, parsed};
use crate::{AccountScope, StorageError, Store};

pub(crate) const COLUMNS: &str = "id, company, main_number, address, admin_email, admin_password, language, time_zone, status, created_at";

pub(crate) fn account_from(row: &AnyRow) -> Result<Account, StorageError> {
    Ok(Account {
        id: AccountId::from_raw(get(row, "id")?),
        company: parsed(row, "company", CompanyName::parse)?,
        main_number: parsed(row, "main_number", E164::parse)?,
        address: get(row, "address")?,
        admin_email: parsed(row, "admin_email", EmailAddress::parse)?,
        admin_password: parsed(row, "admin_password", PasswordHash::from_phc)?,
        language: parsed(row, "language", Language::parse)?,
        time_zone: parsed(row, "time_zone", TimeZone::parse)?,
        status: parsed(row, "status", named(AccountStatus::parse))?,
        created_at: UnixMillis::from_millis(get(row, "created_at")?),
    })
}

impl Store {
    /// Creates an account. Its main number must not belong to another
    /// account; if it waits in the pool, the account takes it.
    pub async fn create_account(
        &self,
        new: &NewAccount,
        now: UnixMillis,
    ) -> Result<Account, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (company, main_number, address, admin_email, admin_password, language, time_zone, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING id",
        )
        .bind(new.company.as_str())
        .bind(new.main_number.as_str())
        .bind(new.address.as_str())
        .bind(new.admin_email.as_str())
        .bind(new.admin_password.as_phc())
        .bind(new.language.code())
        .bind(new.time_zone.as_str())
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            StorageError::conflict_or(e, || format!("an account with main number {} already exists", new.main_number))
        })?;
        let owner: Option<Option<i64>> =
            sqlx::query_scalar("SELECT account_id FROM phone_numbers WHERE number = $1")
                .bind(new.main_number.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        match owner {
            Some(Some(_)) => {
                return Err(StorageError::Conflict(format!(
                    "number {} already belongs to another account",
                    new.main_number
                )));
            }
            Some(None) => {
                sqlx::query("UPDATE phone_numbers SET account_id = $1 WHERE number = $2")
                    .bind(id)
                    .bind(new.main_number.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query("INSERT INTO phone_numbers (number, account_id) VALUES ($1, $2)")
                    .bind(new.main_number.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.account(AccountId::from_raw(id)).details().await
    }

    /// The account whose main number is `number` (admin sign-in, SPEC A1).
    pub async fn account_by_main_number(
        &self,
        number: &E164,
    ) -> Result<Option<Account>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE main_number = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(number.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account_from).transpose()
    }

    /// Every account, oldest first.
    pub async fn accounts(&self) -> Result<Vec<Account>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from).collect()
    }

    /// How many accounts exist (zero on a new installation).
    pub async fn account_count(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?)
    }
}

impl AccountScope<'_> {
    /// The account itself.
    pub async fn details(&self) -> Result<Account, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.raw())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StorageError::NotFound("account"))?;
        account_from(&row)
    }

    /// Updates the company details (SPEC A9).
    pub async fn update_company(
        &self,
        company: &CompanyName,
        address: &str,
        admin_email: &EmailAddress,
    ) -> Result<(), StorageError> {
        let done = sqlx::query(
            "UPDATE accounts SET company = $1, address = $2, admin_email = $3 WHERE id = $4",
        )
        .bind(company.as_str())
        .bind(address)
        .bind(admin_email.as_str())
        .bind(self.raw())
        .execute(self.pool())
        .await?;
        found(done.rows_affected(), "account")
    }

    /// Updates the preferences (SPEC A8).
    pub async fn update_preferences(
        &self,
        language: Language,
        time_zone: &TimeZone,
    ) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE accounts SET language = $1, time_zone = $2 WHERE id = $3")
            .bind(language.code())
            .bind(time_zone.as_str())
            .bind(self.raw())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "account")
    }

    /// Replaces the administrator's password hash.
    pub async fn set_admin_password(&self, hash: &PasswordHash) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE accounts SET admin_password = $1 WHERE id = $2")
            .bind(hash.as_phc())
            .bind(self.raw())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "account")
    }

    /// Suspends, reactivates or closes the account.
    pub async fn set_status(&self, status: AccountStatus) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(self.raw())
            .execute(self.pool())
            .await?;
        found(done.rows_affected(), "account")
    }
}

/// `NotFound` unless a statement touched a row.
pub(crate) fn found(rows: u64, what: &'static str) -> Result<(), StorageError> {
    if rows == 0 {
        Err(StorageError::NotFound(what))
    } else {
        Ok(())
    }
}
