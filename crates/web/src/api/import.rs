//! `POST /users/import`: users from CSV, all or nothing (SPEC A5, A16),
//! through the same import as the admin portal ([`crate::user_import`]).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::Language;
use serde::Serialize;
use storage::import::ImportError;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody, ErrorDetail, Lang};
use super::users::UserOut;
use crate::AppState;
use crate::i18n::Tr;
use crate::user_import;

/// The users an import created.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub created: Vec<ImportedOut>,
}

/// One created user, and whether their welcome e-mail (with the temporary
/// password) left.
#[derive(Serialize, ToSchema)]
pub struct ImportedOut {
    pub user: UserOut,
    pub welcome_sent: bool,
}

/// A refused file: the error, and every problem by line and column.
#[derive(Serialize, ToSchema)]
pub struct ImportRefused {
    pub error: ErrorDetail,
    pub problems: Vec<ProblemOut>,
}

/// One problem of the file.
#[derive(Serialize, ToSchema)]
pub struct ProblemOut {
    /// The line in the file; 1 is the header.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// In French unless `Accept-Language` prefers English.
    pub message: String,
}

#[utoipa::path(post, operation_id = "import_users", path = "/api/v1/users/import", tag = "users",
    request_body(content = String, content_type = "text/csv",
        description = "header `extension,name,email,password,sip_username,sip_password`, one user and their softphone per line; an empty password gets a temporary one"),
    responses((status = 201, body = ImportOut), (status = 401, body = ErrorBody),
        (status = 422, body = ImportRefused, description = "nothing was imported")))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("the CSV must be UTF-8 text"))?;
    let account = caller.scope(&state).details().await?;
    let tr = Tr(match Lang::from_headers(&headers) {
        Lang::Fr => Language::Fr,
        Lang::En => Language::En,
    });
    match user_import::import(&state, &account, body).await {
        Ok(created) => {
            let created = created
                .into_iter()
                .map(|c| ImportedOut {
                    user: c.user.into(),
                    welcome_sent: c.mailed,
                })
                .collect();
            Ok((StatusCode::CREATED, Json(ImportOut { created })).into_response())
        }
        Err(ImportError::Storage(e)) => Err(e.into()),
        Err(e) => {
            let problems: Vec<ProblemOut> = user_import::describe(tr, &e)
                .into_iter()
                .map(|p| ProblemOut {
                    line: p.line,
                    column: p.column.map(str::to_owned),
                    message: p.message,
                })
                .collect();
            let refused = ImportRefused {
                error: ErrorDetail {
                    code: "invalid".to_owned(),
                    message: tr.t1("import-refused", "count", &problems.len().to_string()),
                    field: Some("csv".to_owned()),
                },
                problems,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(refused)).into_response())
        }
    }
}
