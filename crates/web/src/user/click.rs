//! Click to call from the user portal (SPEC U2): the form above the call
//! log posts a destination; the switch rings the user's phones and, once
//! one answers, dials it. The page that follows shows where the call is,
//! its panel polled by htmx every second until the call ends (without
//! JavaScript, a refresh link does the same). Each poll says which stage
//! the page shows, and an unchanged stage is answered 204, which htmx
//! leaves alone: the live region only changes, and is only read out, when
//! the call moves on.
//!
//! Only the user who started a call follows it: the session keeps the ids
//! it started ([`SessionData::remember_call`]), and the dialer answers only
//! for the user's account.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{CallEnd, CallProgress, ClickToCall, Dialled, DialledError, ExtensionNumber};
use serde::Deserialize;
use tower_sessions::Session;

use super::calls::{DialBox, log_with_form};
use super::{Member, user_or_return};
use crate::AppState;
use crate::dialer::{end_name, state_name};
use crate::error::WebError;
use crate::page::{Page, render, render_status};
use crate::session::{SessionData, StartedCall};

/// The click-to-call form.
#[derive(Deserialize)]
pub struct DialForm {
    #[serde(default)]
    destination: String,
}

/// `POST /user/calls/dial`: starts a call, then shows its progress. A
/// destination that reaches nothing is shown again with the reason (422);
/// without a switch the form says so (503).
pub async fn dial(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<DialForm>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let refuse = |error, status| {
        let dial = DialBox {
            value: form.destination.clone(),
            error: Some(error),
        };
        log_with_form(&state, &session, &member, dial, status)
    };
    let destination = match Dialled::parse(&form.destination) {
        Ok(d) => d,
        Err(DialledError::Empty) => {
            return refuse("click-empty", StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(DialledError::Invalid(_)) => {
            return refuse("click-invalid", StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let shown = display(&destination);
    let call = ClickToCall {
        account: member.account.id,
        user: member.user.id,
        destination,
    };
    let started = match &state.dialer {
        Some(dialer) => dialer.dial(call).ok(),
        None => None,
    };
    let Some(id) = started else {
        return refuse("click-unavailable-form", StatusCode::SERVICE_UNAVAILABLE).await;
    };
    let started = StartedCall {
        user: member.user.id.raw(),
        id,
        destination: shown,
    };
    SessionData::remember_call(&session, started).await?;
    Ok(Redirect::to(&format!("/user/calls/live/{id}")).into_response())
}

/// What "call back" dials for the other party of a logged call: their
/// extension, or their number as people write it. Nothing for a hidden or
/// unknown caller, nor for an emergency service (calling one back takes a
/// deliberate typing).
pub fn call_back(number: &str, extension: Option<&ExtensionNumber>) -> Option<String> {
    let text = extension.map_or(number, ExtensionNumber::as_str);
    match Dialled::parse(text).ok()? {
        Dialled::Emergency(_) => None,
        d => Some(display(&d)),
    }
}

/// A destination as the page shows it: `06 12 34 56 78`, `0044…`, `201`.
fn display(d: &Dialled) -> String {
    match d {
        Dialled::Public(n) => n.national_display(),
        other => other.as_text().to_owned(),
    }
}

/// One stage of the stepper shown while the call goes on.
struct Step {
    label: String,
    /// `done`, `current` or `todo`, for the class.
    state: &'static str,
}

/// The progress panel of one call, ready to show.
pub struct Panel {
    id: u64,
    /// The stage shown, as the next poll names it: `ringing`,
    /// `ended-busy`, `lost`...
    seen: String,
    destination: String,
    /// `active`, `ok` or `failed`, for the class.
    tone: &'static str,
    headline: String,
    detail: String,
    steps: Vec<Step>,
    /// Polling stops once this is set.
    ended: bool,
}

#[derive(Template)]
#[template(path = "user_call_live.html")]
struct LivePage {
    p: Page,
    title: String,
    panel: Panel,
}

#[derive(Template)]
#[template(path = "user_call_panel.html")]
struct PanelFragment {
    p: Page,
    panel: Panel,
}

/// `GET /user/calls/live/{id}`: the page that follows a call.
pub async fn live(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let mut p = member.page(&session, "click-title", "/user/calls").await?;
    // The language switch comes back here, not to the log.
    p.path = format!("/user/calls/live/{id}");
    let Some((panel, status)) = panel_of(&state, &session, &member, &p, &id).await else {
        return Ok(WebError::NotFound.with_language(p.tr.0));
    };
    let title = p.t1("click-live-title", "number", &panel.destination);
    render_status(status, &LivePage { p, title, panel })
}

/// What the polling page shows now.
#[derive(Deserialize)]
pub struct Shown {
    #[serde(default)]
    seen: String,
}

/// `GET /user/calls/live/{id}/panel?seen=STAGE`: the panel alone, which
/// the page polls: 204 while the call is still at `seen`, else 200 with
/// the new panel (also for an ended or lost call, whose panel stops the
/// polling).
pub async fn panel(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let p = Page::new(&session, "click-title", "/user/calls").await?;
    let Some((panel, _)) = panel_of(&state, &session, &member, &p, &id).await else {
        return Ok(WebError::NotFound.with_language(p.tr.0));
    };
    if panel.seen == shown.seen {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    render(&PanelFragment { p, panel })
}

/// The panel of call `id` if this session's user started it, with the
/// status its page answers: 503 without a switch, 404 when the switch no
/// longer knows the call.
async fn panel_of(
    state: &AppState,
    session: &Session,
    member: &Member,
    p: &Page,
    id: &str,
) -> Option<(Panel, StatusCode)> {
    let id: u64 = id.parse().ok()?;
    let call = SessionData::started_call(session, member.user.id, id).await?;
    let (seen, status) = match &state.dialer {
        None => (Seen::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
        Some(d) => match d.progress(member.account.id, id) {
            Some(progress) => (Seen::Progress(progress), StatusCode::OK),
            None => (Seen::Lost, StatusCode::NOT_FOUND),
        },
    };
    Some((describe(p, id, call.destination, seen), status))
}

/// What the page knows of a call.
enum Seen {
    Progress(CallProgress),
    /// The switch does not know the call (any more).
    Lost,
    /// No switch runs here.
    Unavailable,
}

/// The stages the stepper shows, with their labels.
const STEPS: [&str; 4] = [
    "click-step-you",
    "click-step-dialling",
    "click-step-ringing",
    "click-step-connected",
];

fn describe(p: &Page, id: u64, destination: String, seen: Seen) -> Panel {
    let shown = match seen {
        Seen::Progress(CallProgress::Ended(end)) => format!("ended-{}", end_name(end)),
        Seen::Progress(progress) => state_name(progress).to_owned(),
        Seen::Lost => "lost".to_owned(),
        Seen::Unavailable => "unavailable".to_owned(),
    };
    let (stage, key, tone) = match seen {
        Seen::Progress(CallProgress::CallingYou) => (Some(0), "click-calling-you", "active"),
        Seen::Progress(CallProgress::Dialling) => (Some(1), "click-dialling", "active"),
        Seen::Progress(CallProgress::Ringing) => (Some(2), "click-ringing", "active"),
        Seen::Progress(CallProgress::Connected) => (Some(3), "click-connected", "ok"),
        Seen::Progress(CallProgress::Ended(end)) => match end {
            CallEnd::NoPhone => (None, "click-end-no-phone", "failed"),
            CallEnd::YouDidNotAnswer => (None, "click-end-you-did-not-answer", "failed"),
            CallEnd::Busy => (None, "click-end-busy", "failed"),
            CallEnd::NoAnswer => (None, "click-end-no-answer", "failed"),
            CallEnd::Failed => (None, "click-end-failed", "failed"),
            CallEnd::HungUp => (None, "click-end-hung-up", "ok"),
        },
        Seen::Lost => (None, "click-lost", "failed"),
        Seen::Unavailable => (None, "click-unavailable", "failed"),
    };
    let steps = match stage {
        Some(current) => STEPS
            .iter()
            .enumerate()
            .map(|(i, label)| Step {
                label: p.t(label),
                state: match i.cmp(&current) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "todo",
                },
            })
            .collect(),
        None => Vec::new(),
    };
    Panel {
        id,
        seen: shown,
        headline: p.t1(key, "number", &destination),
        detail: p.t1(&format!("{key}-detail"), "number", &destination),
        destination,
        tone,
        steps,
        ended: stage.is_none(),
    }
}
