//! The devices tab of a user's settings (SPEC A5): the desk phones and
//! softphones that ring for the user, with their registration state; a
//! free device of the account can be assigned, an assigned one freed.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{DeviceId, User, UserId};
use serde::Deserialize;
use tower_sessions::Session;

use super::devices::{DeviceRow, rows_of};
use super::user_settings::admin_sub_tabs;
use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::page::{Page, render, render_status};
use crate::settings_form::{Choice, SubTab};

#[derive(Template)]
#[template(path = "admin_user_devices.html")]
struct DevicesTab {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    tabs: Vec<SubTab>,
    rows: Vec<DeviceRow>,
    /// The account's free devices.
    free: Vec<Choice>,
    error: Option<String>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct TabQuery {
    #[serde(default)]
    saved: String,
}

async fn show(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    user: User,
    error: Option<&'static str>,
    saved: bool,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "user-settings-title", "/admin/extensions")
        .await?;
    let scope = admin.scope(state);
    let rows = rows_of(&scope, admin, p.tr, scope.devices_of(user.id).await?).await?;
    let free = scope
        .devices()
        .await?
        .into_iter()
        .filter(|d| d.user.is_none())
        .map(|d| Choice {
            value: d.id.raw().to_string(),
            label: format!(
                "{} · {}",
                d.mac.map(|m| m.to_string()).unwrap_or_default(),
                d.model.0
            ),
            selected: false,
        })
        .collect();
    let id = user.id.raw();
    let page = DevicesTab {
        tabs: admin_sub_tabs(p.tr, id, "devices"),
        error: error.map(|key| p.t(key)),
        p,
        id,
        name: user.name,
        extension: user.extension_number.as_str().to_owned(),
        rows,
        free,
        saved,
    };
    if page.error.is_some() {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// `GET /admin/users/{id}/devices`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    show(&state, &session, &admin, user, None, !q.saved.is_empty()).await
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    device: String,
}

/// `POST /admin/users/{id}/devices`: assigns one of the account's free
/// devices to the user.
pub async fn assign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    let free = match f.device.trim().parse::<i64>() {
        Ok(device) => scope
            .devices()
            .await?
            .into_iter()
            .find(|d| d.id.raw() == device && d.user.is_none()),
        Err(_) => None,
    };
    let Some(device) = free else {
        return show(
            &state,
            &session,
            &admin,
            user,
            Some("user-devices-bad"),
            false,
        )
        .await;
    };
    scope.assign_device(device.id, Some(user.id)).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}/devices?saved=1")).into_response())
}

/// `POST /admin/users/{id}/devices/{device}/unassign`: frees one of the
/// user's devices (it stays in the account).
pub async fn unassign(
    State(state): State<AppState>,
    session: Session,
    Path((id, device)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    let device = scope.device(DeviceId::from_raw(device)).await?;
    if device.user != Some(user.id) {
        return Err(WebError::NotFound);
    }
    scope.assign_device(device.id, None).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}/devices?saved=1")).into_response())
}
