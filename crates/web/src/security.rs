//! Middleware every response goes through: security headers and the CSRF
//! check of state-changing requests.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::AppState;
use crate::error::WebError;
use crate::session::SessionData;

/// No inline script or style anywhere: everything comes from `/static/`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

/// Adds the security headers to every response. HSTS only when the site is
/// served over HTTPS (it would lock a plain-HTTP test installation out).
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// The form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest form body read for the CSRF check.
const MAX_FORM: usize = 1 << 20;

/// Refuses (403) a POST, PUT, PATCH or DELETE whose token is missing or is
/// not the session's. The REST API under `/api/` authenticates with keys,
/// not cookies, and is not checked here.
///
/// The token is read from the `X-CSRF-Token` header (htmx, see
/// `static/app.js`) or else from the `_csrf` field of a URL-encoded form;
/// the body is then handed on untouched.
pub async fn csrf(session: Session, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(expected) = SessionData::existing_csrf_token(&session).await else {
        return WebError::Forbidden.into_response();
    };
    let language = SessionData::language(&session).await;
    let forbidden = || WebError::Forbidden.with_language(language);
    if let Some(sent) = req.headers().get(CSRF_HEADER) {
        if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            return next.run(req).await;
        }
        return forbidden();
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        // Say so, rather than blame the token: a pasted CSV file may
        // simply be too long.
        return WebError::TooLarge.with_language(language);
    };
    let sent = form_field(&bytes, CSRF_FIELD);
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => forbidden(),
    }
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body)?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    // axum's Form extractor uses serde_urlencoded; decode the same way
    // through it so both agree on what the form says.
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{}", std::str::from_utf8(body).ok()?)
            .parse()
            .ok()?,
    )
    .ok()
    .map(|q| q.0)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&_csrf=ab%2Bc&b=", "_csrf").as_deref(),
            Some("ab+c")
        );
        assert_eq!(form_field(b"a=1", "_csrf"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
