//! The account's devices (SPEC A5 devices tab, T1, T13): the list with
//! each device's live registration state (refreshed by htmx every five
//! seconds), "+ Add device" by MAC address and model with generated SIP
//! credentials, one device's page (credentials, assignment, a new SIP
//! password on request) and deleting a device.
//!
//! The registration state is the one the switch stores: its live
//! bindings (`AccountScope::live_bindings`), as on the extensions list.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Binding, Device, DeviceId, MacAddress, SUPPORTED_MODELS, User, UserId};
use serde::Deserialize;
use storage::{AccountScope, StorageError};
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::now;
use crate::page::{Page, render, render_status};
use crate::provision::{AddDeviceError, DeviceRequest, add_device, renew_password};
use crate::settings_form::Choice;

/// Where a just-generated SIP password waits, in the session, for the one
/// page that shows it: (device id, password).
const SHOWN_ONCE: &str = "device-password";

/// One device as the tables show it.
pub struct DeviceRow {
    pub id: i64,
    pub mac: String,
    pub model: String,
    pub sip_username: String,
    /// "Name (101)", or empty when the device is free.
    pub user: String,
    /// The live registrations; empty when offline.
    pub registrations: Vec<Registration>,
}

/// One live registration of a device, ready to show.
pub struct Registration {
    pub contact: String,
    pub source: String,
    pub transport: String,
    pub user_agent: String,
    /// When the switch last stored it, in the account's time zone.
    pub at: String,
}

/// The rows of `devices`, with their users and live registrations.
pub async fn rows_of(
    scope: &AccountScope<'_>,
    admin: &Admin,
    tr: Tr,
    devices: Vec<Device>,
) -> Result<Vec<DeviceRow>, WebError> {
    let users: HashMap<UserId, User> = scope
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut live: HashMap<DeviceId, Vec<Binding>> = HashMap::new();
    for b in scope.live_bindings(now()).await? {
        live.entry(b.device).or_default().push(b);
    }
    Ok(devices
        .into_iter()
        .map(|d| DeviceRow {
            id: d.id.raw(),
            // Softphones imported without a MAC still get a link.
            mac: d.mac.map_or_else(|| "—".to_owned(), |m| m.to_string()),
            model: d.model.0,
            sip_username: d.sip_username.as_str().to_owned(),
            user: d
                .user
                .and_then(|u| users.get(&u))
                .map(user_label)
                .unwrap_or_default(),
            registrations: live
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .map(|b| Registration {
                    at: crate::pages::display_time(tr, &admin.account.time_zone, b.updated_at),
                    contact: b.contact,
                    source: b.source,
                    transport: b.transport,
                    user_agent: b.user_agent.unwrap_or_default(),
                })
                .collect(),
        })
        .collect())
}

/// "Alice Dupont (101)".
fn user_label(u: &User) -> String {
    format!("{} ({})", u.name, u.extension_number.as_str())
}

#[derive(Template)]
#[template(path = "admin_devices.html")]
struct DeviceList {
    p: Page,
    rows: Vec<DeviceRow>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_device_rows.html")]
struct DeviceRows {
    p: Page,
    rows: Vec<DeviceRow>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    deleted: String,
}

/// `GET /admin/devices`: every device of the account.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "devices-title", "/admin/devices")
        .await?;
    let scope = admin.scope(&state);
    let rows = rows_of(&scope, &admin, p.tr, scope.devices().await?).await?;
    let notice = (!q.deleted.is_empty()).then(|| p.t1("devices-deleted", "mac", &q.deleted));
    render(&DeviceList { p, rows, notice })
}

/// `GET /admin/devices/rows`: the table's body alone, which the list
/// polls every five seconds for the registration state.
pub async fn rows(State(state): State<AppState>, session: Session) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "devices-title", "/admin/devices")
        .await?;
    let scope = admin.scope(&state);
    let rows = rows_of(&scope, &admin, p.tr, scope.devices().await?).await?;
    render(&DeviceRows { p, rows })
}

/// What the "+ Add device" form sent; text, so it comes back as typed.
#[derive(Deserialize, Default)]
pub struct AddDeviceForm {
    #[serde(default)]
    mac: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    user: String,
}

#[derive(Default)]
struct AddDeviceErrors {
    mac: Option<String>,
    model: Option<String>,
    user: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_device_new.html")]
struct AddDevicePage {
    p: Page,
    form: AddDeviceForm,
    errors: AddDeviceErrors,
    models: Vec<Choice>,
    users: Vec<Choice>,
}

/// The account's users as options, `selected` (a user id) chosen, after
/// an empty option labelled `none_key`.
async fn user_choices(
    scope: &AccountScope<'_>,
    tr: Tr,
    none_key: &str,
    selected: &str,
) -> Result<Vec<Choice>, WebError> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: tr.t(none_key),
        selected: selected.is_empty(),
    }];
    for u in scope.users().await? {
        let value = u.id.raw().to_string();
        choices.push(Choice {
            selected: value == selected,
            label: user_label(&u),
            value,
        });
    }
    Ok(choices)
}

async fn add_device_page(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    form: AddDeviceForm,
    errors: AddDeviceErrors,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "device-new-title", "/admin/devices")
        .await?;
    let models = SUPPORTED_MODELS
        .iter()
        .map(|m| Choice {
            value: (*m).to_owned(),
            label: (*m).to_owned(),
            selected: *m == form.model,
        })
        .collect();
    let users = user_choices(&admin.scope(state), p.tr, "device-no-user", &form.user).await?;
    let refused = errors.mac.is_some() || errors.model.is_some() || errors.user.is_some();
    let page = AddDevicePage {
        p,
        form,
        errors,
        models,
        users,
    };
    if refused {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// `GET /admin/devices/new`: the "+ Add device" form.
pub async fn new_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let form = AddDeviceForm {
        model: SUPPORTED_MODELS[0].to_owned(),
        ..AddDeviceForm::default()
    };
    add_device_page(&state, &session, &admin, form, AddDeviceErrors::default()).await
}

/// `POST /admin/devices/new`: adds the device with generated SIP
/// credentials and shows its page, with the password this once.
pub async fn add(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AddDeviceForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = Tr(crate::session::SessionData::language(&session).await);
    let scope = admin.scope(&state);
    let mut errors = AddDeviceErrors::default();
    let mac = MacAddress::parse(&form.mac)
        .map_err(|_| errors.mac = Some(tr.t("device-bad-mac")))
        .ok();
    let model = SUPPORTED_MODELS
        .iter()
        .find(|m| **m == form.model.trim())
        .map(|m| (*m).to_owned());
    if model.is_none() {
        errors.model = Some(tr.t("device-bad-model"));
    }
    let user = match form.user.trim() {
        "" => None,
        text => text
            .parse::<i64>()
            .map(UserId::from_raw)
            .map_err(|_| errors.user = Some(tr.t("device-bad-user")))
            .ok(),
    };
    let (Some(mac), Some(model), None) = (mac, model, &errors.user) else {
        return add_device_page(&state, &session, &admin, form, errors).await;
    };
    let request = DeviceRequest {
        mac,
        label: model.clone(),
        model,
        user,
    };
    let (device, password) = match add_device(&scope, &state.sip_realm, request).await {
        Ok(added) => added,
        Err(AddDeviceError::MacTaken(mac)) => {
            errors.mac = Some(tr.t1("device-mac-taken", "mac", &mac.to_string()));
            return add_device_page(&state, &session, &admin, form, errors).await;
        }
        Err(AddDeviceError::NoSuchUser) => {
            errors.user = Some(tr.t("device-bad-user"));
            return add_device_page(&state, &session, &admin, form, errors).await;
        }
        Err(AddDeviceError::Storage(e)) => return Err(e.into()),
    };
    // A phone that tried before it was added is no longer "unknown".
    (state.credentials_changed)(&[device.sip_username.as_str()]);
    let id = device.id.raw();
    session
        .insert(SHOWN_ONCE, (id, password.expose().to_owned()))
        .await?;
    Ok(Redirect::to(&format!("/admin/devices/{id}?added=1")).into_response())
}

#[derive(Template)]
#[template(path = "admin_device.html")]
struct DevicePage {
    p: Page,
    d: DeviceRow,
    realm: String,
    /// The SIP password, when it was just generated.
    password: Option<String>,
    users: Vec<Choice>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DeviceQuery {
    #[serde(default)]
    added: String,
    #[serde(default)]
    assigned: String,
}

/// `GET /admin/devices/{id}`: one device: credentials, state, who it
/// rings for.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<DeviceQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let device = scope.device(DeviceId::from_raw(id)).await?;
    let p = admin
        .page(&session, "devices-title", "/admin/devices")
        .await?;
    let realm = device.realm.clone();
    let current = device.user.map(|u| u.raw().to_string()).unwrap_or_default();
    let mut rows = rows_of(&scope, &admin, p.tr, vec![device]).await?;
    let d = rows.pop().expect("one device gives one row");
    let password = match session.remove::<(i64, String)>(SHOWN_ONCE).await? {
        Some((shown, password)) if shown == id => Some(password),
        _ => None,
    };
    let notice = if !q.added.is_empty() {
        Some(p.t1("devices-added", "mac", &d.mac))
    } else if !q.assigned.is_empty() {
        Some(if d.user.is_empty() {
            p.t("devices-not-assigned")
        } else {
            p.t1("device-assigned", "user", &d.user)
        })
    } else {
        None
    };
    let users = user_choices(&scope, p.tr, "devices-not-assigned", &current).await?;
    let secret = password.is_some();
    let mut response = render(&DevicePage {
        p,
        d,
        realm,
        password,
        users,
        notice,
    })?;
    if secret {
        // The password is shown once: not kept in any cache either.
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    user: String,
}

/// `POST /admin/devices/{id}/user`: assigns the device to a user of the
/// account, or frees it (empty `user`).
pub async fn assign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let device = scope.device(DeviceId::from_raw(id)).await?;
    let user = match f.user.trim() {
        "" => None,
        // A user id that is not a number names no user of the account.
        text => Some(UserId::from_raw(
            text.parse().map_err(|_| WebError::NotFound)?,
        )),
    };
    match scope.assign_device(device.id, user).await {
        Ok(()) => {}
        Err(StorageError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/admin/devices/{id}?assigned=1")).into_response())
}

/// `POST /admin/devices/{id}/password`: a new SIP password, shown once
/// on the device's page (the old one is not stored, so cannot be shown).
pub async fn new_password(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let device = scope.device(DeviceId::from_raw(id)).await?;
    let password = renew_password(&scope, &state.sip_realm, &device).await?;
    (state.credentials_changed)(&[device.sip_username.as_str()]);
    session
        .insert(SHOWN_ONCE, (id, password.expose().to_owned()))
        .await?;
    Ok(Redirect::to(&format!("/admin/devices/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "admin_device_delete.html")]
struct DeletePage {
    p: Page,
    id: i64,
    mac: String,
    user: String,
}

/// `GET /admin/devices/{id}/delete`: asks before deleting.
pub async fn delete_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let device = scope.device(DeviceId::from_raw(id)).await?;
    let p = admin
        .page(&session, "device-delete-title", "/admin/devices")
        .await?;
    let d = rows_of(&scope, &admin, p.tr, vec![device])
        .await?
        .pop()
        .expect("one device gives one row");
    render(&DeletePage {
        p,
        id,
        mac: d.mac,
        user: d.user,
    })
}

/// `POST /admin/devices/{id}/delete`: deletes the device and its
/// registrations.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let device = scope.device(DeviceId::from_raw(id)).await?;
    scope.delete_device(device.id).await?;
    (state.credentials_changed)(&[device.sip_username.as_str()]);
    let mac = device.mac.map_or_else(
        || device.sip_username.as_str().to_owned(),
        |m| m.to_string(),
    );
    Ok(Redirect::to(&format!("/admin/devices?deleted={mac}")).into_response())
}
