//! Click to call through the API (SPEC U2): start a call for one of the
//! account's users (their phones ring first, then the destination is
//! dialled with their caller ID) and follow it by its id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::{CallProgress, ClickToCall, Dialled, DialledError, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::{Body, path_id};
use crate::AppState;
use crate::dialer::{Dialer, end_name, state_name};

/// A call to place.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCallIn {
    /// An extension of the account, a French number (0 and 9 digits) or an
    /// international one (00 or +). Spaces, dots and dashes are ignored.
    #[schema(example = "0612345678")]
    pub destination: String,
}

/// Where a click-to-call is.
#[derive(Serialize, ToSchema)]
pub struct LiveCallOut {
    #[schema(example = 7)]
    pub id: u64,
    /// `calling_you` (the user's phones ring), `dialling`, `ringing` (the
    /// destination rings), `connected` or `ended`.
    #[schema(example = "calling_you")]
    pub state: String,
    /// How the call ended, once `state` is `ended`: `no_phone` (the user
    /// has no registered phone), `you_did_not_answer`, `busy`,
    /// `no_answer`, `failed` or `hung_up`; `null` before.
    pub end: Option<String>,
}

impl LiveCallOut {
    fn new(id: u64, progress: CallProgress) -> Self {
        Self {
            id,
            state: state_name(progress).to_owned(),
            end: match progress {
                CallProgress::Ended(end) => Some(end_name(end).to_owned()),
                _ => None,
            },
        }
    }
}

/// The switch of this node, or a 503 saying calls cannot be placed.
fn dialer(state: &AppState) -> Result<&dyn Dialer, ApiError> {
    state.dialer.as_deref().ok_or_else(unavailable)
}

fn unavailable() -> ApiError {
    ApiError::unavailable(
        "le standard ne peut pas passer d'appel pour le moment, réessayez dans quelques minutes",
        "the switch cannot place calls right now, try again in a few minutes",
    )
}

#[utoipa::path(post, operation_id = "start_click_to_call", path = "/api/v1/users/{id}/calls",
    tag = "calls", request_body = NewCallIn,
    description = "Click to call: the user's phones ring; when one answers, the destination is dialled with the user's caller ID and the two are joined. Follow the call with `GET /api/v1/calls/live/{id}`.",
    params(("id" = i64, Path, description = "user id")),
    responses((status = 202, body = LiveCallOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<NewCallIn>,
) -> Result<(StatusCode, Json<LiveCallOut>), ApiError> {
    let user = UserId::from_raw(path_id(&id, "utilisateur", "user")?);
    let user = caller.scope(&state).user(user).await?;
    let destination = destination(&body.destination)?;
    let call = ClickToCall {
        account: caller.account,
        user: user.id,
        destination,
    };
    let id = dialer(&state)?.dial(call).map_err(|_| unavailable())?;
    Ok((
        StatusCode::ACCEPTED,
        Json(LiveCallOut::new(id, CallProgress::CallingYou)),
    ))
}

#[utoipa::path(get, operation_id = "get_live_call", path = "/api/v1/calls/live/{id}", tag = "calls",
    params(("id" = u64, Path, description = "the id `POST /api/v1/users/{id}/calls` answered")),
    responses((status = 200, body = LiveCallOut), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LiveCallOut>, ApiError> {
    let not_found = || ApiError::not_found("appel en cours", "live call");
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let progress = dialer(&state)?
        .progress(caller.account, id)
        .ok_or_else(not_found)?;
    Ok(Json(LiveCallOut::new(id, progress)))
}

/// The destination field, read as the switch will dial it.
fn destination(text: &str) -> Result<Dialled, ApiError> {
    Dialled::parse(text).map_err(|e| match e {
        DialledError::Empty => ApiError::invalid(
            "destination",
            "indiquez le numéro à appeler",
            "give the number to call",
        ),
        DialledError::Invalid(_) => ApiError::invalid(
            "destination",
            format!(
                "« {text} » n'est ni un poste (2 à 6 chiffres), ni un numéro français (0 et 9 chiffres), ni un numéro international (00 ou +)"
            ),
            e.to_string(),
        ),
    })
}
