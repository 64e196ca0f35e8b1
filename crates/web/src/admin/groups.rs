//! Ring groups (SPEC A5, T5): "+ Add ring group" from the extensions list,
//! its page to change the name, extension, members, strategy and ring
//! time, and deleting it after a confirmation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{ExtensionId, ExtensionKind, ExtensionNumber, RingGroup, RingSeconds, RingStrategy};
use storage::{AccountScope, StorageError};
use tower_sessions::Session;

use super::extensions::free_extensions;
use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render, render_status};
use crate::session::SessionData;

/// What the ring group form sent, as typed.
#[derive(Default)]
struct GroupForm {
    name: String,
    extension: String,
    /// Extension ids of the ticked members.
    members: Vec<String>,
    strategy: String,
    ring_seconds: String,
}

impl GroupForm {
    /// Reads the form's fields; `member` repeats, once per ticked box.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "name" => form.name = value,
                "extension" => form.extension = value,
                "member" => form.members.push(value),
                "strategy" => form.strategy = value,
                "ring_seconds" => form.ring_seconds = value,
                _ => {}
            }
        }
        form
    }

    fn of(group: &RingGroup) -> Self {
        Self {
            name: group.extension.name.clone(),
            extension: group.extension.number.as_str().to_owned(),
            members: group.members.iter().map(|m| m.raw().to_string()).collect(),
            strategy: group.strategy.as_str().to_owned(),
            ring_seconds: group.ring_seconds.to_string(),
        }
    }
}

#[derive(Default)]
struct GroupErrors {
    name: Option<String>,
    extension: Option<String>,
    members: Option<String>,
    strategy: Option<String>,
    ring_seconds: Option<String>,
}

impl GroupErrors {
    fn any(&self) -> bool {
        self.name.is_some()
            || self.extension.is_some()
            || self.members.is_some()
            || self.strategy.is_some()
            || self.ring_seconds.is_some()
    }
}

/// A user the group may ring: a checkbox.
struct MemberChoice {
    id: i64,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "admin_group.html")]
struct GroupPage {
    p: Page,
    /// `None` for a new group.
    id: Option<i64>,
    action: String,
    form: GroupForm,
    errors: GroupErrors,
    free: Vec<String>,
    users: Vec<MemberChoice>,
    saved: bool,
}

/// The form's values, parsed.
struct Valid {
    name: String,
    extension: ExtensionNumber,
    members: Vec<ExtensionId>,
    strategy: RingStrategy,
    ring_seconds: RingSeconds,
}

/// Checks every field, noting each problem next to its field. `current`
/// is the group being edited, whose own extension number is not "taken".
async fn check(
    tr: Tr,
    scope: &AccountScope<'_>,
    form: &GroupForm,
    current: Option<ExtensionId>,
) -> Result<(Option<Valid>, GroupErrors), WebError> {
    let mut errors = GroupErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.name = Some(tr.t("group-bad-name"));
    }
    let extension = match ExtensionNumber::parse_new(form.extension.trim()) {
        Err(domain::NewExtensionError::Emergency(n)) => {
            errors.extension = Some(tr.t1("extension-is-emergency", "extension", &n));
            None
        }
        Err(_) => {
            errors.extension = Some(tr.t("invalid-extension"));
            None
        }
        Ok(e) => match scope.extension_by_number(&e).await? {
            Some(other) if Some(other.id) != current => {
                errors.extension = Some(tr.t1("add-user-taken", "extension", e.as_str()));
                None
            }
            _ => Some(e),
        },
    };
    let users = scope.users().await?;
    let mut members = Vec::new();
    for m in &form.members {
        // Only the account's users are offered; anything else is a stale
        // or forged form.
        match users.iter().find(|u| u.extension.raw().to_string() == *m) {
            Some(u) if !members.contains(&u.extension) => members.push(u.extension),
            Some(_) => {}
            None => errors.members = Some(tr.t("group-bad-member")),
        }
    }
    if members.is_empty() && errors.members.is_none() {
        errors.members = Some(tr.t("group-no-member"));
    }
    let strategy = RingStrategy::parse(&form.strategy);
    if strategy.is_none() {
        errors.strategy = Some(tr.t("group-bad-strategy"));
    }
    let ring_seconds = form
        .ring_seconds
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| RingSeconds::new(s).ok());
    if ring_seconds.is_none() {
        errors.ring_seconds = Some(tr.t("group-bad-ring"));
    }
    let valid = match (extension, strategy, ring_seconds, errors.any()) {
        (Some(extension), Some(strategy), Some(ring_seconds), false) => Some(Valid {
            name,
            extension,
            members,
            strategy,
            ring_seconds,
        }),
        _ => None,
    };
    Ok((valid, errors))
}

/// Renders the form: 422 when it holds errors.
async fn show(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    id: Option<i64>,
    form: GroupForm,
    errors: GroupErrors,
    saved: bool,
) -> Result<Response, WebError> {
    let title = if id.is_some() {
        "group-edit-title"
    } else {
        "group-add-title"
    };
    let p = admin.page(session, title, "/admin/extensions").await?;
    let users = admin
        .scope(state)
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let value = u.extension.raw().to_string();
            MemberChoice {
                id: u.extension.raw(),
                label: format!("{} · {}", u.extension_number.as_str(), u.name),
                checked: form.members.contains(&value),
            }
        })
        .collect();
    let invalid = errors.any();
    let page = GroupPage {
        p,
        id,
        action: match id {
            Some(id) => format!("/admin/groups/{id}"),
            None => "/admin/groups/new".to_owned(),
        },
        form,
        errors,
        free: free_extensions(state, admin).await?,
        users,
        saved,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// `GET /admin/groups/new`: the form, with the first free extension and
/// the usual defaults (everyone at once, 20 seconds).
pub async fn new_page(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let free = free_extensions(&state, &admin).await?;
    let form = GroupForm {
        extension: free.first().cloned().unwrap_or_default(),
        strategy: RingStrategy::Simultaneous.as_str().to_owned(),
        ring_seconds: "20".to_owned(),
        ..GroupForm::default()
    };
    show(
        &state,
        &session,
        &admin,
        None,
        form,
        GroupErrors::default(),
        false,
    )
    .await
}

/// `POST /admin/groups/new`: creates the group.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let scope = admin.scope(&state);
    let form = GroupForm::from_pairs(pairs);
    let (valid, mut errors) = check(tr, &scope, &form, None).await?;
    let Some(v) = valid else {
        return show(&state, &session, &admin, None, form, errors, false).await;
    };
    let created = scope
        .create_ring_group(
            &v.extension,
            &v.name,
            v.strategy,
            v.ring_seconds.get(),
            &v.members,
        )
        .await;
    match created {
        Ok(_) => Ok(
            Redirect::to(&format!("/admin/extensions?group={}", v.extension.as_str()))
                .into_response(),
        ),
        // Taken between the check and the write.
        Err(StorageError::Conflict(_)) => {
            errors.extension = Some(tr.t1("add-user-taken", "extension", v.extension.as_str()));
            show(&state, &session, &admin, None, form, errors, false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The ring group `id` of the admin's account; any other id is not found.
async fn group_of(scope: &AccountScope<'_>, id: i64) -> Result<RingGroup, WebError> {
    let group = scope.ring_group(ExtensionId::from_raw(id)).await?;
    if group.extension.kind != ExtensionKind::RingGroup {
        return Err(WebError::NotFound);
    }
    Ok(group)
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /admin/groups/{id}`: the group's settings.
pub async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let group = group_of(&admin.scope(&state), id).await?;
    let form = GroupForm::of(&group);
    let saved = !q.saved.is_empty();
    show(
        &state,
        &session,
        &admin,
        Some(id),
        form,
        GroupErrors::default(),
        saved,
    )
    .await
}

/// `POST /admin/groups/{id}`: saves the name, extension, members,
/// strategy and ring time together.
pub async fn update(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let scope = admin.scope(&state);
    let group = group_of(&scope, id).await?;
    let form = GroupForm::from_pairs(pairs);
    let current = group.extension.id;
    let (valid, mut errors) = check(tr, &scope, &form, Some(current)).await?;
    let Some(v) = valid else {
        return show(&state, &session, &admin, Some(id), form, errors, false).await;
    };
    let edited = scope
        .edit_ring_group(
            current,
            &v.extension,
            &v.name,
            v.strategy,
            v.ring_seconds.get(),
            &v.members,
        )
        .await;
    match edited {
        Ok(()) => {}
        Err(StorageError::Conflict(_)) => {
            errors.extension = Some(tr.t1("add-user-taken", "extension", v.extension.as_str()));
            return show(&state, &session, &admin, Some(id), form, errors, false).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/admin/groups/{id}?saved=1")).into_response())
}

#[derive(Template)]
#[template(path = "admin_group_delete.html")]
struct DeletePage {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    members: usize,
}

/// `GET /admin/groups/{id}/delete`: asks before deleting.
pub async fn delete_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let group = group_of(&admin.scope(&state), id).await?;
    let p = admin
        .page(&session, "group-delete-title", "/admin/extensions")
        .await?;
    render(&DeletePage {
        p,
        id,
        name: group.extension.name,
        extension: group.extension.number.as_str().to_owned(),
        members: group.members.len(),
    })
}

/// `POST /admin/groups/{id}/delete`: deletes the group; its members keep
/// their own extensions, numbers that rang the group become unassigned.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let scope = admin.scope(&state);
    let group = group_of(&scope, id).await?;
    scope.delete_service_extension(group.extension.id).await?;
    Ok(Redirect::to(&format!(
        "/admin/extensions?group_deleted={}",
        group.extension.number.as_str()
    ))
    .into_response())
}
