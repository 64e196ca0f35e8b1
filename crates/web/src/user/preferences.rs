//! The user's preferences (SPEC U6, U7, U8): voicemail (on/off, PIN,
//! e-mail notification and its MP3; the ring time and the after-e-mail
//! action are the admin's and shown read-only), call forwarding, and the
//! caller ID chosen among the numbers that reach the extension. The forms'
//! rules are the admin's ([`crate::settings_form`]).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::E164;
use serde::Deserialize;
use tower_sessions::Session;

use super::{Member, user_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::page::{Page, render, render_status};
use crate::settings_form::{
    self, Choice, Editor, Errors, Section, SettingsForm, SubTab, Tab, Values, caller_id_choices,
    sub_tabs, tab_of,
};

/// The sub-tabs, in the seed page's order: path segment, label key, form.
const TABS: &[Tab] = &[
    ("voicemail", "user-tab-voicemail", Section::Voicemail),
    ("forwarding", "user-tab-forwarding", Section::Forwarding),
    ("caller-id", "user-prefs-tab-caller-id", Section::CallerId),
];

#[derive(Template)]
#[template(path = "user_preferences.html")]
struct Preferences {
    p: Page,
    tab: &'static str,
    tabs: Vec<SubTab>,
    v: Values,
    e: Errors,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// The numbers the user may show when calling out besides the main
/// number: those that reach their extension (SPEC U8), and the one the
/// admin chose for them if it is another.
async fn caller_ids(state: &AppState, member: &Member) -> Result<Vec<E164>, WebError> {
    let mut numbers = member
        .scope(state)
        .numbers_of(member.user.extension)
        .await?;
    if let Some(current) = &member.user.caller_id
        && !numbers.contains(current)
        && *current != member.account.main_number
    {
        numbers.push(current.clone());
    }
    Ok(numbers)
}

/// The caller-ID options: the main number first (the empty value).
fn choices(p: &Page, member: &Member, numbers: &[E164]) -> Vec<Choice> {
    let main = member.account.main_number.national_display();
    let current = member
        .user
        .caller_id
        .as_ref()
        .filter(|n| **n != member.account.main_number);
    caller_id_choices(
        current,
        p.t1("user-prefs-main-number", "number", &main),
        numbers,
    )
}

async fn show(
    state: &AppState,
    session: &Session,
    member: &Member,
    tab: (&'static str, Section),
    refused: Option<(&SettingsForm, Errors)>,
    saved: bool,
) -> Result<Response, WebError> {
    let mut p = member
        .page(session, "user-prefs-title", "/user/preferences")
        .await?;
    p.path = format!("/user/preferences/{}", tab.0);
    let numbers = caller_ids(state, member).await?;
    let mut v = Values::of(p.tr, &member.user, choices(&p, member, &numbers));
    let e = match refused {
        Some((typed, e)) => {
            v.keep_typed(p.tr, tab.1, Editor::User, typed);
            e
        }
        None => Errors::default(),
    };
    let invalid = e.any();
    let page = Preferences {
        tabs: sub_tabs(p.tr, TABS, "/user/preferences", tab.0),
        p,
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

/// `GET /user/preferences`: the first sub-tab.
pub async fn first() -> Response {
    Redirect::to("/user/preferences/voicemail").into_response()
}

/// `GET /user/preferences/{tab}`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(tab): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let tab = tab_of(TABS, &tab)?;
    show(&state, &session, &member, tab, None, !q.saved.is_empty()).await
}

/// `POST /user/preferences/{tab}`: saves one sub-tab; a refused field
/// comes back with its message and what was typed.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path(tab): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let tab = tab_of(TABS, &tab)?;
    let mut settings = settings_form::settings_of(&member.user);
    let numbers = caller_ids(&state, &member).await?;
    if let Err(e) = settings_form::apply(tab.1, Editor::User, &f, &mut settings, &numbers).await? {
        return show(&state, &session, &member, tab, Some((&f, e)), false).await;
    }
    member
        .scope(&state)
        .update_user_settings(member.user.id, &settings)
        .await?;
    Ok(Redirect::to(&format!("/user/preferences/{}?saved=1", tab.0)).into_response())
}
