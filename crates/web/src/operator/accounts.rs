//! The operator's accounts (issue 6): every company with its main number,
//! status and size; creating one, whose administrator gets an
//! `account_ready` e-mail with a link to choose their password; suspending
//! and reactivating with a confirmation page.

use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    Account, AccountId, AccountStatus, CompanyName, E164, EmailAddress, Language, NewAccount,
    TimeZone,
};
use serde::Deserialize;
use storage::{PasswordReset, PoolFilter, StorageError};
use tower_sessions::Session;

use super::{SignedOperator, operator_or_return};
use crate::AppState;
use crate::auth::{hash, temporary_password, token_hash};
use crate::error::WebError;
use crate::i18n::Tr;
use crate::now;
use crate::page::{Page, render, render_status};
use crate::pages::display_time;
use crate::session::{SessionData, random_token};

/// How long the set-up link of a new account's administrator works.
pub const SETUP_VALIDITY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// One row of the accounts table.
struct AccountRow {
    id: i64,
    company: String,
    main_number: String,
    admin_email: String,
    status: String,
    active: bool,
    users: i64,
    created: String,
}

/// The create form as typed.
#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    main_number: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
}

/// A message per refused field of the create form.
#[derive(Default)]
struct CreateErrors {
    company: Option<String>,
    main_number: Option<String>,
    admin_email: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
}

impl CreateErrors {
    fn any(&self) -> bool {
        self.company.is_some()
            || self.main_number.is_some()
            || self.admin_email.is_some()
            || self.language.is_some()
            || self.time_zone.is_some()
    }
}

#[derive(Template)]
#[template(path = "operator_accounts.html")]
struct AccountsPage {
    p: Page,
    rows: Vec<AccountRow>,
    form: CreateForm,
    errors: CreateErrors,
    /// Free numbers of the pool, suggested for the main number.
    free: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AccountsQuery {
    #[serde(default)]
    created: String,
    #[serde(default)]
    mail: String,
    #[serde(default)]
    done: String,
}

/// `GET /operator/accounts`: the table and the create form.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AccountsQuery>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let notice = if !q.created.is_empty() {
        let key = if q.mail == "failed" {
            "op-created-mail-failed"
        } else {
            "op-created"
        };
        Some(tr.t1(key, "company", &q.created))
    } else {
        match q.done.as_str() {
            "suspended" => Some(tr.t("op-suspended-notice")),
            "reactivated" => Some(tr.t("op-reactivated-notice")),
            _ => None,
        }
    };
    let form = CreateForm {
        language: "fr".to_owned(),
        time_zone: TimeZone::default().as_str().to_owned(),
        ..CreateForm::default()
    };
    show(&state, &session, &op, form, CreateErrors::default(), notice).await
}

async fn show(
    state: &AppState,
    session: &Session,
    op: &SignedOperator,
    form: CreateForm,
    errors: CreateErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let p = op
        .page(session, "op-accounts-title", "/operator/accounts")
        .await?;
    let rows = state
        .store
        .account_summaries()
        .await?
        .into_iter()
        .map(|s| {
            let a = s.account;
            AccountRow {
                id: a.id.raw(),
                main_number: a.main_number.national_display(),
                admin_email: a.admin_email.as_str().to_owned(),
                status: p.t(status_key(a.status)),
                active: a.status == AccountStatus::Active,
                users: s.users,
                created: display_time(p.tr, &a.time_zone, a.created_at),
                company: a.company.as_str().to_owned(),
            }
        })
        .collect();
    let free = state
        .store
        .pool_entries(PoolFilter::Free)
        .await?
        .into_iter()
        .take(50)
        .map(|e| e.number.national_display())
        .collect();
    let invalid = errors.any();
    let page = AccountsPage {
        p,
        rows,
        form,
        errors,
        free,
        notice,
    };
    if invalid {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    } else {
        render(&page)
    }
}

fn status_key(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => "op-status-active",
        AccountStatus::Suspended => "op-status-suspended",
        AccountStatus::Closed => "op-status-closed",
    }
}

/// `POST /operator/accounts`: creates the account on a pool number or a
/// given one, with an administrator password nobody knows, and e-mails the
/// administrator a link valid [`SETUP_VALIDITY`] to choose theirs.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let tr = Tr(SessionData::language(&session).await);
    let mut errors = CreateErrors::default();
    let company = CompanyName::parse(&form.company)
        .map_err(|_| errors.company = Some(tr.t("op-bad-company")))
        .ok();
    let main_number = match E164::parse(&form.main_number) {
        Err(_) => {
            errors.main_number = Some(tr.t("invalid-number"));
            None
        }
        Ok(n)
            if state
                .store
                .number(&n)
                .await?
                .is_some_and(|x| x.account.is_some()) =>
        {
            errors.main_number = Some(tr.t("op-number-taken"));
            None
        }
        Ok(n) => Some(n),
    };
    let admin_email = EmailAddress::parse(&form.admin_email)
        .map_err(|_| errors.admin_email = Some(tr.t("op-bad-email")))
        .ok();
    let language = Language::parse(&form.language)
        .map_err(|_| errors.language = Some(tr.t("op-bad-language")))
        .ok();
    let time_zone = TimeZone::parse(&form.time_zone)
        .map_err(|_| errors.time_zone = Some(tr.t("op-bad-time-zone")))
        .ok();
    let (Some(company), Some(main_number), Some(admin_email), Some(language), Some(time_zone)) =
        (company, main_number, admin_email, language, time_zone)
    else {
        return show(&state, &session, &op, form, errors, None).await;
    };
    let opening = Opening {
        company,
        main_number,
        admin_email,
        language,
        time_zone,
    };
    let (account, mailed) = match open_account(&state, op.id, opening).await {
        Ok(opened) => opened,
        Err(OpenError::NumberTaken) => {
            errors.main_number = Some(tr.t("op-number-taken"));
            return show(&state, &session, &op, form, errors, None).await;
        }
        Err(OpenError::Failed(e)) => return Err(e),
    };
    let mail = if mailed { "sent" } else { "failed" };
    let to = format!(
        "/operator/accounts?created={}&mail={mail}",
        crate::admin::calls::encode(account.company.as_str())
    );
    Ok(Redirect::to(&to).into_response())
}

/// A new account as the operator asks for it, parsed.
pub(crate) struct Opening {
    pub company: CompanyName,
    pub main_number: E164,
    pub admin_email: EmailAddress,
    pub language: Language,
    pub time_zone: TimeZone,
}

/// Why an account could not be opened.
pub(crate) enum OpenError {
    /// The main number belongs to another account.
    NumberTaken,
    Failed(WebError),
}

impl From<StorageError> for OpenError {
    fn from(e: StorageError) -> Self {
        Self::Failed(e.into())
    }
}

/// Opens an account on a pool number or a given one, with an
/// administrator password nobody knows, and e-mails the administrator a
/// link valid [`SETUP_VALIDITY`] to choose theirs. The portal and the API
/// both open accounts here; the flag says whether the e-mail left.
pub(crate) async fn open_account(
    state: &AppState,
    operator: domain::OperatorId,
    o: Opening,
) -> Result<(Account, bool), OpenError> {
    let held = state
        .store
        .number(&o.main_number)
        .await?
        .is_some_and(|n| n.account.is_some());
    if held {
        return Err(OpenError::NumberTaken);
    }
    // The administrator chooses the password through the e-mailed link;
    // until then the account holds the hash of a password nobody saw.
    let unknown = hash(temporary_password())
        .await
        .map_err(OpenError::Failed)?;
    let created = state
        .store
        .create_account(
            &NewAccount {
                company: o.company,
                main_number: o.main_number,
                address: String::new(),
                admin_email: o.admin_email,
                admin_password: unknown,
                language: o.language,
                time_zone: o.time_zone,
            },
            now(),
        )
        .await;
    let account = match created {
        Ok(a) => a,
        Err(StorageError::Conflict(_)) => return Err(OpenError::NumberTaken),
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        operator = operator.raw(),
        account = account.id.raw(),
        "account created by operator"
    );
    let mailed = match send_account_ready(state, &account).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, account = account.id.raw(), "account_ready e-mail not sent");
            false
        }
    };
    Ok((account, mailed))
}

/// Suspends or reactivates an account; the switch on this node forgets
/// the account's phones, so a suspended one is refused at its next
/// request, not a minute later.
pub(crate) async fn set_account_status(
    state: &AppState,
    operator: domain::OperatorId,
    account: AccountId,
    status: AccountStatus,
) -> Result<(), StorageError> {
    let scope = state.store.account(account);
    scope.set_status(status).await?;
    let devices = scope.devices().await?;
    let names: Vec<&str> = devices.iter().map(|d| d.sip_username.as_str()).collect();
    (state.credentials_changed)(&names);
    tracing::info!(
        operator = operator.raw(),
        account = account.raw(),
        status = status.as_str(),
        "account status changed by operator"
    );
    Ok(())
}

/// Stores a one-time set-up link for the administrator of `account` (the
/// password-recovery mechanism, valid [`SETUP_VALIDITY`]) and e-mails it
/// in the account's language.
async fn send_account_ready(state: &AppState, account: &Account) -> Result<(), WebError> {
    let token = random_token();
    state
        .store
        .create_password_reset(
            &token_hash(&token),
            PasswordReset {
                account: account.id,
                user: None,
            },
            now().plus(SETUP_VALIDITY),
        )
        .await?;
    let base = state.public_url.trim_end_matches('/');
    let email = mail::account_ready(
        account.language,
        account.admin_email.as_str(),
        account.company.as_str(),
        &account.main_number.national_display(),
        &format!("{base}/reset/{token}"),
        &format!("{base}/"),
    );
    state
        .mailer
        .send(&email)
        .await
        .map_err(|e| WebError::Internal(format!("account_ready e-mail: {e}")))
}

/// What the confirmation page asks to do.
#[derive(Clone, Copy)]
enum Change {
    Suspend,
    Reactivate,
}

impl Change {
    fn parse(action: &str) -> Option<Self> {
        match action {
            "suspend" => Some(Self::Suspend),
            "reactivate" => Some(Self::Reactivate),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "operator_account_status.html")]
struct StatusPage {
    p: Page,
    id: i64,
    action: &'static str,
    question: String,
    consequence: String,
    confirm: String,
}

/// `GET /operator/accounts/{id}/{suspend|reactivate}`: asks first.
pub async fn confirm_page(
    State(state): State<AppState>,
    session: Session,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let change = Change::parse(&action).ok_or(WebError::NotFound)?;
    let account = state
        .store
        .account(AccountId::from_raw(id))
        .details()
        .await?;
    let p = op
        .page(&session, "op-accounts-title", "/operator/accounts")
        .await?;
    let company = account.company.as_str();
    let (action, question, consequence, confirm) = match change {
        Change::Suspend => (
            "suspend",
            p.t1("op-suspend-question", "company", company),
            p.t("op-suspend-consequence"),
            p.t("op-suspend-confirm"),
        ),
        Change::Reactivate => (
            "reactivate",
            p.t1("op-reactivate-question", "company", company),
            p.t("op-reactivate-consequence"),
            p.t("op-reactivate-confirm"),
        ),
    };
    render(&StatusPage {
        p,
        id,
        action,
        question,
        consequence,
        confirm,
    })
}

/// `POST /operator/accounts/{id}/{suspend|reactivate}`: suspension takes
/// effect at the admin's and users' next click and at their phones' next
/// look-up by the switch.
pub async fn change_status(
    State(state): State<AppState>,
    session: Session,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let op = operator_or_return!(state, session);
    let change = Change::parse(&action).ok_or(WebError::NotFound)?;
    let (status, done) = match change {
        Change::Suspend => (AccountStatus::Suspended, "suspended"),
        Change::Reactivate => (AccountStatus::Active, "reactivated"),
    };
    set_account_status(&state, op.id, AccountId::from_raw(id), status).await?;
    Ok(Redirect::to(&format!("/operator/accounts?done={done}")).into_response())
}
