//! A user's voicemail through the API (SPEC U3): the messages with their
//! counts, one message, its MP3 (with HTTP Range, as the portal serves
//! it), marking it new or heard, and deleting it. Marks and deletions go
//! through [`voicemail::Voicemail`], which updates the phones' lamps.
//! Reading the audio through the API marks nothing: a program says what
//! it did with `PATCH`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::{MessageCounts, MessageId, MessageStatus, User, UserId, VoicemailMessage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use voicemail::{BlobError, Voicemail, VoicemailError};

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, path_id, time};
use crate::AppState;
use crate::audio::{self, Disposition, Wanted};
use crate::local_time::Zone;

/// One voicemail message.
#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    #[schema(example = 12)]
    pub id: i64,
    /// The caller's number: E.164, an extension, or `anonymous`.
    #[schema(example = "+33612345678")]
    pub caller_number: String,
    /// The caller's name, when the call carried one.
    pub caller_name: Option<String>,
    /// When the message was left (RFC 3339, UTC).
    #[schema(example = "2026-12-06T09:30:00Z")]
    pub received_at: String,
    #[schema(example = 42000)]
    pub duration_ms: u32,
    /// `new` (not heard yet) or `saved`.
    #[schema(example = "new")]
    pub status: String,
    /// Where its MP3 is.
    #[schema(example = "/api/v1/users/3/voicemails/12/audio")]
    pub audio_url: String,
}

impl MessageOut {
    fn new(m: &VoicemailMessage) -> Self {
        Self {
            id: m.id.raw(),
            caller_number: m.caller_number.clone(),
            caller_name: m.caller_name.clone(),
            received_at: time::format(m.received_at),
            duration_ms: m.duration_ms,
            status: m.status.as_str().to_owned(),
            audio_url: format!(
                "/api/v1/users/{}/voicemails/{}/audio",
                m.user.raw(),
                m.id.raw()
            ),
        }
    }
}

/// How many messages a mailbox holds.
#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    pub new: u32,
    pub saved: u32,
}

/// A user's mailbox: the counts and the messages, newest first.
#[derive(Serialize, ToSchema)]
pub struct MailboxOut {
    pub counts: CountsOut,
    pub messages: Vec<MessageOut>,
}

/// A change of a message.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagePatch {
    /// `new` (lights the phones' message-waiting lamp again) or `saved`
    /// (heard).
    #[schema(example = "saved")]
    pub status: String,
}

/// The audio's query.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AudioQuery {
    /// `1`: sent as an attachment named `message-<local date-time>.mp3`.
    #[serde(default)]
    pub download: String,
}

#[utoipa::path(get, operation_id = "list_voicemails", path = "/api/v1/users/{id}/voicemails",
    tag = "voicemail", params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = MailboxOut), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MailboxOut>, ApiError> {
    let user = user_of(&state, caller, &id).await?;
    service(&state)?;
    let scope = caller.scope(&state);
    let MessageCounts { new, saved } = scope.voicemail_counts(user.id).await?;
    let messages = scope.voicemails(user.id).await?;
    Ok(Json(MailboxOut {
        counts: CountsOut { new, saved },
        messages: messages.iter().map(MessageOut::new).collect(),
    }))
}

#[utoipa::path(get, operation_id = "get_voicemail", path = "/api/v1/users/{id}/voicemails/{mid}",
    tag = "voicemail",
    params(("id" = i64, Path, description = "user id"), ("mid" = i64, Path, description = "message id")),
    responses((status = 200, body = MessageOut), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mid)): Path<(String, String)>,
) -> Result<Json<MessageOut>, ApiError> {
    let (user, mid) = (user_of(&state, caller, &id).await?, message_id(&mid)?);
    service(&state)?;
    let message = caller.scope(&state).voicemail(user.id, mid).await?;
    Ok(Json(MessageOut::new(&message)))
}

#[utoipa::path(get, operation_id = "get_voicemail_audio",
    path = "/api/v1/users/{id}/voicemails/{mid}/audio", tag = "voicemail",
    description = "The message as MP3 (16 kHz mono). Send `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` for part of it (206 with `Content-Range`; 416 past the end). Reading it does not mark the message heard.",
    params(("id" = i64, Path, description = "user id"), ("mid" = i64, Path, description = "message id"),
        AudioQuery),
    responses((status = 200, content_type = "audio/mpeg", body = Vec<u8>),
        (status = 206, content_type = "audio/mpeg", body = Vec<u8>),
        (status = 404, body = ErrorBody), (status = 416, description = "the range lies past the end"),
        (status = 503, body = ErrorBody)))]
pub async fn audio(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, mid)): Path<(String, String)>,
    Query(q): Query<AudioQuery>,
) -> Result<Response, ApiError> {
    let (user, mid) = (user_of(&state, caller, &id).await?, message_id(&mid)?);
    let service = service(&state)?;
    let scope = caller.scope(&state);
    let message = scope.voicemail(user.id, mid).await?;
    let blobs = service.blobs();
    let size = blobs.size(&message.mp3_key).await.map_err(blob_error)?;
    let wanted = Wanted::of(audio::range_header(&headers), size);
    let disposition = match q.download.as_str() {
        "1" => {
            let zone = Zone::of(&scope.details().await?.time_zone);
            Disposition::Attachment(audio::file_name(&zone, message.received_at))
        }
        _ => Disposition::Inline,
    };
    audio::respond(blobs, &message.mp3_key, size, wanted, disposition)
        .await
        .map_err(blob_error)
}

#[utoipa::path(patch, operation_id = "update_voicemail", path = "/api/v1/users/{id}/voicemails/{mid}",
    tag = "voicemail", request_body = MessagePatch,
    params(("id" = i64, Path, description = "user id"), ("mid" = i64, Path, description = "message id")),
    responses((status = 200, body = MessageOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mid)): Path<(String, String)>,
    Body(patch): Body<MessagePatch>,
) -> Result<Json<MessageOut>, ApiError> {
    let (user, mid) = (user_of(&state, caller, &id).await?, message_id(&mid)?);
    let status = MessageStatus::parse(&patch.status).ok_or_else(|| {
        ApiError::invalid(
            "status",
            format!("état inconnu « {} » : new ou saved", patch.status),
            format!("unknown status {:?}: new or saved", patch.status),
        )
    })?;
    service(&state)?
        .set_status(caller.account, user.id, mid, status)
        .await
        .map_err(service_error)?;
    let message = caller.scope(&state).voicemail(user.id, mid).await?;
    Ok(Json(MessageOut::new(&message)))
}

#[utoipa::path(delete, operation_id = "delete_voicemail", path = "/api/v1/users/{id}/voicemails/{mid}",
    tag = "voicemail",
    params(("id" = i64, Path, description = "user id"), ("mid" = i64, Path, description = "message id")),
    responses((status = 204, description = "deleted with its audio"), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (user, mid) = (user_of(&state, caller, &id).await?, message_id(&mid)?);
    service(&state)?
        .delete(caller.account, user.id, mid)
        .await
        .map_err(service_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's user named in the URL; 404 for another account's.
async fn user_of(state: &AppState, caller: Caller, id: &str) -> Result<User, ApiError> {
    let id = UserId::from_raw(path_id(id, "utilisateur", "user")?);
    Ok(caller.scope(state).user(id).await?)
}

fn message_id(text: &str) -> Result<MessageId, ApiError> {
    path_id(text, "message vocal", "voicemail message").map(MessageId::from_raw)
}

/// The voicemail service, or a 503 when this node does not run it.
fn service(state: &AppState) -> Result<&Arc<Voicemail>, ApiError> {
    state.voicemail.as_ref().ok_or_else(|| {
        ApiError::unavailable(
            "la messagerie vocale est indisponible pour le moment, réessayez dans quelques minutes",
            "voicemail is unavailable right now, try again in a few minutes",
        )
    })
}

fn blob_error(e: BlobError) -> ApiError {
    match e {
        BlobError::NotFound(_) => ApiError::not_found("enregistrement", "recording"),
        e => ApiError::internal(&e),
    }
}

fn service_error(e: VoicemailError) -> ApiError {
    match e {
        VoicemailError::Storage(e) => e.into(),
        VoicemailError::Blob(e) => blob_error(e),
        e => ApiError::internal(&e),
    }
}
