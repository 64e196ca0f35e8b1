//! Errors of the storage layer.

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL names neither SQLite nor PostgreSQL.
    #[error("database URL must start with sqlite:// or postgres://, got {0}")]
    UnsupportedUrl(String),
    /// The row asked for does not exist in this account (or at all).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule refused the write; the message says which.
    #[error("{0}")]
    Conflict(String),
    /// The write would break a rule of the model (e.g. a ring group member
    /// that is not a user extension).
    #[error("{0}")]
    Invalid(String),
    /// A stored value no longer parses: the database was edited by hand or
    /// by a newer version.
    #[error("stored {column} is invalid: {value:?}")]
    Corrupt { column: &'static str, value: String },
    /// A migration failed; the schema is as it was before it.
    #[error("migration {version} failed")]
    Migration {
        version: i64,
        #[source]
        source: sqlx::Error,
    },
    /// The database refused or failed the statement.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl StorageError {
    /// Maps a unique-constraint violation to [`StorageError::Conflict`] with
    /// `message`; other errors pass through.
    pub(crate) fn conflict_or(err: sqlx::Error, message: impl FnOnce() -> String) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(message()),
            _ => Self::Database(err),
        }
    }
}
