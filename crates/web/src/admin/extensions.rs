//! Extensions and users (SPEC A5): the account's extensions with their
//! devices and registration state, "+ Add user" (welcome e-mail with a
//! temporary password, SPEC A16), and deleting a user (devices released).

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{E164, EmailAddress, ExtensionKind, ExtensionNumber, UserId};
use serde::Deserialize;
use storage::{NewUser, StorageError};
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::auth::{hash, mail_welcome, temporary_password};
use crate::error::WebError;
use crate::page::{Page, render, render_status};

/// One line of the extensions list.
struct Line {
    number: String,
    name: String,
    kind: String,
    email: String,
    /// Direct numbers, national display.
    numbers: Vec<String>,
    devices: usize,
    registered: usize,
    /// The user id, for the delete link (user extensions only).
    user: Option<i64>,
    /// The extension id of a ring group, for its page.
    group: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_extensions.html")]
struct ExtensionList {
    p: Page,
    lines: Vec<Line>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    added: String,
    #[serde(default)]
    deleted: String,
    #[serde(default)]
    unsent: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    group_deleted: String,
    #[serde(default)]
    imported: String,
    #[serde(default)]
    imported_unsent: String,
}

/// The key of an extension kind's label.
pub fn kind_key(kind: ExtensionKind) -> &'static str {
    match kind {
        ExtensionKind::User => "kind-user",
        ExtensionKind::RingGroup => "kind-ring-group",
        ExtensionKind::Conference => "kind-conference",
        ExtensionKind::VirtualReceptionist => "kind-receptionist",
    }
}

/// `GET /admin/extensions`: every extension of the account.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let p = admin
        .page(&session, "extensions-title", "/admin/extensions")
        .await?;
    let scope = admin.scope(&state);
    let users: HashMap<_, _> = scope
        .users()
        .await?
        .into_iter()
        .map(|u| (u.extension, u))
        .collect();
    let devices = scope.devices().await?;
    let live: HashSet<_> = scope
        .live_bindings(crate::now())
        .await?
        .into_iter()
        .map(|b| b.device)
        .collect();
    let mut direct: HashMap<_, Vec<String>> = HashMap::new();
    for n in scope.numbers().await? {
        if let Some(t) = n.target {
            direct
                .entry(t)
                .or_default()
                .push(n.number.national_display());
        }
    }
    let lines = scope
        .extensions()
        .await?
        .into_iter()
        .map(|e| {
            let user = users.get(&e.id);
            let mine: Vec<_> = devices
                .iter()
                .filter(|d| user.is_some_and(|u| d.user == Some(u.id)))
                .collect();
            Line {
                number: e.number.as_str().to_owned(),
                name: e.name.clone(),
                kind: p.t(kind_key(e.kind)),
                email: user
                    .map(|u| u.email.as_str().to_owned())
                    .unwrap_or_default(),
                numbers: direct.remove(&e.id).unwrap_or_default(),
                devices: mine.len(),
                registered: mine.iter().filter(|d| live.contains(&d.id)).count(),
                user: user.map(|u| u.id.raw()),
                group: (e.kind == ExtensionKind::RingGroup).then(|| e.id.raw()),
            }
        })
        .collect();
    let notice = if !q.unsent.is_empty() {
        Some(p.t1("extensions-added-unsent", "extension", &q.unsent))
    } else if !q.added.is_empty() {
        Some(p.t1("extensions-added", "extension", &q.added))
    } else if !q.deleted.is_empty() {
        Some(p.t1("extensions-deleted", "extension", &q.deleted))
    } else if !q.group.is_empty() {
        Some(p.t1("group-added", "extension", &q.group))
    } else if !q.group_deleted.is_empty() {
        Some(p.t1("group-deleted", "extension", &q.group_deleted))
    } else if !q.imported_unsent.is_empty() {
        Some(p.t1("import-done-unsent", "count", &q.imported_unsent))
    } else if !q.imported.is_empty() {
        Some(p.t1("import-done", "count", &q.imported))
    } else {
        None
    };
    render(&ExtensionList { p, lines, notice })
}

/// What the "+ Add user" form sent; text, so it comes back as typed.
#[derive(Deserialize, Default)]
pub struct AddUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    number: String,
}

#[derive(Default)]
struct AddUserErrors {
    name: Option<String>,
    email: Option<String>,
    extension: Option<String>,
    number: Option<String>,
}

impl AddUserErrors {
    fn any(&self) -> bool {
        self.name.is_some()
            || self.email.is_some()
            || self.extension.is_some()
            || self.number.is_some()
    }
}

/// One number the new user may get.
struct NumberChoice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "admin_user_new.html")]
struct AddUserPage {
    p: Page,
    form: AddUserForm,
    errors: AddUserErrors,
    /// Free extension numbers to suggest.
    free: Vec<String>,
    numbers: Vec<NumberChoice>,
}

/// `GET /admin/extensions/new`: the "+ Add user" form, with the first free
/// extension number filled in.
pub async fn new_user_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let free = free_extensions(&state, &admin).await?;
    let form = AddUserForm {
        extension: free.first().cloned().unwrap_or_default(),
        ..AddUserForm::default()
    };
    add_user_page(
        &state,
        &session,
        &admin,
        form,
        AddUserErrors::default(),
        free,
    )
    .await
}

async fn add_user_page(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    form: AddUserForm,
    errors: AddUserErrors,
    free: Vec<String>,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "add-user-title", "/admin/extensions")
        .await?;
    let mut numbers = vec![NumberChoice {
        value: String::new(),
        label: p.t("add-user-no-number"),
        selected: form.number.is_empty(),
    }];
    let scope = admin.scope(state);
    let spare = scope
        .numbers()
        .await?
        .into_iter()
        .filter(|n| n.target.is_none());
    let pool = state.store.pool_numbers().await?;
    for n in spare.chain(pool) {
        let value = n.number.as_str().to_owned();
        let key = if n.account.is_some() {
            "add-user-spare-number"
        } else {
            "add-user-pool-number"
        };
        numbers.push(NumberChoice {
            selected: value == form.number,
            label: p.t1(key, "number", &n.number.national_display()),
            value,
        });
    }
    let invalid = errors.any();
    let page = AddUserPage {
        p,
        form,
        errors,
        free,
        numbers,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// Up to twenty free extension numbers from 100 up, to suggest.
pub(crate) async fn free_extensions(
    state: &AppState,
    admin: &Admin,
) -> Result<Vec<String>, WebError> {
    let taken: HashSet<String> = admin
        .scope(state)
        .extensions()
        .await?
        .into_iter()
        .map(|e| e.number.as_str().to_owned())
        .collect();
    Ok((100..1000)
        .map(|n: u32| n.to_string())
        .filter(|n| !taken.contains(n))
        .take(20)
        .collect())
}

/// `POST /admin/extensions/new`: creates the user, flags the password as
/// temporary and sends the welcome e-mail in the account's language.
pub async fn add_user(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AddUserForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = crate::i18n::Tr(crate::session::SessionData::language(&session).await);
    let scope = admin.scope(&state);
    let mut errors = AddUserErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.name = Some(tr.t("add-user-bad-name"));
    }
    let email = EmailAddress::parse(form.email.trim())
        .map_err(|_| errors.email = Some(tr.t("add-user-bad-email")))
        .ok();
    let extension = match ExtensionNumber::parse_new(form.extension.trim()) {
        Err(domain::NewExtensionError::Emergency(n)) => {
            errors.extension = Some(tr.t1("extension-is-emergency", "extension", &n));
            None
        }
        Err(_) => {
            errors.extension = Some(tr.t("invalid-extension"));
            None
        }
        Ok(e) if scope.extension_by_number(&e).await?.is_some() => {
            errors.extension = Some(tr.t1("add-user-taken", "extension", e.as_str()));
            None
        }
        Ok(e) => Some(e),
    };
    let direct_number = match form.number.trim() {
        "" => None,
        n => E164::parse(n)
            .map_err(|_| errors.number = Some(tr.t("add-user-number-gone")))
            .ok(),
    };
    let (Some(email), Some(extension), false) = (email, extension, errors.any()) else {
        let free = free_extensions(&state, &admin).await?;
        return add_user_page(&state, &session, &admin, form, errors, free).await;
    };
    let temporary = temporary_password();
    let hash = hash(temporary.clone()).await?;
    let created = scope
        .create_user(&NewUser {
            extension: extension.clone(),
            name: name.clone(),
            email: email.clone(),
            password: hash.clone(),
            direct_number,
        })
        .await;
    let user = match created {
        Ok(user) => user,
        Err(StorageError::Conflict(_)) => {
            errors.extension = Some(tr.t1("add-user-taken", "extension", extension.as_str()));
            let free = free_extensions(&state, &admin).await?;
            return add_user_page(&state, &session, &admin, form, errors, free).await;
        }
        Err(StorageError::Invalid(_)) => {
            errors.number = Some(tr.t("add-user-number-gone"));
            let free = free_extensions(&state, &admin).await?;
            return add_user_page(&state, &session, &admin, form, errors, free).await;
        }
        Err(e) => return Err(e.into()),
    };
    scope
        .set_user_password_flagged(user.id, &hash, true)
        .await?;
    let outcome = match mail_welcome(&state, &admin.account, &user, &temporary).await {
        Ok(()) => "added",
        Err(e) => {
            tracing::warn!(error = %e, "welcome e-mail not sent");
            "unsent"
        }
    };
    Ok(Redirect::to(&format!(
        "/admin/extensions?{outcome}={}",
        extension.as_str()
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "admin_user_delete.html")]
struct DeletePage {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    devices: usize,
}

/// `GET /admin/users/{id}/delete`: asks before deleting.
pub async fn delete_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    let devices = scope.devices_of(user.id).await?.len();
    let p = admin
        .page(&session, "delete-user-title", "/admin/extensions")
        .await?;
    render(&DeletePage {
        p,
        id,
        name: user.name,
        extension: user.extension_number.as_str().to_owned(),
        devices,
    })
}

/// `POST /admin/users/{id}/delete`: deletes the user and their extension;
/// their devices stay in the account, free for reuse.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    scope.delete_user(user.id).await?;
    Ok(Redirect::to(&format!(
        "/admin/extensions?deleted={}",
        user.extension_number.as_str()
    ))
    .into_response())
}
