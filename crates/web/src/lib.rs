//! The web layer: the admin and user portals and the REST API (SPEC A*, U*).
//!
//! This is the only crate that knows HTTP and JSON. It turns requests into
//! calls on the storage repositories and the switch, and their results into
//! pages and responses. It owns no business rule the switch also needs.
//!
//! # Building a portal page
//!
//! - Templates live in `templates/` (askama); each page extends
//!   `base.html` and holds a [`page::Page`] as field `p`.
//! - Every visible string is a Fluent message in `locales/{fr,en}/*.ftl`
//!   (both files get the key; a unit test compares them), shown with
//!   `{{ p.t("key") }}`.
//! - Every form carries `<input type="hidden" name="_csrf" value="{{ p.csrf }}">`;
//!   the [`security::csrf`] middleware refuses unsafe requests without it
//!   (htmx requests send it as a header, see `static/app.js`).
//! - Handlers find who is signed in with [`pages::require_admin`] or
//!   [`pages::require_user`] and reach data only through
//!   `state.store.account(id)`, so another account's rows are not found.
//! - A tab appears in the top bar when its page exists: add it to
//!   `ADMIN_TABS` / `USER_TABS` in [`page`].
//! - The admin pages are `admin/`, the user portal's `user/`, the platform
//!   operator's `operator/` (its handlers start with
//!   `operator_or_return!`); the
//!   voicemail, forwarding and caller-ID forms both portals show share
//!   their rules in [`settings_form`], and both CSV exports of calls
//!   stream through [`call_export`].
//! - Click to call goes to the switch through [`dialer::Dialer`]
//!   (`AppState::dialer`); tests use [`dialer::Scripted`].
//! - Voicemail messages (SPEC U3) are read from storage and marked or
//!   deleted through `AppState::voicemail`, the same service the phone
//!   menu uses (it updates the message-waiting lamps); the portal
//!   (`user/voicemail.rs`) and the API (`api/voicemail.rs`) serve their
//!   MP3 with HTTP Range through [`audio`].
//! - Phone numbers are shown with `E164::national_display` ("01 99 00 02 00"),
//!   times with [`pages::display_time`] in the account's time zone (the tz
//!   database is bundled through jiff).

pub mod admin;
pub mod admin_password;
pub mod assets;
pub mod audio;
pub mod auth;
pub mod call_export;
pub mod dialer;
pub mod error;
pub mod i18n;
pub mod local_time;
pub mod operator;
pub mod page;
pub mod pages;
pub mod provision;
pub mod security;
pub mod session;
pub mod settings_form;
pub mod user;
pub mod user_import;

use std::path::PathBuf;
use std::sync::Arc;

mod api;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use mail::Mailer;
use storage::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Sends the welcome and recovery e-mails.
    pub mailer: Arc<Mailer>,
    /// The base URL written in e-mailed links, e.g. `https://pbx.example.fr`.
    pub public_url: String,
    /// Secure cookies and HSTS: on when `public_url` is HTTPS.
    pub secure_cookies: bool,
    /// The SIP digest realm new devices' credentials are hashed for.
    pub sip_realm: String,
    /// Told the SIP usernames whose credentials just changed (device added
    /// or deleted, new SIP password, account suspended or reactivated) so
    /// that the switch on this node drops what it cached about them at
    /// once; other nodes see the change when their cache entries expire.
    /// Does nothing unless the binary wires it to the switch.
    pub credentials_changed: CredentialsChanged,
    /// Places click-to-calls (SPEC U2) on the switch of this node. `None`
    /// when no switch runs here: the portal's Call form and the API's
    /// `calls` routes then answer 503.
    pub dialer: Option<Arc<dyn dialer::Dialer>>,
    /// The voicemail service (SPEC U3): messages read, marked and deleted
    /// from the portal and the API, audio from its object store. `None`
    /// when the binary did not build it: the portal's page says voicemail
    /// is unavailable and the API's `voicemails` routes answer 503.
    pub voicemail: Option<Arc<voicemail::Voicemail>>,
}

/// See [`AppState::credentials_changed`].
pub type CredentialsChanged = Arc<dyn Fn(&[&str]) + Send + Sync>;

impl AppState {
    /// The state of an installation reached at `public_url`.
    pub fn new(store: Store, mailer: Arc<Mailer>, public_url: String) -> Self {
        let secure_cookies = public_url.starts_with("https://");
        Self {
            store,
            mailer,
            public_url,
            secure_cookies,
            sip_realm: "switchboard".to_owned(),
            credentials_changed: Arc::new(|_| {}),
            dialer: None,
            voicemail: None,
        }
    }

    /// A state whose e-mails go to `outbox` as `.eml` files, reached at
    /// `http://localhost` (tests, and installations without SMTP).
    pub fn with_outbox(store: Store, outbox: PathBuf) -> Self {
        let mailer = Mailer::new(None, "Switchboard <noreply@localhost>", outbox)
            .expect("the built-in sender address is valid");
        Self::new(store, Arc::new(mailer), "http://localhost".to_owned())
    }
}

/// The wall clock, read at the edge: every handler that needs the time
/// asks here.
pub(crate) fn now() -> domain::UnixMillis {
    domain::UnixMillis::from_system_time(std::time::SystemTime::now())
}

/// The whole HTTP application. Built in a function so tests can call it
/// without a socket.
pub fn router(state: AppState) -> Router {
    let portals = Router::new()
        .route("/", get(auth::admin_page))
        .route("/signin", post(auth::admin_sign_in))
        .route("/signout", post(auth::sign_out))
        .route("/admin", get(pages::admin_home))
        .route("/admin/calls", get(admin::calls::page))
        .route("/admin/extensions", get(admin::extensions::list))
        .route("/admin/numbers", get(admin::numbers::page))
        .route("/admin/numbers/buy", post(admin::numbers::buy))
        .route("/admin/numbers/{number}", post(admin::numbers::route))
        .route(
            "/admin/extensions/new",
            get(admin::extensions::new_user_page).post(admin::extensions::add_user),
        )
        .route("/admin/users/{id}", get(admin::user_settings::first))
        .route(
            "/admin/users/{id}/{tab}",
            get(admin::user_settings::page).post(admin::user_settings::save),
        )
        .route(
            "/admin/users/{id}/delete",
            get(admin::extensions::delete_page).post(admin::extensions::delete),
        )
        // Devices pages and admin password reset (SPEC A5 devices tab, A15)
        .route("/admin/devices", get(admin::devices::list))
        .route("/admin/devices/rows", get(admin::devices::rows))
        .route(
            "/admin/devices/new",
            get(admin::devices::new_page).post(admin::devices::add),
        )
        .route("/admin/devices/{id}", get(admin::devices::page))
        .route("/admin/devices/{id}/user", post(admin::devices::assign))
        .route(
            "/admin/devices/{id}/password",
            post(admin::devices::new_password),
        )
        .route(
            "/admin/devices/{id}/delete",
            get(admin::devices::delete_page).post(admin::devices::delete),
        )
        .route(
            "/admin/users/{id}/devices",
            get(admin::user_devices::page).post(admin::user_devices::assign),
        )
        .route(
            "/admin/users/{id}/devices/{device}/unassign",
            post(admin::user_devices::unassign),
        )
        .route(
            "/admin/users/{id}/password",
            get(admin::user_password::page).post(admin::user_password::save),
        )
        // Ring groups, CSV import of users, account settings (SPEC A5, A9).
        .route(
            "/admin/groups/new",
            get(admin::groups::new_page).post(admin::groups::create),
        )
        .route(
            "/admin/groups/{id}",
            get(admin::groups::edit_page).post(admin::groups::update),
        )
        .route(
            "/admin/groups/{id}/delete",
            get(admin::groups::delete_page).post(admin::groups::delete),
        )
        .route(
            "/admin/extensions/import",
            get(admin::import::page).post(admin::import::import),
        )
        .route(
            "/admin/account",
            get(admin::account::page).post(admin::account::save),
        )
        .route(
            "/admin/account/password",
            post(admin::account::save_password),
        )
        // REST API keys of the account.
        .route(
            "/admin/api-keys",
            get(admin::api_keys::page).post(admin::api_keys::create),
        )
        .route(
            "/admin/api-keys/{id}/revoke",
            get(admin::api_keys::revoke_page).post(admin::api_keys::revoke),
        )
        .route("/user", get(auth::user_page))
        .route("/user/signin", post(auth::user_sign_in))
        .route(
            "/user/password",
            get(auth::change_password_page).post(auth::change_password),
        )
        .route(
            "/user/home",
            get(|| async { Redirect::to(auth::USER_LANDING) }),
        )
        .route("/user/calls", get(user::calls::page))
        .route("/user/calls.csv", get(user::calls::export))
        // Click to call (SPEC U2): the form posts here, the page follows.
        .route("/user/calls/dial", post(user::click::dial))
        .route("/user/calls/live/{id}", get(user::click::live))
        .route("/user/calls/live/{id}/panel", get(user::click::panel))
        // Voicemail messages (SPEC U3): the list, the MP3 of one (`{id}.mp3`),
        // marks and deletion.
        .route("/user/voicemail", get(user::voicemail::page))
        .route("/user/voicemail/{file}", get(user::voicemail::audio))
        .route(
            "/user/voicemail/{id}/status",
            post(user::voicemail::set_status),
        )
        .route(
            "/user/voicemail/{id}/delete",
            get(user::voicemail::delete_page).post(user::voicemail::delete),
        )
        .route("/user/preferences", get(user::preferences::first))
        .route(
            "/user/preferences/{tab}",
            get(user::preferences::page).post(user::preferences::save),
        )
        .route(
            "/user/profile",
            get(user::profile::page).post(user::profile::save_email),
        )
        .route("/user/profile/password", post(user::profile::save_password))
        .route("/forgot", get(auth::forgot_page).post(auth::forgot))
        .route("/reset/{token}", get(auth::reset_page).post(auth::reset))
        .route("/lang", post(pages::set_language))
        // Platform operator portal (issue 6).
        .route("/operator", get(operator::sign_in_page))
        .route("/operator/signin", post(operator::sign_in))
        .route("/operator/signout", post(auth::sign_out))
        .route(
            "/operator/accounts",
            get(operator::accounts::page).post(operator::accounts::create),
        )
        .route(
            "/operator/accounts/{id}/{action}",
            get(operator::accounts::confirm_page).post(operator::accounts::change_status),
        )
        .route(
            "/operator/numbers",
            get(operator::numbers::page).post(operator::numbers::add),
        )
        .route(
            "/operator/numbers/{number}/remove",
            post(operator::numbers::remove),
        )
        .route(
            "/operator/numbers/{number}/release",
            get(operator::numbers::release_page).post(operator::numbers::release),
        )
        .layer(axum::middleware::from_fn(security::csrf))
        .layer(session::layer(state.store.clone(), state.secure_cookies));
    Router::new()
        .merge(portals)
        .route("/static/{name}", get(assets::serve))
        .route("/healthz", get(health))
        .nest("/api/v1", api::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}

async fn not_found() -> impl IntoResponse {
    error::WebError::NotFound
}

/// Liveness and database reachability, for load balancers and tests.
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.account_count().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
