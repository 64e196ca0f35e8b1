//! The operator's number pool (issue 6): every number the installation
//! knows, free or held by an account; adding one number or a range of up
//! to a thousand, removing a free number, and releasing a held one back to
//! the pool after a confirmation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{E164, NumberRange, NumberRangeError};
use serde::Deserialize;
use storage::{PoolFilter, StorageError};
use tower_sessions::Session;

use super::{SignedOperator, operator_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render, render_status};
use crate::session::SessionData;

/// One row of the pool table.
struct PoolRow {
    /// The digits after `+`, the row's address.
    key: String,
    display: String,
    /// The holder's company; `None` when free.
    company: Option<String>,
    main: bool,
}

/// One of the filter links above the table.
struct FilterLink {
    label: String,
    href: &'static str,
    active: bool,
}

/// The add form as typed.
#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
}

#[derive(Default)]
struct AddErrors {
    first: Option<String>,
    last: Option<String>,
}

#[derive(Template)]
#[template(path = "operator_numbers.html")]
struct NumbersPage {
    p: Page,
    filters: Vec<FilterLink>,
    /// The filter's value in the query string, kept by the search form.
    filter: &'static str,
    /// The digits searched, as typed.
    search: String,
    rows: Vec<PoolRow>,
    /// How many numbers matched when more than [`SHOWN`] did.
    more: Option<usize>,
    form: AddForm,
    errors: AddErrors,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NumbersQuery {
    #[serde(default)]
    filter: String,
    #[serde(default)]
    added: Option<u64>,
    #[serde(default)]
    skipped: Option<u64>,
    #[serde(default)]
    removed: String,
    #[serde(default)]
    released: String,
    /// Digits to look for anywhere in the number ("0400" finds
    /// 01 99 00 04 00).
    #[serde(default)]
    q: String,
}

/// The most rows the page shows; a search narrows a large pool.
const SHOWN: usize = 200;

fn shown(digits: &str) -> String {
    E164::parse(&format!("+{digits}"))
        .map(|n| n.national_display())
        .unwrap_or_default()
}

fn filter_of(text: &str) -> PoolFilter {
    match text {
        "free" => PoolFilter::Free,
        "assigned" => PoolFilter::Assigned,
        _ => PoolFilter::All,
    }
}

/// `GET /operator/numbers[?filter=free|assigned]`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NumbersQuery>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let mut notice = Vec::new();
    if let Some(added) = q.added {
        notice.push(tr.t1("op-numbers-added", "count", &added.to_string()));
    }
    if let Some(skipped) = q.skipped.filter(|&s| s > 0) {
        notice.push(tr.t1("op-numbers-skipped", "count", &skipped.to_string()));
    }
    if !q.removed.is_empty() {
        notice.push(tr.t1("op-numbers-removed", "number", &shown(&q.removed)));
    }
    if !q.released.is_empty() {
        notice.push(tr.t1("op-numbers-released", "number", &shown(&q.released)));
    }
    let notice = (!notice.is_empty()).then(|| notice.join(" "));
    let filter = filter_of(&q.filter);
    let view = View {
        filter,
        search: q.q,
        form: AddForm::default(),
        errors: AddErrors::default(),
        notice,
        error: None,
    };
    show(&state, &session, &op, view, StatusCode::OK).await
}

/// What one rendering of the pool page shows besides the table.
struct View {
    filter: PoolFilter,
    search: String,
    form: AddForm,
    errors: AddErrors,
    notice: Option<String>,
    error: Option<String>,
}

async fn show(
    state: &AppState,
    session: &Session,
    op: &SignedOperator,
    view: View,
    status: StatusCode,
) -> Result<Response, WebError> {
    let p = op
        .page(session, "op-numbers-title", "/operator/numbers")
        .await?;
    let filters = [
        ("op-filter-all", "/operator/numbers", PoolFilter::All),
        (
            "op-filter-free",
            "/operator/numbers?filter=free",
            PoolFilter::Free,
        ),
        (
            "op-filter-assigned",
            "/operator/numbers?filter=assigned",
            PoolFilter::Assigned,
        ),
    ]
    .into_iter()
    .map(|(key, href, f)| FilterLink {
        label: p.t(key),
        href,
        active: f == view.filter,
    })
    .collect();
    let digits: String = view.search.chars().filter(char::is_ascii_digit).collect();
    let matching: Vec<_> = state
        .store
        .pool_entries(view.filter)
        .await?
        .into_iter()
        .filter(|e| e.number.digits().contains(&digits))
        .collect();
    let more = (matching.len() > SHOWN).then_some(matching.len());
    let rows = matching
        .into_iter()
        .take(SHOWN)
        .map(|e| PoolRow {
            key: e.number.digits().to_owned(),
            display: e.number.national_display(),
            main: e.holder.as_ref().is_some_and(|h| h.main),
            company: e.holder.map(|h| h.company.as_str().to_owned()),
        })
        .collect();
    render_status(
        status,
        &NumbersPage {
            p,
            filters,
            filter: match view.filter {
                PoolFilter::All => "",
                PoolFilter::Free => "free",
                PoolFilter::Assigned => "assigned",
            },
            search: view.search,
            rows,
            more,
            form: view.form,
            errors: view.errors,
            notice: view.notice,
            error: view.error,
        },
    )
}

/// `POST /operator/numbers`: adds one number (`first` only) or the range
/// `first`..=`last`; numbers already known are skipped and counted.
pub async fn add(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AddForm>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let mut errors = AddErrors::default();
    let first = E164::parse(&form.first)
        .map_err(|_| errors.first = Some(tr.t("invalid-number")))
        .ok();
    let last = if form.last.trim().is_empty() {
        first.clone()
    } else {
        E164::parse(&form.last)
            .map_err(|_| errors.last = Some(tr.t("invalid-number")))
            .ok()
    };
    let range = match (first, last) {
        (Some(first), Some(last)) => match NumberRange::new(first, last) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.last = Some(match e {
                    NumberRangeError::DifferentLength => tr.t("op-range-length"),
                    NumberRangeError::Reversed => tr.t("op-range-reversed"),
                    NumberRangeError::TooLarge(n) => {
                        tr.t1("op-range-too-large", "count", &n.to_string())
                    }
                });
                None
            }
        },
        _ => None,
    };
    let Some(range) = range else {
        let view = View {
            filter: PoolFilter::All,
            search: String::new(),
            form,
            errors,
            notice: None,
            error: None,
        };
        return show(
            &state,
            &session,
            &op,
            view,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let numbers = range.numbers();
    let added = state.store.add_pool_numbers(&numbers).await?;
    tracing::info!(operator = op.id.raw(), added, first = %range.first(), last = %range.last(), "numbers added to the pool");
    let skipped = numbers.len() - added;
    Ok(Redirect::to(&format!(
        "/operator/numbers?filter=free&added={added}&skipped={skipped}"
    ))
    .into_response())
}

/// `POST /operator/numbers/{digits}/remove`: takes a free number out of the
/// pool.
pub async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path(digits): Path<String>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let number = E164::parse(&format!("+{digits}")).map_err(|_| WebError::NotFound)?;
    match state.store.remove_pool_number(&number).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/operator/numbers?filter=free&removed={}",
            number.digits()
        ))
        .into_response()),
        Err(StorageError::Invalid(_)) => {
            let tr = Tr(SessionData::language(&session).await);
            let view = View {
                filter: PoolFilter::All,
                search: String::new(),
                form: AddForm::default(),
                errors: AddErrors::default(),
                notice: None,
                error: Some(tr.t1("op-numbers-held", "number", &number.national_display())),
            };
            show(&state, &session, &op, view, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "operator_release.html")]
struct ReleasePage {
    p: Page,
    key: String,
    question: String,
    holder: String,
    error: Option<String>,
}

/// `GET /operator/numbers/{digits}/release`: asks before taking a number
/// from its account.
pub async fn release_page(
    State(state): State<AppState>,
    session: Session,
    Path(digits): Path<String>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let (number, company) = held(&state, &digits).await?;
    let p = op
        .page(&session, "op-numbers-title", "/operator/numbers")
        .await?;
    let question = p.t1("op-release-question", "number", &number.national_display());
    let holder = p.t1("op-release-holder", "company", &company);
    render(&ReleasePage {
        p,
        key: digits,
        question,
        holder,
        error: None,
    })
}

/// `POST /operator/numbers/{digits}/release`: the number stops ringing
/// and goes back to the pool. A main number stays with its account.
pub async fn release(
    State(state): State<AppState>,
    session: Session,
    Path(digits): Path<String>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let (number, company) = held(&state, &digits).await?;
    match state.store.release_assigned_number(&number).await {
        Ok(account) => {
            tracing::info!(operator = op.id.raw(), account = account.raw(), number = %number, "number released by operator");
            Ok(
                Redirect::to(&format!("/operator/numbers?released={}", number.digits()))
                    .into_response(),
            )
        }
        Err(StorageError::Invalid(_)) => {
            let p = op
                .page(&session, "op-numbers-title", "/operator/numbers")
                .await?;
            let question = p.t1("op-release-question", "number", &number.national_display());
            let holder = p.t1("op-release-holder", "company", &company);
            let error = Some(p.t("op-release-main"));
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ReleasePage {
                    p,
                    key: digits,
                    question,
                    holder,
                    error,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// The number at `digits` and its holder's company; not found when free
/// or unknown.
async fn held(state: &AppState, digits: &str) -> Result<(E164, String), WebError> {
    let number = E164::parse(&format!("+{digits}")).map_err(|_| WebError::NotFound)?;
    let owner = state
        .store
        .number(&number)
        .await?
        .and_then(|n| n.account)
        .ok_or(WebError::NotFound)?;
    let company = state.store.account(owner).details().await?.company;
    Ok((number, company.as_str().to_owned()))
}
