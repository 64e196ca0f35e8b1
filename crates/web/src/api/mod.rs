//! The REST API, nested at `/api/v1`: the admin portal's operations for
//! programs, authenticated by API keys (`Authorization: Bearer sb_…`).
//!
//! Every handler takes a [`auth::Caller`] and reaches data only through the
//! caller's `AccountScope`. Request and response bodies are this module's
//! own types (the domain is not `Serialize`); domain values are parsed from
//! them at the edge, and a bad one is a 422 naming the field. Every error
//! is JSON (see [`error`]). The OpenAPI document is at
//! `/api/v1/openapi.json`.

mod account;
mod auth;
mod calls;
mod click;
mod devices;
mod error;
mod extensions;
mod fields;
mod import;
mod keys;
mod numbers;
mod operator;
mod time;
mod users;
mod voicemail;

#[cfg(test)]
mod tests;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::AppState;
use crate::now;
use error::ApiError;

/// The API's routes, to nest at `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/account", get(account::show).patch(account::update))
        .route("/users/import", axum::routing::post(import::import))
        .route("/users", get(users::list).post(users::create))
        .route(
            "/users/{id}",
            get(users::show).patch(users::update).delete(users::delete),
        )
        .route("/extensions", get(extensions::list))
        .route(
            "/ring-groups",
            get(extensions::list_groups).post(extensions::create_group),
        )
        .route(
            "/ring-groups/{id}",
            get(extensions::show_group)
                .put(extensions::update_group)
                .delete(extensions::delete_group),
        )
        .route("/numbers", get(numbers::list).post(numbers::buy))
        .route("/numbers/available", get(numbers::available))
        .route("/numbers/{id}/target", put(numbers::map))
        .route("/devices", get(devices::list).post(devices::create))
        .route("/devices/{id}", get(devices::show).delete(devices::delete))
        .route(
            "/devices/{id}/user",
            put(devices::assign).delete(devices::unassign),
        )
        .route("/users/{id}/password", post(users::set_password))
        .route("/users/{id}/calls", post(click::start))
        .route("/users/{id}/voicemails", get(voicemail::list))
        .route(
            "/users/{id}/voicemails/{mid}",
            get(voicemail::show)
                .patch(voicemail::update)
                .delete(voicemail::delete),
        )
        .route("/users/{id}/voicemails/{mid}/audio", get(voicemail::audio))
        .route("/calls", get(calls::list))
        .route("/calls.csv", get(calls::export))
        .route("/calls/live/{id}", get(click::live))
        .route("/api-keys", get(keys::list).post(keys::create))
        .route("/api-keys/{id}", axum::routing::delete(keys::revoke))
        // The platform operator's part, with operator keys.
        .route(
            "/operator/accounts",
            get(operator::accounts).post(operator::create_account),
        )
        .route("/operator/accounts/{id}/suspend", post(operator::suspend))
        .route(
            "/operator/accounts/{id}/reactivate",
            post(operator::reactivate),
        )
        .route(
            "/operator/numbers",
            get(operator::numbers).post(operator::add_numbers),
        )
        .route(
            "/operator/numbers/{number}",
            axum::routing::delete(operator::remove_number),
        )
        .route(
            "/operator/numbers/{number}/release",
            post(operator::release_number),
        )
        .fallback(|| async { ApiError::no_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn(error::localise))
}

/// The OpenAPI 3.1 document of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard REST API",
        description = "The admin operations of a Switchboard account. Authenticate with `Authorization: Bearer sb_…` (an API key the administrator created). The `operator` routes are the hosting company's (accounts, number pool) and take an operator's key (`switchboard operator api-key`). Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`, in French unless `Accept-Language` prefers English."
    ),
    paths(
        account::show, account::update, import::import,
        users::list, users::create, users::show, users::update, users::delete,
        extensions::list, extensions::list_groups, extensions::create_group,
        extensions::show_group, extensions::update_group, extensions::delete_group,
        numbers::list, numbers::available, numbers::buy, numbers::map,
        devices::list, devices::create, devices::show, devices::assign,
        devices::unassign, devices::delete, users::set_password,
        calls::list, calls::export, click::start, click::live,
        voicemail::list, voicemail::show, voicemail::audio, voicemail::update,
        voicemail::delete,
        keys::list, keys::create, keys::revoke,
        operator::accounts, operator::create_account, operator::suspend,
        operator::reactivate, operator::numbers, operator::add_numbers,
        operator::remove_number, operator::release_number,
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sb_…")
                    .build(),
            ),
        );
    }
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

/// A JSON body whose rejection is one of the API's JSON errors.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(ApiError::bad_request(&rejection.body_text())),
        }
    }
}

/// A row id from the URL; anything that is not one names nothing (404).
pub(crate) fn path_id(text: &str, fr: &str, en: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(fr, en))
}
