//! A user's password set by the admin (SPEC A15), for the admin page and
//! the API alike: either generated and to be changed at the next sign-in,
//! like the welcome e-mail's, or typed by the admin. The user is e-mailed
//! the new password either way, in the account's language.

use domain::{AccountId, Password, UserId};

use crate::AppState;
use crate::auth::{hash, temporary_password};
use crate::error::WebError;

/// How the admin chose the new password.
pub enum NewPassword {
    /// Generated; the user must change it at the next sign-in.
    Automatic,
    /// Typed by the admin (already checked against the password rules).
    Manual {
        password: Password,
        must_change: MustChange,
    },
}

/// Whether the user must choose another password at the next sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MustChange {
    Yes,
    No,
}

/// Whether the e-mail with the new password went out. The password is set
/// in both cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mailed {
    Sent,
    NotSent,
}

/// Sets the password of `user` and e-mails it to them.
pub async fn set_by_admin(
    state: &AppState,
    account: AccountId,
    user: UserId,
    choice: NewPassword,
) -> Result<Mailed, WebError> {
    let scope = state.store.account(account);
    let found = scope.user(user).await?;
    let details = scope.details().await?;
    let (password, must_change) = match choice {
        NewPassword::Automatic => (temporary_password(), MustChange::Yes),
        NewPassword::Manual {
            password,
            must_change,
        } => (password, must_change),
    };
    let stored = hash(password.clone()).await?;
    scope
        .set_user_password_flagged(found.id, &stored, must_change == MustChange::Yes)
        .await?;
    let email = mail::password_set_by_admin(
        details.language,
        found.email.as_str(),
        &mail::PasswordSet {
            name: &found.name,
            company: details.company.as_str(),
            extension: found.extension_number.as_str(),
            password: password.expose(),
            must_change: must_change == MustChange::Yes,
            sign_in_url: &format!("{}/user", state.public_url.trim_end_matches('/')),
        },
    );
    Ok(match state.mailer.send(&email).await {
        Ok(()) => Mailed::Sent,
        Err(e) => {
            tracing::warn!(error = %e, "password e-mail not sent");
            Mailed::NotSent
        }
    })
}
