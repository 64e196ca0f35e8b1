//! Bulk import of users from CSV (`switchboard import users`).
//!
//! The file has the header `extension,name,email,password,sip_username,
//! sip_password`, one user and their one device per row. Every row is
//! parsed and checked (against the others and against the database) before
//! anything is written; then the argon2id hashing, which dominates the cost,
//! is spread over every core, and all rows are written in one transaction.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use domain::{
    AccountId, DeviceModel, EmailAddress, ExtensionNumber, NewDevice, Password, PasswordHash,
    SipPassword, SipUsername,
};
use rayon::prelude::*;

use crate::{ImportedUser, NewUser, StorageError, Store};

/// The columns a user CSV must have, in this order.
pub const COLUMNS: [&str; 6] = [
    "extension",
    "name",
    "email",
    "password",
    "sip_username",
    "sip_password",
];

/// A row that cannot be imported, with its line in the file (1 = header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header is not the expected list of columns.
    #[error("the first line must be {expected}, got {found}")]
    BadHeader { expected: String, found: String },
    /// The file has no user rows.
    #[error("the file has no users")]
    Empty,
    /// Some rows are invalid; nothing was written.
    #[error("{} bad row(s), nothing imported:\n{}", .0.len(), RowErrors(.0))]
    Rows(Vec<RowError>),
    /// The file is not readable CSV.
    #[error("line {line}: not valid CSV: {message}")]
    Csv { line: u64, message: String },
    /// Writing failed; the transaction was rolled back.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

struct RowErrors<'a>(&'a [RowError]);

impl fmt::Display for RowErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in self.0 {
            writeln!(f, "  line {}: {}", e.line, e.message)?;
        }
        Ok(())
    }
}

/// A row that parsed, before hashing.
struct ParsedRow {
    line: u64,
    extension: ExtensionNumber,
    name: String,
    email: EmailAddress,
    password: Password,
    sip_username: SipUsername,
    sip_password: SipPassword,
}

/// Parses every row; returns the rows that parsed and all the problems
/// found, not just the first.
fn parse_rows(reader: impl Read) -> Result<(Vec<ParsedRow>, Vec<RowError>), ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(reader);
    let header = csv
        .headers()
        .map_err(|e| ImportError::Csv {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    if header
        .iter()
        .map(str::to_ascii_lowercase)
        .ne(COLUMNS.iter().map(|c| c.to_string()))
    {
        return Err(ImportError::BadHeader {
            expected: COLUMNS.join(","),
            found: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in csv.records() {
        let record = record.map_err(|e| ImportError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != COLUMNS.len() {
            errors.push(RowError {
                line,
                message: format!("expected 6 columns, found {}", record.len()),
            });
            continue;
        }
        let mut problems = Vec::new();
        let p = &mut problems;
        let extension = keep(p, ExtensionNumber::parse(&record[0]));
        let name = keep(
            p,
            if record[1].is_empty() || record[1].chars().count() > 100 {
                Err("name must have 1 to 100 characters")
            } else {
                Ok(record[1].to_owned())
            },
        );
        let email = keep(p, EmailAddress::parse(&record[2]));
        let password = keep(p, Password::parse(&record[3]));
        let sip_username = keep(p, SipUsername::parse(&record[4]));
        let sip_password = keep(p, SipPassword::parse(&record[5]));
        match (extension, name, email, password, sip_username, sip_password) {
            (
                Some(extension),
                Some(name),
                Some(email),
                Some(password),
                Some(sip_username),
                Some(sip_password),
            ) => {
                rows.push(ParsedRow {
                    line,
                    extension,
                    name,
                    email,
                    password,
                    sip_username,
                    sip_password,
                });
            }
            _ => errors.push(RowError {
                line,
                message: problems.join("; "),
            }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok((rows, errors))
}

/// The value, or `None` with its error noted in `problems`.
fn keep<T, E: fmt::Display>(problems: &mut Vec<String>, r: Result<T, E>) -> Option<T> {
    r.map_err(|e| problems.push(e.to_string())).ok()
}

/// Rows that repeat an extension or SIP username of an earlier row.
fn duplicates_within(rows: &[ParsedRow]) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut extensions = HashMap::new();
    let mut usernames = HashMap::new();
    for r in rows {
        if let Some(first) = extensions.insert(r.extension.clone(), r.line) {
            errors.push(RowError {
                line: r.line,
                message: format!("extension {} already on line {first}", r.extension),
            });
        }
        if let Some(first) = usernames.insert(r.sip_username.clone(), r.line) {
            errors.push(RowError {
                line: r.line,
                message: format!("SIP username {} already on line {first}", r.sip_username),
            });
        }
    }
    errors
}

impl Store {
    /// Imports users and their devices from CSV into `account`: all rows or
    /// none. Returns how many users were created.
    pub async fn import_users_csv(
        &self,
        account: AccountId,
        reader: impl Read,
        realm: &str,
    ) -> Result<usize, ImportError> {
        let (rows, mut errors) = parse_rows(reader)?;
        errors.extend(duplicates_within(&rows));
        let scope = self.account(account);
        scope.details().await?;
        let existing: std::collections::HashSet<_> = scope
            .extensions()
            .await?
            .into_iter()
            .map(|e| e.number)
            .collect();
        let names: Vec<_> = rows.iter().map(|r| r.sip_username.clone()).collect();
        let taken: std::collections::HashSet<_> = self
            .taken_sip_usernames(&names)
            .await?
            .into_iter()
            .collect();
        for r in &rows {
            if existing.contains(&r.extension) {
                errors.push(RowError {
                    line: r.line,
                    message: format!("extension {} already exists in the account", r.extension),
                });
            }
            if taken.contains(&r.sip_username) {
                errors.push(RowError {
                    line: r.line,
                    message: format!("SIP username {} is already in use", r.sip_username),
                });
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(ImportError::Rows(errors));
        }
        // argon2id is deliberately slow (~tens of ms): hash on every core,
        // off the async runtime.
        let users = tokio::task::spawn_blocking(move || {
            rows.into_par_iter()
                .map(|r| ImportedUser {
                    user: NewUser {
                        extension: r.extension,
                        name: r.name.clone(),
                        email: r.email,
                        password: PasswordHash::of(&r.password),
                        direct_number: None,
                    },
                    device: NewDevice {
                        mac: None,
                        model: DeviceModel("softphone".to_owned()),
                        label: r.name,
                        sip_username: r.sip_username,
                        sip_password: r.sip_password,
                        user: None,
                    },
                })
                .collect::<Vec<_>>()
        })
        .await
        .expect("hashing task does not panic");
        Ok(scope.import_users(&users, realm).await?)
    }
}
