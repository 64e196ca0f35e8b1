//! Who is calling: `Authorization: Bearer sb_…` names an API key, the key
//! its account. Every handler reaches data only through that account's
//! `AccountScope`, so another account's objects are simply not found.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use domain::AccountId;
use storage::{AccountScope, ApiKeyToken};

use super::error::ApiError;
use super::now;
use crate::AppState;

/// The authenticated caller of an API request.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub account: AccountId,
}

impl Caller {
    /// The caller's account data.
    pub fn scope<'s>(&self, state: &'s AppState) -> AccountScope<'s> {
        state.store.account(self.account)
    }
}

/// The key of `Authorization: Bearer sb_…`, for account and operator
/// keys alike; 401 when it is missing or malformed.
pub fn bearer_token(parts: &Parts) -> Result<ApiKeyToken, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (scheme, credentials) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthorized)?;
    // RFC 9110 §11.1: the scheme is case-insensitive.
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthorized());
    }
    ApiKeyToken::parse(credentials).map_err(|_| ApiError::unauthorized())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        let key = state
            .store
            .authenticate_api_key(&token, now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Self {
            account: key.account,
        })
    }
}
