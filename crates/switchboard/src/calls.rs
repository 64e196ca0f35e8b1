//! `switchboard calls`: the account's call detail records (SPEC T12) as
//! tab-separated lines, for scripts and end-to-end tests.

use std::fmt::Write as _;

use clap::Subcommand;
use domain::{CallRecord, UnixMillis};
use storage::{CallFilter, Store};

#[derive(Subcommand)]
pub enum CallsCommand {
    /// One line per call, newest first: direction, caller number and
    /// extension, callee number and extension, started, answered and ended
    /// (Unix milliseconds), disposition, hangup cause; `-` where empty.
    List {
        /// Main number of the account.
        #[arg(long)]
        account: String,
    },
}

/// Carries out one `calls` command.
pub async fn run(command: CallsCommand, store: &Store) -> anyhow::Result<()> {
    match command {
        CallsCommand::List { account } => {
            let account = crate::account_by_main_number(store, &account).await?;
            let calls = store.account(account).calls(&CallFilter::default()).await?;
            print!("{}", lines(&calls));
        }
    }
    Ok(())
}

/// The records as `calls list` prints them.
fn lines(calls: &[CallRecord]) -> String {
    let time = |t: Option<UnixMillis>| t.map_or_else(|| "-".to_owned(), |t| t.millis().to_string());
    let text = |t: Option<&str>| match t {
        Some(t) if !t.is_empty() => t.replace(['\t', '\n'], " "),
        _ => "-".to_owned(),
    };
    let mut out = String::new();
    for c in calls {
        let fields = [
            c.direction.as_str().to_owned(),
            text(Some(&c.caller_number)),
            text(c.caller_extension.as_ref().map(|e| e.as_str())),
            text(Some(&c.callee_number)),
            text(c.callee_extension.as_ref().map(|e| e.as_str())),
            time(Some(c.started_at)),
            time(c.answered_at),
            time(c.ended_at),
            c.disposition.as_str().to_owned(),
            text(c.hangup_cause.as_deref()),
        ];
        writeln!(out, "{}", fields.join("\t")).expect("writing to a String cannot fail");
    }
    out
}

#[cfg(test)]
mod tests {
    use domain::{AccountId, CallDirection, CallRecordId, Disposition, ExtensionNumber};

    use super::*;

    #[test]
    fn empty_fields_print_as_dashes_and_causes_stay_on_one_field() {
        let answered = CallRecord {
            id: CallRecordId::from_raw(2),
            account: AccountId::from_raw(1),
            call_id: "c2".into(),
            direction: CallDirection::Internal,
            caller_number: "201".into(),
            caller_extension: Some(ExtensionNumber::parse("201").unwrap()),
            callee_number: "202".into(),
            callee_extension: Some(ExtensionNumber::parse("202").unwrap()),
            started_at: UnixMillis::from_millis(1_000),
            answered_at: Some(UnixMillis::from_millis(2_000)),
            ended_at: Some(UnixMillis::from_millis(5_000)),
            disposition: Disposition::Answered,
            hangup_cause: Some("BYE\tfrom caller".into()),
        };
        let open = CallRecord {
            caller_extension: None,
            callee_extension: None,
            answered_at: None,
            ended_at: None,
            disposition: Disposition::InProgress,
            hangup_cause: None,
            ..answered.clone()
        };
        assert_eq!(
            lines(&[answered, open]),
            "internal\t201\t201\t202\t202\t1000\t2000\t5000\tanswered\tBYE from caller\n\
             internal\t201\t-\t202\t-\t1000\t-\t-\tin_progress\t-\n"
        );
    }
}
