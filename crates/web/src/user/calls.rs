//! The user's call log (SPEC U4): the calls their extension made or
//! received, from their point of view (an internal call from 101 to 102 is
//! outgoing for 101 and incoming for 102), the last 7 days unless another
//! period is searched, filtered all / incoming / outgoing / missed, one
//! page at a time, and the same calls as a CSV file. The click-to-call
//! form (SPEC U2, [`super::click`]) sits above the log, and each call with
//! a number to dial has a "call back" link that fills it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{CallRecord, ExtensionNumber};
use serde::Deserialize;
use storage::{CallFilter, Side};
use tower_sessions::Session;

use super::{Member, user_or_return};
use crate::AppState;
use crate::admin::calls::{PAGE_SIZE, encode, parse_older, party};
use crate::call_export::{self, CsvExport, push_line};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::local_time::{DayRangeErrors, Zone};
use crate::page::render_status;
use crate::pages::display_duration;

/// How many days the log shows when no period is searched, today included.
pub const DEFAULT_DAYS: i32 = 7;

/// The log's query string. `from` and `to` are absent on a first visit
/// (the last 7 days) and empty when the search asks for every date.
#[derive(Deserialize, Default)]
pub struct UserCallQuery {
    #[serde(default)]
    show: String,
    from: Option<String>,
    to: Option<String>,
    /// The last call of the previous page: `<started_at>.<id>`.
    #[serde(default)]
    older: String,
    /// What the click-to-call form is filled with (a "call back" link).
    #[serde(default)]
    dial: String,
}

/// The filters, value in the query string and label key.
const SHOW: &[(&str, &str)] = &[
    ("", "calls-all"),
    ("incoming", "user-calls-incoming"),
    ("outgoing", "user-calls-outgoing"),
    ("missed", "user-calls-missed"),
];

struct ShowChoice {
    value: &'static str,
    label: String,
    checked: bool,
}

/// One line of the log, ready to show.
struct Row {
    when: String,
    /// `incoming` or `outgoing`, for the badge's class.
    way: &'static str,
    way_label: String,
    other: String,
    result: String,
    missed: bool,
    duration: String,
    /// What "call back" dials, when the other party can be called.
    call_back: Option<String>,
}

/// The click-to-call form: what was typed and, after a refused POST, why.
pub struct DialBox {
    pub value: String,
    /// A message key: the field's error or the switch being away.
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "user_calls.html")]
struct CallLog {
    p: crate::page::Page,
    show: Vec<ShowChoice>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    rows: Vec<Row>,
    older: Option<String>,
    paged: bool,
    /// The query string of the first page with the same filters.
    first: String,
    dial: DialBox,
}

/// What the query asks for, checked: the filter and the fields to show,
/// or which date fields are refused.
struct Search {
    show: &'static str,
    from: String,
    to: String,
    filter: CallFilter,
    refused: Option<DayRangeErrors>,
}

/// Reads the query: the chosen filter on the user's extension, the period
/// (the last [`DEFAULT_DAYS`] days when none was given).
fn search(member: &Member, q: &UserCallQuery) -> Search {
    let zone = Zone::of(&member.account.time_zone);
    let show = SHOW
        .iter()
        .map(|s| s.0)
        .find(|s| *s == q.show)
        .unwrap_or("");
    let (from, to) = match (&q.from, &q.to) {
        (None, None) => {
            let today = zone.date_of(crate::now());
            let first = today
                .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
                .unwrap_or(today);
            (first.to_string(), today.to_string())
        }
        (from, to) => (
            from.clone().unwrap_or_default(),
            to.clone().unwrap_or_default(),
        ),
    };
    let mut filter = filter_of(show, member.user.extension_number.clone());
    let refused = match zone.day_range(&from, &to) {
        Ok(r) => {
            filter.from = r.from;
            filter.until = r.until;
            None
        }
        Err(e) => Some(e),
    };
    Search {
        show,
        from,
        to,
        filter,
        refused,
    }
}

/// The storage filter of one of [`SHOW`]'s values.
fn filter_of(show: &str, extension: ExtensionNumber) -> CallFilter {
    let (side, answered) = match show {
        "incoming" => (Side::Callee, None),
        "outgoing" => (Side::Caller, None),
        "missed" => (Side::Callee, Some(false)),
        _ => (Side::Either, None),
    };
    CallFilter {
        extension: Some(extension),
        side,
        answered,
        ..CallFilter::default()
    }
}

/// The query string of a search, without the page.
fn query_of(s: &Search) -> String {
    format!(
        "show={}&from={}&to={}",
        s.show,
        encode(&s.from),
        encode(&s.to)
    )
}

/// `GET /user/calls`: the user's call log.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<UserCallQuery>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let dial = DialBox {
        value: q.dial.clone(),
        error: None,
    };
    log(&state, &session, &member, &q, dial, StatusCode::OK).await
}

/// The call log of the default search with the click-to-call form as
/// `dial` says, answered with `status` (a refused form's).
pub(super) async fn log_with_form(
    state: &AppState,
    session: &Session,
    member: &Member,
    dial: DialBox,
    status: StatusCode,
) -> Result<Response, WebError> {
    let q = UserCallQuery::default();
    log(state, session, member, &q, dial, status).await
}

async fn log(
    state: &AppState,
    session: &Session,
    member: &Member,
    q: &UserCallQuery,
    dial: DialBox,
    status: StatusCode,
) -> Result<Response, WebError> {
    let p = member
        .page(session, "user-calls-title", "/user/calls")
        .await?;
    let tr = p.tr;
    let s = search(member, q);
    let refused = s.refused;
    let cursor = parse_older(&q.older);
    let mut calls = match refused {
        Some(_) => Vec::new(),
        None => {
            let filter = CallFilter {
                limit: PAGE_SIZE + 1,
                ..s.filter.clone()
            };
            member.scope(state).calls_after(&filter, cursor).await?
        }
    };
    let more = calls.len() > PAGE_SIZE as usize;
    calls.truncate(PAGE_SIZE as usize);
    let first = query_of(&s);
    let older = match calls.last() {
        Some(last) if more => Some(format!(
            "{first}&older={}.{}",
            last.started_at.millis(),
            last.id.raw()
        )),
        _ => None,
    };
    let zone = Zone::of(&member.account.time_zone);
    let ext = &member.user.extension_number;
    let page = CallLog {
        show: SHOW
            .iter()
            .map(|&(value, key)| ShowChoice {
                value,
                label: tr.t(key),
                checked: value == s.show,
            })
            .collect(),
        from: s.from,
        to: s.to,
        from_error: refused.and_then(|e| e.from).map(|k| tr.t(k)),
        to_error: refused.and_then(|e| e.to).map(|k| tr.t(k)),
        rows: calls.iter().map(|c| row(tr, &zone, ext, c)).collect(),
        older,
        paged: cursor.is_some(),
        first,
        dial,
        p,
    };
    let status = match refused {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => status,
    };
    render_status(status, &page)
}

/// `GET /user/calls.csv`: the calls of the same search, every page, as a
/// CSV file in the user's language and the account's time zone.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<UserCallQuery>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let tr = Tr(crate::session::SessionData::language(&session).await);
    let s = search(&member, &q);
    if s.refused.is_some() {
        // The log says what is wrong with the dates.
        return Ok(Redirect::to(&format!("/user/calls?{}", query_of(&s))).into_response());
    }
    let header = {
        let mut h = String::new();
        let cells = [
            "call-when",
            "user-calls-way",
            "user-calls-other",
            "call-duration",
            "call-result",
        ]
        .map(|k| tr.t(k));
        push_line(&mut h, &cells);
        h
    };
    let zone = Zone::of(&member.account.time_zone);
    let ext = member.user.extension_number.clone();
    let csv = CsvExport {
        header,
        line: Arc::new(move |out, c| {
            let r = row(tr, &zone, &ext, c);
            push_line(out, &[r.when, r.way_label, r.other, r.duration, r.result]);
        }),
        disposition: "attachment; filename=\"appels.csv\"",
    };
    let filter = CallFilter {
        limit: u32::MAX,
        ..s.filter
    };
    Ok(call_export::stream(
        state.store.clone(),
        member.account.id,
        filter,
        csv,
    ))
}

/// One call as the user sees it: outgoing when their extension called.
fn row(tr: Tr, zone: &Zone, ext: &ExtensionNumber, c: &CallRecord) -> Row {
    let outgoing = c.caller_extension.as_ref() == Some(ext);
    let (way, key, number, extension) = if outgoing {
        (
            "outgoing",
            "user-calls-way-outgoing",
            &c.callee_number,
            c.callee_extension.as_ref(),
        )
    } else {
        (
            "incoming",
            "user-calls-way-incoming",
            &c.caller_number,
            c.caller_extension.as_ref(),
        )
    };
    let other = party(number, extension);
    Row {
        when: zone.display(tr.0, c.started_at),
        way,
        way_label: tr.t(key),
        result: tr.t(&format!("disposition-{}", c.disposition.as_str())),
        missed: !outgoing && c.answered_at.is_none(),
        duration: display_duration(c),
        call_back: super::click::call_back(number, extension),
        other,
    }
}
