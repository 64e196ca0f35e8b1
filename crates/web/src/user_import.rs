//! The CSV import of users both the admin portal and the REST API offer
//! (SPEC A5, A16): the rows are checked by `storage::import` (all or
//! nothing); an empty password cell gets a temporary password; every
//! password is temporary and e-mailed in the welcome message, as
//! "+ Add user" does. Problems are explained per line and column in the
//! reader's language.

use domain::{Account, User};
use storage::import::{COLUMNS, ImportError, ImportOptions, Problem};

use crate::AppState;
use crate::auth::{mail_welcome, temporary_password};
use crate::i18n::Tr;

/// A user the import created.
pub struct Created {
    pub user: User,
    /// Whether the welcome e-mail left.
    pub mailed: bool,
}

/// One problem of the file, ready to show.
pub struct RowProblem {
    /// The line in the file (1 is the header).
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<&'static str>,
    /// What is wrong, in the reader's language, with line and column.
    pub message: String,
}

/// Imports the users of `csv` into `account` and sends each their welcome
/// e-mail. Nothing is written when any row is bad.
pub async fn import(
    state: &AppState,
    account: &Account,
    csv: &str,
) -> Result<Vec<Created>, ImportError> {
    let options = ImportOptions {
        realm: &state.sip_realm,
        fill_password: Some(temporary_password),
        temporary: true,
    };
    let imported = state
        .store
        .import_users_csv_with(account.id, csv.as_bytes(), &options)
        .await?;
    let mut created = Vec::with_capacity(imported.len());
    for i in imported {
        let mailed = match mail_welcome(state, account, &i.user, &i.password).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, extension = %i.user.extension_number, "welcome e-mail not sent");
                false
            }
        };
        created.push(Created {
            user: i.user,
            mailed,
        });
    }
    Ok(created)
}

/// Every problem of a refused file, in `tr`'s language. A storage failure
/// is not a problem of the file: callers handle
/// [`ImportError::Storage`] before.
pub fn describe(tr: Tr, err: &ImportError) -> Vec<RowProblem> {
    let whole = |line: u64, message: String| {
        vec![RowProblem {
            line,
            column: None,
            message: tr.tn(
                "import-line",
                &[("line", &line.to_string()), ("problem", &message)],
            ),
        }]
    };
    match err {
        ImportError::BadHeader { .. } => whole(
            1,
            tr.t1("import-bad-header", "expected", &COLUMNS.join(",")),
        ),
        ImportError::Empty => whole(1, tr.t("import-empty")),
        ImportError::Csv { line, .. } => whole(*line, tr.t("import-bad-csv")),
        ImportError::Storage(_) => whole(0, tr.t("error-internal")),
        ImportError::Rows(rows) => rows
            .iter()
            .flat_map(|row| {
                row.problems.iter().map(move |p| {
                    let (column, problem) = explain(tr, p);
                    let line = row.line.to_string();
                    let message = match column {
                        Some(c) => tr.tn(
                            "import-line-column",
                            &[("line", &line), ("column", c), ("problem", &problem)],
                        ),
                        None => tr.tn("import-line", &[("line", &line), ("problem", &problem)]),
                    };
                    RowProblem {
                        line: row.line,
                        column,
                        message,
                    }
                })
            })
            .collect(),
    }
}

/// The column and the explanation of one problem.
fn explain(tr: Tr, problem: &Problem) -> (Option<&'static str>, String) {
    match problem {
        Problem::ColumnCount { found } => (
            None,
            tr.tn(
                "import-columns",
                &[
                    ("expected", &COLUMNS.len().to_string()),
                    ("found", &found.to_string()),
                ],
            ),
        ),
        Problem::Invalid { column, value } => (
            Some(column),
            tr.t1(&format!("import-invalid-{column}"), "value", value),
        ),
        Problem::Repeated {
            column,
            value,
            first_line,
        } => (
            Some(column),
            tr.tn(
                "import-repeated",
                &[("value", value), ("first", &first_line.to_string())],
            ),
        ),
        Problem::Taken { column, value } => (
            Some(column),
            tr.t1(&format!("import-taken-{column}"), "value", value),
        ),
    }
}

#[cfg(test)]
mod tests {
    use domain::Language;
    use storage::import::RowError;

    use super::*;

    #[test]
    fn every_problem_names_its_line_and_column_in_both_languages() {
        let err = ImportError::Rows(vec![RowError {
            line: 3,
            message: String::new(),
            problems: vec![
                Problem::Invalid {
                    column: "email",
                    value: "bob-at-example".into(),
                },
                Problem::Taken {
                    column: "sip_username",
                    value: "acme-1".into(),
                },
            ],
        }]);
        let fr = describe(Tr(Language::Fr), &err);
        assert_eq!(fr.len(), 2);
        assert_eq!(fr[0].column, Some("email"));
        assert!(fr[0].message.contains("Ligne 3"), "{}", fr[0].message);
        assert!(
            fr[0].message.contains("bob-at-example"),
            "{}",
            fr[0].message
        );
        let en = describe(Tr(Language::En), &err);
        assert!(en[1].message.starts_with("Line 3"), "{}", en[1].message);
        assert!(en[1].message.contains("acme-1"), "{}", en[1].message);
        // Every column has its own explanation in both languages.
        for tr in [Tr(Language::Fr), Tr(Language::En)] {
            for column in COLUMNS {
                let text = tr.t1(&format!("import-invalid-{column}"), "value", "x");
                assert!(!text.contains("import-invalid"), "{column}: {text}");
            }
        }
    }
}
