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
    SipPassword, SipUsername, User,
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
    /// Every problem of the row, in English, joined with "; ".
    pub message: String,
    /// The same problems, one per cell, for callers that explain them in
    /// another language (the portals).
    pub problems: Vec<Problem>,
}

/// One problem of a row, naming the column at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The row does not have the six columns.
    ColumnCount { found: usize },
    /// The cell does not hold a valid value for its column.
    Invalid { column: &'static str, value: String },
    /// An earlier row of the file has the same value in this column.
    Repeated {
        column: &'static str,
        value: String,
        first_line: u64,
    },
    /// The value is already used: an extension of the account, or a SIP
    /// username anywhere in the installation.
    Taken { column: &'static str, value: String },
}

/// How an import treats passwords.
#[derive(Clone, Copy, Debug)]
pub struct ImportOptions<'a> {
    /// The SIP digest realm the devices' credentials are hashed for.
    pub realm: &'a str,
    /// What an empty `password` cell becomes; refused when `None`.
    pub fill_password: Option<fn() -> Password>,
    /// Marks every imported password temporary: the user must choose a new
    /// one at first sign-in (the portals' import, SPEC A16).
    pub temporary: bool,
}

/// A user the import created, with the portal password it was given.
#[derive(Debug, Clone)]
pub struct Imported {
    pub user: User,
    pub password: Password,
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
fn parse_rows(
    reader: impl Read,
    fill_password: Option<fn() -> Password>,
) -> Result<(Vec<ParsedRow>, Vec<RowError>), ImportError> {
    // The csv crate counts a CRLF line ending as no new line, so a file
    // from a spreadsheet or a browser's textarea (always CRLF) would have
    // its problems reported on the wrong lines: read it whole (every row
    // is kept in memory for validation anyway) with LF endings.
    let mut bytes = Vec::new();
    let mut reader = reader;
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| ImportError::Csv {
            line: 0,
            message: e.to_string(),
        })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        ImportError::Csv {
            line: 1 + before.iter().filter(|&&b| b == b'\n').count() as u64,
            message: "the file is not UTF-8 text: save it as \"CSV UTF-8\"".to_owned(),
        }
    })?;
    // A spreadsheet's "CSV UTF-8" starts with a byte order mark.
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .replace("\r\n", "\n");
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
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
                problems: vec![Problem::ColumnCount {
                    found: record.len(),
                }],
            });
            continue;
        }
        let mut problems = Cells::default();
        let p = &mut problems;
        let extension = p.keep(&record, 0, ExtensionNumber::parse_new(&record[0]));
        let name = p.keep(
            &record,
            1,
            if record[1].is_empty() || record[1].chars().count() > 100 {
                Err("name must have 1 to 100 characters")
            } else {
                Ok(record[1].to_owned())
            },
        );
        let email = p.keep(&record, 2, EmailAddress::parse(&record[2]));
        let password = match (&record[3], fill_password) {
            ("", Some(fill)) => Some(fill()),
            (text, _) => p.keep(&record, 3, Password::parse(text)),
        };
        let sip_username = p.keep(&record, 4, SipUsername::parse(&record[4]));
        let sip_password = p.keep(&record, 5, SipPassword::parse(&record[5]));
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
                message: problems.messages.join("; "),
                problems: problems.problems,
            }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok((rows, errors))
}

/// The problems of one row's cells, as text and as [`Problem`]s.
#[derive(Default)]
struct Cells {
    messages: Vec<String>,
    problems: Vec<Problem>,
}

impl Cells {
    /// The value of cell `i`, or `None` with its error noted.
    fn keep<T, E: fmt::Display>(
        &mut self,
        record: &csv::StringRecord,
        i: usize,
        r: Result<T, E>,
    ) -> Option<T> {
        r.map_err(|e| {
            self.messages.push(e.to_string());
            self.problems.push(Problem::Invalid {
                column: COLUMNS[i],
                value: record[i].to_owned(),
            });
        })
        .ok()
    }
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
                problems: vec![Problem::Repeated {
                    column: "extension",
                    value: r.extension.to_string(),
                    first_line: first,
                }],
            });
        }
        if let Some(first) = usernames.insert(r.sip_username.clone(), r.line) {
            errors.push(RowError {
                line: r.line,
                message: format!("SIP username {} already on line {first}", r.sip_username),
                problems: vec![Problem::Repeated {
                    column: "sip_username",
                    value: r.sip_username.as_str().to_owned(),
                    first_line: first,
                }],
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
        let options = ImportOptions {
            realm,
            fill_password: None,
            temporary: false,
        };
        Ok(self
            .import_users_csv_with(account, reader, &options)
            .await?
            .len())
    }

    /// Imports users as [`Store::import_users_csv`] does, with `options`,
    /// and returns them with their passwords (for the welcome e-mails).
    pub async fn import_users_csv_with(
        &self,
        account: AccountId,
        reader: impl Read,
        options: &ImportOptions<'_>,
    ) -> Result<Vec<Imported>, ImportError> {
        let (rows, mut errors) = parse_rows(reader, options.fill_password)?;
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
                    problems: vec![Problem::Taken {
                        column: "extension",
                        value: r.extension.to_string(),
                    }],
                });
            }
            if taken.contains(&r.sip_username) {
                errors.push(RowError {
                    line: r.line,
                    message: format!("SIP username {} is already in use", r.sip_username),
                    problems: vec![Problem::Taken {
                        column: "sip_username",
                        value: r.sip_username.as_str().to_owned(),
                    }],
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
                .map(|r| {
                    let user = ImportedUser {
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
                    };
                    (user, r.password)
                })
                .collect::<Vec<_>>()
        })
        .await
        .expect("hashing task does not panic");
        let (users, passwords): (Vec<_>, Vec<_>) = users.into_iter().unzip();
        let ids = scope
            .import_users_flagged(&users, options.realm, options.temporary)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, password) in ids.into_iter().zip(passwords) {
            out.push(Imported {
                user: scope.user(id).await?,
                password,
            });
        }
        Ok(out)
    }
}
