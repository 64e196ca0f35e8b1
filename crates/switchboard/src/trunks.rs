//! `switchboard trunks`: the SIP trunks to carriers (SPEC T3): adding one
//! authenticated by credentials or by address, listing them (never with
//! the password), removing, and putting one in or out of service. The
//! running switch picks changes up at its next trunk reload.

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use domain::{NewTrunk, NumberFormat, Trunk, TrunkAddress, TrunkAuth, TrunkTransport};
use storage::{StorageError, Store};

#[derive(Subcommand)]
pub enum TrunksCommand {
    /// Add a trunk. Give either --username and --password (the switch
    /// registers with them) or --ip (the carrier is known by its addresses).
    Add {
        /// A name of your choice, unique.
        #[arg(long)]
        name: String,
        /// The carrier's SIP server, host name or address.
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 5060)]
        port: u16,
        /// udp, tcp or tls.
        #[arg(long, default_value = "udp")]
        transport: String,
        /// User name given by the carrier.
        #[arg(long)]
        username: Option<String>,
        /// Password given by the carrier.
        #[arg(long)]
        password: Option<String>,
        /// Addresses the carrier sends from: IP or IP:PORT, comma separated.
        #[arg(long, value_name = "ADDR[,ADDR...]")]
        ip: Option<String>,
        /// How the carrier wants numbers written: e164 (+33...), e164_no_plus (33...) or national (01...).
        #[arg(long, default_value = "e164")]
        format: String,
    },
    /// List the trunks in failover order (passwords are never shown).
    List,
    /// Remove a trunk.
    Remove {
        #[arg(long)]
        name: String,
    },
    /// Put a trunk back in service.
    Enable {
        #[arg(long)]
        name: String,
    },
    /// Take a trunk out of service (kept, not used).
    Disable {
        #[arg(long)]
        name: String,
    },
}

/// Carries out one `trunks` command.
pub async fn run(command: TrunksCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        TrunksCommand::Add {
            name,
            host,
            port,
            transport,
            username,
            password,
            ip,
            format,
        } => {
            let new = new_trunk(
                name, host, port, &transport, username, password, ip, &format,
            )?;
            let trunk = store.create_trunk(&new).await?;
            println!(
                "added trunk {} ({}:{} over {}, {})",
                trunk.name,
                trunk.host,
                trunk.port,
                trunk.transport.as_str(),
                auth_kind(&trunk.auth)
            );
        }
        TrunksCommand::List => print!(
            "{}",
            describe(
                &store.trunks().await?,
                &store.trunk_registrations().await?,
                crate::now()
            )
        ),
        TrunksCommand::Remove { name } => {
            store
                .delete_trunk(&name)
                .await
                .map_err(|e| named(e, &name))?;
            println!("removed trunk {name}");
        }
        TrunksCommand::Enable { name } => {
            store
                .set_trunk_enabled(&name, true)
                .await
                .map_err(|e| named(e, &name))?;
            println!("trunk {name} is in service");
        }
        TrunksCommand::Disable { name } => {
            store
                .set_trunk_enabled(&name, false)
                .await
                .map_err(|e| named(e, &name))?;
            println!("trunk {name} is out of service");
        }
    }
    Ok(())
}

/// The trunk the flags describe, or what is wrong with them.
#[expect(clippy::too_many_arguments, reason = "the flags of `trunks add`")]
fn new_trunk(
    name: String,
    host: String,
    port: u16,
    transport: &str,
    username: Option<String>,
    password: Option<String>,
    ip: Option<String>,
    format: &str,
) -> anyhow::Result<NewTrunk> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.contains(char::is_whitespace) {
        bail!("--name: give a name without spaces, such as \"carrier1\"");
    }
    let host = host.trim().to_owned();
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || "/@;<>\"".contains(c)) {
        bail!("--host: {host:?} is not a host name or address");
    }
    if port == 0 {
        bail!("--port: 0 is not a port");
    }
    let transport = TrunkTransport::parse(transport)
        .with_context(|| format!("--transport: {transport:?} must be udp, tcp or tls"))?;
    let number_format = NumberFormat::parse(format)
        .with_context(|| format!("--format: {format:?} must be e164, e164_no_plus or national"))?;
    let auth = match (username, password, ip) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            bail!("give either --username and --password, or --ip, not both")
        }
        (Some(username), Some(password), None) => {
            if username.is_empty() || username.contains(|c: char| c.is_whitespace() || c == '@') {
                bail!("--username: {username:?} is not a SIP user name");
            }
            if password.is_empty() {
                bail!("--password: the password is empty");
            }
            TrunkAuth::Credentials { username, password }
        }
        (Some(_), None, None) => bail!("--username needs --password"),
        (None, Some(_), None) => bail!("--password needs --username"),
        (None, None, Some(list)) => TrunkAuth::Ip {
            addresses: TrunkAddress::parse_list(&list).context("--ip")?,
        },
        (None, None, None) => {
            bail!(
                "give either --username and --password (the switch registers), or --ip (the carrier's addresses)"
            )
        }
    };
    Ok(NewTrunk {
        name,
        host,
        port,
        transport,
        auth,
        number_format,
    })
}

/// `trunk not found` with the name given.
fn named(error: StorageError, name: &str) -> anyhow::Error {
    match error {
        StorageError::NotFound(_) => anyhow::anyhow!("no trunk is named {name}"),
        other => other.into(),
    }
}

fn auth_kind(auth: &TrunkAuth) -> String {
    match auth {
        TrunkAuth::Credentials { username, .. } => format!("registers as {username}"),
        TrunkAuth::Ip { addresses } => {
            let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            format!("by address {}", list.join(","))
        }
    }
}

/// One line per trunk: name, host:port, transport, authentication, number
/// format, in service or not, and for a registering trunk what the switch
/// last knew of its registration. Never the password.
pub fn describe(
    trunks: &[Trunk],
    registrations: &[(domain::TrunkId, storage::TrunkRegistration)],
    now: domain::UnixMillis,
) -> String {
    if trunks.is_empty() {
        return "no trunks\n".to_owned();
    }
    let mut sorted: Vec<&Trunk> = trunks.iter().collect();
    // Failover order: the order they were added in.
    sorted.sort_by_key(|t| t.id);
    let mut out = String::new();
    for t in sorted {
        let _ = writeln!(
            out,
            "{}  {}:{}  {}  {}  {}  {}",
            t.name,
            t.host,
            t.port,
            t.transport.as_str(),
            auth_kind(&t.auth),
            t.number_format.as_str(),
            if t.enabled { "enabled" } else { "disabled" }
        );
        if let Some((_, r)) = registrations.iter().find(|(id, _)| *id == t.id)
            && t.enabled
            && matches!(t.auth, TrunkAuth::Credentials { .. })
        {
            let _ = writeln!(out, "\t{}", registration_line(r, now));
        }
    }
    out
}

/// "registered, 280 s left", "registration failed (503 Service
/// Unavailable), next try in 25 s", "registering".
fn registration_line(r: &storage::TrunkRegistration, now: domain::UnixMillis) -> String {
    let left = |at: Option<domain::UnixMillis>| at.map_or(0, |t| t.since(now).as_secs());
    match r.state {
        storage::RegistrationStatus::Trying => "registering".to_owned(),
        storage::RegistrationStatus::Registered => {
            format!("registered, {} s left", left(r.at))
        }
        storage::RegistrationStatus::Failed => format!(
            "registration failed ({}), next try in {} s",
            r.detail.as_deref().unwrap_or("no answer"),
            left(r.at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunks_list_says_how_each_registration_stands() {
        use storage::{RegistrationStatus, TrunkRegistration};
        let now = domain::UnixMillis::from_millis(1_000_000);
        let at = |ms: i64| Some(domain::UnixMillis::from_millis(1_000_000 + ms));
        let line = |state, detail: Option<&str>, ahead| {
            registration_line(
                &TrunkRegistration {
                    state,
                    detail: detail.map(str::to_owned),
                    at: at(ahead),
                },
                now,
            )
        };
        assert_eq!(
            line(RegistrationStatus::Registered, None, 280_000),
            "registered, 280 s left"
        );
        assert_eq!(
            line(
                RegistrationStatus::Failed,
                Some("503 Service Unavailable"),
                25_000
            ),
            "registration failed (503 Service Unavailable), next try in 25 s"
        );
        assert_eq!(line(RegistrationStatus::Trying, None, 0), "registering");
    }

    fn add(
        username: Option<&str>,
        password: Option<&str>,
        ip: Option<&str>,
    ) -> anyhow::Result<NewTrunk> {
        new_trunk(
            "carrier".into(),
            "sip.carrier.example".into(),
            5060,
            "udp",
            username.map(Into::into),
            password.map(Into::into),
            ip.map(Into::into),
            "e164",
        )
    }

    #[test]
    fn a_trunk_has_exactly_one_kind_of_authentication() {
        assert!(add(Some("acme"), Some("pw"), None).is_ok());
        assert!(add(None, None, Some("192.0.2.1,192.0.2.2:5070")).is_ok());
        for (u, p, ip, message) in [
            (Some("acme"), Some("pw"), Some("192.0.2.1"), "not both"),
            (None, None, None, "give either"),
            (Some("acme"), None, None, "--username needs --password"),
            (None, None, Some("carrier.example"), "is not an IP address"),
        ] {
            let e = format!("{:#}", add(u, p, ip).unwrap_err());
            assert!(e.contains(message), "{e}");
        }
    }
}
