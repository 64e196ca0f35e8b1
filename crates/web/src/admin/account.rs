//! Account settings (SPEC A9, with the language and time zone of A8): the
//! company name and address, the administrator's e-mail, the language of
//! the account's e-mails and its time zone; and the administrator's
//! password (current one, new one twice).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{CompanyName, EmailAddress, Language, TimeZone};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::auth::{hash, new_password, verify};
use crate::error::WebError;
use crate::page::{render, render_status};

/// Zones offered as suggestions; any IANA name the bundled database knows
/// is accepted.
const ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Luxembourg",
    "Europe/London",
    "America/Montreal",
    "Indian/Reunion",
    "America/Martinique",
    "America/Guadeloupe",
    "Pacific/Noumea",
    "UTC",
];

/// The settings form's values, as typed.
#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
}

#[derive(Default)]
struct AccountErrors {
    company: Option<&'static str>,
    address: Option<&'static str>,
    admin_email: Option<&'static str>,
    language: Option<&'static str>,
    time_zone: Option<&'static str>,
}

#[derive(Default)]
struct PasswordErrors {
    current: Option<&'static str>,
    password: Option<&'static str>,
    confirm: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    p: crate::page::Page,
    main_number: String,
    form: AccountForm,
    e: AccountErrors,
    pe: PasswordErrors,
    zones: &'static [&'static str],
    /// The message key of what was just saved.
    saved: Option<&'static str>,
}

impl AccountForm {
    fn of(admin: &Admin) -> Self {
        let a = &admin.account;
        Self {
            company: a.company.as_str().to_owned(),
            address: a.address.clone(),
            admin_email: a.admin_email.as_str().to_owned(),
            language: a.language.code().to_owned(),
            time_zone: a.time_zone.as_str().to_owned(),
        }
    }
}

async fn show(
    session: &Session,
    admin: &Admin,
    form: AccountForm,
    e: AccountErrors,
    pe: PasswordErrors,
    saved: Option<&'static str>,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "account-title", "/admin/account")
        .await?;
    let invalid = [e.company, e.address, e.admin_email, e.language, e.time_zone]
        .iter()
        .chain([pe.current, pe.password, pe.confirm].iter())
        .any(Option::is_some);
    let page = AccountPage {
        p,
        main_number: admin.account.main_number.national_display(),
        form,
        e,
        pe,
        zones: ZONES,
        saved,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

/// `GET /admin/account`.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let saved = match q.saved.as_str() {
        "settings" => Some("account-saved"),
        "password" => Some("change-done"),
        _ => None,
    };
    let form = AccountForm::of(&admin);
    show(
        &session,
        &admin,
        form,
        AccountErrors::default(),
        PasswordErrors::default(),
        saved,
    )
    .await
}

/// A time zone name the bundled time-zone database knows.
pub(crate) fn known_zone(text: &str) -> Option<TimeZone> {
    let zone = TimeZone::parse(text).ok()?;
    jiff::tz::TimeZone::get(zone.as_str()).ok()?;
    Some(zone)
}

/// `POST /admin/account`: saves the settings, all or none.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let mut e = AccountErrors::default();
    let company = CompanyName::parse(&form.company)
        .map_err(|_| e.company = Some("account-bad-company"))
        .ok();
    let address = form.address.trim().to_owned();
    if address.chars().count() > 200 {
        e.address = Some("account-bad-address");
    }
    let email = EmailAddress::parse(form.admin_email.trim())
        .map_err(|_| e.admin_email = Some("add-user-bad-email"))
        .ok();
    let language = Language::parse(&form.language)
        .map_err(|_| e.language = Some("account-bad-language"))
        .ok();
    let zone = known_zone(&form.time_zone);
    if zone.is_none() {
        e.time_zone = Some("account-bad-zone");
    }
    let (Some(company), Some(email), Some(language), Some(zone), None) =
        (company, email, language, zone, e.address)
    else {
        return show(&session, &admin, form, e, PasswordErrors::default(), None).await;
    };
    let scope = admin.scope(&state);
    scope.update_company(&company, &address, &email).await?;
    scope.update_preferences(language, &zone).await?;
    Ok(Redirect::to("/admin/account?saved=settings").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/account/password`: the current password, then the new
/// one twice. Passwords are never sent back into the form.
pub async fn save_password(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let mut pe = PasswordErrors::default();
    if !verify(
        Some(admin.account.admin_password.clone()),
        f.current.clone(),
    )
    .await
    {
        pe.current = Some("change-wrong-current");
    } else {
        match new_password(&f.password, &f.confirm) {
            Ok(password) => {
                let hash = hash(password).await?;
                admin.scope(&state).set_admin_password(&hash).await?;
                return Ok(Redirect::to("/admin/account?saved=password").into_response());
            }
            Err(key @ "change-mismatch") => pe.confirm = Some(key),
            Err(key) => pe.password = Some(key),
        }
    }
    let form = AccountForm::of(&admin);
    show(&session, &admin, form, AccountErrors::default(), pe, None).await
}
