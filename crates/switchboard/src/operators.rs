//! `switchboard operator`: the platform operators (issue 6), who sign in
//! to the operator portal at `/operator`. The first one can only be made
//! here.

use anyhow::Context as _;
use clap::Subcommand;
use domain::{EmailAddress, Password, PasswordHash};
use storage::Store;

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Create an operator; prints a generated password when none is given.
    Create {
        /// The e-mail address the operator signs in with.
        #[arg(long)]
        email: String,
        /// At least 8 characters; generated (and printed once) if omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Create an API key for an operator (the `/api/v1/operator/...` part
    /// of the REST API); the key is printed once.
    ApiKey {
        /// The operator's e-mail address.
        #[arg(long)]
        email: String,
        /// What the key is for, e.g. "billing".
        #[arg(long)]
        name: String,
        /// Revoke the operator's keys of this name instead of creating one.
        #[arg(long)]
        revoke: bool,
    },
}

/// Carries out one `operator` command.
pub async fn run(command: OperatorCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Create { email, password } => {
            let email = EmailAddress::parse(&email).context("--email")?;
            let (password, generated) = match password {
                Some(p) => (Password::parse(&p).context("--password")?, false),
                None => (web::auth::temporary_password(), true),
            };
            let hash = PasswordHash::of(&password);
            let op = store
                .create_operator(&email, &hash, crate::now())
                .await
                .context("cannot create the operator")?;
            println!("created operator {} ({})", op.id, op.email);
            if generated {
                println!("password: {}", password.expose());
                eprintln!("Store it now: it cannot be shown again.");
            }
        }
        OperatorCommand::ApiKey {
            email,
            name,
            revoke,
        } => {
            let email = EmailAddress::parse(&email).context("--email")?;
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.chars().count() <= 100,
                "--name must have 1 to 100 characters"
            );
            let op = store
                .operator_by_email(&email)
                .await?
                .with_context(|| format!("no operator {email}"))?;
            if revoke {
                let n = store
                    .revoke_operator_api_keys(op.id, name, crate::now())
                    .await?;
                println!("revoked {n} key(s) named {name:?} of {email}");
            } else {
                let token = storage::ApiKeyToken::from_random(rand::random());
                store
                    .create_operator_api_key(op.id, name, &token, crate::now())
                    .await?;
                println!("created operator API key {name:?} for {email}");
                println!("{}", token.expose());
                eprintln!("Store it now: it cannot be shown again.");
            }
        }
    }
    Ok(())
}
