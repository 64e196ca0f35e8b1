//! `GET /account`: the caller's company (SPEC A9).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::time;
use crate::AppState;

/// The company the API key belongs to.
#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    pub company: String,
    /// E.164; also the administrator's sign-in name.
    #[schema(example = "+33199000100")]
    pub main_number: String,
    pub address: String,
    pub admin_email: String,
    /// `fr` or `en`.
    pub language: String,
    pub time_zone: String,
    /// `active`, `suspended` or `closed`.
    pub status: String,
    pub created_at: String,
}

#[utoipa::path(get, operation_id = "get_account", path = "/api/v1/account", tag = "account",
    responses((status = 200, body = AccountOut), (status = 401, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AccountOut>, ApiError> {
    let a = caller.scope(&state).details().await?;
    Ok(Json(AccountOut {
        id: a.id.raw(),
        company: a.company.as_str().to_owned(),
        main_number: a.main_number.as_str().to_owned(),
        address: a.address,
        admin_email: a.admin_email.as_str().to_owned(),
        language: a.language.code().to_owned(),
        time_zone: a.time_zone.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        created_at: time::format(a.created_at),
    }))
}
