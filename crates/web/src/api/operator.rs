//! The platform operator's part of the API (issue 5 item 6), under
//! `/api/v1/operator/`: every account, opening, suspending and reactivating
//! one, and the number pool. Authenticated with an operator's key
//! (`switchboard operator api-key`); an account's key gets 401 here, and an
//! operator's key gets 401 everywhere else.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use domain::{
    AccountId, AccountStatus, CompanyName, E164, Language, NumberRange, NumberRangeError,
    OperatorId, TimeZone,
};
use serde::{Deserialize, Serialize};
use storage::{PoolFilter, StorageError};
use utoipa::{IntoParams, ToSchema};

use super::account::{AccountOut, account_out};
use super::auth::bearer_token;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields};
use crate::AppState;
use crate::operator::accounts::{OpenError, Opening, open_account, set_account_status};

/// An operator, by their API key.
pub struct OperatorCaller(OperatorId);

impl FromRequestParts<AppState> for OperatorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        let operator = state
            .store
            .authenticate_operator_api_key(&token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Self(operator))
    }
}

/// An account as the operator sees it.
#[derive(Serialize, ToSchema)]
pub struct OperatorAccountOut {
    #[serde(flatten)]
    pub account: AccountOut,
    /// How many users the account has.
    pub users: i64,
}

#[utoipa::path(get, operation_id = "operator_list_accounts", path = "/api/v1/operator/accounts", tag = "operator",
    responses((status = 200, body = [OperatorAccountOut]), (status = 401, body = ErrorBody)))]
pub async fn accounts(
    State(state): State<AppState>,
    _op: OperatorCaller,
) -> Result<Json<Vec<OperatorAccountOut>>, ApiError> {
    let list = state.store.account_summaries().await?;
    Ok(Json(
        list.into_iter()
            .map(|s| OperatorAccountOut {
                account: account_out(s.account),
                users: s.users,
            })
            .collect(),
    ))
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountIn {
    /// 1 to 100 characters.
    pub company: String,
    /// E.164 or French national form: a free pool number or any number no
    /// account holds. It is also the administrator's sign-in name.
    #[schema(example = "+33199000400")]
    pub main_number: String,
    /// Gets the e-mail with the 7-day link to choose the admin password.
    pub admin_email: String,
    /// `fr` (default) or `en`.
    pub language: Option<String>,
    /// An IANA name; `Europe/Paris` by default.
    pub time_zone: Option<String>,
}

/// The account opened, and whether the set-up e-mail left.
#[derive(Serialize, ToSchema)]
pub struct OpenedOut {
    pub account: AccountOut,
    pub setup_mail_sent: bool,
}

#[utoipa::path(post, operation_id = "operator_create_account", path = "/api/v1/operator/accounts", tag = "operator",
    request_body = NewAccountIn,
    responses((status = 201, body = OpenedOut), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    op: OperatorCaller,
    Body(body): Body<NewAccountIn>,
) -> Result<(StatusCode, Json<OpenedOut>), ApiError> {
    let company = CompanyName::parse(&body.company).map_err(|_| {
        ApiError::invalid(
            "company",
            "le nom de l'entreprise comporte de 1 à 100 caractères",
            "the company name has 1 to 100 characters",
        )
    })?;
    let main_number = fields::e164("main_number", &body.main_number)?;
    let admin_email = fields::email("admin_email", &body.admin_email)?;
    let language = match body.language.as_deref() {
        None => Language::Fr,
        Some(l) => Language::parse(l)
            .map_err(|_| ApiError::invalid("language", "choisissez fr ou en", "choose fr or en"))?,
    };
    let time_zone = match body.time_zone.as_deref() {
        None => TimeZone::default(),
        Some(z) => crate::admin::account::known_zone(z).ok_or_else(|| {
            ApiError::invalid(
                "time_zone",
                "fuseau horaire inconnu : par exemple Europe/Paris",
                "unknown time zone: for example Europe/Paris",
            )
        })?,
    };
    let opening = Opening {
        company,
        main_number,
        admin_email,
        language,
        time_zone,
    };
    match open_account(&state, op.0, opening).await {
        Ok((account, mailed)) => Ok((
            StatusCode::CREATED,
            Json(OpenedOut {
                account: account_out(account),
                setup_mail_sent: mailed,
            }),
        )),
        Err(OpenError::NumberTaken) => Err(ApiError::conflict(
            "ce numéro appartient déjà à un compte",
            "this number already belongs to an account",
        )),
        Err(OpenError::Failed(e)) => Err(ApiError::internal(&e)),
    }
}

fn account_id(text: &str) -> Result<AccountId, ApiError> {
    text.parse()
        .map(AccountId::from_raw)
        .map_err(|_| ApiError::not_found("compte", "account"))
}

async fn change(
    state: &AppState,
    op: OperatorCaller,
    id: &str,
    status: AccountStatus,
) -> Result<Json<AccountOut>, ApiError> {
    let id = account_id(id)?;
    set_account_status(state, op.0, id, status).await?;
    Ok(Json(account_out(state.store.account(id).details().await?)))
}

#[utoipa::path(post, operation_id = "operator_suspend_account", path = "/api/v1/operator/accounts/{id}/suspend", tag = "operator",
    params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    op: OperatorCaller,
    Path(id): Path<String>,
) -> Result<Json<AccountOut>, ApiError> {
    change(&state, op, &id, AccountStatus::Suspended).await
}

#[utoipa::path(post, operation_id = "operator_reactivate_account", path = "/api/v1/operator/accounts/{id}/reactivate", tag = "operator",
    params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reactivate(
    State(state): State<AppState>,
    op: OperatorCaller,
    Path(id): Path<String>,
) -> Result<Json<AccountOut>, ApiError> {
    change(&state, op, &id, AccountStatus::Active).await
}

/// Which pool numbers to list.
#[derive(Deserialize, IntoParams)]
pub struct PoolQuery {
    /// `all` (default), `free` or `assigned`.
    pub filter: Option<String>,
}

/// A number of the installation.
#[derive(Serialize, ToSchema)]
pub struct PoolNumberOut {
    pub number: String,
    /// The holding account; absent while the number waits in the pool.
    pub account_id: Option<i64>,
    pub company: Option<String>,
    /// The holder's main number: it cannot be released.
    pub main: bool,
}

#[utoipa::path(get, operation_id = "operator_list_numbers", path = "/api/v1/operator/numbers", tag = "operator",
    params(PoolQuery),
    responses((status = 200, body = [PoolNumberOut]), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn numbers(
    State(state): State<AppState>,
    _op: OperatorCaller,
    Query(q): Query<PoolQuery>,
) -> Result<Json<Vec<PoolNumberOut>>, ApiError> {
    let filter = match q.filter.as_deref() {
        None | Some("all") => PoolFilter::All,
        Some("free") => PoolFilter::Free,
        Some("assigned") => PoolFilter::Assigned,
        Some(_) => {
            return Err(ApiError::invalid(
                "filter",
                "filtre : all, free ou assigned",
                "filter: all, free or assigned",
            ));
        }
    };
    let entries = state.store.pool_entries(filter).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| PoolNumberOut {
                number: e.number.as_str().to_owned(),
                account_id: e.holder.as_ref().map(|h| h.account.raw()),
                company: e.holder.as_ref().map(|h| h.company.as_str().to_owned()),
                main: e.holder.as_ref().is_some_and(|h| h.main),
            })
            .collect(),
    ))
}

/// Numbers to add to the pool: one, or a range of at most 1000.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNumbersIn {
    #[schema(example = "+33199000500")]
    pub first: String,
    /// The last of the range, same length as `first`; absent for one number.
    #[schema(example = "+33199000599")]
    pub last: Option<String>,
}

/// How many numbers were new, and how many were known already.
#[derive(Serialize, ToSchema)]
pub struct AddedOut {
    pub added: usize,
    pub skipped: usize,
}

#[utoipa::path(post, operation_id = "operator_add_numbers", path = "/api/v1/operator/numbers", tag = "operator",
    request_body = AddNumbersIn,
    responses((status = 200, body = AddedOut), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_numbers(
    State(state): State<AppState>,
    _op: OperatorCaller,
    Body(body): Body<AddNumbersIn>,
) -> Result<Json<AddedOut>, ApiError> {
    let first = fields::e164("first", &body.first)?;
    let last = match &body.last {
        Some(l) => fields::e164("last", l)?,
        None => first.clone(),
    };
    let range = NumberRange::new(first, last).map_err(|e| match e {
        NumberRangeError::DifferentLength => ApiError::invalid(
            "last",
            "le premier et le dernier numéro doivent avoir le même nombre de chiffres",
            "the first and last numbers must have as many digits",
        ),
        NumberRangeError::Reversed => ApiError::invalid(
            "last",
            "le dernier numéro ne peut pas précéder le premier",
            "the last number cannot come before the first",
        ),
        NumberRangeError::TooLarge(n) => ApiError::invalid(
            "last",
            format!("une plage compte au plus 1000 numéros ; celle-ci en compte {n}"),
            format!("a range has at most 1000 numbers; this one has {n}"),
        ),
    })?;
    let numbers = range.numbers();
    let added = state.store.add_pool_numbers(&numbers).await?;
    Ok(Json(AddedOut {
        added,
        skipped: numbers.len() - added,
    }))
}

fn pool_number(text: &str) -> Result<E164, ApiError> {
    E164::parse(text).map_err(|_| ApiError::not_found("numéro", "number"))
}

#[utoipa::path(delete, operation_id = "operator_remove_number", path = "/api/v1/operator/numbers/{number}", tag = "operator",
    params(("number" = String, Path, description = "E.164, e.g. +33199000500")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn remove_number(
    State(state): State<AppState>,
    _op: OperatorCaller,
    Path(number): Path<String>,
) -> Result<StatusCode, ApiError> {
    let number = pool_number(&number)?;
    match state.store.remove_pool_number(&number).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StorageError::Invalid(_)) => Err(ApiError::conflict(
            "ce numéro appartient à un compte : libérez-le d'abord",
            "this number belongs to an account: release it first",
        )),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, operation_id = "operator_release_number", path = "/api/v1/operator/numbers/{number}/release", tag = "operator",
    params(("number" = String, Path, description = "E.164, e.g. +33199000500")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn release_number(
    State(state): State<AppState>,
    _op: OperatorCaller,
    Path(number): Path<String>,
) -> Result<StatusCode, ApiError> {
    let number = pool_number(&number)?;
    match state.store.release_assigned_number(&number).await {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(StorageError::Invalid(_)) => Err(ApiError::conflict(
            "ce numéro est libre, ou c'est le numéro principal de son compte",
            "this number is free, or it is its account's main number",
        )),
        Err(e) => Err(e.into()),
    }
}
