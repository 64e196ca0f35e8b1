//! One user's settings, as the admin sees them (SPEC A5): tabs voicemail
//! (ring time, PIN, e-mail), call forwarding (number required when on) and
//! advanced (outbound caller ID from the account's numbers).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AfterEmail, E164, ForwardingSettings, Pin, PinHash, RingSeconds, User, UserId};
use serde::Deserialize;
use storage::UserSettings;
use tower_sessions::Session;

use super::{Admin, admin_or_return};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::page::{Page, render, render_status};

/// The tabs of the page, in order: path segment and label key.
const TABS: &[(&str, &str)] = &[
    ("voicemail", "user-tab-voicemail"),
    ("forwarding", "user-tab-forwarding"),
    ("advanced", "user-tab-advanced"),
];

const AFTER_EMAIL: &[(AfterEmail, &str)] = &[
    (AfterEmail::KeepNew, "vm-after-keep"),
    (AfterEmail::MarkHeard, "vm-after-heard"),
    (AfterEmail::Delete, "vm-after-delete"),
];

struct SubTab {
    href: String,
    label: String,
    active: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// What the forms show: the stored settings, or what was typed.
struct Values {
    vm_enabled: bool,
    ring: String,
    has_pin: bool,
    vm_email: bool,
    attach: bool,
    after: Vec<Choice>,
    fwd_enabled: bool,
    fwd_number: String,
    simultaneous: bool,
    key_press: bool,
    caller_ids: Vec<Choice>,
}

#[derive(Default)]
struct Errors {
    ring: Option<String>,
    pin: Option<String>,
    fwd_number: Option<String>,
    caller_id: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    p: Page,
    id: i64,
    name: String,
    extension: String,
    email: String,
    tab: &'static str,
    tabs: Vec<SubTab>,
    v: Values,
    e: Errors,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct TabQuery {
    #[serde(default)]
    saved: String,
}

fn tab_of(name: &str) -> Result<&'static str, WebError> {
    TABS.iter()
        .map(|t| t.0)
        .find(|t| *t == name)
        .ok_or(WebError::NotFound)
}

fn values(tr: Tr, user: &User, account_numbers: &[E164]) -> Values {
    let vm = &user.voicemail;
    let fwd = &user.forwarding;
    let caller = user.caller_id.as_ref().map(|n| n.as_str().to_owned());
    let mut caller_ids = vec![Choice {
        value: String::new(),
        label: tr.t("advanced-caller-id-main"),
        selected: caller.is_none(),
    }];
    caller_ids.extend(account_numbers.iter().map(|n| Choice {
        value: n.as_str().to_owned(),
        label: n.national_display(),
        selected: caller.as_deref() == Some(n.as_str()),
    }));
    Values {
        vm_enabled: vm.enabled,
        ring: vm.ring_seconds.get().to_string(),
        has_pin: vm.pin.is_some(),
        vm_email: vm.email_notification,
        attach: vm.attach_mp3,
        after: after_choices(tr, vm.after_email),
        fwd_enabled: fwd.enabled(),
        fwd_number: fwd.number().map(E164::national_display).unwrap_or_default(),
        simultaneous: fwd.simultaneous(),
        key_press: fwd.key_press_required(),
        caller_ids,
    }
}

fn after_choices(tr: Tr, current: AfterEmail) -> Vec<Choice> {
    AFTER_EMAIL
        .iter()
        .map(|&(a, key)| Choice {
            value: a.as_str().to_owned(),
            label: tr.t(key),
            selected: a == current,
        })
        .collect()
}

async fn show(
    state: &AppState,
    session: &Session,
    admin: &Admin,
    user: User,
    tab: &'static str,
    edit: impl FnOnce(Tr, &mut Values, &mut Errors),
    saved: bool,
) -> Result<Response, WebError> {
    let p = admin
        .page(session, "user-settings-title", "/admin/extensions")
        .await?;
    let numbers: Vec<E164> = admin
        .scope(state)
        .numbers()
        .await?
        .into_iter()
        .map(|n| n.number)
        .collect();
    let mut v = values(p.tr, &user, &numbers);
    let mut e = Errors::default();
    edit(p.tr, &mut v, &mut e);
    let invalid =
        e.ring.is_some() || e.pin.is_some() || e.fwd_number.is_some() || e.caller_id.is_some();
    let id = user.id.raw();
    let page = UserPage {
        tabs: TABS
            .iter()
            .map(|&(t, key)| SubTab {
                href: format!("/admin/users/{id}/{t}"),
                label: p.t(key),
                active: t == tab,
            })
            .collect(),
        p,
        id,
        name: user.name,
        extension: user.extension_number.as_str().to_owned(),
        email: user.email.as_str().to_owned(),
        tab,
        v,
        e,
        saved,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

/// `GET /admin/users/{id}`: the first tab.
pub async fn first(Path(id): Path<i64>) -> Response {
    Redirect::to(&format!("/admin/users/{id}/voicemail")).into_response()
}

/// `GET /admin/users/{id}/{tab}`: one tab of a user's settings.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path((id, tab)): Path<(i64, String)>,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tab = tab_of(&tab)?;
    let user = admin.scope(&state).user(UserId::from_raw(id)).await?;
    show(
        &state,
        &session,
        &admin,
        user,
        tab,
        |_, _, _| {},
        !q.saved.is_empty(),
    )
    .await
}

/// Every field of the three forms; each form sends its own.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    vm_enabled: Option<String>,
    #[serde(default)]
    ring: String,
    #[serde(default)]
    pin: String,
    vm_email: Option<String>,
    attach: Option<String>,
    #[serde(default)]
    after: String,
    fwd_enabled: Option<String>,
    #[serde(default)]
    fwd_number: String,
    simultaneous: Option<String>,
    key_press: Option<String>,
    #[serde(default)]
    caller_id: String,
}

/// `POST /admin/users/{id}/{tab}`: saves one tab; a refused field comes
/// back with its message and everything typed.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path((id, tab)): Path<(i64, String)>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let admin = admin_or_return!(state, session);
    let tab = tab_of(&tab)?;
    let scope = admin.scope(&state);
    let user = scope.user(UserId::from_raw(id)).await?;
    let mut settings = UserSettings {
        voicemail: user.voicemail.clone(),
        forwarding: user.forwarding.clone(),
        caller_id: user.caller_id.clone(),
    };
    let mut refused: Option<fn(Tr, &mut Errors)> = None;
    match tab {
        "voicemail" => {
            let ring = f
                .ring
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|s| RingSeconds::new(s).ok());
            let pin = match f.pin.trim() {
                "" => Ok(None),
                digits => Pin::parse(digits).map(Some),
            };
            match (ring, pin) {
                (Some(ring), Ok(pin)) => {
                    let vm = &mut settings.voicemail;
                    vm.enabled = f.vm_enabled.is_some();
                    vm.ring_seconds = ring;
                    if let Some(pin) = pin {
                        vm.pin = Some(
                            tokio::task::spawn_blocking(move || PinHash::of(&pin))
                                .await
                                .map_err(|e| WebError::Internal(format!("PIN hashing: {e}")))?,
                        );
                    }
                    vm.email_notification = f.vm_email.is_some();
                    vm.attach_mp3 = f.attach.is_some();
                    vm.after_email = AfterEmail::parse(&f.after).unwrap_or(vm.after_email);
                }
                (None, Ok(_)) => refused = Some(|tr, e| e.ring = Some(tr.t("vm-bad-ring"))),
                (Some(_), Err(_)) => refused = Some(|tr, e| e.pin = Some(tr.t("vm-bad-pin"))),
                (None, Err(_)) => {
                    refused = Some(|tr, e| {
                        e.ring = Some(tr.t("vm-bad-ring"));
                        e.pin = Some(tr.t("vm-bad-pin"));
                    })
                }
            }
        }
        "forwarding" => {
            let number = match f.fwd_number.trim() {
                "" => Ok(None),
                n => E164::parse(n).map(Some),
            };
            let enabled = f.fwd_enabled.is_some();
            match number {
                Err(_) => refused = Some(|tr, e| e.fwd_number = Some(tr.t("fwd-bad-number"))),
                Ok(number) => match ForwardingSettings::new(
                    enabled,
                    number,
                    f.simultaneous.is_some(),
                    f.key_press.is_some(),
                ) {
                    Ok(fwd) => settings.forwarding = fwd,
                    Err(_) => {
                        refused = Some(|tr, e| e.fwd_number = Some(tr.t("fwd-number-required")))
                    }
                },
            }
        }
        _ => {
            let owned: Vec<E164> = scope
                .numbers()
                .await?
                .into_iter()
                .map(|n| n.number)
                .collect();
            match f.caller_id.trim() {
                "" => settings.caller_id = None,
                n => match E164::parse(n).ok().filter(|n| owned.contains(n)) {
                    Some(n) => settings.caller_id = Some(n),
                    None => {
                        refused = Some(|tr, e| e.caller_id = Some(tr.t("advanced-bad-caller-id")))
                    }
                },
            }
        }
    }
    if let Some(why) = refused {
        let keep = move |tr: Tr, v: &mut Values, e: &mut Errors| {
            typed(tr, v, &f);
            why(tr, e);
        };
        return show(&state, &session, &admin, user, tab, keep, false).await;
    }
    scope.update_user_settings(user.id, &settings).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}/{tab}?saved=1")).into_response())
}

/// Puts what was typed back into the refused form.
fn typed(tr: Tr, v: &mut Values, f: &SettingsForm) {
    v.vm_enabled = f.vm_enabled.is_some();
    v.ring = f.ring.clone();
    v.vm_email = f.vm_email.is_some();
    v.attach = f.attach.is_some();
    if let Some(a) = AfterEmail::parse(&f.after) {
        v.after = after_choices(tr, a);
    }
    v.fwd_enabled = f.fwd_enabled.is_some();
    v.fwd_number = f.fwd_number.clone();
    v.simultaneous = f.simultaneous.is_some();
    v.key_press = f.key_press.is_some();
    for c in &mut v.caller_ids {
        c.selected = c.value == f.caller_id;
    }
}
