//! `switchboard users`: a user's settings from the command line.

use anyhow::Context as _;
use clap::Subcommand;
use domain::{ExtensionNumber, RingSeconds, User};
use storage::{Store, UserSettings};

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Set how long calls ring the user's devices before voicemail takes
    /// them (or, without voicemail, they are missed).
    RingTime {
        /// Main number of the account.
        #[arg(long)]
        account: String,
        /// The user's extension.
        #[arg(long)]
        extension: String,
        /// 5 to 120.
        #[arg(long, allow_negative_numbers = true)]
        seconds: i64,
    },
    /// Turn the user's voicemail on or off (off: callers the user does not
    /// answer hear that nobody can take the call).
    Voicemail {
        /// Main number of the account.
        #[arg(long)]
        account: String,
        /// The user's extension.
        #[arg(long)]
        extension: String,
        /// Turn it off (on without this flag).
        #[arg(long)]
        off: bool,
    },
}

/// Carries out one `users` command.
pub async fn run(command: UsersCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        UsersCommand::RingTime {
            account,
            extension,
            seconds,
        } => {
            let ring = RingSeconds::new(seconds).context("--seconds")?;
            let user = by_extension(store, &account, &extension).await?;
            let mut settings = UserSettings {
                voicemail: user.voicemail,
                forwarding: user.forwarding,
                caller_id: user.caller_id,
            };
            settings.voicemail.ring_seconds = ring;
            store
                .account(user.account)
                .update_user_settings(user.id, &settings)
                .await?;
            println!(
                "calls to {} {} now ring for {} s",
                user.extension_number,
                user.name,
                ring.get()
            );
        }
        UsersCommand::Voicemail {
            account,
            extension,
            off,
        } => {
            let user = by_extension(store, &account, &extension).await?;
            let mut settings = UserSettings {
                voicemail: user.voicemail,
                forwarding: user.forwarding,
                caller_id: user.caller_id,
            };
            settings.voicemail.enabled = !off;
            store
                .account(user.account)
                .update_user_settings(user.id, &settings)
                .await?;
            println!(
                "voicemail of {} {} is now {}",
                user.extension_number,
                user.name,
                if off { "off" } else { "on" }
            );
        }
    }
    Ok(())
}

/// The user with `extension` in the account whose main number is
/// `account` (as given to `--account` and `--extension`).
pub async fn by_extension(store: &Store, account: &str, extension: &str) -> anyhow::Result<User> {
    let extension = ExtensionNumber::parse(extension).context("--extension")?;
    let account = crate::account_by_main_number(store, account).await?;
    store
        .account(account)
        .user_by_extension(&extension)
        .await?
        .with_context(|| format!("no user has the extension {extension}"))
}
