//! The admin portal's pages beyond the dashboard: call log (SPEC A2),
//! extensions, users, ring groups and the CSV import of users (A5), phone
//! numbers (A6), account settings (A9), devices (A5 devices tab) and
//! users' passwords (A15).
//!
//! Every handler starts with [`Admin::signed_in`], which finds the account
//! of the session; rows are then reached only through that account's
//! [`storage::AccountScope`], so another account's ids are "not found".

pub mod account;
pub mod api_keys;
pub mod calls;
pub mod devices;
pub mod extensions;
pub mod groups;
pub mod import;

pub mod numbers;
pub mod user_devices;
pub mod user_password;
pub mod user_settings;

use axum::response::Response;
use domain::{Account, AccountId};
use storage::AccountScope;
use tower_sessions::Session;

use crate::AppState;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::require_admin;

/// The signed-in admin's account, as every admin page needs it.
pub struct Admin {
    pub id: AccountId,
    pub account: Account,
}

/// Either the admin, or the response that sends the visitor to sign in.
pub enum Signed {
    In(Admin),
    Out(Response),
}

impl Admin {
    /// The admin of this session, or a redirect to the sign-in page.
    pub async fn signed_in(state: &AppState, session: &Session) -> Result<Signed, WebError> {
        match require_admin(state, session).await {
            Ok(account) => Ok(Signed::In(Self {
                id: account.id,
                account,
            })),
            Err(to_sign_in) => Ok(Signed::Out(to_sign_in)),
        }
    }

    /// The account's rows.
    pub fn scope<'a>(&self, state: &'a AppState) -> AccountScope<'a> {
        state.store.account(self.id)
    }

    /// The page frame of the tab at `path`.
    pub async fn page(
        &self,
        session: &Session,
        title_key: &str,
        path: &'static str,
    ) -> Result<Page, WebError> {
        Page::admin(
            session,
            title_key,
            path,
            self.account.company.as_str().to_owned(),
        )
        .await
    }
}

/// Unwraps [`Admin::signed_in`] in a handler returning `Result<Response, _>`.
macro_rules! admin_or_return {
    ($state:expr, $session:expr) => {
        match $crate::admin::Admin::signed_in(&$state, &$session).await? {
            $crate::admin::Signed::In(admin) => admin,
            $crate::admin::Signed::Out(redirect) => return Ok(redirect),
        }
    };
}
pub(crate) use admin_or_return;
