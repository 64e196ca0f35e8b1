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
    }
    Ok(())
}
