//! The one error type of the portals' handlers.
//!
//! User mistakes are not errors here: handlers show them next to the form.
//! What remains is a forbidden request (CSRF), a missing page, or an
//! unexpected failure, logged with its cause and shown as a plain page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::Language;

use crate::i18n::Tr;

/// Why a portal request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// CSRF token missing or wrong (403).
    #[error("forbidden: missing or wrong CSRF token")]
    Forbidden,
    /// A form larger than the server reads (413).
    #[error("form too large")]
    TooLarge,
    /// No such page, or a page of another account (404).
    #[error("not found")]
    NotFound,
    /// A service this node does not run, such as voicemail (503).
    #[error("service unavailable on this node")]
    Unavailable,
    /// Anything unexpected (500); the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<storage::StorageError> for WebError {
    fn from(e: storage::StorageError) -> Self {
        match e {
            storage::StorageError::NotFound(_) => Self::NotFound,
            e => Self::Internal(format!("storage: {e}")),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(format!("template: {e}"))
    }
}

impl From<tower_sessions::session::Error> for WebError {
    fn from(e: tower_sessions::session::Error) -> Self {
        Self::Internal(format!("session: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    message: String,
}

impl WebError {
    /// The error as a page in `language`.
    pub fn with_language(self, language: Language) -> Response {
        let tr = Tr(language);
        let (status, key) = match &self {
            Self::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error-too-large"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "error-unavailable"),
            Self::Internal(cause) => {
                tracing::error!(%cause, "web request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        };
        let page = ErrorPage {
            tr,
            message: tr.t(key),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.with_language(Language::default())
    }
}
