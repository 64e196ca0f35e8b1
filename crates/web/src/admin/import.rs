//! The CSV import of users in the admin portal (SPEC A5): a page that
//! explains the columns, a file picker that `static/app.js` reads into the
//! text area (or text pasted there), and all-or-nothing import through
//! [`crate::user_import`]. A refused file comes back as typed with every
//! problem listed by line and column.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use storage::import::{COLUMNS, ImportError};
use tower_sessions::Session;

use super::admin_or_return;
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render, render_status};
use crate::session::SessionData;
use crate::user_import::{self, RowProblem};

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    p: Page,
    header: String,
    csv: String,
    problems: Vec<RowProblem>,
}

/// `GET /admin/extensions/import`.
pub async fn page(State(state): State<AppState>, session: Session) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "import-title", "/admin/extensions")
        .await?;
    render(&ImportPage {
        p,
        header: COLUMNS.join(","),
        csv: String::new(),
        problems: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

/// `POST /admin/extensions/import`: imports every row or none.
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<ImportForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let problems = if form.csv.trim().is_empty() {
        vec![RowProblem {
            line: 0,
            column: None,
            message: tr.t("import-nothing"),
        }]
    } else {
        match user_import::import(&state, &admin.account, &form.csv).await {
            Ok(created) => {
                // Say so when some welcome e-mails did not leave.
                let outcome = if created.iter().all(|c| c.mailed) {
                    "imported"
                } else {
                    "imported_unsent"
                };
                return Ok(
                    Redirect::to(&format!("/admin/extensions?{outcome}={}", created.len()))
                        .into_response(),
                );
            }
            Err(ImportError::Storage(e)) => return Err(e.into()),
            Err(e) => user_import::describe(tr, &e),
        }
    };
    let p = admin
        .page(&session, "import-title", "/admin/extensions")
        .await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ImportPage {
            p,
            header: COLUMNS.join(","),
            csv: form.csv,
            problems,
        },
    )
}
