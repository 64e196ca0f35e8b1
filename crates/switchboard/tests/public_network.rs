//! The public network end to end (SPEC T3, T4, T5, T8, U2): sipp plays the
//! carriers and the office phones on loopback, the switch between them.
//! A carrier is a SIP trunk authenticated by its address, 127.0.0.1 and
//! the port of its sipp process, which is also where the switch sends its
//! calls; the phones, on 127.0.0.1 too, are told apart by their ports.
//! Inbound calls come from a carrier sipp UAC (`carrier_call`,
//! `carrier_refused`), outbound calls reach a carrier sipp UAS
//! (`carrier_answer`, `carrier_busy`, `carrier_unavailable`,
//! `carrier_press_one`), which logs
//! the Request-URI, From, P-Asserted-Identity and Diversion it was sent.
//! The tests are in `public_network/`, one file per feature.
//! Everything is set up before the server starts (trunks with `switchboard
//! trunks add`, the rest in storage), since trunks are loaded at start.

mod support;

#[path = "public_network/click_to_call.rs"]
mod click_to_call;
#[path = "public_network/forwarding.rs"]
mod forwarding;
#[path = "public_network/inbound.rs"]
mod inbound;
#[path = "public_network/office_phone.rs"]
mod office_phone;
#[path = "public_network/outbound.rs"]
mod outbound;
#[path = "public_network/ring_groups.rs"]
mod ring_groups;

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use domain::{AccountId, E164, ExtensionId, ExtensionNumber, ForwardingSettings, RingStrategy};
use storage::{Store, UserSettings};
use support::sipp::{Cdr, Finished, Sipp, TEST_RTP_PORTS, callee, device_call, logged, register};
use support::{Server, free_port, run_ok, seed_account};

const ACCOUNT: &str = "+33199000200";
/// User 201's direct number.
const DID_201: &str = "+33199000201";
/// The ring group 600's number.
const DID_600: &str = "+33199000600";
/// The outside party: calls in, or is called.
const MOBILE: &str = "+33612345678";

/// Opens the server's database before it starts, to set up what the
/// command line does not (numbers and their targets, ring groups,
/// forwarding, caller ID).
struct Db {
    runtime: tokio::runtime::Runtime,
    store: Store,
    account: AccountId,
}

impl Db {
    fn open(data: &Path) -> Db {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let url = format!("sqlite://{}", data.join("switchboard.db").display());
        let store = runtime.block_on(Store::connect(&url)).unwrap();
        let main = E164::parse(ACCOUNT).unwrap();
        let account = runtime
            .block_on(store.account_by_main_number(&main))
            .unwrap()
            .expect("the seeded account")
            .id;
        Db {
            runtime,
            store,
            account,
        }
    }

    fn run<T>(&self, work: impl Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    fn extension(&self, number: &str) -> ExtensionId {
        let number = ExtensionNumber::parse(number).unwrap();
        self.run(
            self.store
                .account(self.account)
                .extension_by_number(&number),
        )
        .unwrap()
        .expect("the extension exists")
        .id
    }

    /// Gives the account `number` (from the pool) and points it at
    /// `extension`, or at nothing.
    fn number(&self, number: &str, extension: Option<&str>) {
        let n = E164::parse(number).unwrap();
        let target = extension.map(|e| self.extension(e));
        let scope = self.store.account(self.account);
        self.run(async {
            self.store
                .add_pool_numbers(std::slice::from_ref(&n))
                .await?;
            scope.buy_number(&n).await?;
            scope.route_number(&n, target).await
        })
        .unwrap();
    }

    /// Ring group 600 with `members` ringing for 3 s each (or together),
    /// reached on `DID_600`.
    fn ring_group(&self, strategy: RingStrategy, members: &[&str]) {
        let members: Vec<_> = members.iter().map(|m| self.extension(m)).collect();
        let number = ExtensionNumber::parse("600").unwrap();
        self.run(
            self.store
                .account(self.account)
                .create_ring_group(&number, "Sales", strategy, 3, &members),
        )
        .unwrap();
        self.number(DID_600, Some("600"));
    }

    fn user_id(&self, extension: &str) -> i64 {
        self.settings(extension, |_| {}).raw()
    }

    /// Changes user `extension`'s settings with `change`; returns its id.
    fn settings(&self, extension: &str, change: impl FnOnce(&mut UserSettings)) -> domain::UserId {
        let number = ExtensionNumber::parse(extension).unwrap();
        let scope = self.store.account(self.account);
        let user = self
            .run(scope.user_by_extension(&number))
            .unwrap()
            .expect("a user extension");
        let mut settings = UserSettings {
            voicemail: user.voicemail,
            forwarding: user.forwarding,
            caller_id: user.caller_id,
        };
        change(&mut settings);
        self.run(scope.update_user_settings(user.id, &settings))
            .unwrap();
        user.id
    }

    /// User `extension` forwards its calls to `to`.
    fn forward(&self, extension: &str, to: &str, mode: Forward) {
        let to = E164::parse(to).unwrap();
        self.settings(extension, |s| {
            s.forwarding = ForwardingSettings::new(
                true,
                Some(to),
                mode == Forward::Simultaneous,
                mode == Forward::KeyPress,
            )
            .unwrap();
        });
    }
}

/// How a forwarded call reaches the forward number.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forward {
    /// Only the forward number rings.
    All,
    /// The user's phones ring too.
    Simultaneous,
    /// The forward number must press 1 to take the call.
    KeyPress,
}

/// Account +33199000200 with users 201, 202, 203 (devices dev201..),
/// `DID_201` mapped to 201, the carriers `trunks` (name, port, number
/// format; the first is tried first), `setup` on the database; then the
/// server.
fn switch(dir: &Path, trunks: &[(&str, u16, &str)], setup: impl FnOnce(&Db)) -> Server {
    seed_account(dir, &[201, 202, 203]);
    let db = Db::open(dir);
    db.number(DID_201, Some("201"));
    setup(&db);
    drop(db);
    for (name, port, format) in trunks {
        let (port, source) = (port.to_string(), format!("127.0.0.1:{port}"));
        run_ok(
            dir,
            &[
                "trunks",
                "add",
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--ip",
                &source,
                "--format",
                format,
            ],
        );
    }
    Server::start_with(dir, &["--rtp-ports", TEST_RTP_PORTS])
}

/// A carrier on `port` sends the switch a call for `to` with the
/// Request-URI user `ruri`, from `from`; `pause_ms` is the scenario's `-d`.
fn carrier_call(
    server: &Server,
    port: u16,
    name: &str,
    [ruri, to, from]: [&str; 3],
    pause_ms: u32,
) -> Sipp {
    Sipp::spawn(
        name,
        port,
        &[
            &server.sip.to_string(),
            "-s",
            ruri,
            "-key",
            "to",
            to,
            "-key",
            "from",
            from,
            "-d",
            &pause_ms.to_string(),
        ],
    )
}

/// A carrier waiting on `port` for the switch's calls.
fn carrier(port: u16, name: &str, args: &[&str]) -> Sipp {
    Sipp::listen(name, port, args)
}

/// Every value a scenario logged as `"{what} VALUE"`, in order.
fn all_logged<'a>(logs: &'a str, what: &str) -> Vec<&'a str> {
    logs.lines()
        .filter_map(|l| l.trim().strip_prefix(what)?.strip_prefix(' '))
        .map(str::trim)
        .collect()
}

/// A wall-clock time a scenario logged as `"{what} SECONDS MICROS"`.
fn logged_time(logs: &str, what: &str) -> f64 {
    let value = logged(logs, what);
    let mut parts = value.split_whitespace().map(|p| p.parse::<f64>().unwrap());
    let seconds = parts.next().expect("seconds");
    seconds + parts.next().expect("microseconds") / 1e6
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The final response a refused scenario logged.
fn final_status(run: &Finished) -> &str {
    logged(&run.logs, "final")
}

/// The closed call records of the account once `wanted` holds for them
/// (records are written behind the SIP exchange).
fn calls_where(data: &Path, wanted: impl Fn(&[Cdr]) -> bool) -> Vec<Cdr> {
    let start = Instant::now();
    loop {
        let list = run_ok(data, &["calls", "list", "--account", ACCOUNT]);
        let rows: Vec<Cdr> = list.lines().map(Cdr::parse).collect();
        if rows.iter().all(|r| r.disposition != "in_progress") && wanted(&rows) {
            eprintln!("call records: {rows:#?}");
            return rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the expected call records, got:\n{list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The record of an inbound call from `MOBILE` to `did`, once closed.
fn inbound_record(data: &Path, did: &str) -> Cdr {
    let found = |c: &Cdr| c.direction == "inbound" && c.callee_number == did;
    calls_where(data, |rows| rows.iter().any(found))
        .into_iter()
        .find(found)
        .expect("checked above")
}

fn assert_inbound(cdr: &Cdr, did: &str, extension: &str, disposition: &str) {
    assert_eq!(cdr.direction, "inbound", "{cdr:?}");
    assert_eq!(
        cdr.caller_number, MOBILE,
        "the caller's number in E.164: {cdr:?}"
    );
    assert_eq!(
        (cdr.callee_number.as_str(), cdr.callee_extension.as_str()),
        (did, extension),
        "{cdr:?}"
    );
    assert_eq!(cdr.disposition, disposition, "{cdr:?}");
    assert!(cdr.ended_at.is_some(), "{cdr:?}");
}

fn assert_outbound(cdr: &Cdr, dialled: &str, disposition: &str) {
    assert_eq!(cdr.direction, "outbound", "{cdr:?}");
    assert_eq!(
        (cdr.caller_number.as_str(), cdr.caller_extension.as_str()),
        ("201", "201"),
        "{cdr:?}"
    );
    assert_eq!(cdr.callee_number, dialled, "{cdr:?}");
    assert_eq!(cdr.disposition, disposition, "{cdr:?}");
    assert!(cdr.ended_at.is_some(), "{cdr:?}");
}

/// User 201 dials `dialled` from a registered desk phone (digest
/// authenticated), with the caller scenario `name`.
fn dial(server: &Server, dialled: &str, name: &str, pause_ms: u32) -> Sipp {
    register(server, "dev201", free_port());
    device_call(server.sip, "dev201", dialled, name, pause_ms)
}

/// What the carrier was sent for one call: Request-URI, From and
/// P-Asserted-Identity users.
fn sent(logs: &str, call: usize) -> [&str; 3] {
    let nth = |what| {
        *all_logged(logs, what)
            .get(call)
            .unwrap_or_else(|| panic!("call {call}'s {what} in {logs}"))
    };
    [nth("ruri"), nth("from"), nth("pai")]
}
