//! The platform operator's portal (issue 6): the hosting company's staff
//! sign in here, apart from the companies' admins and users, to create and
//! suspend accounts (`accounts`) and manage the number pool (`numbers`).
//!
//! The operator is kept in the session as [`Principal::Operator`], which
//! [`SessionData::principal`] never hands out: the account portals see an
//! operator's session as signed out, and these pages see an admin's or a
//! user's session as signed out. Every handler starts with
//! [`operator_or_return!`].

pub mod accounts;
pub mod numbers;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{EmailAddress, OperatorId};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::{ClientIp, Throttle, verify};
use crate::error::WebError;
use crate::page::{Page, render, render_status};
use crate::session::{Principal, SessionData};

/// Where a signed-in operator lands.
pub const LANDING: &str = "/operator/accounts";

/// The operator signed in on this session.
pub struct SignedOperator {
    pub id: OperatorId,
    pub email: EmailAddress,
}

/// Either the operator, or the response that sends the visitor to sign in.
pub enum Signed {
    In(SignedOperator),
    Out(Response),
}

impl SignedOperator {
    /// The operator of this session, or a redirect to the operator sign-in
    /// page. An operator deleted from the database is signed out.
    pub async fn signed_in(state: &AppState, session: &Session) -> Result<Signed, WebError> {
        let Some(id) = SessionData::operator(session).await else {
            return Ok(Signed::Out(Redirect::to("/operator").into_response()));
        };
        match state.store.operator(id).await {
            Ok(op) => Ok(Signed::In(Self {
                id: op.id,
                email: op.email,
            })),
            Err(storage::StorageError::NotFound(_)) => {
                SessionData::sign_out(session).await?;
                Ok(Signed::Out(Redirect::to("/operator").into_response()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The page frame of the tab at `path`.
    pub async fn page(
        &self,
        session: &Session,
        title_key: &str,
        path: &'static str,
    ) -> Result<Page, WebError> {
        Page::operator(session, title_key, path, self.email.as_str().to_owned()).await
    }
}

/// Unwraps [`SignedOperator::signed_in`] in a handler returning
/// `Result<Response, _>`.
macro_rules! operator_or_return {
    ($state:expr, $session:expr) => {
        match $crate::operator::SignedOperator::signed_in(&$state, &$session).await? {
            $crate::operator::Signed::In(op) => op,
            $crate::operator::Signed::Out(redirect) => return Ok(redirect),
        }
    };
}
pub(crate) use operator_or_return;

#[derive(Template)]
#[template(path = "operator_signin.html")]
struct SignInPage {
    p: Page,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `GET /operator`: the operator sign-in page, or the accounts when signed
/// in.
pub async fn sign_in_page(session: Session) -> Result<Response, WebError> {
    if SessionData::operator(&session).await.is_some() {
        return Ok(Redirect::to(LANDING).into_response());
    }
    render(&SignInPage {
        p: Page::new(&session, "op-signin-title", "/operator").await?,
        email: String::new(),
        error: None,
    })
}

/// `POST /operator/signin`: e-mail and password, rate limited like the
/// other sign-ins (per address and per client).
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let refuse = |status: StatusCode, key: &'static str| {
        let session = session.clone();
        let email = form.email.clone();
        async move {
            let p = Page::new(&session, "op-signin-title", "/operator").await?;
            let error = Some(p.t(key));
            render_status(status, &SignInPage { p, email, error })
        }
    };
    let Ok(email) = EmailAddress::parse(&form.email) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "op-bad-email").await;
    };
    let throttle = Throttle::new(
        &state,
        format!("operator:{}", email.as_str().to_lowercase()),
        ip,
    );
    if throttle.exceeded().await? {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "signin-too-many").await;
    }
    let operator = state.store.operator_by_email(&email).await?;
    let ok = verify(
        operator.as_ref().map(|o| o.password.clone()),
        form.password.clone(),
    )
    .await;
    let Some(operator) = operator.filter(|_| ok) else {
        throttle.failed().await?;
        return refuse(StatusCode::UNAUTHORIZED, "op-signin-wrong").await;
    };
    throttle.succeeded().await?;
    SessionData::sign_in(
        &session,
        Principal::Operator {
            operator: operator.id.raw(),
        },
    )
    .await?;
    Ok(Redirect::to(LANDING).into_response())
}
