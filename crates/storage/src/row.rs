//! Reading domain values out of rows: every stored value is parsed again on
//! the way out, so a hand-edited database yields a clear error, not a panic.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StorageError;

/// Reads a column by name.
pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &'static str) -> Result<T, StorageError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get::<T, _>(column)?)
}

/// Reads a boolean column. SQLite hands booleans back as integers.
pub(crate) fn flag(row: &AnyRow, column: &'static str) -> Result<bool, StorageError> {
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

/// Reads a text column and parses it with `parse`.
pub(crate) fn parsed<T, E>(
    row: &AnyRow,
    column: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StorageError> {
    let text: String = get(row, column)?;
    parse(&text).map_err(|_| StorageError::Corrupt {
        column,
        value: text,
    })
}

/// Reads a nullable text column and parses it when present.
pub(crate) fn parsed_opt<T, E>(
    row: &AnyRow,
    column: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, StorageError> {
    let text: Option<String> = get(row, column)?;
    match text {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).map_err(|_| StorageError::Corrupt {
            column,
            value: text,
        }),
    }
}

/// Adapts an `Option`-returning name parser to `parsed`.
pub(crate) fn named<T>(
    parse: impl FnOnce(&str) -> Option<T>,
) -> impl FnOnce(&str) -> Result<T, ()> {
    move |s| parse(s).ok_or(())
}
