//! The platform operators (issue 6) and the installation-wide views they
//! work with: every account with its size, and the number pool with who
//! holds each number.
//!
//! These queries deliberately cross accounts; only the operator portal and
//! the command line reach them. What changes one account's data (its
//! status, releasing one of its numbers) still goes through that account's
//! [`AccountScope`].

use domain::{
    Account, AccountId, CompanyName, E164, EmailAddress, OperatorId, PasswordHash, UnixMillis,
};
use sqlx::any::AnyRow;

use crate::accounts::{COLUMNS, account_from, found};
use crate::row::{get, parsed, parsed_opt};
use crate::{StorageError, Store};

/// A person of the hosting company, signing in by e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub id: OperatorId,
    pub email: EmailAddress,
    pub password: PasswordHash,
    pub created_at: UnixMillis,
}

/// An account as the operator's list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    pub account: Account,
    /// How many users (with their extension) the account has.
    pub users: i64,
}

/// Which numbers of the pool to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PoolFilter {
    #[default]
    All,
    /// Waiting to be bought.
    Free,
    /// Held by an account.
    Assigned,
}

/// A number known to the installation and who holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolEntry {
    pub number: E164,
    /// The account holding it; `None` while it waits in the pool.
    pub holder: Option<Holder>,
}

/// The account holding a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub account: AccountId,
    pub company: CompanyName,
    /// True when the number is the account's main number (it cannot be
    /// released).
    pub main: bool,
}

fn operator_from(row: &AnyRow) -> Result<Operator, StorageError> {
    Ok(Operator {
        id: OperatorId::from_raw(get(row, "id")?),
        email: parsed(row, "email", EmailAddress::parse)?,
        password: parsed(row, "password", PasswordHash::from_phc)?,
        created_at: UnixMillis::from_millis(get(row, "created_at")?),
    })
}

fn entry_from(row: &AnyRow) -> Result<PoolEntry, StorageError> {
    let number = parsed(row, "number", E164::parse)?;
    let account: Option<i64> = get(row, "account_id")?;
    let holder = match account {
        None => None,
        Some(id) => {
            let company = parsed_opt(row, "company", CompanyName::parse)?
                .ok_or(StorageError::NotFound("account"))?;
            let main = parsed_opt(row, "main_number", E164::parse)?;
            Some(Holder {
                account: AccountId::from_raw(id),
                company,
                main: main.as_ref() == Some(&number),
            })
        }
    };
    Ok(PoolEntry { number, holder })
}

impl Store {
    /// Creates an operator. E-mail addresses are unique, whatever their
    /// case.
    pub async fn create_operator(
        &self,
        email: &EmailAddress,
        password: &PasswordHash,
        now: UnixMillis,
    ) -> Result<Operator, StorageError> {
        if self.operator_by_email(email).await?.is_some() {
            return Err(StorageError::Conflict(format!(
                "an operator with e-mail {email} already exists"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO operators (email, password, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(email.as_str())
        .bind(password.as_phc())
        .bind(now.millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            StorageError::conflict_or(e, || {
                format!("an operator with e-mail {email} already exists")
            })
        })?;
        self.operator(OperatorId::from_raw(id)).await
    }

    /// The operator with this id.
    pub async fn operator(&self, id: OperatorId) -> Result<Operator, StorageError> {
        let row =
            sqlx::query("SELECT id, email, password, created_at FROM operators WHERE id = $1")
                .bind(id.raw())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StorageError::NotFound("operator"))?;
        operator_from(&row)
    }

    /// The operator signing in with this e-mail address (any case).
    pub async fn operator_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<Operator>, StorageError> {
        let row = sqlx::query(
            "SELECT id, email, password, created_at FROM operators WHERE LOWER(email) = LOWER($1)",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(operator_from).transpose()
    }

    /// Every account with its number of users, by company name.
    pub async fn account_summaries(&self) -> Result<Vec<AccountSummary>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS}, (SELECT COUNT(*) FROM users WHERE users.account_id = accounts.id) AS user_count
             FROM accounts ORDER BY company, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountSummary {
                    account: account_from(row)?,
                    users: get(row, "user_count")?,
                })
            })
            .collect()
    }

    /// The numbers the installation knows, in order, with their holder.
    pub async fn pool_entries(&self, filter: PoolFilter) -> Result<Vec<PoolEntry>, StorageError> {
        let condition = match filter {
            PoolFilter::All => "",
            PoolFilter::Free => "WHERE p.account_id IS NULL",
            PoolFilter::Assigned => "WHERE p.account_id IS NOT NULL",
        };
        let sql = format!(
            "SELECT p.number, p.account_id, a.company, a.main_number
             FROM phone_numbers p LEFT JOIN accounts a ON a.id = p.account_id
             {condition} ORDER BY p.number"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from).collect()
    }

    /// Takes a free number out of the pool for good. A number an account
    /// holds is refused: release it first.
    pub async fn remove_pool_number(&self, number: &E164) -> Result<(), StorageError> {
        let done =
            sqlx::query("DELETE FROM phone_numbers WHERE number = $1 AND account_id IS NULL")
                .bind(number.as_str())
                .execute(&self.pool)
                .await?;
        if done.rows_affected() > 0 {
            return Ok(());
        }
        match self.number(number).await? {
            Some(_) => Err(StorageError::Invalid(format!(
                "number {number} belongs to an account: release it first"
            ))),
            None => Err(StorageError::NotFound("phone number")),
        }
    }

    /// Gives a number an account holds back to the pool, whatever it rang
    /// (see [`crate::AccountScope::release_number`]; a main number stays).
    pub async fn release_assigned_number(&self, number: &E164) -> Result<AccountId, StorageError> {
        let holder = self
            .number(number)
            .await?
            .ok_or(StorageError::NotFound("phone number"))?
            .account
            .ok_or_else(|| StorageError::Invalid(format!("number {number} is already free")))?;
        self.account(holder).release_number(number).await?;
        Ok(holder)
    }

    /// How many operators exist.
    pub async fn operator_count(&self) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM operators")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Replaces an operator's password hash.
    pub async fn set_operator_password(
        &self,
        id: OperatorId,
        password: &PasswordHash,
    ) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE operators SET password = $1 WHERE id = $2")
            .bind(password.as_phc())
            .bind(id.raw())
            .execute(&self.pool)
            .await?;
        found(done.rows_affected(), "operator")
    }
}

impl Store {
    /// Stores a new API key of `operator` under `name`; only the key's
    /// SHA-256 is kept.
    pub async fn create_operator_api_key(
        &self,
        operator: OperatorId,
        name: &str,
        token: &crate::ApiKeyToken,
        now: UnixMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO operator_api_keys (operator_id, name, key_sha256, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(operator.raw())
        .bind(name)
        .bind(token.digest())
        .bind(now.millis())
        .execute(&self.pool)
        .await
        .map_err(|e| StorageError::conflict_or(e, || "this API key already exists".to_owned()))?;
        Ok(())
    }

    /// The operator whose live key is `token`, if any.
    pub async fn authenticate_operator_api_key(
        &self,
        token: &crate::ApiKeyToken,
    ) -> Result<Option<OperatorId>, StorageError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT operator_id FROM operator_api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(token.digest())
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(OperatorId::from_raw))
    }

    /// Revokes every key of `operator` named `name`; how many were live.
    pub async fn revoke_operator_api_keys(
        &self,
        operator: OperatorId,
        name: &str,
        now: UnixMillis,
    ) -> Result<u64, StorageError> {
        let done = sqlx::query(
            "UPDATE operator_api_keys SET revoked_at = $1
             WHERE operator_id = $2 AND name = $3 AND revoked_at IS NULL",
        )
        .bind(now.millis())
        .bind(operator.raw())
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
