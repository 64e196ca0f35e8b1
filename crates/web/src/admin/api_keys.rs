//! The account's REST API keys (issue 5, REST API): the admin creates a key
//! by name and sees it once, lists the keys with their last use, and
//! revokes one after confirming. Only the key's SHA-256 is stored
//! (`storage::api_keys`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use storage::{ApiKeyId, ApiKeyToken};
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::local_time::Zone;
use crate::page::{Page, render, render_status};

/// One line of the list.
struct KeyLine {
    id: i64,
    name: String,
    created: String,
    /// "never" when the key was not used yet.
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "admin_api_keys.html")]
struct KeysPage {
    p: Page,
    keys: Vec<KeyLine>,
    /// The name field as typed, after a refusal.
    name: String,
    name_error: Option<String>,
    /// A key just created: shown once, here.
    created: Option<(String, String)>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_api_key_revoke.html")]
struct RevokePage {
    p: Page,
    id: i64,
    name: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    revoked: String,
}

#[derive(Deserialize, Default)]
pub struct NewKey {
    #[serde(default)]
    name: String,
}

/// The longest key name, as the API and the command line allow.
const NAME_MAX: usize = 100;

async fn lines(state: &AppState, admin: &Admin, p: &Page) -> Result<Vec<KeyLine>, WebError> {
    let zone = Zone::of(&admin.account.time_zone);
    let language = p.tr.0;
    Ok(admin
        .scope(state)
        .api_keys()
        .await?
        .into_iter()
        .rev()
        .map(|k| KeyLine {
            id: k.id.raw(),
            name: k.name,
            created: zone.display(language, k.created_at),
            last_used: k
                .last_used_at
                .map_or_else(|| p.tr.t("api-keys-never"), |t| zone.display(language, t)),
            revoked: k.revoked_at.is_some(),
        })
        .collect())
}

/// `GET /admin/api-keys`: the account's keys and the form to create one.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "api-keys-title", "/admin/api-keys")
        .await?;
    let notice = (!q.revoked.is_empty()).then(|| p.tr.t1("api-keys-revoked", "name", &q.revoked));
    let keys = lines(&state, &admin, &p).await?;
    render(&KeysPage {
        p,
        keys,
        name: String::new(),
        name_error: None,
        created: None,
        notice,
    })
}

/// `POST /admin/api-keys`: creates a key and shows it, once.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<NewKey>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "api-keys-title", "/admin/api-keys")
        .await?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        let keys = lines(&state, &admin, &p).await?;
        let name_error = Some(p.tr.t("api-keys-bad-name"));
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &KeysPage {
                p,
                keys,
                name: form.name,
                name_error,
                created: None,
                notice: None,
            },
        );
    }
    let token = ApiKeyToken::from_random(rand::random());
    admin
        .scope(&state)
        .create_api_key(name, &token, crate::now())
        .await?;
    let keys = lines(&state, &admin, &p).await?;
    let mut response = render_status(
        StatusCode::CREATED,
        &KeysPage {
            p,
            keys,
            name: String::new(),
            name_error: None,
            created: Some((name.to_owned(), token.expose())),
            notice: None,
        },
    )?;
    // The key is on this page only: no cache keeps it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /admin/api-keys/{id}/revoke`: asks first.
pub async fn revoke_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let key = admin.scope(&state).api_key(ApiKeyId::from_raw(id)).await?;
    let p = admin
        .page(&session, "api-keys-revoke-title", "/admin/api-keys")
        .await?;
    render(&RevokePage {
        p,
        id: key.id.raw(),
        name: key.name,
    })
}

/// `POST /admin/api-keys/{id}/revoke`: the key stops working now.
pub async fn revoke(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let key = scope.api_key(ApiKeyId::from_raw(id)).await?;
    scope.revoke_api_key(key.id, crate::now()).await?;
    let to = format!(
        "/admin/api-keys?revoked={}",
        super::calls::encode(&key.name)
    );
    Ok(Redirect::to(&to).into_response())
}
