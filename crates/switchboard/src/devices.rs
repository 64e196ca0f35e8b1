//! `switchboard devices`: each device of an account with its user and its
//! live registrations (SPEC T1: registration state per device), and adding
//! a further device to a user (a softphone beside the desk phone).

use std::fmt::Write as _;

use anyhow::Context as _;
use clap::Subcommand;
use domain::{AccountId, DeviceModel, NewDevice, SipPassword, SipUsername, UnixMillis};
use storage::Store;

#[derive(Subcommand)]
pub enum DevicesCommand {
    /// List the account's devices, who they ring for, and where they are registered.
    List {
        /// Main number of the account.
        #[arg(long)]
        account: String,
    },
    /// Add a device that rings for a user, beside the ones they have.
    Add {
        /// Main number of the account.
        #[arg(long)]
        account: String,
        /// The user's extension.
        #[arg(long)]
        extension: String,
        /// SIP username the device signs in with (unique across the installation).
        #[arg(long)]
        username: String,
        /// SIP password of the device.
        #[arg(long)]
        password: String,
        /// What the device is called in the portal [default: the username].
        #[arg(long)]
        label: Option<String>,
    },
}

/// Carries out one `devices` command.
pub async fn run(command: DevicesCommand, store: &Store, realm: &str) -> anyhow::Result<()> {
    match command {
        DevicesCommand::List { account } => {
            let account = crate::account_by_main_number(store, &account).await?;
            print!("{}", describe(store, account, crate::now()).await?);
        }
        DevicesCommand::Add {
            account,
            extension,
            username,
            password,
            label,
        } => {
            let sip_username = SipUsername::parse(&username).context("--username")?;
            let sip_password = SipPassword::parse(&password).context("--password")?;
            let user = crate::users::by_extension(store, &account, &extension).await?;
            let new = NewDevice {
                mac: None,
                model: DeviceModel("softphone".to_owned()),
                label: label.unwrap_or_else(|| sip_username.to_string()),
                sip_username,
                sip_password,
                user: Some(user.id),
            };
            let device = store
                .account(user.account)
                .create_device(&new, realm)
                .await?;
            println!(
                "added device {} for {} {}",
                device.sip_username, user.extension_number, user.name
            );
        }
    }
    Ok(())
}

/// One line per device, then one indented line per live binding.
pub async fn describe(
    store: &Store,
    account: AccountId,
    now: UnixMillis,
) -> anyhow::Result<String> {
    let scope = store.account(account);
    let users = scope.users().await?;
    let bindings = scope.live_bindings(now).await?;
    let mut out = String::new();
    for d in scope.devices().await? {
        let owner = d
            .user
            .and_then(|u| users.iter().find(|x| x.id == u))
            .map_or_else(
                || "free".to_owned(),
                |u| format!("{} {}", u.extension_number, u.name),
            );
        let mine: Vec<_> = bindings.iter().filter(|b| b.device == d.id).collect();
        let state = if mine.is_empty() {
            "not registered".to_owned()
        } else {
            format!("registered ({})", mine.len())
        };
        writeln!(out, "{}\t{}\t{}", d.sip_username, owner, state)?;
        for b in mine {
            writeln!(
                out,
                "\t{} via {} from {} expires in {} s{}",
                b.contact,
                b.transport,
                b.source,
                b.expires_at.since(now).as_secs(),
                b.user_agent
                    .as_ref()
                    .map(|ua| format!(" ({ua})"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(out)
}
