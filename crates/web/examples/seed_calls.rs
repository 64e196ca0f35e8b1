//! Seeds one account with many call records, for the call log benchmark
//! (`scripts/bench-calllog.sh`): the portal pages are then measured with
//! `wrk` against the real server on this database.
//!
//! `cargo run --release -p sb-web --example seed_calls -- DATABASE_URL [ROWS]`
//!
//! The account: main number +33199000100, admin password `bench-password`;
//! 50 users on extensions 201–250, user password `bench-password`. The
//! calls (default 1,000,000) spread evenly over the 365 days before now:
//! 40 % inbound to a user, 35 % outbound from a user, 25 % internal
//! between two users; 70 % answered, 20 % missed, 7 % busy, 3 % failed.
//! Extension 250 takes part in only one call in 1,000: the worst case for a
//! user's log, whose rows are few and far apart.

use std::time::{Instant, SystemTime};

use domain::{
    AccountId, CallDirection, CompanyName, Disposition, E164, EmailAddress, ExtensionNumber,
    Language, NewAccount, NewCallRecord, Password, PasswordHash, TimeZone, UnixMillis,
};
use storage::{CallWrite, NewUser, Store};

const PASSWORD: &str = "bench-password";
const USERS: u64 = 50;
const BATCH: usize = 20_000;

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same calls on every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One of the busy extensions 201–249, or, one time in a thousand, 250.
fn extension(rng: &mut Mix) -> ExtensionNumber {
    let n = if rng.below(1000) == 0 {
        250
    } else {
        201 + rng.below(USERS - 1)
    };
    ExtensionNumber::parse(&n.to_string()).expect("a valid extension")
}

fn call(rng: &mut Mix, account: AccountId, i: u64, started: i64) -> CallWrite {
    let me = extension(rng);
    let outside = format!("+336{:08}", rng.below(100_000_000));
    let (direction, caller_number, caller_extension, callee_number, callee_extension) =
        match rng.below(100) {
            0..40 => (
                CallDirection::Inbound,
                outside,
                None,
                me.as_str().to_owned(),
                Some(me),
            ),
            40..75 => (
                CallDirection::Outbound,
                me.as_str().to_owned(),
                Some(me),
                outside,
                None,
            ),
            _ => {
                let mut other = extension(rng);
                while other == me {
                    other = extension(rng);
                }
                (
                    CallDirection::Internal,
                    me.as_str().to_owned(),
                    Some(me),
                    other.as_str().to_owned(),
                    Some(other),
                )
            }
        };
    let disposition = match rng.below(100) {
        0..70 => Disposition::Answered,
        70..90 => Disposition::Missed,
        90..97 => Disposition::Busy,
        _ => Disposition::Failed,
    };
    let ring = 2_000 + rng.below(20_000) as i64;
    let answered = (disposition == Disposition::Answered).then_some(started + ring);
    let talk = (rng.below(600_000) as i64) * i64::from(answered.is_some());
    CallWrite::Whole {
        account,
        record: NewCallRecord {
            call_id: format!("seed-{i}@bench"),
            direction,
            caller_number,
            caller_extension,
            callee_number,
            callee_extension,
            started_at: UnixMillis::from_millis(started),
        },
        answered_at: answered.map(UnixMillis::from_millis),
        ended_at: UnixMillis::from_millis(started + ring + talk),
        disposition,
        cause: match disposition {
            Disposition::Answered => "BYE",
            Disposition::Missed => "no answer",
            Disposition::Busy => "busy",
            _ => "failed",
        }
        .to_owned(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: seed_calls DATABASE_URL [ROWS]");
    let rows: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("ROWS"));
    let store = Store::connect(&url).await.expect("the database opens");
    let hash = PasswordHash::of(&Password::parse(PASSWORD).expect("a valid password"));
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Banc d'essai").expect("a valid name"),
                main_number: E164::parse("+33199000100").expect("a valid number"),
                address: "1 rue du Test, Paris".into(),
                admin_email: EmailAddress::parse("admin@example.fr").expect("a valid address"),
                admin_password: hash.clone(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(0),
        )
        .await
        .expect("the account is created");
    let scope = store.account(account.id);
    for n in 0..USERS {
        let ext = 201 + n;
        scope
            .create_user(&NewUser {
                extension: ExtensionNumber::parse(&ext.to_string()).expect("an extension"),
                name: format!("Utilisateur {ext}"),
                email: EmailAddress::parse(&format!("u{ext}@example.fr")).expect("an address"),
                password: hash.clone(),
                direct_number: None,
            })
            .await
            .expect("the user is created");
    }
    let now = UnixMillis::from_system_time(SystemTime::now()).millis();
    let year = 365 * 86_400_000_i64;
    let step = year / rows.max(1) as i64;
    let mut rng = Mix(0x5EED);
    let seeding = Instant::now();
    let mut i = 0;
    while i < rows {
        let end = (i + BATCH as u64).min(rows);
        let writes: Vec<CallWrite> = (i..end)
            .map(|k| call(&mut rng, account.id, k, now - year + k as i64 * step))
            .collect();
        store
            .write_calls(&writes)
            .await
            .expect("the calls are written");
        i = end;
    }
    println!(
        "seeded account {} with {USERS} users and {rows} call records in {:.1} s",
        account.id.raw(),
        seeding.elapsed().as_secs_f64()
    );
    store.close().await;
}
