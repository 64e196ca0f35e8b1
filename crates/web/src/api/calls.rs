//! The account's call records (SPEC A2, U4): filtered lists, newest first,
//! and a CSV export streamed page by page in constant memory.

use axum::Json;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::{AccountId, CallDirection, CallRecord, Disposition, UnixMillis};
use serde::{Deserialize, Serialize};
use storage::{CallCursor, CallFilter, Store};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{fields, time};
use crate::AppState;

/// One call.
#[derive(Serialize, ToSchema)]
pub struct CallOut {
    pub id: i64,
    /// `internal`, `inbound` or `outbound`.
    pub direction: String,
    pub caller_number: String,
    pub caller_extension: Option<String>,
    pub callee_number: String,
    pub callee_extension: Option<String>,
    pub started_at: String,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_seconds: u64,
    /// `in_progress`, `answered`, `missed`, `busy` or `failed`.
    pub disposition: String,
    pub hangup_cause: Option<String>,
}

/// Which calls to list.
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    /// Calls that started at or after this time (RFC 3339, a date, or
    /// milliseconds since the epoch).
    pub from: Option<String>,
    /// Calls that started before this time.
    pub until: Option<String>,
    /// `internal`, `inbound` or `outbound`.
    pub direction: Option<String>,
    /// `answered`, `missed`, `busy`, `failed` or `in_progress`.
    pub disposition: Option<String>,
    /// Only calls this extension made or received.
    pub extension: Option<String>,
    /// At most this many (1 to 1000, default 100; the CSV export has no
    /// default limit).
    pub limit: Option<String>,
}

/// A query string whose rejection is one of the API's JSON errors.
pub struct Params(CallQuery);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<CallQuery>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(Self(q)),
            Err(rejection) => Err(ApiError::invalid(
                "query",
                format!(
                    "paramètres de requête invalides : {}",
                    rejection.body_text()
                ),
                rejection.body_text(),
            )),
        }
    }
}

fn instant(field: &'static str, text: &Option<String>) -> Result<Option<UnixMillis>, ApiError> {
    text.as_deref()
        .map(|t| {
            time::parse(t).ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!("date invalide « {t} » : 2026-12-06T09:30:00Z, 2026-12-06 ou des millisecondes"),
                    format!("invalid time {t:?}: 2026-12-06T09:30:00Z, 2026-12-06 or milliseconds"),
                )
            })
        })
        .transpose()
}

/// The storage filter of a query; `default_limit` when none is given.
fn filter(q: &CallQuery, default_limit: u32, max: u32) -> Result<CallFilter, ApiError> {
    let direction = q
        .direction
        .as_deref()
        .map(|d| {
            CallDirection::parse(d).ok_or_else(|| {
                ApiError::invalid(
                    "direction",
                    format!("sens inconnu « {d} » : internal, inbound ou outbound"),
                    format!("unknown direction {d:?}: internal, inbound or outbound"),
                )
            })
        })
        .transpose()?;
    let disposition = q
        .disposition
        .as_deref()
        .map(|d| {
            Disposition::parse(d).ok_or_else(|| {
                ApiError::invalid(
                    "disposition",
                    format!(
                        "issue inconnue « {d} » : answered, missed, busy, failed ou in_progress"
                    ),
                    format!(
                        "unknown disposition {d:?}: answered, missed, busy, failed or in_progress"
                    ),
                )
            })
        })
        .transpose()?;
    let limit = match q.limit.as_deref() {
        None => default_limit,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("la limite doit être un nombre de 1 à {max}, reçu « {l} »"),
                    format!("limit must be a number from 1 to {max}, got {l:?}"),
                )
            })?,
    };
    Ok(CallFilter {
        from: instant("from", &q.from)?,
        until: instant("until", &q.until)?,
        extension: q
            .extension
            .as_deref()
            .map(|e| fields::extension("extension", e))
            .transpose()?,
        direction,
        disposition,
        limit,
    })
}

fn call_out(c: CallRecord) -> CallOut {
    CallOut {
        id: c.id.raw(),
        direction: c.direction.as_str().to_owned(),
        duration_seconds: c.duration_seconds(),
        caller_number: c.caller_number,
        caller_extension: c.caller_extension.map(|e| e.as_str().to_owned()),
        callee_number: c.callee_number,
        callee_extension: c.callee_extension.map(|e| e.as_str().to_owned()),
        started_at: time::format(c.started_at),
        answered_at: c.answered_at.map(time::format),
        ended_at: c.ended_at.map(time::format),
        disposition: c.disposition.as_str().to_owned(),
        hangup_cause: c.hangup_cause,
    }
}

#[utoipa::path(get, operation_id = "list_calls", path = "/api/v1/calls", tag = "calls", params(CallQuery),
    responses((status = 200, body = Vec<CallOut>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(q): Params,
) -> Result<Json<Vec<CallOut>>, ApiError> {
    let f = filter(&q, 100, 1000)?;
    let calls = caller.scope(&state).calls(&f).await?;
    Ok(Json(calls.into_iter().map(call_out).collect()))
}

/// Rows fetched per query of the export.
const PAGE: u32 = 1000;

const CSV_HEADER: &str = "id,started_at,direction,caller_number,caller_extension,callee_number,callee_extension,answered_at,ended_at,duration_seconds,disposition,hangup_cause\n";

#[utoipa::path(get, operation_id = "export_calls_csv", path = "/api/v1/calls.csv", tag = "calls", params(CallQuery),
    responses((status = 200, content_type = "text/csv", body = String,
        description = "every matching call, newest first, streamed"),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Params(q): Params,
) -> Result<Response, ApiError> {
    let f = filter(&q, u32::MAX, u32::MAX)?;
    let store: Store = state.store.clone();
    let account = caller.account;
    // Each step fetches one page after the previous page's last row, so
    // memory stays one page however many rows there are.
    let start = Export {
        cursor: Some(None),
        first: true,
        left: f.limit,
    };
    let pages = futures_util::stream::unfold(start, move |state| {
        let store = store.clone();
        let f = f.clone();
        async move { next_page(&store, account, f, state).await }
    });
    let mut res = axum::body::Body::from_stream(pages).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"calls.csv\""),
    );
    Ok(res)
}

/// Where the export is: the cursor of the next page (`None` once done),
/// whether the header is still to send, how many rows may still go.
struct Export {
    cursor: Option<Option<CallCursor>>,
    first: bool,
    left: u32,
}

async fn next_page(
    store: &Store,
    account: AccountId,
    mut f: CallFilter,
    state: Export,
) -> Option<(Result<String, std::io::Error>, Export)> {
    let cursor = state.cursor?;
    let done = Export {
        cursor: None,
        first: false,
        left: 0,
    };
    f.limit = PAGE.min(state.left);
    if f.limit == 0 {
        return state.first.then(|| (Ok(CSV_HEADER.to_owned()), done));
    }
    let page = match store.account(account).calls_after(&f, cursor).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "CSV export failed part-way");
            return Some((Err(std::io::Error::other(e)), done));
        }
    };
    let count = u32::try_from(page.len()).expect("a page holds at most PAGE rows");
    let next = match page.last() {
        Some(last) if count == f.limit => Some(Some(CallCursor::after(last))),
        _ => None,
    };
    let mut out = String::with_capacity(page.len() * 120 + CSV_HEADER.len());
    if state.first {
        out.push_str(CSV_HEADER);
    }
    for c in &page {
        csv_row(&mut out, c);
    }
    let state = Export {
        cursor: next,
        first: false,
        left: state.left - count,
    };
    Some((Ok(out), state))
}

/// Appends one record as a CSV line (RFC 4180 quoting).
fn csv_row(out: &mut String, c: &CallRecord) {
    let opt = |t: Option<UnixMillis>| t.map(time::format).unwrap_or_default();
    let ext = |e: &Option<domain::ExtensionNumber>| {
        e.as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default()
    };
    let cells = [
        c.id.raw().to_string(),
        time::format(c.started_at),
        c.direction.as_str().to_owned(),
        c.caller_number.clone(),
        ext(&c.caller_extension),
        c.callee_number.clone(),
        ext(&c.callee_extension),
        opt(c.answered_at),
        opt(c.ended_at),
        c.duration_seconds().to_string(),
        c.disposition.as_str().to_owned(),
        c.hangup_cause.clone().unwrap_or_default(),
    ];
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}
