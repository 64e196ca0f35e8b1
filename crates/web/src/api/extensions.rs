//! Extensions of every kind, and ring groups (SPEC A5, T5).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{ExtensionId, ExtensionKind, RingGroup, RingStrategy};
use serde::{Deserialize, Serialize};
use storage::{AccountScope, StorageError};
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, path_id};
use crate::AppState;

/// An extension of the account.
#[derive(Serialize, ToSchema)]
pub struct ExtensionOut {
    pub id: i64,
    #[schema(example = "201")]
    pub number: String,
    /// `user`, `ring_group`, `conference` or `virtual_receptionist`.
    pub kind: String,
    pub name: String,
}

/// A ring group with its members in ringing order.
#[derive(Serialize, ToSchema)]
pub struct RingGroupOut {
    /// The group's extension id.
    pub id: i64,
    pub extension: String,
    pub name: String,
    /// `simultaneous` or `sequential`.
    pub strategy: String,
    pub ring_seconds: u32,
    /// Member extension numbers, in ringing order.
    pub members: Vec<String>,
}

/// A new ring group.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRingGroupIn {
    #[schema(example = "600")]
    pub extension: String,
    pub name: String,
    /// `simultaneous` or `sequential`.
    pub strategy: String,
    /// 5 to 120.
    pub ring_seconds: i64,
    /// User extension numbers, in ringing order.
    pub members: Vec<String>,
}

/// A ring group's new members, strategy and ring time, and optionally a
/// new name and extension number.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RingGroupIn {
    /// 1 to 100 characters; absent keeps the name.
    pub name: Option<String>,
    /// A free extension number; absent keeps the number.
    #[schema(example = "610")]
    pub extension: Option<String>,
    pub strategy: String,
    pub ring_seconds: i64,
    pub members: Vec<String>,
}

#[utoipa::path(get, operation_id = "list_extensions", path = "/api/v1/extensions", tag = "extensions",
    responses((status = 200, body = Vec<ExtensionOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ExtensionOut>>, ApiError> {
    let all = caller.scope(&state).extensions().await?;
    Ok(Json(
        all.into_iter()
            .map(|e| ExtensionOut {
                id: e.id.raw(),
                number: e.number.as_str().to_owned(),
                kind: e.kind.as_str().to_owned(),
                name: e.name,
            })
            .collect(),
    ))
}

fn group_id(id: &str) -> Result<ExtensionId, ApiError> {
    path_id(id, "groupe d'appel", "ring group").map(ExtensionId::from_raw)
}

async fn group_out(scope: &AccountScope<'_>, g: RingGroup) -> Result<RingGroupOut, ApiError> {
    let all = scope.extensions().await?;
    let members = g
        .members
        .iter()
        .filter_map(|m| all.iter().find(|e| e.id == *m))
        .map(|e| e.number.as_str().to_owned())
        .collect();
    Ok(RingGroupOut {
        id: g.extension.id.raw(),
        extension: g.extension.number.as_str().to_owned(),
        name: g.extension.name,
        strategy: g.strategy.as_str().to_owned(),
        ring_seconds: g.ring_seconds,
        members,
    })
}

/// The ring group `id` of the account; any other extension is not one.
async fn group(scope: &AccountScope<'_>, id: ExtensionId) -> Result<RingGroup, ApiError> {
    match scope.ring_group(id).await {
        Ok(g) if g.extension.kind == ExtensionKind::RingGroup => Ok(g),
        Ok(_) | Err(StorageError::NotFound(_)) => {
            Err(ApiError::not_found("groupe d'appel", "ring group"))
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, operation_id = "list_ring_groups", path = "/api/v1/ring-groups", tag = "extensions",
    responses((status = 200, body = Vec<RingGroupOut>), (status = 401, body = ErrorBody)))]
pub async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RingGroupOut>>, ApiError> {
    let scope = caller.scope(&state);
    let mut out = Vec::new();
    for e in scope.extensions().await? {
        if e.kind == ExtensionKind::RingGroup {
            out.push(group_out(&scope, scope.ring_group(e.id).await?).await?);
        }
    }
    Ok(Json(out))
}

#[utoipa::path(get, operation_id = "get_ring_group", path = "/api/v1/ring-groups/{id}", tag = "extensions",
    params(("id" = i64, Path, description = "the group's extension id")),
    responses((status = 200, body = RingGroupOut), (status = 404, body = ErrorBody)))]
pub async fn show_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RingGroupOut>, ApiError> {
    let scope = caller.scope(&state);
    let g = group(&scope, group_id(&id)?).await?;
    Ok(Json(group_out(&scope, g).await?))
}

/// The strategy, ring time and members of a request, parsed.
async fn settings(
    scope: &AccountScope<'_>,
    strategy: &str,
    ring_seconds: i64,
    members: &[String],
) -> Result<(RingStrategy, u32, Vec<ExtensionId>), ApiError> {
    let strategy = RingStrategy::parse(strategy).ok_or_else(|| {
        ApiError::invalid(
            "strategy",
            format!("stratégie inconnue « {strategy} » : simultaneous ou sequential"),
            format!("unknown strategy {strategy:?}: simultaneous or sequential"),
        )
    })?;
    let ring = fields::ring_seconds("ring_seconds", ring_seconds)?;
    let mut ids = Vec::with_capacity(members.len());
    for m in members {
        let number = fields::extension("members", m)?;
        match scope.extension_by_number(&number).await? {
            Some(e) if e.kind == ExtensionKind::User => ids.push(e.id),
            _ => {
                return Err(ApiError::invalid(
                    "members",
                    format!("le membre {number} n'est pas un poste d'utilisateur du compte"),
                    format!("member {number} is not a user extension of this account"),
                ));
            }
        }
    }
    if let Some(dup) = ids
        .iter()
        .enumerate()
        .find(|(i, id)| ids[..*i].contains(id))
    {
        return Err(ApiError::invalid(
            "members",
            format!("le membre {} apparaît deux fois", members[dup.0]),
            format!("member {} appears twice", members[dup.0]),
        ));
    }
    Ok((strategy, ring.get(), ids))
}

#[utoipa::path(post, operation_id = "create_ring_group", path = "/api/v1/ring-groups", tag = "extensions", request_body = NewRingGroupIn,
    responses((status = 201, body = RingGroupOut), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<NewRingGroupIn>,
) -> Result<(StatusCode, Json<RingGroupOut>), ApiError> {
    let scope = caller.scope(&state);
    let number = fields::new_extension("extension", &body.extension)?;
    let name = fields::name("name", &body.name)?;
    let (strategy, ring, members) =
        settings(&scope, &body.strategy, body.ring_seconds, &body.members).await?;
    let g = match scope
        .create_ring_group(&number, &name, strategy, ring, &members)
        .await
    {
        Ok(g) => g,
        Err(StorageError::Conflict(_)) => return Err(super::users::taken(&number)),
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(group_out(&scope, g).await?)))
}

#[utoipa::path(put, operation_id = "update_ring_group", path = "/api/v1/ring-groups/{id}", tag = "extensions", request_body = RingGroupIn,
    params(("id" = i64, Path, description = "the group's extension id")),
    responses((status = 200, body = RingGroupOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<RingGroupIn>,
) -> Result<Json<RingGroupOut>, ApiError> {
    let scope = caller.scope(&state);
    let current = group(&scope, group_id(&id)?).await?.extension;
    let id = current.id;
    let name = match &body.name {
        Some(n) => fields::name("name", n)?,
        None => current.name,
    };
    let number = match &body.extension {
        Some(e) => fields::new_extension("extension", e)?,
        None => current.number,
    };
    let (strategy, ring, members) =
        settings(&scope, &body.strategy, body.ring_seconds, &body.members).await?;
    match scope
        .edit_ring_group(id, &number, &name, strategy, ring, &members)
        .await
    {
        Ok(()) => {}
        Err(StorageError::Conflict(_)) => return Err(super::users::taken(&number)),
        Err(e) => return Err(e.into()),
    }
    let g = group(&scope, id).await?;
    Ok(Json(group_out(&scope, g).await?))
}

#[utoipa::path(delete, operation_id = "delete_ring_group", path = "/api/v1/ring-groups/{id}", tag = "extensions",
    params(("id" = i64, Path, description = "the group's extension id")),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let scope = caller.scope(&state);
    let id = group(&scope, group_id(&id)?).await?.extension.id;
    scope.delete_service_extension(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
