//! One user's settings, as the admin sees them (SPEC A5): tabs devices
//! ([`super::user_devices`]), voicemail (ring time, PIN, e-mail), call
//! forwarding (number required when on), advanced (outbound caller ID from
//! the account's numbers) and password ([`super::user_password`], A15).
//! The forms' rules are shared with the user's own preferences
//! ([`crate::settings_form`]).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{E164, User, UserId};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render, render_status};
use crate::settings_form::{
    self, Editor, Errors, Section, SettingsForm, SubTab, Tab, Values, caller_id_choices, sub_tabs,
    tab_of,
};

/// The settings tabs, in order: path segment, label key, form. The
/// devices tab comes before them and the password tab after (see
/// [`admin_sub_tabs`]).
const TABS: &[Tab] = &[
    ("voicemail", "user-tab-voicemail", Section::Voicemail),
    ("forwarding", "user-tab-forwarding", Section::Forwarding),
    ("advanced", "user-tab-advanced", Section::CallerId),
];

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    email: String,
    tab: &'static str,
    tabs: Vec<SubTab>,
    v: Values,
    e: Errors,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct TabQuery {
    #[serde(default)]
    saved: String,
}

/// The account's numbers, every one a possible caller ID.
async fn account_numbers(state: &AppState, admin: &Admin) -> Result<Vec<E164>, WebError> {
    Ok(admin
        .scope(state)
        .numbers()
        .await?
        .into_iter()
        .map(|n| n.number)
        .collect())
}

/// Shows one tab: the stored settings, or (`refused`) the typed form
/// with its errors and status 422.
async fn show(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    user: User,
    tab: (&'static str, Section),
    refused: Option<(&SettingsForm, Errors)>,
    saved: bool,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "user-settings-title", "/admin/extensions")
        .await?;
    let numbers = account_numbers(state, admin).await?;
    let choices = caller_id_choices(
        user.caller_id.as_ref(),
        p.t("advanced-caller-id-main"),
        &numbers,
    );
    let mut v = Values::of(p.tr, &user, choices);
    let e = match refused {
        Some((typed, e)) => {
            v.keep_typed(p.tr, tab.1, Editor::Admin, typed);
            e
        }
        None => Errors::default(),
    };
    let invalid = e.any();
    let id = user.id.raw();
    let page = UserPage {
        tabs: admin_sub_tabs(p.tr, id, tab.0),
        p,
        id,
        name: user.name,
        extension: user.extension_number.as_str().to_owned(),
        email: user.email.as_str().to_owned(),
        tab: tab.0,
        v,
        e,
        saved,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// Every tab of a user's page, in the seed pages' order (devices,
/// voicemail, call forwarding, advanced), then password; `active` marked.
pub(super) fn admin_sub_tabs(tr: Tr, id: i64, active: &str) -> Vec<SubTab> {
    let base = format!("/admin/users/{id}");
    let tab = |name: &str, key: &str| SubTab {
        href: format!("{base}/{name}"),
        label: tr.t(key),
        active: name == active,
    };
    let mut tabs = vec![tab("devices", "user-tab-devices")];
    tabs.extend(sub_tabs(tr, TABS, &base, active));
    tabs.push(tab("password", "user-tab-password"));
    tabs
}

/// `GET /admin/users/{id}`: the first tab.
pub async fn first(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    // Another account's user is "not found" here too, not a redirect.
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    Ok(Redirect::to(&format!("/admin/users/{}/devices", user.id.raw())).into_response())
}

/// `GET /admin/users/{id}/{tab}`: one tab of a user's settings.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path((id, tab)): Path<(i64, String)>,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tab = tab_of(TABS, &tab)?;
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    show(
        &state,
        &session,
        &admin,
        user,
        tab,
        None,
        !q.saved.is_empty(),
    )
    .await
}

/// `POST /admin/users/{id}/{tab}`: saves one tab; a refused field comes
/// back with its message and everything typed.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path((id, tab)): Path<(i64, String)>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tab = tab_of(TABS, &tab)?;
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    let mut settings = settings_form::settings_of(&user);
    let numbers = account_numbers(&state, &admin).await?;
    if let Err(e) = settings_form::apply(tab.1, Editor::Admin, &f, &mut settings, &numbers).await? {
        return show(&state, &session, &admin, user, tab, Some((&f, e)), false).await;
    }
    scope.update_user_settings(user.id, &settings).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}/{}?saved=1", tab.0)).into_response())
}
