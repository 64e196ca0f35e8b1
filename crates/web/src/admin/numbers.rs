//! The account's phone numbers (SPEC A6): what each number rings, chosen
//! per row, and buying another number from the pool.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{E164, ExtensionId};
use serde::Deserialize;
use storage::StorageError;
use tower_sessions::Session;

use super::extensions::kind_key;
use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::page::{Page, render, render_status};

/// One extension a number can ring.
struct Target {
    id: i64,
    label: String,
}

/// One row of the numbers table.
struct NumberRow {
    /// The digits after `+`, the row's address.
    key: String,
    display: String,
    main: bool,
    /// The chosen extension id, `None` for "rings nothing".
    target: Option<i64>,
    error: Option<String>,
}

impl NumberRow {
    /// Whether the row's select shows extension `id`.
    fn rings(&self, id: &i64) -> bool {
        self.target == Some(*id)
    }
}

/// A number of the pool, offered to buy.
struct PoolChoice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin_numbers.html")]
struct NumbersPage {
    p: Page,
    rows: Vec<NumberRow>,
    targets: Vec<Target>,
    pool: Vec<PoolChoice>,
    buy_error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NumbersQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    bought: String,
}

/// What to show besides the table: a row's refused choice, or the buy
/// form's error.
#[derive(Default)]
struct Refused {
    row: Option<(String, Option<i64>, String)>,
    buy: Option<(String, String)>,
}

/// `GET /admin/numbers`: the numbers table.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NumbersQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let notice_of = |p: &Page| {
        let shown = |digits: &str| {
            E164::parse(&format!("+{digits}"))
                .map(|n| n.national_display())
                .unwrap_or_default()
        };
        if !q.bought.is_empty() {
            Some(p.t1("numbers-bought", "number", &shown(&q.bought)))
        } else if !q.saved.is_empty() {
            Some(p.t1("numbers-saved", "number", &shown(&q.saved)))
        } else {
            None
        }
    };
    show(&state, &session, &admin, Refused::default(), notice_of).await
}

async fn show(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    refused: Refused,
    notice: impl FnOnce(&Page) -> Option<String>,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "numbers-title", "/admin/numbers")
        .await?;
    let scope = admin.scope(state);
    let targets = scope
        .extensions()
        .await?
        .into_iter()
        .map(|e| Target {
            id: e.id.raw(),
            label: format!(
                "{} · {} ({})",
                e.number.as_str(),
                e.name,
                p.t(kind_key(e.kind))
            ),
        })
        .collect();
    let invalid = refused.row.is_some() || refused.buy.is_some();
    let rows = scope
        .numbers()
        .await?
        .into_iter()
        .map(|n| {
            let key = n.number.digits().to_owned();
            let (target, error) = match &refused.row {
                Some((k, typed, message)) if *k == key => (*typed, Some(message.clone())),
                _ => (n.target.map(ExtensionId::raw), None),
            };
            NumberRow {
                display: n.number.national_display(),
                main: n.number == admin.account.main_number,
                key,
                target,
                error,
            }
        })
        .collect();
    let (typed, buy_error) = refused.buy.unzip();
    let pool = state
        .store
        .pool_numbers()
        .await?
        .into_iter()
        .map(|n| PoolChoice {
            selected: typed.as_deref() == Some(n.number.as_str()),
            value: n.number.as_str().to_owned(),
            label: n.number.national_display(),
        })
        .collect();
    let page = NumbersPage {
        notice: notice(&p),
        p,
        rows,
        targets,
        pool,
        buy_error,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

#[derive(Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    target: String,
}

/// `POST /admin/numbers/{digits}`: points one number at an extension, or
/// at nothing.
pub async fn route(
    State(state): State<AppState>,
    session: Session,
    Path(digits): Path<String>,
    Form(form): Form<RouteForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = crate::i18n::Tr(crate::session::SessionData::language(&session).await);
    let number = E164::parse(&format!("+{digits}")).map_err(|_| WebError::NotFound)?;
    let scope = admin.scope(&state);
    let current = scope
        .numbers()
        .await?
        .into_iter()
        .find(|n| n.number == number)
        .ok_or(WebError::NotFound)?;
    let target = match form.target.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(id) => Some(ExtensionId::from_raw(id)),
            Err(_) => {
                let refused = Refused {
                    row: Some((digits, None, tr.t("numbers-bad-target"))),
                    ..Refused::default()
                };
                return show(&state, &session, &admin, refused, |_| None).await;
            }
        },
    };
    if target.is_none() && number == admin.account.main_number {
        let refused = Refused {
            row: Some((digits, None, tr.t("numbers-main-needs-target"))),
            ..Refused::default()
        };
        return show(&state, &session, &admin, refused, |_| None).await;
    }
    if current.target != target {
        // Another account's extension id is "not found": a 404.
        scope.route_number(&number, target).await?;
    }
    Ok(Redirect::to(&format!("/admin/numbers?saved={digits}")).into_response())
}

#[derive(Deserialize)]
pub struct BuyForm {
    #[serde(default)]
    number: String,
}

/// `POST /admin/numbers/buy`: buys a number from the pool.
pub async fn buy(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<BuyForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = crate::i18n::Tr(crate::session::SessionData::language(&session).await);
    let refuse = |key: &str| Refused {
        buy: Some((form.number.clone(), tr.t(key))),
        ..Refused::default()
    };
    let Ok(number) = E164::parse(form.number.trim()) else {
        return show(&state, &session, &admin, refuse("numbers-choose"), |_| None).await;
    };
    match admin.scope(&state).buy_number(&number).await {
        Ok(n) => Ok(
            Redirect::to(&format!("/admin/numbers?bought={}", n.number.digits())).into_response(),
        ),
        Err(StorageError::Invalid(_)) => {
            show(&state, &session, &admin, refuse("numbers-gone"), |_| None).await
        }
        Err(e) => Err(e.into()),
    }
}
