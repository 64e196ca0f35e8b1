//! Users and their settings (SPEC A5, U6-U8).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{AfterEmail, ForwardingSettings, PasswordHash, PinHash, User, UserId};
use serde::{Deserialize, Deserializer, Serialize};
use storage::{NewUser, StorageError, UserSettings};
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, fields, path_id};
use crate::AppState;
use crate::admin_password::{Mailed, MustChange, NewPassword, set_by_admin};

/// A user with their extension and settings.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub extension_id: i64,
    #[schema(example = "201")]
    pub extension: String,
    pub name: String,
    pub email: String,
    pub voicemail: VoicemailOut,
    pub forwarding: ForwardingOut,
    /// The number shown to people called from outside; `null` is the main
    /// number.
    pub caller_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VoicemailOut {
    pub enabled: bool,
    pub ring_seconds: u32,
    /// Whether a PIN is set (the PIN itself is never shown).
    pub pin_set: bool,
    pub email_notification: bool,
    pub attach_mp3: bool,
    /// `keep_new`, `mark_heard` or `delete`.
    pub after_email: String,
}

#[derive(Serialize, ToSchema)]
pub struct ForwardingOut {
    pub enabled: bool,
    pub number: Option<String>,
    pub simultaneous: bool,
    pub key_press_required: bool,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id.raw(),
            extension_id: u.extension.raw(),
            extension: u.extension_number.as_str().to_owned(),
            name: u.name,
            email: u.email.as_str().to_owned(),
            voicemail: VoicemailOut {
                enabled: u.voicemail.enabled,
                ring_seconds: u.voicemail.ring_seconds.get(),
                pin_set: u.voicemail.pin.is_some(),
                email_notification: u.voicemail.email_notification,
                attach_mp3: u.voicemail.attach_mp3,
                after_email: u.voicemail.after_email.as_str().to_owned(),
            },
            forwarding: ForwardingOut {
                enabled: u.forwarding.enabled(),
                number: u.forwarding.number().map(|n| n.as_str().to_owned()),
                simultaneous: u.forwarding.simultaneous(),
                key_press_required: u.forwarding.key_press_required(),
            },
            caller_id: u.caller_id.map(|n| n.as_str().to_owned()),
        }
    }
}

/// A new user and their extension. Nothing else is created: no device, no
/// number.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub name: String,
    pub email: String,
    #[schema(example = "204")]
    pub extension: String,
    /// The portal password, 8 to 128 characters.
    pub password: String,
}

/// Settings to change; absent fields keep their value.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// 1 to 100 characters.
    pub name: Option<String>,
    /// Where voicemail notifications go (SPEC U9).
    pub email: Option<String>,
    pub voicemail: Option<VoicemailPatch>,
    pub forwarding: Option<ForwardingPatch>,
    /// One of the account's numbers, or `null` for the main number.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub caller_id: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VoicemailPatch {
    pub enabled: Option<bool>,
    /// 5 to 120.
    pub ring_seconds: Option<i64>,
    /// 4 to 8 digits; `null` removes the PIN.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub pin: Option<Option<String>>,
    pub email_notification: Option<bool>,
    pub attach_mp3: Option<bool>,
    /// `keep_new`, `mark_heard` or `delete`.
    pub after_email: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ForwardingPatch {
    pub enabled: Option<bool>,
    /// Required when forwarding is enabled; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub number: Option<Option<String>>,
    pub simultaneous: Option<bool>,
    pub key_press_required: Option<bool>,
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn user_id(id: &str) -> Result<UserId, ApiError> {
    path_id(id, "utilisateur", "user").map(UserId::from_raw)
}

#[utoipa::path(get, operation_id = "list_users", path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserOut>>, ApiError> {
    let users = caller.scope(&state).users().await?;
    Ok(Json(users.into_iter().map(UserOut::from).collect()))
}

#[utoipa::path(get, operation_id = "get_user", path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, ApiError> {
    let user = caller.scope(&state).user(user_id(&id)?).await?;
    Ok(Json(user.into()))
}

#[utoipa::path(post, operation_id = "create_user", path = "/api/v1/users", tag = "users", request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<NewUserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let name = fields::name("name", &body.name)?;
    let email = fields::email("email", &body.email)?;
    let extension = fields::new_extension("extension", &body.extension)?;
    let password = fields::password("password", &body.password)?;
    // argon2id takes tens of milliseconds of CPU: off the async workers.
    let hash = tokio::task::spawn_blocking(move || PasswordHash::of(&password))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let new = NewUser {
        extension: extension.clone(),
        name,
        email,
        password: hash,
        direct_number: None,
    };
    match caller.scope(&state).create_user(&new).await {
        Ok(user) => Ok((StatusCode::CREATED, Json(user.into()))),
        Err(StorageError::Conflict(_)) => Err(taken(&extension)),
        Err(e) => Err(e.into()),
    }
}

/// 409 for an extension number already in use.
pub fn taken(extension: &domain::ExtensionNumber) -> ApiError {
    ApiError::conflict(
        format!("le poste {extension} est déjà utilisé"),
        format!("extension {extension} is already taken"),
    )
}

#[utoipa::path(patch, operation_id = "update_user", path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(patch): Body<UserPatch>,
) -> Result<Json<UserOut>, ApiError> {
    let scope = caller.scope(&state);
    let user = scope.user(user_id(&id)?).await?;
    let name = patch
        .name
        .as_deref()
        .map(|n| fields::name("name", n))
        .transpose()?;
    let email = patch
        .email
        .as_deref()
        .map(|e| fields::email("email", e))
        .transpose()?;
    let settings = merge(&user, patch).await?;
    match scope.update_user_settings(user.id, &settings).await {
        Ok(()) => {}
        Err(StorageError::Invalid(_)) => {
            return Err(ApiError::invalid(
                "caller_id",
                "le numéro présenté doit être un numéro du compte",
                "caller ID must be one of the account's numbers",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if name.is_some() || email.is_some() {
        let name = name.unwrap_or_else(|| user.name.clone());
        let email = email.unwrap_or_else(|| user.email.clone());
        scope.update_user_profile(user.id, &name, &email).await?;
    }
    Ok(Json(scope.user(user.id).await?.into()))
}

/// The user's settings with the patch applied, every new value parsed.
async fn merge(user: &User, patch: UserPatch) -> Result<UserSettings, ApiError> {
    let mut voicemail = user.voicemail.clone();
    let vm = patch.voicemail.unwrap_or_default();
    if let Some(on) = vm.enabled {
        voicemail.enabled = on;
    }
    if let Some(s) = vm.ring_seconds {
        voicemail.ring_seconds = fields::ring_seconds("voicemail.ring_seconds", s)?;
    }
    match vm.pin {
        None => {}
        Some(None) => voicemail.pin = None,
        Some(Some(text)) => {
            let pin = fields::pin("voicemail.pin", &text)?;
            let hash = tokio::task::spawn_blocking(move || PinHash::of(&pin))
                .await
                .map_err(|e| ApiError::internal(&e))?;
            voicemail.pin = Some(hash);
        }
    }
    if let Some(on) = vm.email_notification {
        voicemail.email_notification = on;
    }
    if let Some(on) = vm.attach_mp3 {
        voicemail.attach_mp3 = on;
    }
    if let Some(text) = vm.after_email {
        voicemail.after_email = AfterEmail::parse(&text).ok_or_else(|| {
            ApiError::invalid(
                "voicemail.after_email",
                format!("valeur inconnue « {text} » : keep_new, mark_heard ou delete"),
                format!("unknown value {text:?}: keep_new, mark_heard or delete"),
            )
        })?;
    }
    let old = &user.forwarding;
    let fwd = patch.forwarding.unwrap_or_default();
    let number = match fwd.number {
        None => old.number().cloned(),
        Some(None) => None,
        Some(Some(text)) => Some(fields::e164("forwarding.number", &text)?),
    };
    let forwarding = ForwardingSettings::new(
        fwd.enabled.unwrap_or(old.enabled()),
        number,
        fwd.simultaneous.unwrap_or(old.simultaneous()),
        fwd.key_press_required.unwrap_or(old.key_press_required()),
    )
    .map_err(|e| {
        ApiError::invalid(
            "forwarding.number",
            "un numéro de renvoi est obligatoire quand le renvoi est activé",
            e.to_string(),
        )
    })?;
    let caller_id = match patch.caller_id {
        None => user.caller_id.clone(),
        Some(None) => None,
        Some(Some(text)) => Some(fields::e164("caller_id", &text)?),
    };
    Ok(UserSettings {
        voicemail,
        forwarding,
        caller_id,
    })
}

#[utoipa::path(delete, operation_id = "delete_user", path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204, description = "deleted; their devices are freed"),
        (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.scope(&state).delete_user(user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new portal password for a user (SPEC A15).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    /// `automatic`: a temporary password is generated, e-mailed, and must
    /// be changed at the next sign-in. `manual`: `password` is set.
    #[schema(example = "automatic")]
    pub mode: String,
    /// For `manual` only: 8 to 128 characters.
    pub password: Option<String>,
    /// For `manual` only: whether the user must choose another password at
    /// the next sign-in (default `false`).
    pub must_change: Option<bool>,
}

/// What became of a password reset: the user is e-mailed the new password.
#[derive(Serialize, ToSchema)]
pub struct PasswordOut {
    /// Whether the e-mail went out (the password is set either way).
    pub email_sent: bool,
    pub must_change: bool,
}

#[utoipa::path(post, operation_id = "set_user_password", path = "/api/v1/users/{id}/password", tag = "users", request_body = PasswordIn,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = PasswordOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<PasswordIn>,
) -> Result<Json<PasswordOut>, ApiError> {
    let user = caller.scope(&state).user(user_id(&id)?).await?;
    let choice = match (body.mode.as_str(), body.password) {
        ("automatic", None) if body.must_change.is_none() => NewPassword::Automatic,
        ("automatic", _) => {
            return Err(ApiError::invalid(
                "password",
                "en mode « automatic » le mot de passe est généré : n'envoyez ni « password » ni « must_change »",
                "in \"automatic\" mode the password is generated: send neither \"password\" nor \"must_change\"",
            ));
        }
        ("manual", None) => {
            return Err(ApiError::invalid(
                "password",
                "le mode « manual » demande un mot de passe",
                "\"manual\" mode needs a password",
            ));
        }
        ("manual", Some(text)) => NewPassword::Manual {
            password: fields::password("password", &text)?,
            must_change: if body.must_change.unwrap_or(false) {
                MustChange::Yes
            } else {
                MustChange::No
            },
        },
        (other, _) => {
            return Err(ApiError::invalid(
                "mode",
                format!("mode inconnu « {other} » : automatic ou manual"),
                format!("unknown mode {other:?}: automatic or manual"),
            ));
        }
    };
    let must_change = !matches!(
        choice,
        NewPassword::Manual {
            must_change: MustChange::No,
            ..
        }
    );
    let mailed = set_by_admin(&state, caller.account, user.id, choice)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Json(PasswordOut {
        email_sent: mailed == Mailed::Sent,
        must_change,
    }))
}
