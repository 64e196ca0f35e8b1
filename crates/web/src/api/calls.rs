//! The account's call records (SPEC A2, U4): filtered lists, newest first,
//! and a CSV export streamed page by page in constant memory.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::response::Response;
use domain::{CallDirection, CallRecord, Disposition, UnixMillis};
use serde::{Deserialize, Serialize};
use storage::{CallFilter, Side};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{fields, time};
use crate::AppState;
use crate::call_export::{self, CsvExport, push_line};

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
    /// With `extension`: `caller` (calls it made, outgoing for it) or
    /// `callee` (calls it received, incoming for it); both by default.
    pub side: Option<String>,
    /// `true`: only answered calls; `false`: only calls that ended without
    /// an answer (missed, busy, failed).
    pub answered: Option<String>,
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
    let side = match q.side.as_deref() {
        None => Side::Either,
        Some(_) if q.extension.is_none() => {
            return Err(ApiError::invalid(
                "side",
                "« side » demande aussi « extension »",
                "side needs extension too",
            ));
        }
        Some("caller") => Side::Caller,
        Some("callee") => Side::Callee,
        Some(s) => {
            return Err(ApiError::invalid(
                "side",
                format!("côté inconnu « {s} » : caller ou callee"),
                format!("unknown side {s:?}: caller or callee"),
            ));
        }
    };
    let answered = match q.answered.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(a) => {
            return Err(ApiError::invalid(
                "answered",
                format!("valeur inconnue « {a} » : true ou false"),
                format!("unknown value {a:?}: true or false"),
            ));
        }
    };
    Ok(CallFilter {
        from: instant("from", &q.from)?,
        until: instant("until", &q.until)?,
        extension: q
            .extension
            .as_deref()
            .map(|e| fields::extension("extension", e))
            .transpose()?,
        side,
        direction,
        disposition,
        answered,
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
    let csv = CsvExport {
        header: CSV_HEADER.to_owned(),
        line: Arc::new(csv_row),
        disposition: "attachment; filename=\"calls.csv\"",
    };
    Ok(call_export::stream(
        state.store.clone(),
        caller.account,
        f,
        csv,
    ))
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
    push_line(out, &cells);
}
