//! The user's profile (SPEC U9): name and extension read-only (only the
//! admin changes them), the e-mail address voicemail notifications go to,
//! and the password (current one, new one twice, the rules of the forced
//! change).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::EmailAddress;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Member, user_or_return};
use crate::AppState;
use crate::auth::{hash, new_password, verify};
use crate::error::WebError;
use crate::page::{Page, render, render_status};

#[derive(Template)]
#[template(path = "user_profile.html")]
struct Profile {
    p: Page,
    name: String,
    extension: String,
    email: String,
    email_error: Option<&'static str>,
    current_error: Option<&'static str>,
    password_error: Option<&'static str>,
    confirm_error: Option<&'static str>,
    /// The message key of what was just saved.
    saved: Option<&'static str>,
}

impl Profile {
    async fn of(session: &Session, member: &Member) -> Result<Self, WebError> {
        Ok(Self {
            p: member
                .page(session, "user-profile-title", "/user/profile")
                .await?,
            name: member.user.name.clone(),
            extension: member.user.extension_number.as_str().to_owned(),
            email: member.user.email.as_str().to_owned(),
            email_error: None,
            current_error: None,
            password_error: None,
            confirm_error: None,
            saved: None,
        })
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /user/profile`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let mut page = Profile::of(&session, &member).await?;
    page.saved = match q.saved.as_str() {
        "email" => Some("user-profile-email-saved"),
        "password" => Some("change-done"),
        _ => None,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /user/profile`: a new e-mail address.
pub async fn save_email(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<EmailForm>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let Ok(email) = EmailAddress::parse(&f.email) else {
        let mut page = Profile::of(&session, &member).await?;
        page.email = f.email;
        page.email_error = Some("add-user-bad-email");
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    member
        .scope(&state)
        .update_user_profile(member.user.id, &member.user.name, &email)
        .await?;
    Ok(Redirect::to("/user/profile?saved=email").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /user/profile/password`: the current password, then the new one
/// twice. Passwords are never sent back into the form.
pub async fn save_password(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let refuse = |field: fn(&mut Profile) -> &mut Option<&'static str>, key: &'static str| {
        let (session, member) = (&session, &member);
        async move {
            let mut page = Profile::of(session, member).await?;
            *field(&mut page) = Some(key);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    };
    if !verify(Some(member.user.password.clone()), f.current.clone()).await {
        return refuse(|p| &mut p.current_error, "change-wrong-current").await;
    }
    let password = match new_password(&f.password, &f.confirm) {
        Ok(p) => p,
        Err(key @ "change-mismatch") => return refuse(|p| &mut p.confirm_error, key).await,
        Err(key) => return refuse(|p| &mut p.password_error, key).await,
    };
    let hash = hash(password).await?;
    member
        .scope(&state)
        .set_user_password(member.user.id, &hash)
        .await?;
    Ok(Redirect::to("/user/profile?saved=password").into_response())
}
