//! `switchboard api-key`: REST API keys of an account from the command
//! line (the first key of an account, before any program can make more).

use anyhow::Context as _;
use clap::Subcommand;
use storage::{ApiKeyId, ApiKeyToken, Store};

#[derive(Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it; it is shown this once (only its SHA-256 is stored).
    Create {
        /// Main number of the account.
        #[arg(long)]
        account: String,
        /// What the key is for ("CRM sync").
        #[arg(long)]
        name: String,
    },
    /// List the account's keys (never their secret).
    List {
        /// Main number of the account.
        #[arg(long)]
        account: String,
    },
    /// Revoke a key for good.
    Revoke {
        /// Main number of the account.
        #[arg(long)]
        account: String,
        /// The key's id, as `list` prints it.
        #[arg(long)]
        id: i64,
    },
}

/// Carries out one `api-key` command.
pub async fn run(command: ApiKeyCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create { account, name } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.chars().count() <= 100,
                "--name must have 1 to 100 characters"
            );
            let id = crate::account_by_main_number(store, &account).await?;
            let token = ApiKeyToken::from_random(rand::random());
            let key = store
                .account(id)
                .create_api_key(name, &token, crate::now())
                .await?;
            println!("created API key {} ({})", key.id, key.name);
            println!("{}", token.expose());
            eprintln!("Store it now: it cannot be shown again.");
        }
        ApiKeyCommand::List { account } => {
            let id = crate::account_by_main_number(store, &account).await?;
            for k in store.account(id).api_keys().await? {
                let state = match k.revoked_at {
                    Some(_) => "revoked",
                    None => "active",
                };
                let used = k.last_used_at.map_or_else(
                    || "never used".to_owned(),
                    |t| {
                        let ago = crate::now().since(t).as_secs();
                        format!("last used {ago} s ago")
                    },
                );
                println!("{}\t{}\t{state}\t{used}", k.id, k.name);
            }
        }
        ApiKeyCommand::Revoke { account, id } => {
            let account = crate::account_by_main_number(store, &account).await?;
            store
                .account(account)
                .revoke_api_key(ApiKeyId::from_raw(id), crate::now())
                .await
                .with_context(|| format!("cannot revoke API key {id}"))?;
            println!("revoked API key {id}");
        }
    }
    Ok(())
}
