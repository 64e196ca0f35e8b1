//! `GET /account`: the caller's company; `PATCH /account`: its settings
//! (SPEC A8, A9).

use axum::Json;
use axum::extract::State;
use domain::{CompanyName, Language};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, time};
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
    Ok(Json(account_out(a)))
}

pub(super) fn account_out(a: domain::Account) -> AccountOut {
    AccountOut {
        id: a.id.raw(),
        company: a.company.as_str().to_owned(),
        main_number: a.main_number.as_str().to_owned(),
        address: a.address,
        admin_email: a.admin_email.as_str().to_owned(),
        language: a.language.code().to_owned(),
        time_zone: a.time_zone.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        created_at: time::format(a.created_at),
    }
}

/// Settings to change; absent fields keep their value.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// 1 to 100 characters.
    pub company: Option<String>,
    /// At most 200 characters; may be empty.
    pub address: Option<String>,
    /// Where password recovery links go.
    pub admin_email: Option<String>,
    /// `fr` or `en`: the language of the account's e-mails.
    pub language: Option<String>,
    /// An IANA name such as `Europe/Paris`.
    pub time_zone: Option<String>,
}

#[utoipa::path(patch, operation_id = "update_account", path = "/api/v1/account", tag = "account", request_body = AccountPatch,
    responses((status = 200, body = AccountOut), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<AccountPatch>,
) -> Result<Json<AccountOut>, ApiError> {
    let scope = caller.scope(&state);
    let a = scope.details().await?;
    // Every field is checked before anything is written.
    let company = match &body.company {
        Some(c) => CompanyName::parse(c).map_err(|_| {
            ApiError::invalid(
                "company",
                "le nom de l'entreprise doit comporter 1 à 100 caractères",
                "company must have 1 to 100 characters",
            )
        })?,
        None => a.company,
    };
    let address = match &body.address {
        Some(t) if t.trim().chars().count() > 200 => {
            return Err(ApiError::invalid(
                "address",
                "l'adresse comporte 200 caractères au plus",
                "address must have at most 200 characters",
            ));
        }
        Some(t) => t.trim().to_owned(),
        None => a.address,
    };
    let admin_email = match &body.admin_email {
        Some(e) => fields::email("admin_email", e.trim())?,
        None => a.admin_email,
    };
    let language = match &body.language {
        Some(l) => Language::parse(l).map_err(|_| {
            ApiError::invalid(
                "language",
                format!("langue inconnue « {l} » : fr ou en"),
                format!("unknown language {l:?}: fr or en"),
            )
        })?,
        None => a.language,
    };
    let time_zone = match &body.time_zone {
        Some(z) => crate::admin::account::known_zone(z).ok_or_else(|| {
            ApiError::invalid(
                "time_zone",
                format!("fuseau horaire inconnu « {z} » : un nom IANA comme Europe/Paris"),
                format!("unknown time zone {z:?}: an IANA name such as Europe/Paris"),
            )
        })?,
        None => a.time_zone,
    };
    scope
        .update_company(&company, &address, &admin_email)
        .await?;
    scope.update_preferences(language, &time_zone).await?;
    Ok(Json(account_out(scope.details().await?)))
}
