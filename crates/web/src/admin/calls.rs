//! The account's call log (SPEC A2): every call, newest first, filtered
//! by direction and by a from–to date range, one page at a time.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::{CallDirection, CallRecord, CallRecordId, UnixMillis};
use serde::Deserialize;
use storage::{CallCursor, CallFilter};
use tower_sessions::Session;

use super::admin_or_return;
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::local_time::Zone;
use crate::page::{Page, render, render_status};
use crate::pages::{display_duration, display_number};

/// Calls on one page of the log.
pub const PAGE_SIZE: u32 = 50;

/// The log's query string; every field is text so that what was typed
/// comes back in the form.
#[derive(Deserialize, Default)]
pub struct CallQuery {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The last call of the previous page: `<started_at>.<id>`.
    #[serde(default)]
    older: String,
}

/// One choice of the direction filter.
struct DirectionChoice {
    value: &'static str,
    label: String,
    checked: bool,
}

/// One line of the log, ready to show.
struct Row {
    when: String,
    direction: &'static str,
    direction_label: String,
    from: String,
    to: String,
    result: String,
    missed: bool,
    duration: String,
}

#[derive(Template)]
#[template(path = "admin_calls.html")]
struct CallLog {
    p: Page,
    directions: Vec<DirectionChoice>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    rows: Vec<Row>,
    /// The query string of the next (older) page, if there may be one.
    older: Option<String>,
    /// Whether this is a later page (offer a way back to the newest calls).
    paged: bool,
    /// The query string of the first page with the same filters.
    first: String,
}

const DIRECTIONS: &[(&str, &str, Option<CallDirection>)] = &[
    ("", "calls-all", None),
    ("inbound", "direction-inbound", Some(CallDirection::Inbound)),
    (
        "outbound",
        "direction-outbound",
        Some(CallDirection::Outbound),
    ),
    (
        "internal",
        "direction-internal",
        Some(CallDirection::Internal),
    ),
];

/// `GET /admin/calls`: the call log.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<CallQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin.page(&session, "calls-title", "/admin/calls").await?;
    let zone = Zone::of(&admin.account.time_zone);
    let direction = DIRECTIONS
        .iter()
        .find(|d| d.0 == q.direction)
        .unwrap_or(&DIRECTIONS[0]);
    let mut filter = CallFilter {
        direction: direction.2,
        limit: PAGE_SIZE + 1,
        ..CallFilter::default()
    };
    let cursor = parse_older(&q.older);
    let (from_error, to_error) = match zone.day_range(&q.from, &q.to) {
        Ok(range) => {
            filter.from = range.from;
            filter.until = range.until;
            (None, None)
        }
        Err(e) => (e.from.map(|k| p.t(k)), e.to.map(|k| p.t(k))),
    };
    let invalid = from_error.is_some() || to_error.is_some();
    let mut calls = if invalid {
        Vec::new()
    } else {
        admin.scope(&state).calls_after(&filter, cursor).await?
    };
    let more = calls.len() > PAGE_SIZE as usize;
    calls.truncate(PAGE_SIZE as usize);
    let filters = format!(
        "direction={}&from={}&to={}",
        direction.0,
        encode(&q.from),
        encode(&q.to)
    );
    let older = match calls.last() {
        Some(last) if more => Some(format!(
            "{filters}&older={}.{}",
            last.started_at.millis(),
            last.id.raw()
        )),
        _ => None,
    };
    let tr = p.tr;
    let page = CallLog {
        directions: DIRECTIONS
            .iter()
            .map(|&(value, key, _)| DirectionChoice {
                value,
                label: tr.t(key),
                checked: value == direction.0,
            })
            .collect(),
        from: q.from,
        to: q.to,
        from_error,
        to_error,
        rows: calls.iter().map(|c| row(tr, &zone, c)).collect(),
        older,
        paged: cursor.is_some(),
        first: filters,
        p,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// Reads the `older` query value (`<started_at>.<id>`) back.
pub fn parse_older(text: &str) -> Option<CallCursor> {
    let (at, id) = text.split_once('.')?;
    Some(CallCursor {
        started_at: UnixMillis::from_millis(at.parse().ok()?),
        id: CallRecordId::from_raw(id.parse().ok()?),
    })
}

fn row(tr: Tr, zone: &Zone, c: &CallRecord) -> Row {
    let (direction, key) = match c.direction {
        CallDirection::Inbound => ("inbound", "direction-inbound"),
        CallDirection::Outbound => ("outbound", "direction-outbound"),
        CallDirection::Internal => ("internal", "direction-internal"),
    };
    Row {
        when: zone.display(tr.0, c.started_at),
        direction,
        direction_label: tr.t(key),
        from: party(&c.caller_number, c.caller_extension.as_ref()),
        to: party(&c.callee_number, c.callee_extension.as_ref()),
        result: tr.t(&format!("disposition-{}", c.disposition.as_str())),
        missed: c.disposition == domain::Disposition::Missed,
        duration: display_duration(c),
    }
}

/// A caller or callee: the number as people read it, or the extension.
pub fn party(number: &str, extension: Option<&domain::ExtensionNumber>) -> String {
    match (number.is_empty(), extension) {
        (true, Some(e)) => e.as_str().to_owned(),
        _ => display_number(number),
    }
}

/// Percent-encodes a query-string value.
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_older_cursor_reads_back_what_the_link_wrote() {
        assert_eq!(
            parse_older("1700000000000.42"),
            Some(CallCursor {
                started_at: UnixMillis::from_millis(1_700_000_000_000),
                id: CallRecordId::from_raw(42)
            })
        );
        assert_eq!(parse_older("junk"), None);
        assert_eq!(parse_older(""), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("2026-12-06"), "2026-12-06");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
