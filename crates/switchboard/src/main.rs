//! `switchboard`: the one binary of the hosted phone system. It reads the
//! configuration, opens the database, and either serves (HTTP portals and
//! the SIP switch) or runs an administrative command.

mod api_keys;
mod calls;
mod config;
mod demo;
mod devices;
mod files;
mod media;
mod operators;
mod secrets;
mod serve;
mod trunks;
mod users;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use domain::{
    AccountId, AccountStatus, CompanyName, E164, EmailAddress, Language, NewAccount, Password,
    PasswordHash, TimeZone, UnixMillis,
};
use storage::Store;

use crate::api_keys::ApiKeyCommand;
use crate::calls::CallsCommand;
use crate::config::{Config, ConfigFlags};
use crate::devices::DevicesCommand;
use crate::operators::OperatorCommand;
use crate::trunks::TrunksCommand;
use crate::users::UsersCommand;

#[derive(Parser)]
#[command(name = "switchboard", version, about = "Hosted business phone system")]
struct Cli {
    #[command(flatten)]
    flags: ConfigFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web portals and the SIP switch; stop with Ctrl-C or SIGTERM.
    Serve,
    /// Print the effective configuration (secrets masked) and where each value comes from.
    Config,
    /// Manage accounts (companies).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Bulk operations on users.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage the pool of phone numbers available to buy.
    #[command(subcommand)]
    Numbers(NumbersCommand),
    /// Devices of an account and their registration state.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Settings of one user.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The account's call records.
    #[command(subcommand)]
    Calls(CallsCommand),
    /// REST API keys of an account.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Platform operators, who sign in at /operator (issue 6).
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// SIP trunks to carriers, for calls to and from the public network.
    #[command(subcommand)]
    Trunks(TrunksCommand),
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create a company account with its administrator.
    Create {
        #[arg(long)]
        company: String,
        /// The company's main number (E.164, e.g. +33199000100); also the admin sign-in name.
        #[arg(long)]
        main_number: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_password: String,
        #[arg(long, default_value = "fr")]
        language: String,
        #[arg(long, default_value = "")]
        address: String,
        #[arg(long, default_value = "Europe/Paris")]
        time_zone: String,
    },
    /// Suspend an account: its admin, users and phones are refused; data is kept.
    Suspend {
        /// Main number of the account.
        #[arg(long)]
        account: String,
    },
    /// Reactivate a suspended account.
    Reactivate {
        /// Main number of the account.
        #[arg(long)]
        account: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Create users from a CSV file with the columns
    /// extension,name,email,password,sip_username,sip_password (one device per row).
    /// Nothing is written if any row is bad.
    Users {
        /// Main number of the account to import into.
        #[arg(long)]
        account: String,
        #[arg(long)]
        csv: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum NumbersCommand {
    /// Add numbers to the pool of numbers accounts can buy.
    AddPool {
        #[arg(required = true)]
        numbers: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = |k: &str| std::env::var(k).ok();
    let config = match Config::load(&cli.flags, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard: configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    if let Command::Config = command {
        print!("{}", config.describe());
        return Ok(());
    }
    let store = open_store(&config).await?;
    match command {
        Command::Config => unreachable!("handled above"),
        Command::Serve => serve::run(config, store).await,
        Command::Account(AccountCommand::Create {
            company,
            main_number,
            admin_email,
            admin_password,
            language,
            address,
            time_zone,
        }) => {
            let password = Password::parse(&admin_password).context("--admin-password")?;
            let new = NewAccount {
                company: CompanyName::parse(&company).context("--company")?,
                main_number: E164::parse(&main_number).context("--main-number")?,
                address,
                admin_email: EmailAddress::parse(&admin_email).context("--admin-email")?,
                admin_password: PasswordHash::of(&password),
                language: Language::parse(&language).context("--language")?,
                time_zone: TimeZone::parse(&time_zone).context("--time-zone")?,
            };
            let account = store.create_account(&new, now()).await?;
            println!(
                "created account {} ({}) with main number {}",
                account.id, account.company, account.main_number
            );
            Ok(())
        }
        Command::Account(AccountCommand::Suspend { account }) => {
            let id = account_by_main_number(&store, &account).await?;
            store
                .account(id)
                .set_status(AccountStatus::Suspended)
                .await?;
            println!("suspended account {id}");
            Ok(())
        }
        Command::Account(AccountCommand::Reactivate { account }) => {
            let id = account_by_main_number(&store, &account).await?;
            store.account(id).set_status(AccountStatus::Active).await?;
            println!("reactivated account {id}");
            Ok(())
        }
        Command::Import(ImportCommand::Users { account, csv }) => {
            let account = store
                .account(account_by_main_number(&store, &account).await?)
                .details()
                .await?;
            let file = std::fs::File::open(&csv)
                .with_context(|| format!("cannot open {}", csv.display()))?;
            let started = std::time::Instant::now();
            let n = store
                .import_users_csv(account.id, std::io::BufReader::new(file), &config.sip_realm)
                .await?;
            println!(
                "imported {n} users into {} in {:.1} s",
                account.company,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Devices(command) => devices::run(command, &store, &config.sip_realm).await,
        Command::Users(command) => users::run(command, &store).await,
        Command::Calls(command) => calls::run(command, &store).await,
        Command::ApiKey(command) => api_keys::run(command, &store).await,
        Command::Operator(command) => operators::run(command, &store).await,
        Command::Trunks(command) => trunks::run(command, &store).await,
        Command::Numbers(NumbersCommand::AddPool { numbers }) => {
            let parsed = numbers
                .iter()
                .map(|n| E164::parse(n).with_context(|| format!("bad number {n:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let added = store.add_pool_numbers(&parsed).await?;
            println!(
                "added {added} numbers to the pool ({} already known)",
                parsed.len() - added
            );
            Ok(())
        }
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                config.data_dir.display()
            )
        })?;
    }
    Store::connect(&config.database_url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            storage::redact_url(&config.database_url)
        )
    })
}

/// The account whose main number is `main` (as given to `--account`).
pub async fn account_by_main_number(store: &Store, main: &str) -> anyhow::Result<AccountId> {
    let main = E164::parse(main).context("--account")?;
    let account = store
        .account_by_main_number(&main)
        .await?
        .with_context(|| format!("no account has the main number {main}"))?;
    Ok(account.id)
}

/// The wall clock, read at the edge.
pub fn now() -> UnixMillis {
    UnixMillis::from_system_time(std::time::SystemTime::now())
}
