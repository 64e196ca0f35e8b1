//! The admin home, what every portal page shows calls and times with,
//! the user check of the user portal, and the language switch.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{CallDirection, CallRecord, E164, Language, User};
use serde::Deserialize;
use storage::CallFilter;
use tower_sessions::Session;

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render};
use crate::session::{Principal, SessionData};

/// A phone number as people read it: `01 99 00 02 00` in France. Text that
/// is not a number (an extension) is shown as it is.
pub fn display_number(text: &str) -> String {
    match E164::parse(text) {
        Ok(n) if text.starts_with('+') => n.national_display(),
        _ => text.to_owned(),
    }
}

/// A call's talk time as minutes and seconds: `2:05`.
pub fn display_duration(call: &CallRecord) -> String {
    let secs = call.duration_seconds();
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A date and time in the account's time zone, in the language's usual
/// order ("06/12/2025 04:00" in French, "2025-12-06 04:00" in English). An
/// unknown zone falls back to UTC, marked as such.
pub fn display_time(tr: Tr, zone: &domain::TimeZone, at: domain::UnixMillis) -> String {
    crate::local_time::Zone::of(zone).display(tr.0, at)
}

/// One line of a call table, ready to show.
pub struct CallRow {
    pub when: String,
    pub from: String,
    pub to: String,
    pub direction: String,
    pub duration: String,
    pub result: String,
}

impl CallRow {
    pub fn new(tr: Tr, zone: &domain::TimeZone, c: &CallRecord) -> Self {
        let direction = match c.direction {
            CallDirection::Inbound => "direction-inbound",
            CallDirection::Outbound => "direction-outbound",
            CallDirection::Internal => "direction-internal",
        };
        Self {
            when: display_time(tr, zone, c.started_at),
            from: display_number(&c.caller_number),
            to: display_number(&c.callee_number),
            direction: tr.t(direction),
            duration: display_duration(c),
            result: tr.t(&format!("disposition-{}", c.disposition.as_str())),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_home.html")]
struct AdminHome {
    p: Page,
    company: String,
    main_number: String,
    extensions: usize,
    calls: Vec<CallRow>,
}

/// The account whose admin is signed in on this session, or a redirect to
/// the sign-in page. A suspended or closed account is signed out here, so
/// suspension takes effect at the next click.
pub async fn require_admin(
    state: &AppState,
    session: &Session,
) -> Result<domain::Account, Response> {
    let Some(Principal::Admin { account }) = SessionData::principal(session).await else {
        return Err(Redirect::to("/").into_response());
    };
    let details = state
        .store
        .account(domain::AccountId::from_raw(account))
        .details()
        .await;
    match details {
        Ok(a) if a.status == domain::AccountStatus::Active => Ok(a),
        Ok(_) | Err(storage::StorageError::NotFound(_)) => {
            if let Err(e) = SessionData::sign_out(session).await {
                return Err(WebError::from(e).into_response());
            }
            Err(Redirect::to("/").into_response())
        }
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

/// `GET /admin`: the admin home.
pub async fn admin_home(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, WebError> {
    let details = match require_admin(&state, &session).await {
        Ok(a) => a,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let scope = state.store.account(details.id);
    let extensions = scope.extensions().await?.len();
    let calls = scope
        .calls(&CallFilter {
            limit: 10,
            ..CallFilter::default()
        })
        .await?;
    let p = Page::admin(
        &session,
        "dashboard-title",
        "/admin",
        details.company.as_str().to_owned(),
    )
    .await?;
    let calls = calls
        .iter()
        .map(|c| CallRow::new(p.tr, &details.time_zone, c))
        .collect();
    render(&AdminHome {
        p,
        company: details.company.as_str().to_owned(),
        main_number: details.main_number.national_display(),
        extensions,
        calls,
    })
}

/// The user signed in on this session. A user whose password is temporary
/// is sent to choose one first (SPEC A16); anyone else, or a user of a
/// suspended account or a deleted user, to the sign-in page.
pub async fn require_user(state: &AppState, session: &Session) -> Result<User, Response> {
    let Some(who @ Principal::User { .. }) = SessionData::principal(session).await else {
        return Err(Redirect::to("/user").into_response());
    };
    let scope = state.store.account(who.account());
    let active = match scope.details().await {
        Ok(a) => a.status == domain::AccountStatus::Active,
        Err(storage::StorageError::NotFound(_)) => false,
        Err(e) => return Err(WebError::from(e).into_response()),
    };
    if !active {
        if let Err(e) = SessionData::sign_out(session).await {
            return Err(WebError::from(e).into_response());
        }
        return Err(Redirect::to("/user").into_response());
    }
    let user = who.user().expect("a user principal has a user");
    let found = match scope.user(user).await {
        Ok(u) => u,
        Err(storage::StorageError::NotFound(_)) => {
            if let Err(e) = SessionData::sign_out(session).await {
                return Err(WebError::from(e).into_response());
            }
            return Err(Redirect::to("/user").into_response());
        }
        Err(e) => return Err(WebError::from(e).into_response()),
    };
    match scope.must_change_password(user).await {
        Ok(true) => Err(Redirect::to("/user/password").into_response()),
        Ok(false) => Ok(found),
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{TimeZone, UnixMillis};

    #[test]
    fn times_are_shown_in_the_accounts_zone_and_language() {
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        let at = UnixMillis::from_millis(1_764_990_000_000); // 2025-12-06 03:00 UTC
        assert_eq!(
            display_time(Tr(Language::Fr), &paris, at),
            "06/12/2025 04:00"
        );
        assert_eq!(
            display_time(Tr(Language::En), &paris, at),
            "2025-12-06 04:00"
        );
        let nowhere = TimeZone::parse("Mars/Olympus").unwrap();
        assert_eq!(
            display_time(Tr(Language::Fr), &nowhere, at),
            "06/12/2025 03:00 UTC"
        );
    }

    #[test]
    fn numbers_are_shown_nationally_and_extensions_as_they_are() {
        assert_eq!(display_number("+33199000200"), "01 99 00 02 00");
        assert_eq!(display_number("101"), "101");
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /lang`: keeps the chosen language in the session and goes back to
/// the page the switch was on (a local path only).
pub async fn set_language(
    session: Session,
    Form(form): Form<LanguageForm>,
) -> Result<Response, WebError> {
    if let Ok(language) = Language::parse(&form.lang) {
        SessionData::set_language(&session, language).await?;
    }
    let back = if form.back.starts_with('/')
        && !form.back.starts_with("//")
        && !form.back.contains('\\')
    {
        form.back.as_str()
    } else {
        "/"
    };
    Ok(Redirect::to(back).into_response())
}
