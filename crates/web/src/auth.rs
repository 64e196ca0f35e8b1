//! Signing in and out of both portals (SPEC A1, U1), the forced change of a
//! temporary password (SPEC A16), and password recovery by e-mailed link
//! (SPEC A1).
//!
//! Sign-in is rate limited: after [`ACCOUNT_LIMIT`] failures for one
//! account (or [`IP_LIMIT`] from one address) within [`WINDOW`], further
//! attempts get 429 until the window slides. Failures are kept in the
//! database, so every node of a cluster counts them together.

use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AccountStatus, E164, ExtensionNumber, Password, PasswordError, PasswordHash, UnixMillis,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use storage::PasswordReset;
use tower_sessions::Session;

use crate::AppState;
use crate::error::WebError;
use crate::now;
use crate::page::{Page, render, render_status};
use crate::session::{Principal, SessionData, random_token};

/// The sliding window of failed sign-ins.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account (or per user) within the window.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures allowed per client address within the window (higher: a whole
/// office may sit behind one address).
pub const IP_LIMIT: i64 = 20;
/// How long a recovery link works.
pub const RESET_VALIDITY: Duration = Duration::from_secs(60 * 60);

/// The client's address when the server was started with connect info.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The stored form of a recovery token: its SHA-256 in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks `password` against `hash` off the async threads (argon2 takes
/// tens of milliseconds on purpose). With no hash (unknown account or
/// user) a dummy hash is checked all the same, so the answer takes as long
/// and timing does not tell which numbers exist.
pub(crate) async fn verify(hash: Option<PasswordHash>, password: String) -> bool {
    static DUMMY: LazyLock<PasswordHash> = LazyLock::new(|| {
        PasswordHash::of(&Password::parse("not-a-real-password").expect("long enough"))
    });
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => hash.matches(&password),
        None => {
            DUMMY.matches(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

pub(crate) async fn hash(password: Password) -> Result<PasswordHash, WebError> {
    tokio::task::spawn_blocking(move || PasswordHash::of(&password))
        .await
        .map_err(|e| WebError::Internal(format!("hashing task: {e}")))
}

/// Rate limiting of one sign-in attempt under several keys.
pub(crate) struct Throttle<'a> {
    state: &'a AppState,
    keys: Vec<(String, i64)>,
}

impl<'a> Throttle<'a> {
    pub(crate) fn new(state: &'a AppState, account_key: String, ip: Option<IpAddr>) -> Self {
        let mut keys = vec![(account_key, ACCOUNT_LIMIT)];
        if let Some(ip) = ip {
            keys.push((format!("ip:{ip}"), IP_LIMIT));
        }
        Self { state, keys }
    }

    pub(crate) async fn exceeded(&self) -> Result<bool, WebError> {
        let since = UnixMillis::from_millis(now().millis() - WINDOW.as_millis() as i64);
        for (key, limit) in &self.keys {
            if self.state.store.login_failures_since(key, since).await? >= *limit {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(crate) async fn failed(&self) -> Result<(), WebError> {
        for (key, _) in &self.keys {
            self.state.store.record_login_failure(key, now()).await?;
        }
        Ok(())
    }

    /// Forgets this account's failures. Housekeeping rides along: failures
    /// older than the window and expired sessions are deleted.
    pub(crate) async fn succeeded(&self) -> Result<(), WebError> {
        let old = UnixMillis::from_millis(now().millis() - WINDOW.as_millis() as i64);
        let store = &self.state.store;
        store.clear_login_failures(&self.keys[0].0, old).await?;
        store.delete_expired_sessions(now()).await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- admin

#[derive(Template)]
#[template(path = "signin.html")]
struct AdminSignIn {
    p: Page,
    number: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct AdminSignInForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    password: String,
}

/// `GET /`: the admin sign-in page, or the admin home when signed in.
pub async fn admin_page(session: Session) -> Result<Response, WebError> {
    if let Some(Principal::Admin { .. }) = SessionData::principal(&session).await {
        return Ok(Redirect::to("/admin").into_response());
    }
    render(&AdminSignIn {
        p: Page::new(&session, "signin-title", "/").await?,
        number: String::new(),
        error: None,
    })
}

/// `POST /signin`: main number and password.
pub async fn admin_sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(form): Form<AdminSignInForm>,
) -> Result<Response, WebError> {
    let refuse = |status: StatusCode, key: &'static str| {
        let session = session.clone();
        let number = form.number.clone();
        async move {
            let p = Page::new(&session, "signin-title", "/").await?;
            let error = Some(p.t(key));
            render_status(status, &AdminSignIn { p, number, error })
        }
    };
    let Ok(number) = E164::parse(&form.number) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "invalid-number").await;
    };
    let throttle = Throttle::new(&state, format!("account:{number}"), ip);
    if throttle.exceeded().await? {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "signin-too-many").await;
    }
    let account = state.store.account_by_main_number(&number).await?;
    let ok = verify(
        account.as_ref().map(|a| a.admin_password.clone()),
        form.password.clone(),
    )
    .await;
    let Some(account) = account.filter(|_| ok) else {
        throttle.failed().await?;
        return refuse(StatusCode::UNAUTHORIZED, "signin-wrong").await;
    };
    if account.status != AccountStatus::Active {
        return refuse(StatusCode::FORBIDDEN, "signin-suspended").await;
    }
    throttle.succeeded().await?;
    SessionData::sign_in_speaking(
        &session,
        Principal::Admin {
            account: account.id.raw(),
        },
        account.language,
    )
    .await?;
    Ok(Redirect::to("/admin").into_response())
}

/// `POST /signout` (and `/operator/signout`): back to the sign-in page of
/// the portal one was in.
pub async fn sign_out(session: Session) -> Result<Response, WebError> {
    let to = match SessionData::principal(&session).await {
        Some(Principal::User { .. }) => "/user",
        _ if SessionData::operator(&session).await.is_some() => "/operator",
        _ => "/",
    };
    SessionData::sign_out(&session).await?;
    Ok(Redirect::to(to).into_response())
}

// ---------------------------------------------------------------- user

#[derive(Template)]
#[template(path = "user_signin.html")]
struct UserSignIn {
    p: Page,
    number: String,
    extension: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct UserSignInForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    extension: String,
    #[serde(default)]
    password: String,
}

/// Where a signed-in user lands: their call log.
pub const USER_LANDING: &str = "/user/calls";

/// `GET /user`: the user sign-in page, or the user's call log when signed
/// in.
pub async fn user_page(session: Session) -> Result<Response, WebError> {
    if let Some(Principal::User { .. }) = SessionData::principal(&session).await {
        return Ok(Redirect::to(USER_LANDING).into_response());
    }
    render(&UserSignIn {
        p: Page::new(&session, "user-signin-title", "/user").await?,
        number: String::new(),
        extension: String::new(),
        error: None,
    })
}

/// `POST /user/signin`: company number, extension and password.
pub async fn user_sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(form): Form<UserSignInForm>,
) -> Result<Response, WebError> {
    let refuse = |status: StatusCode, key: &'static str| {
        let session = session.clone();
        let number = form.number.clone();
        let extension = form.extension.clone();
        async move {
            let p = Page::new(&session, "user-signin-title", "/user").await?;
            let error = Some(p.t(key));
            render_status(
                status,
                &UserSignIn {
                    p,
                    number,
                    extension,
                    error,
                },
            )
        }
    };
    let Ok(number) = E164::parse(&form.number) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "invalid-number").await;
    };
    let Ok(extension) = ExtensionNumber::parse(&form.extension) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "invalid-extension").await;
    };
    let throttle = Throttle::new(&state, format!("user:{number}:{}", extension.as_str()), ip);
    if throttle.exceeded().await? {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "signin-too-many").await;
    }
    let account = state.store.account_by_main_number(&number).await?;
    let user = match &account {
        Some(a) => {
            state
                .store
                .account(a.id)
                .user_by_extension(&extension)
                .await?
        }
        None => None,
    };
    let ok = verify(
        user.as_ref().map(|u| u.password.clone()),
        form.password.clone(),
    )
    .await;
    let (Some(account), Some(user)) = (account, user.filter(|_| ok)) else {
        throttle.failed().await?;
        return refuse(StatusCode::UNAUTHORIZED, "user-signin-wrong").await;
    };
    if account.status != AccountStatus::Active {
        return refuse(StatusCode::FORBIDDEN, "signin-suspended").await;
    }
    throttle.succeeded().await?;
    SessionData::sign_in_speaking(
        &session,
        Principal::User {
            account: account.id.raw(),
            user: user.id.raw(),
        },
        account.language,
    )
    .await?;
    Ok(Redirect::to(USER_LANDING).into_response())
}

// ------------------------------------------------- temporary passwords

#[derive(Template)]
#[template(path = "change_password.html")]
struct ChangePassword {
    p: Page,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Parses a new password and its confirmation; the error is a message
/// key.
pub(crate) fn new_password(password: &str, confirm: &str) -> Result<Password, &'static str> {
    if password != confirm {
        return Err("change-mismatch");
    }
    Password::parse(password).map_err(|e| match e {
        PasswordError::TooShort => "change-too-short",
        PasswordError::TooLong => "change-too-long",
    })
}

/// `GET /user/password`: a user with a temporary password chooses theirs.
pub async fn change_password_page(session: Session) -> Result<Response, WebError> {
    let Some(Principal::User { .. }) = SessionData::principal(&session).await else {
        return Ok(Redirect::to("/user").into_response());
    };
    render(&ChangePassword {
        p: Page::new(&session, "change-title", "/user/password").await?,
        error: None,
    })
}

/// `POST /user/password`.
pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let Some(who @ Principal::User { .. }) = SessionData::principal(&session).await else {
        return Ok(Redirect::to("/user").into_response());
    };
    let password = match new_password(&form.password, &form.confirm) {
        Ok(p) => p,
        Err(key) => {
            let p = Page::new(&session, "change-title", "/user/password").await?;
            let error = Some(p.t(key));
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ChangePassword { p, error },
            );
        }
    };
    let user = who.user().expect("a user principal has a user");
    let hash = hash(password).await?;
    state
        .store
        .account(who.account())
        .set_user_password_flagged(user, &hash, false)
        .await?;
    Ok(Redirect::to(USER_LANDING).into_response())
}

// ------------------------------------------------ welcome (SPEC A16)

/// Gives a user a temporary password, flags it to be changed at the next
/// sign-in and e-mails it with their extension and the user portal's
/// address, in the account's language. For the pages and API that create
/// users or reset a password automatically (SPEC A15, A16).
pub async fn send_welcome(
    state: &AppState,
    account: domain::AccountId,
    user: domain::UserId,
    temporary: Password,
) -> Result<(), WelcomeError> {
    let scope = state.store.account(account);
    let details = scope.details().await?;
    let found = scope.user(user).await?;
    let hash = hash(temporary.clone())
        .await
        .map_err(|e| WelcomeError::Mail(e.to_string()))?;
    scope.set_user_password_flagged(user, &hash, true).await?;
    mail_welcome(state, &details, &found, &temporary)
        .await
        .map_err(|e| WelcomeError::Mail(e.to_string()))
}

/// E-mails `user` of `account` their welcome message (SPEC A16): their
/// extension, `temporary` and the user portal's address, in the account's
/// language. Every way of creating users (the form, the CSV import)
/// sends it through here.
pub(crate) async fn mail_welcome(
    state: &AppState,
    account: &domain::Account,
    user: &domain::User,
    temporary: &Password,
) -> Result<(), mail::MailError> {
    let email = mail::welcome(
        account.language,
        user.email.as_str(),
        &user.name,
        account.company.as_str(),
        user.extension_number.as_str(),
        temporary.expose(),
        &format!("{}/user", state.public_url.trim_end_matches('/')),
    );
    state.mailer.send(&email).await
}

/// Why [`send_welcome`] failed.
#[derive(Debug, thiserror::Error)]
pub enum WelcomeError {
    /// The account or user is not there, or the database failed.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The password was set but the message could not be sent.
    #[error("welcome e-mail not sent: {0}")]
    Mail(String),
}

/// A random temporary password of 12 letters and digits (no look-alikes).
pub fn temporary_password() -> Password {
    use rand::RngExt as _;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let text: String = (0..12)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    Password::parse(&text).expect("12 characters is a valid password")
}

// ------------------------------------------------------------ recovery

#[derive(Template)]
#[template(path = "forgot.html")]
struct Forgot {
    p: Page,
    number: String,
    error: Option<String>,
    sent: bool,
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    number: String,
}

/// `GET /forgot`.
pub async fn forgot_page(session: Session) -> Result<Response, WebError> {
    render(&Forgot {
        p: Page::new(&session, "forgot-title", "/forgot").await?,
        number: String::new(),
        error: None,
        sent: false,
    })
}

/// `POST /forgot`: e-mails a one-time link to the administrator. The
/// answer is the same whether or not the number is an account's. Limited
/// like sign-in (per number and per address) so nobody floods a mailbox.
pub async fn forgot(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(form): Form<ForgotForm>,
) -> Result<Response, WebError> {
    let p = Page::new(&session, "forgot-title", "/forgot").await?;
    let Ok(number) = E164::parse(&form.number) else {
        let error = Some(p.t("invalid-number"));
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Forgot {
                p,
                number: form.number,
                error,
                sent: false,
            },
        );
    };
    let throttle = Throttle::new(&state, format!("forgot:{number}"), ip);
    if throttle.exceeded().await? {
        let error = Some(p.t("signin-too-many"));
        return render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &Forgot {
                p,
                number: form.number,
                error,
                sent: false,
            },
        );
    }
    throttle.failed().await?;
    if let Some(account) = state.store.account_by_main_number(&number).await? {
        let token = random_token();
        let expires = now().plus(RESET_VALIDITY);
        state
            .store
            .create_password_reset(
                &token_hash(&token),
                PasswordReset {
                    account: account.id,
                    user: None,
                },
                expires,
            )
            .await?;
        let link = format!("{}/reset/{token}", state.public_url.trim_end_matches('/'));
        let email = mail::password_reset(p.tr.0, account.admin_email.as_str(), &link);
        if let Err(e) = state.mailer.send(&email).await {
            // Not shown: the page must not tell whether the number exists.
            tracing::error!(error = %e, account = account.id.raw(), "password reset e-mail not sent");
        }
    }
    render(&Forgot {
        p,
        number: String::new(),
        error: None,
        sent: true,
    })
}

#[derive(Template)]
#[template(path = "reset.html")]
struct Reset {
    p: Page,
    /// False when the link is used up, expired or unknown.
    valid: bool,
    done: bool,
    error: Option<String>,
    signin: &'static str,
}

/// `GET /reset/{token}`: the new-password form if the link still works.
pub async fn reset_page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let pending = state
        .store
        .pending_password_reset(&token_hash(&token), now())
        .await?;
    let p = Page::new(&session, "reset-title", "/forgot").await?;
    let page = Reset {
        p,
        valid: pending.is_some(),
        done: false,
        error: None,
        signin: "/",
    };
    let status = if page.valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render_status(status, &page)
}

/// `POST /reset/{token}`: sets the new password and uses the link up.
pub async fn reset(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let p = Page::new(&session, "reset-title", "/forgot").await?;
    let password = match new_password(&form.password, &form.confirm) {
        Ok(password) => password,
        Err(key) => {
            let error = Some(p.t(key));
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Reset {
                    p,
                    valid: true,
                    done: false,
                    error,
                    signin: "/",
                },
            );
        }
    };
    let hash = hash(password).await?;
    let Some(reset) = state
        .store
        .use_password_reset(&token_hash(&token), now())
        .await?
    else {
        return render_status(
            StatusCode::GONE,
            &Reset {
                p,
                valid: false,
                done: false,
                error: None,
                signin: "/",
            },
        );
    };
    let scope = state.store.account(reset.account);
    let signin = match reset.user {
        None => {
            scope.set_admin_password(&hash).await?;
            "/"
        }
        Some(user) => {
            scope.set_user_password_flagged(user, &hash, false).await?;
            "/user"
        }
    };
    render(&Reset {
        p,
        valid: true,
        done: true,
        error: None,
        signin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_twelve_unambiguous_characters() {
        for _ in 0..200 {
            let p = temporary_password();
            assert_eq!(p.expose().len(), 12);
            assert!(
                !p.expose()
                    .contains(['0', 'O', 'o', '1', 'l', 'I', 'i', 'L'])
            );
        }
        assert_ne!(temporary_password().expose(), temporary_password().expose());
    }
}
