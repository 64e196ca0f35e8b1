//! The user's voicemail (SPEC U3): how many messages are new and saved,
//! the messages newest first (new ones in bold with a badge), each with a
//! player, mark as new or heard, call back (click to call), download as
//! MP3 and delete after a confirmation page.
//!
//! The audio is served with HTTP Range ([`crate::audio`]) so the player
//! can seek. Playing a message marks it heard: a read of the MP3 from its
//! first byte (no Range, or one starting at 0) does, a seek or a download
//! does not. Marks and deletions go through [`voicemail::Voicemail`], which
//! announces them for the phones' message-waiting lamps.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{MessageCounts, MessageId, MessageStatus, VoicemailMessage};
use serde::Deserialize;
use tower_sessions::Session;
use voicemail::Voicemail;

use super::user_or_return;
use crate::AppState;
use crate::audio::{self, Disposition, Wanted};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::local_time::Zone;
use crate::page::{Page, render, render_status};
use crate::pages::display_number;

/// The tab of every voicemail page.
const TAB: &str = "/user/voicemail";

/// One message, ready to show.
struct Row {
    id: i64,
    new: bool,
    /// The caller's number as people read it, or "withheld".
    caller: String,
    name: Option<String>,
    when: String,
    duration: String,
    /// What "call back" dials, when the caller can be called.
    call_back: Option<String>,
}

#[derive(Template)]
#[template(path = "user_voicemail.html")]
struct MessagesPage {
    p: Page,
    /// `None`: voicemail does not run on this node.
    counts: Option<MessageCounts>,
    rows: Vec<Row>,
    deleted: bool,
}

#[derive(Template)]
#[template(path = "user_voicemail_delete.html")]
struct DeletePage {
    p: Page,
    row: Row,
}

/// The page's query: `deleted` after a deletion.
#[derive(Deserialize, Default)]
pub struct Shown {
    #[serde(default)]
    deleted: String,
}

/// `GET /user/voicemail`: the counts and the messages.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(shown): Query<Shown>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let p = member.page(&session, "voicemail-title", TAB).await?;
    if state.voicemail.is_none() {
        let page = MessagesPage {
            p,
            counts: None,
            rows: Vec::new(),
            deleted: false,
        };
        return render_status(StatusCode::SERVICE_UNAVAILABLE, &page);
    }
    let scope = member.scope(&state);
    let counts = scope.voicemail_counts(member.user.id).await?;
    let zone = Zone::of(&member.account.time_zone);
    let rows = scope
        .voicemails(member.user.id)
        .await?
        .iter()
        .map(|m| row(p.tr, &zone, m))
        .collect();
    render(&MessagesPage {
        p,
        counts: Some(counts),
        rows,
        deleted: shown.deleted == "1",
    })
}

/// The audio's query: `download=1` to save the file.
#[derive(Deserialize, Default)]
pub struct AudioQuery {
    #[serde(default)]
    download: String,
}

/// `GET /user/voicemail/{id}.mp3`: a message of the session's user as
/// MP3, whole or one range; `?download=1` saves it. Another user's
/// message is not found.
pub async fn audio(
    State(state): State<AppState>,
    session: Session,
    method: Method,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<AudioQuery>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let service = service(&state)?;
    let id = file
        .strip_suffix(".mp3")
        .and_then(message_id)
        .ok_or(WebError::NotFound)?;
    let message = member.scope(&state).voicemail(member.user.id, id).await?;
    let blobs = service.blobs();
    let size = blobs.size(&message.mp3_key).await.map_err(blob_error)?;
    let wanted = Wanted::of(audio::range_header(&headers), size);
    let download = q.download == "1";
    let disposition = match download {
        true => {
            let zone = Zone::of(&member.account.time_zone);
            Disposition::Attachment(audio::file_name(&zone, message.received_at))
        }
        false => Disposition::Inline,
    };
    let starts = wanted.is_ok_and(Wanted::from_start);
    if starts && !download && method == Method::GET && message.status == MessageStatus::New {
        service
            .set_status(
                member.account.id,
                member.user.id,
                message.id,
                MessageStatus::Saved,
            )
            .await
            .map_err(service_error)?;
    }
    audio::respond(blobs, &message.mp3_key, size, wanted, disposition)
        .await
        .map_err(blob_error)
}

/// The mark form: `new` or `saved`.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /user/voicemail/{id}/status`: marks a message new or heard,
/// then back to the list at the message.
pub async fn set_status(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let service = service(&state)?;
    let id = message_id(&id).ok_or(WebError::NotFound)?;
    let status = MessageStatus::parse(&form.status).ok_or(WebError::NotFound)?;
    service
        .set_status(member.account.id, member.user.id, id, status)
        .await
        .map_err(service_error)?;
    Ok(Redirect::to(&format!("{TAB}#message-{}", id.raw())).into_response())
}

/// `GET /user/voicemail/{id}/delete`: asks before deleting.
pub async fn delete_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    service(&state)?;
    let id = message_id(&id).ok_or(WebError::NotFound)?;
    let message = member.scope(&state).voicemail(member.user.id, id).await?;
    let p = member.page(&session, "voicemail-delete-title", TAB).await?;
    let zone = Zone::of(&member.account.time_zone);
    let row = row(p.tr, &zone, &message);
    render(&DeletePage { p, row })
}

/// `POST /user/voicemail/{id}/delete`: deletes the message and its audio.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let member = user_or_return!(state, session);
    let service = service(&state)?;
    let id = message_id(&id).ok_or(WebError::NotFound)?;
    service
        .delete(member.account.id, member.user.id, id)
        .await
        .map_err(service_error)?;
    Ok(Redirect::to(&format!("{TAB}?deleted=1")).into_response())
}

/// The voicemail service, or a 503 when this node does not run it.
fn service(state: &AppState) -> Result<&Arc<Voicemail>, WebError> {
    state.voicemail.as_ref().ok_or(WebError::Unavailable)
}

/// A message id from the URL; anything else names nothing.
fn message_id(text: &str) -> Option<MessageId> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(MessageId::from_raw)
}

fn blob_error(e: voicemail::BlobError) -> WebError {
    match e {
        voicemail::BlobError::NotFound(_) => WebError::NotFound,
        e => WebError::Internal(format!("voicemail audio: {e}")),
    }
}

fn service_error(e: voicemail::VoicemailError) -> WebError {
    match e {
        voicemail::VoicemailError::Storage(e) => e.into(),
        voicemail::VoicemailError::Blob(e) => blob_error(e),
        e => WebError::Internal(format!("voicemail: {e}")),
    }
}

/// One message as the list shows it.
fn row(tr: Tr, zone: &Zone, m: &VoicemailMessage) -> Row {
    let callable = super::click::call_back(&m.caller_number, None);
    let caller = match callable {
        Some(_) => display_number(&m.caller_number),
        None if m.caller_number.is_empty() || m.caller_number == "anonymous" => {
            tr.t("voicemail-withheld")
        }
        None => display_number(&m.caller_number),
    };
    Row {
        id: m.id.raw(),
        new: m.status == MessageStatus::New,
        caller,
        name: m.caller_name.clone().filter(|n| !n.trim().is_empty()),
        when: zone.display(tr.0, m.received_at),
        duration: duration(m.duration_ms),
        call_back: callable,
    }
}

/// A length as minutes and seconds, to the nearest second: `1:05`.
pub fn duration(ms: u32) -> String {
    let secs = (ms + 500) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_to_the_nearest_second() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(1_499), "0:01");
        assert_eq!(duration(1_500), "0:02");
        assert_eq!(duration(65_000), "1:05");
        assert_eq!(duration(180_000), "3:00");
    }
}
