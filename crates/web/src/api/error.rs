//! The API's one error type. Every error leaves as
//! `{"error": {"code": "...", "message": "...", "field": "..."}}` with the
//! message in the language of `Accept-Language` (French unless English is
//! preferred).

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use storage::StorageError;
use utoipa::ToSchema;

/// A failed API request: status, stable code, the field at fault and the
/// message in both languages (the language is chosen as the response
/// leaves, by [`localise`]).
#[derive(Clone, Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
    fr: String,
    en: String,
}

/// The JSON body of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `not_found`, `invalid`,
    /// `conflict`, `bad_request`, `method_not_allowed`, `unavailable`,
    /// `internal`.
    pub code: String,
    /// For people, in French or English after `Accept-Language`.
    pub message: String,
    /// The request field at fault, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, fr: String, en: String) -> Self {
        Self {
            status,
            code,
            field: None,
            fr,
            en,
        }
    }

    /// 401: no key, a malformed one, an unknown or a revoked one.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "clé d'API absente, invalide ou révoquée : envoyez « Authorization: Bearer sb_… »"
                .into(),
            "missing, invalid or revoked API key: send \"Authorization: Bearer sb_…\"".into(),
        )
    }

    /// 404 for `what` (in both languages).
    pub fn not_found(fr: &str, en: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{fr} introuvable"),
            format!("{en} not found"),
        )
    }

    /// 422: `field` holds a bad value.
    pub fn invalid(field: &'static str, fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                fr.into(),
                en.into(),
            )
        }
    }

    /// 409: the write clashes with what exists.
    pub fn conflict(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", fr.into(), en.into())
    }

    /// 503: what the request needs does not run on this node (the switch,
    /// for click-to-call).
    pub fn unavailable(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            fr.into(),
            en.into(),
        )
    }

    /// 400: the body is not the JSON expected.
    pub fn bad_request(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("corps de requête JSON invalide : {detail}"),
            format!("invalid JSON request body: {detail}"),
        )
    }

    /// 404 for a URL the API does not serve.
    pub fn no_route() -> Self {
        Self::not_found("adresse d'API", "API route")
    }

    /// 405 for a method a URL does not take.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "méthode non permise pour cette adresse".into(),
            "method not allowed for this URL".into(),
        )
    }

    /// 500, after logging the cause.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "erreur interne du serveur".into(),
            "internal server error".into(),
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(what) => Self::not_found(french_noun(what), what),
            StorageError::Conflict(msg) => Self::conflict(msg.clone(), msg),
            StorageError::Invalid(msg) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                msg.clone(),
                msg,
            ),
            other => Self::internal(&other),
        }
    }
}

/// French names of what storage reports as not found.
fn french_noun(what: &str) -> &'static str {
    match what {
        "user" => "utilisateur",
        "extension" => "poste",
        "ring group" => "groupe d'appel",
        "phone number" => "numéro",
        "device" => "appareil",
        "account" => "compte",
        "API key" => "clé d'API",
        "call record" => "appel",
        "voicemail message" => "message vocal",
        _ => "objet",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The body is written in French here; `localise` rewrites it in
        // English when the client prefers that.
        self.respond(Lang::Fr)
    }
}

impl ApiError {
    fn respond(self, lang: Lang) -> Response {
        let mut res = (self.status, Json(self.body(lang))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        res.extensions_mut().insert(self);
        res
    }

    fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: match lang {
                    Lang::Fr => self.fr.clone(),
                    Lang::En => self.en.clone(),
                },
                field: self.field.map(str::to_owned),
            },
        }
    }
}

/// The two languages of the API's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// The preferred of French and English in an `Accept-Language` header
    /// (RFC 9110 §12.5.4: the highest `q` wins, the first on a tie);
    /// French when neither is named.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::Fr;
        };
        let mut best: Option<(Lang, f32)> = None;
        for item in value.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("fr") => Lang::Fr,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map_or(Self::Fr, |(l, _)| l)
    }
}

/// Middleware: rewrites an error body in the language the client asked
/// for.
pub async fn localise(req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let res = next.run(req).await;
    if lang == Lang::Fr {
        return res;
    }
    match res.extensions().get::<ApiError>() {
        Some(err) => err.clone().respond(lang),
        None => res,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
        Lang::from_headers(&h)
    }

    #[test]
    fn french_is_the_default_and_english_is_chosen_by_preference() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Fr);
        assert_eq!(lang("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(lang("de, en;q=0.5, fr;q=0.8"), Lang::Fr);
        assert_eq!(lang("fr;q=0.2, en-US;q=0.7"), Lang::En);
        assert_eq!(lang("de"), Lang::Fr);
        assert_eq!(lang("en;q=0"), Lang::Fr);
    }
}
