//! API keys of the account: listed without their secret, created with the
//! secret shown once, revoked for good. A key may manage its account's
//! keys, itself included.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use storage::{ApiKey, ApiKeyId, ApiKeyToken};
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, now, path_id, time};
use crate::AppState;

/// A key, without its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Set once revoked; a revoked key is refused.
    pub revoked_at: Option<String>,
}

/// A new key's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyIn {
    #[schema(example = "CRM sync")]
    pub name: String,
}

/// A created key with its secret, shown this once: store it now.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKeyOut {
    pub api_key: ApiKeyOut,
    /// Send as `Authorization: Bearer <key>`.
    #[schema(example = "sb_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    pub key: String,
}

fn key_out(k: ApiKey) -> ApiKeyOut {
    ApiKeyOut {
        id: k.id.raw(),
        name: k.name,
        created_at: time::format(k.created_at),
        last_used_at: k.last_used_at.map(time::format),
        revoked_at: k.revoked_at.map(time::format),
    }
}

#[utoipa::path(get, operation_id = "list_api_keys", path = "/api/v1/api-keys", tag = "api-keys",
    responses((status = 200, body = Vec<ApiKeyOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiKeyOut>>, ApiError> {
    let keys = caller.scope(&state).api_keys().await?;
    Ok(Json(keys.into_iter().map(key_out).collect()))
}

#[utoipa::path(post, operation_id = "create_api_key", path = "/api/v1/api-keys", tag = "api-keys", request_body = NewApiKeyIn,
    responses((status = 201, body = CreatedApiKeyOut), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<NewApiKeyIn>,
) -> Result<(StatusCode, Json<CreatedApiKeyOut>), ApiError> {
    let name = fields::name("name", &body.name)?;
    let token = ApiKeyToken::from_random(rand::random());
    let key = caller
        .scope(&state)
        .create_api_key(&name, &token, now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKeyOut {
            api_key: key_out(key),
            key: token.expose(),
        }),
    ))
}

#[utoipa::path(delete, operation_id = "revoke_api_key", path = "/api/v1/api-keys/{id}", tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    responses((status = 204, description = "revoked"), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = ApiKeyId::from_raw(path_id(&id, "clé d'API", "API key")?);
    caller.scope(&state).revoke_api_key(id, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
