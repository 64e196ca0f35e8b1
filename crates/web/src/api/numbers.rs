//! Phone numbers: the account's, what each rings, and buying from the pool
//! (SPEC A6).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{Extension, PhoneNumber};
use serde::{Deserialize, Serialize};
use storage::StorageError;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, path_id};
use crate::AppState;

/// One of the account's numbers and the extension it rings.
#[derive(Serialize, ToSchema)]
pub struct NumberOut {
    pub id: i64,
    #[schema(example = "+33199000101")]
    pub number: String,
    /// The extension the number rings, `null` when it rings nothing.
    pub target_extension: Option<String>,
    pub target_extension_id: Option<i64>,
}

/// A number of the pool, free to buy.
#[derive(Serialize, ToSchema)]
pub struct AvailableNumberOut {
    pub number: String,
}

/// The number to buy from the pool.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyIn {
    pub number: String,
}

/// The extension a number should ring, or `null` for none.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetIn {
    #[schema(example = "201")]
    pub extension: Option<String>,
}

fn number_out(n: PhoneNumber, extensions: &[Extension]) -> NumberOut {
    let target = n.target.and_then(|t| extensions.iter().find(|e| e.id == t));
    NumberOut {
        id: n.id.raw(),
        number: n.number.as_str().to_owned(),
        target_extension: target.map(|e| e.number.as_str().to_owned()),
        target_extension_id: n.target.map(|t| t.raw()),
    }
}

#[utoipa::path(get, operation_id = "list_numbers", path = "/api/v1/numbers", tag = "numbers",
    responses((status = 200, body = Vec<NumberOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<NumberOut>>, ApiError> {
    let scope = caller.scope(&state);
    let extensions = scope.extensions().await?;
    let numbers = scope.numbers().await?;
    Ok(Json(
        numbers
            .into_iter()
            .map(|n| number_out(n, &extensions))
            .collect(),
    ))
}

#[utoipa::path(get, operation_id = "list_available_numbers", path = "/api/v1/numbers/available", tag = "numbers",
    responses((status = 200, body = Vec<AvailableNumberOut>), (status = 401, body = ErrorBody)))]
pub async fn available(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<AvailableNumberOut>>, ApiError> {
    let pool = state.store.pool_numbers().await?;
    Ok(Json(
        pool.into_iter()
            .map(|n| AvailableNumberOut {
                number: n.number.as_str().to_owned(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, operation_id = "buy_number", path = "/api/v1/numbers", tag = "numbers", request_body = BuyIn,
    responses((status = 201, body = NumberOut), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn buy(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<BuyIn>,
) -> Result<(StatusCode, Json<NumberOut>), ApiError> {
    let number = fields::e164("number", &body.number)?;
    let scope = caller.scope(&state);
    if scope.numbers().await?.iter().any(|n| n.number == number) {
        return Err(ApiError::conflict(
            format!("le numéro {number} appartient déjà au compte"),
            format!("number {number} already belongs to this account"),
        ));
    }
    match scope.buy_number(&number).await {
        Ok(n) => Ok((StatusCode::CREATED, Json(number_out(n, &[])))),
        Err(StorageError::Invalid(_)) => Err(ApiError::conflict(
            format!("le numéro {number} n'est pas disponible"),
            format!("number {number} is not available"),
        )),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(put, operation_id = "map_number", path = "/api/v1/numbers/{id}/target", tag = "numbers", request_body = TargetIn,
    params(("id" = i64, Path, description = "phone number id")),
    responses((status = 200, body = NumberOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the number already rings another extension: set `null` first"),
        (status = 422, body = ErrorBody)))]
pub async fn map(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<TargetIn>,
) -> Result<Json<NumberOut>, ApiError> {
    let id = path_id(&id, "numéro", "phone number")?;
    let scope = caller.scope(&state);
    let number = scope
        .numbers()
        .await?
        .into_iter()
        .find(|n| n.id.raw() == id)
        .ok_or_else(|| ApiError::not_found("numéro", "phone number"))?;
    let target = match &body.extension {
        None => None,
        Some(text) => {
            let ext = fields::extension("extension", text)?;
            let found = scope.extension_by_number(&ext).await?.ok_or_else(|| {
                ApiError::invalid(
                    "extension",
                    format!("le poste {ext} n'existe pas dans le compte"),
                    format!("extension {ext} does not exist in this account"),
                )
            })?;
            if number.target.is_some_and(|t| t != found.id) {
                return Err(ApiError::conflict(
                    format!(
                        "le numéro {} est déjà attribué à un autre poste : retirez-le d'abord (extension: null)",
                        number.number
                    ),
                    format!(
                        "number {} already rings another extension: unmap it first (extension: null)",
                        number.number
                    ),
                ));
            }
            Some(found.id)
        }
    };
    scope.route_number(&number.number, target).await?;
    let extensions = scope.extensions().await?;
    let n = scope
        .numbers()
        .await?
        .into_iter()
        .find(|n| n.id == number.id)
        .ok_or_else(|| ApiError::not_found("numéro", "phone number"))?;
    Ok(Json(number_out(n, &extensions)))
}
