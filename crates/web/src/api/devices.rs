//! Devices: desk phones added by MAC address and model, who they ring for,
//! and whether they are registered now (SPEC A5 devices tab, T1, T13).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use domain::{Binding, Device, DeviceId, DeviceModel, NewDevice, SipPassword, SipUsername, UserId};
use serde::{Deserialize, Serialize};
use storage::StorageError;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, now, path_id, time};
use crate::AppState;

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
    // The MAC address is unique across the installation, so it makes a
    // unique SIP username too.
    let sip_username =
        SipUsername::parse(&mac.compact()).expect("twelve hex digits are a valid SIP username");
    let password =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    let sip_password =
        SipPassword::parse(&password).expect("16 base64url characters are a valid SIP password");
    let new = NewDevice {
        mac: Some(mac),
        model: DeviceModel(model),
        label,
        sip_username,
        sip_password,
        user: body.user_id.map(UserId::from_raw),
    };
    let scope = caller.scope(&state);
    let device = match scope.create_device(&new, &state.sip_realm).await {
        Ok(d) => d,
        Err(StorageError::Conflict(_)) => {
            return Err(ApiError::conflict(
                format!("l'adresse MAC {mac} est déjà enregistrée"),
                format!("MAC address {mac} is already registered"),
            ));
        }
        Err(StorageError::NotFound("user")) => return Err(no_such_user()),
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(CreatedDeviceOut {
            device: device_out(device, &[]),
            sip_password: password,
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
