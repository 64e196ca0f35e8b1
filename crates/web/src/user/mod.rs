//! The user portal beyond sign-in (SPEC U2, U3, U4, U6-U9): the user's own
//! call log with its CSV export and the click-to-call form above it,
//! their voicemail messages, their preferences (voicemail, forwarding, caller ID) and their profile
//! (e-mail, password).
//!
//! Every handler starts with [`Member::signed_in`] (through
//! `user_or_return!`), which finds the user of the session and their
//! account; rows are reached only through that account's
//! [`storage::AccountScope`], and only the user's own settings and calls.

pub mod calls;
pub mod click;
pub mod preferences;
pub mod profile;
pub mod voicemail;

use axum::response::Response;
use domain::{Account, User};
use storage::AccountScope;
use tower_sessions::Session;

use crate::AppState;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::require_user;

/// The signed-in user and their account, as every user page needs them.
pub struct Member {
    pub user: User,
    pub account: Account,
}

/// Either the user, or the response that sends the visitor elsewhere
/// (sign-in, or the forced password change).
pub enum Signed {
    In(Box<Member>),
    Out(Response),
}

impl Member {
    /// The user of this session, or where to send the visitor instead.
    pub async fn signed_in(state: &AppState, session: &Session) -> Result<Signed, WebError> {
        let user = match require_user(state, session).await {
            Ok(u) => u,
            Err(elsewhere) => return Ok(Signed::Out(elsewhere)),
        };
        let account = state.store.account(user.account).details().await?;
        Ok(Signed::In(Box::new(Self { user, account })))
    }

    /// The account's rows.
    pub fn scope<'a>(&self, state: &'a AppState) -> AccountScope<'a> {
        state.store.account(self.account.id)
    }

    /// The page frame of the tab at `tab`.
    pub async fn page(
        &self,
        session: &Session,
        title_key: &str,
        tab: &'static str,
    ) -> Result<Page, WebError> {
        Page::user(session, title_key, tab, self.user.name.clone()).await
    }
}

/// Unwraps [`Member::signed_in`] in a handler returning `Result<Response, _>`.
macro_rules! user_or_return {
    ($state:expr, $session:expr) => {
        match $crate::user::Member::signed_in(&$state, &$session).await? {
            $crate::user::Signed::In(member) => *member,
            $crate::user::Signed::Out(elsewhere) => return Ok(elsewhere),
        }
    };
}
pub(crate) use user_or_return;
