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
//! Everything is set up before the server starts (trunks with `switchboard
//! trunks add`, the rest in storage), since trunks are loaded at start.

mod support;

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

// ---- Inbound (SPEC T3, A6) ----

#[test]
fn an_inbound_call_rings_the_user_its_number_is_mapped_to_with_media_anchored() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |_| {});
    let phone = callee(&server, "dev201", "callee_answer", 300);
    let call = carrier_call(
        &server,
        port,
        "carrier_call",
        [DID_201, DID_201, MOBILE],
        1000,
    )
    .finish();
    let phone = phone.finish();
    assert!(
        call.ok,
        "carrier: INVITE, 200 from the switch, ACK, BYE, 200"
    );
    assert!(phone.ok, "dev201: INVITE, 180, 200, ACK, BYE, 200");
    assert_ne!(
        logged(&call.logs, "answer port"),
        phone.media_port,
        "the carrier is given the switch's relay, not the phone"
    );
    assert_ne!(
        logged(&phone.logs, "offer port"),
        call.media_port,
        "the phone is given the switch's relay, not the carrier"
    );
    let cdr = inbound_record(dir.path(), DID_201);
    assert_inbound(&cdr, DID_201, "201", "answered");
}

#[test]
fn the_called_number_is_read_in_national_and_international_forms_and_from_to_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "national")], |_| {});
    // 201 has no phone registered: a call that found 201 is unavailable
    // (480), one that found nothing would be 404. The caller is given in
    // national form; the record keeps it in E.164.
    for called in [
        ["0199000201", "0199000201", "0612345678"],
        ["33199000201", "33199000201", "0612345678"],
        ["carrier-login", DID_201, "0612345678"],
    ] {
        let call = carrier_call(&server, port, "carrier_refused", called, 0).finish();
        assert!(call.ok, "{called:?}: refused after routing");
        assert_eq!(final_status(&call), "480", "{called:?} reaches 201");
    }
    let rows = calls_where(dir.path(), |rows| rows.len() == 3);
    for cdr in &rows {
        assert_inbound(cdr, DID_201, "201", "missed");
    }
}

#[test]
fn a_number_not_held_or_mapped_to_nothing_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        db.number("+33199000202", None)
    });
    for number in ["+33199000299", "+33199000202"] {
        let call = carrier_call(
            &server,
            port,
            "carrier_refused",
            [number, number, MOBILE],
            0,
        )
        .finish();
        assert!(call.ok, "{number} is refused");
        assert_eq!(final_status(&call), "404", "{number}: {}", call.logs);
    }
}

#[test]
fn a_call_from_neither_a_carrier_nor_a_phone_is_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[("carrier", free_port(), "e164")], |_| {});
    // 127.0.0.2: no trunk there and no phone registered from there.
    let call = Sipp::spawn(
        "carrier_refused",
        free_port(),
        &[
            &server.sip.to_string(),
            "-i",
            "127.0.0.2",
            "-s",
            DID_201,
            "-key",
            "to",
            DID_201,
            "-key",
            "from",
            MOBILE,
        ],
    )
    .finish();
    assert!(call.ok, "refused without a challenge");
    assert_eq!(final_status(&call), "403", "{}", call.logs);
}

// ---- Ring groups (SPEC T5) ----

#[test]
fn a_simultaneous_ring_group_rings_every_member_and_the_first_to_answer_wins() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        db.ring_group(RingStrategy::Simultaneous, &["201", "202"])
    });
    let ringing = callee(&server, "dev201", "callee_ring", 0);
    let answering = callee(&server, "dev202", "callee_answer", 500);
    let call = carrier_call(
        &server,
        port,
        "carrier_call",
        [DID_600, DID_600, MOBILE],
        500,
    )
    .finish();
    assert!(call.ok, "carrier: answered by the group");
    assert!(answering.finish().ok, "202 answers");
    assert!(ringing.finish().ok, "201 rang, then got CANCEL");
    let cdr = inbound_record(dir.path(), DID_600);
    assert_inbound(&cdr, DID_600, "600", "answered");
}

#[test]
fn a_sequential_ring_group_rings_members_in_turn_and_skips_one_without_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        db.ring_group(RingStrategy::Sequential, &["201", "202", "203"])
    });
    // 201 has no phone; 202 rings out its 3 s; 203 answers.
    let second = callee(&server, "dev202", "callee_ring", 0);
    let third = callee(&server, "dev203", "callee_answer", 0);
    let dialled_at = now_seconds();
    let call = carrier_call(
        &server,
        port,
        "carrier_call",
        [DID_600, DID_600, MOBILE],
        500,
    )
    .finish();
    assert!(call.ok, "carrier: answered by the group");
    let second = second.finish();
    let third = third.finish();
    assert!(second.ok, "202 rang, then got CANCEL");
    assert!(third.ok, "203 answers");
    let second_rang = logged_time(&second.logs, "invite-at");
    let third_rang = logged_time(&third.logs, "invite-at");
    assert!(
        second_rang - dialled_at < 3.0,
        "201, without a phone, is skipped at once: 202 rang {:.1} s after the call",
        second_rang - dialled_at
    );
    // The switch cancels 202 and invites 203 at the same moment, so the
    // two arrivals may come in either order: what shows the turn is that
    // 203 was left alone while 202 rang (3 s, with a second of slack).
    assert!(
        third_rang - second_rang > 2.0,
        "203 rings only after 202's turn, not {:.1} s after it",
        third_rang - second_rang
    );
    let cdr = inbound_record(dir.path(), DID_600);
    assert_inbound(&cdr, DID_600, "600", "answered");
}

#[test]
fn a_sequential_ring_group_skips_a_member_already_on_a_call() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        db.ring_group(RingStrategy::Sequential, &["202", "203"])
    });
    // 201 calls 202, who answers: 202 is busy for 6 s.
    let busy = callee(&server, "dev202", "callee_answer", 0);
    let internal = dial(&server, "202", "caller_talk", 6000);
    let start = Instant::now();
    while !run_ok(dir.path(), &["calls", "list", "--account", ACCOUNT])
        .lines()
        .map(Cdr::parse)
        .any(|c| c.answered_at.is_some())
    {
        assert!(start.elapsed() < Duration::from_secs(5), "202 answers 201");
        std::thread::sleep(Duration::from_millis(50));
    }
    let next = callee(&server, "dev203", "callee_answer", 0);
    let dialled_at = now_seconds();
    let call = carrier_call(
        &server,
        port,
        "carrier_call",
        [DID_600, DID_600, MOBILE],
        500,
    )
    .finish();
    assert!(call.ok, "carrier: answered by the group");
    let next = next.finish();
    assert!(next.ok, "203 answers");
    assert!(
        logged_time(&next.logs, "invite-at") - dialled_at < 3.0,
        "202, busy, is skipped at once"
    );
    assert!(
        internal.finish().ok && busy.finish().ok,
        "201 and 202 talked undisturbed"
    );
    let cdr = inbound_record(dir.path(), DID_600);
    assert_inbound(&cdr, DID_600, "600", "answered");
}

#[test]
fn a_ring_group_nobody_answers_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        db.ring_group(RingStrategy::Simultaneous, &["202", "203"])
    });
    let members = [
        callee(&server, "dev202", "callee_ring", 0),
        callee(&server, "dev203", "callee_ring", 0),
    ];
    let call = carrier_call(
        &server,
        port,
        "carrier_refused",
        [DID_600, DID_600, MOBILE],
        0,
    )
    .finish();
    assert!(call.ok, "refused after ringing");
    assert_eq!(final_status(&call), "480", "{}", call.logs);
    for member in members {
        assert!(member.finish().ok, "each member rang, then got CANCEL");
    }
    let cdr = inbound_record(dir.path(), DID_600);
    assert_inbound(&cdr, DID_600, "600", "missed");
}

// ---- Outbound (SPEC T4, U8) ----

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

#[test]
fn national_and_international_numbers_go_out_in_e164_with_the_main_number_as_caller_id() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |_| {});
    let carrier = carrier(port, "carrier_answer", &["-m", "2", "-d", "0"]);
    for dialled in ["0612345678", "0044207946000"] {
        let call = dial(&server, dialled, "caller_talk", 300).finish();
        assert!(call.ok, "{dialled}: answered by the carrier, hung up");
    }
    let carrier = carrier.finish();
    assert!(carrier.ok, "the carrier took both calls");
    assert_eq!(
        sent(&carrier.logs, 0),
        [MOBILE, ACCOUNT, ACCOUNT],
        "Request-URI, From, P-Asserted-Identity"
    );
    assert_eq!(
        sent(&carrier.logs, 1),
        ["+44207946000", ACCOUNT, ACCOUNT],
        "Request-URI, From, P-Asserted-Identity"
    );
    let rows = calls_where(dir.path(), |rows| rows.len() == 2);
    // Newest first.
    assert_outbound(&rows[0], "+44207946000", "answered");
    assert_outbound(&rows[1], MOBILE, "answered");
}

#[test]
fn a_national_trunk_is_sent_national_numbers_and_the_users_chosen_caller_id() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "national")], |db| {
        db.settings("201", |s| s.caller_id = Some(E164::parse(DID_201).unwrap()));
    });
    let carrier = carrier(port, "carrier_answer", &["-d", "0"]);
    let call = dial(&server, "0612345678", "caller_talk", 300).finish();
    assert!(call.ok, "answered by the carrier");
    let carrier = carrier.finish();
    assert!(carrier.ok);
    assert_eq!(
        sent(&carrier.logs, 0),
        ["0612345678", "0199000201", DID_201],
        "Request-URI, From, P-Asserted-Identity"
    );
    assert_outbound(
        &calls_where(dir.path(), |r| r.len() == 1)[0],
        MOBILE,
        "answered",
    );
}

#[test]
fn an_e164_without_plus_trunk_is_sent_numbers_without_the_plus() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164_no_plus")], |_| {});
    let carrier = carrier(port, "carrier_answer", &["-d", "0"]);
    let call = dial(&server, "0612345678", "caller_talk", 300).finish();
    assert!(call.ok, "answered by the carrier");
    let carrier = carrier.finish();
    assert!(carrier.ok);
    assert_eq!(
        sent(&carrier.logs, 0),
        ["33612345678", "33199000200", ACCOUNT],
        "Request-URI, From, P-Asserted-Identity"
    );
}

#[test]
fn an_emergency_number_goes_out_as_dialled() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = switch(dir.path(), &[("carrier", port, "e164")], |_| {});
    let carrier = carrier(port, "carrier_answer", &["-d", "0"]);
    let call = dial(&server, "112", "caller_talk", 300).finish();
    assert!(call.ok, "answered by the carrier");
    let carrier = carrier.finish();
    assert!(carrier.ok);
    assert_eq!(logged(&carrier.logs, "ruri"), "112");
    assert_outbound(
        &calls_where(dir.path(), |r| r.len() == 1)[0],
        "112",
        "answered",
    );
}

#[test]
fn without_a_trunk_an_outside_call_fails_with_503() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[], |_| {});
    let call = dial(&server, "0612345678", "caller_refused", 0).finish();
    assert!(call.ok, "refused");
    assert_eq!(final_status(&call), "503", "{}", call.logs);
    assert_outbound(
        &calls_where(dir.path(), |r| r.len() == 1)[0],
        MOBILE,
        "failed",
    );
}

// ---- Failover (SPEC T3) ----

#[test]
fn a_trunk_answering_503_hands_the_call_to_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (free_port(), free_port());
    let server = switch(
        dir.path(),
        &[("first", first, "e164"), ("second", second, "e164")],
        |_| {},
    );
    let refusing = carrier(first, "carrier_unavailable", &[]);
    let answering = carrier(second, "carrier_answer", &["-d", "0"]);
    let call = dial(&server, "0612345678", "caller_talk", 300).finish();
    assert!(call.ok, "the caller is answered through the second trunk");
    let refusing = refusing.finish();
    let answering = answering.finish();
    assert!(refusing.ok && answering.ok);
    assert_eq!(logged(&refusing.logs, "ruri"), MOBILE, "tried first");
    assert_eq!(logged(&answering.logs, "ruri"), MOBILE, "tried next");
    assert_outbound(
        &calls_where(dir.path(), |r| r.len() == 1)[0],
        MOBILE,
        "answered",
    );
}

#[test]
fn a_busy_destination_is_not_tried_on_the_next_trunk() {
    let dir = tempfile::tempdir().unwrap();
    let first = free_port();
    // The second carrier only listens: nothing may reach it.
    let second = UdpSocket::bind("127.0.0.1:0").unwrap();
    let second_port = second.local_addr().unwrap().port();
    let server = switch(
        dir.path(),
        &[("first", first, "e164"), ("second", second_port, "e164")],
        |_| {},
    );
    let busy = carrier(first, "carrier_busy", &[]);
    let call = dial(&server, "0612345678", "caller_refused", 0).finish();
    assert!(busy.finish().ok, "the first carrier said busy");
    assert!(call.ok, "refused");
    assert_eq!(final_status(&call), "486", "the caller hears busy");
    // A failover would have sent its INVITE before the caller's 486.
    second.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 2048];
    assert!(
        second.recv_from(&mut buf).is_err(),
        "the second trunk was not tried"
    );
    assert_outbound(
        &calls_where(dir.path(), |r| r.len() == 1)[0],
        MOBILE,
        "busy",
    );
}

// ---- Forwarding (SPEC T8, U7) ----

/// The forward number's carrier (tried first for outside calls) and the
/// caller's, on two ports.
fn forwarding_switch(dir: &Path, mode: Forward) -> (Server, u16, u16) {
    let (out, inbound) = (free_port(), free_port());
    let server = switch(
        dir,
        &[("out", out, "e164"), ("in", inbound, "e164")],
        |db| db.forward("201", "0698765432", mode),
    );
    (server, out, inbound)
}

#[test]
fn forward_all_sends_the_call_out_with_the_callers_number_and_a_diversion() {
    let dir = tempfile::tempdir().unwrap();
    let (server, out, inbound) = forwarding_switch(dir.path(), Forward::All);
    let mobile = carrier(out, "carrier_answer", &["-d", "0"]);
    let call = carrier_call(
        &server,
        inbound,
        "carrier_call",
        [DID_201, DID_201, MOBILE],
        500,
    )
    .finish();
    assert!(call.ok, "the caller is answered by the forward number");
    let mobile = mobile.finish();
    assert!(mobile.ok);
    assert_eq!(logged(&mobile.logs, "ruri"), "+33698765432");
    assert_eq!(
        logged(&mobile.logs, "from"),
        MOBILE,
        "the original caller is presented"
    );
    let diversion = logged(&mobile.logs, "diversion");
    assert!(
        diversion.contains(&format!("sip:{DID_201}@"))
            && diversion.contains("reason=unconditional"),
        "Diversion names 201's number: {diversion:?}"
    );
    let cdr = inbound_record(dir.path(), DID_201);
    assert_eq!(cdr.disposition, "answered", "{cdr:?}");
}

#[test]
fn simultaneous_forwarding_rings_the_phone_and_the_forward_number_together() {
    let dir = tempfile::tempdir().unwrap();
    let (server, out, inbound) = forwarding_switch(dir.path(), Forward::Simultaneous);
    let phone = callee(&server, "dev201", "callee_ring", 0);
    let mobile = carrier(out, "carrier_answer", &["-d", "500"]);
    let call = carrier_call(
        &server,
        inbound,
        "carrier_call",
        [DID_201, DID_201, MOBILE],
        500,
    )
    .finish();
    assert!(call.ok, "answered by the forward number");
    assert!(mobile.finish().ok, "the forward number answered");
    assert!(phone.finish().ok, "201's phone rang too, then got CANCEL");
    let cdr = inbound_record(dir.path(), DID_201);
    assert_eq!(cdr.disposition, "answered", "{cdr:?}");
}

#[test]
fn a_forward_that_needs_a_key_press_is_connected_when_1_is_pressed() {
    assert!(
        Path::new("/usr/share/sip-tester/dtmf_2833_1.pcap").exists(),
        "sip-tester's DTMF captures"
    );
    let dir = tempfile::tempdir().unwrap();
    let (server, out, inbound) = forwarding_switch(dir.path(), Forward::KeyPress);
    let mobile = carrier(out, "carrier_press_one", &[]);
    let call = carrier_call(
        &server,
        inbound,
        "carrier_call",
        [DID_201, DID_201, MOBILE],
        500,
    )
    .finish();
    let mobile = mobile.finish();
    assert!(mobile.ok, "the forward number answered, pressed 1, got BYE");
    assert_eq!(
        logged(&mobile.logs, "event-pt"),
        "101",
        "the switch offers telephone-event as 101, the payload type of sipp's capture"
    );
    assert!(call.ok, "the caller is connected after the 1");
    let cdr = inbound_record(dir.path(), DID_201);
    assert_eq!(cdr.disposition, "answered", "{cdr:?}");
}

#[test]
fn a_forward_that_needs_a_key_press_is_dropped_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, out, inbound) = forwarding_switch(dir.path(), Forward::KeyPress);
    // Answers and presses nothing: the switch hangs up on it after 10 s.
    let mobile = carrier(out, "carrier_answer", &["-d", "0"]);
    let call = carrier_call(
        &server,
        inbound,
        "carrier_refused",
        [DID_201, DID_201, MOBILE],
        0,
    )
    .finish();
    assert!(mobile.finish().ok, "the forward leg got the switch's BYE");
    assert!(call.ok, "the caller is refused");
    assert_eq!(final_status(&call), "480", "{}", call.logs);
}

// ---- Click to call (SPEC U2) ----

/// One HTTP/1.1 request with a bearer key; returns the status and body.
fn http(addr: SocketAddr, method: &str, path: &str, key: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("HTTP port answers");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A JSON field's value as text (quotes removed), from a flat object.
fn json_field<'a>(body: &'a str, field: &str) -> &'a str {
    let rest = body
        .split(&format!("\"{field}\":"))
        .nth(1)
        .unwrap_or_else(|| panic!("{field} in {body}"));
    rest.trim_start()
        .split([',', '}'])
        .next()
        .unwrap()
        .trim()
        .trim_matches('"')
}

#[test]
fn click_to_call_rings_the_user_first_then_dials_out_with_their_caller_id() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut user = 0;
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        user = db.user_id("201")
    });
    let out = run_ok(
        dir.path(),
        &["api-key", "create", "--account", ACCOUNT, "--name", "crm"],
    );
    let key = out
        .lines()
        .nth(1)
        .expect("the key on the second line")
        .trim();
    // 201's phone answers, and hangs up 4 s later.
    let phone = callee(&server, "dev201", "callee_hangup", 4000);
    let carrier = carrier(port, "carrier_answer", &["-d", "0"]);
    let (status, body) = http(
        server.http,
        "POST",
        &format!("/api/v1/users/{user}/calls"),
        key,
        r#"{"destination":"0612345678"}"#,
    );
    assert!((200..300).contains(&status), "{status} {body}");
    let id = json_field(&body, "id").to_owned();
    let start = Instant::now();
    loop {
        let (status, body) = http(
            server.http,
            "GET",
            &format!("/api/v1/calls/live/{id}"),
            key,
            "",
        );
        assert_eq!(status, 200, "{body}");
        if json_field(&body, "state") == "connected" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "connected while the phone is up, last: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        phone.finish().ok,
        "201's phone was called, answered, hung up"
    );
    let carrier = carrier.finish();
    assert!(carrier.ok, "the destination was called and got the BYE");
    assert_eq!(
        sent(&carrier.logs, 0),
        [MOBILE, ACCOUNT, ACCOUNT],
        "Request-URI, From, P-Asserted-Identity"
    );
}
