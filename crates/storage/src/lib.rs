//! Storage of Switchboard: repositories over SQLite (embedded default) and
//! PostgreSQL (several nodes sharing one database).
//!
//! This crate owns the schema, its migrations and every SQL statement. It
//! hands out domain types parsed from rows and takes domain types in; it
//! knows nothing of SIP, HTTP or the clock (times come in as
//! [`domain::UnixMillis`]).
//!
//! Invariant: every query on a company's data is scoped to one account. Such
//! queries are reachable only through [`AccountScope`], which carries the
//! account id and puts it in every `WHERE`; a row id of another account is
//! simply not found. Installation-wide look-ups (sign-in by main number, a
//! device by SIP username, a dialed number) live on [`Store`].

mod accounts;
mod api_keys;
mod bindings;
mod calls;
mod devices;
mod error;
pub mod import;
mod installation;
mod migrate;
mod numbers;
mod operators;
mod password_resets;
mod ring_groups;
mod row;
mod sessions;
mod trunks;
mod users;
mod voicemail;

use std::str::FromStr;

use domain::AccountId;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions};

pub use api_keys::{ApiKey, ApiKeyId, ApiKeyToken, ApiKeyTokenError};
pub use calls::{CallCursor, CallFilter, CallWrite, Side};
pub use error::StorageError;
pub use operators::{AccountSummary, Holder, Operator, PoolEntry, PoolFilter};
pub use password_resets::PasswordReset;
pub use sessions::StoredSession;
pub use trunks::{RegistrationStatus, TrunkRegistration};
pub use users::{ImportedUser, NewUser, UserSettings};

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The installation's database: a pool of connections and the backend kind.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`), creating a
    /// SQLite file if it is missing, and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StorageError::UnsupportedUrl(redact_url(url)));
        };
        let (url, max) = match backend {
            Backend::Sqlite => {
                // Build the URL through the SQLite options so the file is
                // created, WAL is on and foreign keys are enforced.
                let opts = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(10));
                (opts.to_url_lossy().to_string(), 8)
            }
            Backend::Postgres => (url.to_owned(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect(&url)
            .await?;
        let store = Self { pool, backend };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The repositories of one account's data.
    pub fn account(&self, id: AccountId) -> AccountScope<'_> {
        AccountScope { store: self, id }
    }

    /// Closes every connection; pending queries finish first.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One account's data. Every statement issued through it is limited to that
/// account.
#[derive(Clone, Copy, Debug)]
pub struct AccountScope<'a> {
    store: &'a Store,
    id: AccountId,
}

impl AccountScope<'_> {
    /// The account this scope is limited to.
    pub fn id(&self) -> AccountId {
        self.id
    }

    fn pool(&self) -> &AnyPool {
        &self.store.pool
    }

    fn raw(&self) -> i64 {
        self.id.raw()
    }
}

/// Hides the password in a database URL for messages and `config` output.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:****{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://sb:hunter2@db:5432/sb"),
            "postgres://sb:****@db:5432/sb"
        );
        assert_eq!(redact_url("postgres://sb@db/sb"), "postgres://sb@db/sb");
        assert_eq!(
            redact_url("sqlite://data/switchboard.db"),
            "sqlite://data/switchboard.db"
        );
    }
}
