//! `switchboard devices list`: each device of an account with its user and
//! its live registrations (SPEC T1: registration state per device).

use std::fmt::Write as _;

use domain::{AccountId, UnixMillis};
use storage::Store;

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
