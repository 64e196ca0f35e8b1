//! Devices: desk phones added by MAC address and model, who they ring for,
//! and whether they are registered now (SPEC A5 devices tab, T1, T13).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{Binding, Device, DeviceId, UserId};
use serde::{Deserialize, Serialize};
use storage::StorageError;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, now, path_id, time};
use crate::AppState;
use crate::provision::{AddDeviceError, DeviceRequest, add_device};

/// A device with its live registrations.
#[derive(Serialize, ToSchema)]
pub struct DeviceOut {
    pub id: i64,
    #[schema(example = "00:1A:2B:3C:4D:5E")]
    pub mac: Option<String>,
    #[schema(example = "Yealink T54W")]
    pub model: String,
    pub label: String,
    pub sip_username: String,
    /// The user the device rings for; `null` when free.
    pub user_id: Option<i64>,
    /// Whether the device has a live registration now.
    pub registered: bool,
    pub registrations: Vec<RegistrationOut>,
}

/// One live registration of a device.
#[derive(Serialize, ToSchema)]
pub struct RegistrationOut {
    pub contact: String,
    pub transport: String,
    pub source: String,
    pub user_agent: Option<String>,
    pub expires_at: String,
}

/// A new device: its MAC address and model.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeviceIn {
    #[schema(example = "00:1A:2B:3C:4D:5E")]
    pub mac: String,
    #[schema(example = "Yealink T54W")]
    pub model: String,
    /// What the device is called; defaults to the model.
    pub label: Option<String>,
    /// The user it rings for, if any.
    pub user_id: Option<i64>,
}

/// A created device and its SIP password, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedDeviceOut {
    pub device: DeviceOut,
    pub sip_password: String,
}

/// The user a device should ring for, or `null` to free it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    pub user_id: Option<i64>,
}

fn device_out(d: Device, bindings: &[Binding]) -> DeviceOut {
    let registrations: Vec<RegistrationOut> = bindings
        .iter()
        .filter(|b| b.device == d.id)
        .map(|b| RegistrationOut {
            contact: b.contact.clone(),
            transport: b.transport.clone(),
            source: b.source.clone(),
            user_agent: b.user_agent.clone(),
            expires_at: time::format(b.expires_at),
        })
        .collect();
    DeviceOut {
        id: d.id.raw(),
        mac: d.mac.map(|m| m.to_string()),
        model: d.model.0,
        label: d.label,
        sip_username: d.sip_username.as_str().to_owned(),
        user_id: d.user.map(|u| u.raw()),
        registered: !registrations.is_empty(),
        registrations,
    }
}

fn device_id(id: &str) -> Result<DeviceId, ApiError> {
    path_id(id, "appareil", "device").map(DeviceId::from_raw)
}

fn no_such_user() -> ApiError {
    ApiError::invalid(
        "user_id",
        "aucun utilisateur du compte n'a cet identifiant",
        "no user of this account has this id",
    )
}

#[utoipa::path(get, operation_id = "list_devices", path = "/api/v1/devices", tag = "devices",
    responses((status = 200, body = Vec<DeviceOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<DeviceOut>>, ApiError> {
    let scope = caller.scope(&state);
    let bindings = scope.live_bindings(now()).await?;
    let devices = scope.devices().await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| device_out(d, &bindings))
            .collect(),
    ))
}

#[utoipa::path(get, operation_id = "get_device", path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = DeviceOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceOut>, ApiError> {
    let scope = caller.scope(&state);
    let device = scope.device(device_id(&id)?).await?;
    let bindings = scope.live_bindings(now()).await?;
    Ok(Json(device_out(device, &bindings)))
}

#[utoipa::path(post, operation_id = "create_device", path = "/api/v1/devices", tag = "devices", request_body = NewDeviceIn,
    responses((status = 201, body = CreatedDeviceOut), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<NewDeviceIn>,
) -> Result<(StatusCode, Json<CreatedDeviceOut>), ApiError> {
    let mac = fields::mac("mac", &body.mac)?;
    let model = fields::name("model", &body.model)?;
    let label = match &body.label {
        Some(l) => fields::name("label", l)?,
        None => model.clone(),
    };
    let request = DeviceRequest {
        mac,
        model,
        label,
        user: body.user_id.map(UserId::from_raw),
    };
    let scope = caller.scope(&state);
    let (device, password) = match add_device(&scope, &state.sip_realm, request).await {
        Ok(added) => added,
        Err(AddDeviceError::MacTaken(mac)) => {
            return Err(ApiError::conflict(
                format!("l'adresse MAC {mac} est déjà enregistrée"),
                format!("MAC address {mac} is already registered"),
            ));
        }
        Err(AddDeviceError::NoSuchUser) => return Err(no_such_user()),
        Err(AddDeviceError::Storage(e)) => return Err(e.into()),
    };
    (state.credentials_changed)(&[device.sip_username.as_str()]);
    Ok((
        StatusCode::CREATED,
        Json(CreatedDeviceOut {
            device: device_out(device, &[]),
            sip_password: password.expose().to_owned(),
        }),
    ))
}

#[utoipa::path(put, operation_id = "assign_device", path = "/api/v1/devices/{id}/user", tag = "devices", request_body = AssignIn,
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = DeviceOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<AssignIn>,
) -> Result<Json<DeviceOut>, ApiError> {
    let scope = caller.scope(&state);
    let device = scope.device(device_id(&id)?).await?;
    match scope
        .assign_device(device.id, body.user_id.map(UserId::from_raw))
        .await
    {
        Ok(()) => {}
        Err(StorageError::NotFound("user")) => return Err(no_such_user()),
        Err(e) => return Err(e.into()),
    }
    let bindings = scope.live_bindings(now()).await?;
    Ok(Json(device_out(scope.device(device.id).await?, &bindings)))
}

#[utoipa::path(delete, operation_id = "unassign_device", path = "/api/v1/devices/{id}/user", tag = "devices",
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = DeviceOut), (status = 404, body = ErrorBody)))]
pub async fn unassign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceOut>, ApiError> {
    let scope = caller.scope(&state);
    let device = scope.device(device_id(&id)?).await?;
    scope.assign_device(device.id, None).await?;
    let bindings = scope.live_bindings(now()).await?;
    Ok(Json(device_out(scope.device(device.id).await?, &bindings)))
}

#[utoipa::path(delete, operation_id = "delete_device", path = "/api/v1/devices/{id}", tag = "devices",
    params(("id" = i64, Path, description = "device id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let scope = caller.scope(&state);
    let device = scope.device(device_id(&id)?).await?;
    scope.delete_device(device.id).await?;
    (state.credentials_changed)(&[device.sip_username.as_str()]);
    Ok(StatusCode::NO_CONTENT)
}
