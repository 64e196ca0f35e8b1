//! The password tab of a user's settings (SPEC A15): the admin resets the
//! user's portal password, either automatically (a temporary password
//! e-mailed, to change at the next sign-in, like the welcome e-mail's) or
//! manually (typed twice, the rules of every password form, optionally to
//! change at the next sign-in). The user is e-mailed either way.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{User, UserId};
use serde::Deserialize;
use tower_sessions::Session;

use super::user_settings::admin_sub_tabs;
use super::{Admin, admin_or_return};
use crate::AppState;
use crate::admin_password::{Mailed, MustChange, NewPassword, set_by_admin};
use crate::auth::new_password;
use crate::error::WebError;
use crate::page::{Page, render, render_status};
use crate::settings_form::SubTab;

/// What the form sent. Passwords are never sent back into the form; the
/// choices are.
#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    must_change: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_user_password.html")]
struct PasswordTab {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    email: String,
    tabs: Vec<SubTab>,
    manual: bool,
    must_change: bool,
    password_error: Option<&'static str>,
    confirm_error: Option<&'static str>,
    /// The message key and argument of what was just done.
    done: Option<String>,
}

impl PasswordTab {
    async fn of(session: &Session, admin: &Admin, user: User) -> Result<Self, WebError> {
        let p = admin
            .page(session, "user-settings-title", "/admin/extensions")
            .await?;
        let id = user.id.raw();
        Ok(Self {
            tabs: admin_sub_tabs(p.tr, id, "password"),
            p,
            id,
            name: user.name,
            extension: user.extension_number.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            manual: false,
            must_change: true,
            password_error: None,
            confirm_error: None,
            done: None,
        })
    }
}

#[derive(Deserialize, Default)]
pub struct TabQuery {
    #[serde(default)]
    done: String,
}

/// `GET /admin/users/{id}/password`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    let mut tab = PasswordTab::of(&session, &admin, user).await?;
    tab.done = match q.done.as_str() {
        "sent" => Some(tab.p.t1("user-password-done", "email", &tab.email)),
        "unsent" => Some(tab.p.t("user-password-unsent")),
        _ => None,
    };
    render(&tab)
}

/// `POST /admin/users/{id}/password`: resets the password; a refused
/// manual password comes back with its message and the choices made.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    let must_change = if f.must_change.is_some() {
        MustChange::Yes
    } else {
        MustChange::No
    };
    let choice = if f.mode == "manual" {
        match new_password(&f.password, &f.confirm) {
            Ok(password) => NewPassword::Manual {
                password,
                must_change,
            },
            Err(key) => {
                let mut tab = PasswordTab::of(&session, &admin, user).await?;
                tab.manual = true;
                tab.must_change = must_change == MustChange::Yes;
                if key == "change-mismatch" {
                    tab.confirm_error = Some(key);
                } else {
                    tab.password_error = Some(key);
                }
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &tab);
            }
        }
    } else {
        NewPassword::Automatic
    };
    let done = match set_by_admin(&state, admin.id, user.id, choice).await? {
        Mailed::Sent => "sent",
        Mailed::NotSent => "unsent",
    };
    Ok(Redirect::to(&format!("/admin/users/{id}/password?done={done}")).into_response())
}
