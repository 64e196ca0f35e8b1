//! Message waiting end to end (RFC 3842, issue 7): the real server and sipp
//! phones on loopback. A phone subscribes with its digest credentials and
//! is told at once that nothing waits; a phone that never subscribes is
//! told out of dialog, as soon as it registers, that a message waits; a
//! message marked heard through the REST API puts the lamp out. Messages
//! are put in the mailbox through storage before the server starts.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use domain::{E164, ExtensionNumber, NewVoicemailMessage, UnixMillis};
use storage::Store;
use support::sipp::{Sipp, TEST_RTP_PORTS, logged, register};
use support::{Server, free_port, run_ok, scenario, seed_account};

/// Leaves one new message in the mailbox of extension `extension`;
/// returns the user's id and the message's.
fn leave_message(data: &Path, extension: &str) -> (i64, i64) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", data.join("switchboard.db").display());
        let store = Store::connect(&url).await.unwrap();
        let main = E164::parse("+33199000200").unwrap();
        let account = store
            .account_by_main_number(&main)
            .await
            .unwrap()
            .expect("the seeded account")
            .id;
        let scope = store.account(account);
        let number = ExtensionNumber::parse(extension).unwrap();
        let user = scope
            .user_by_extension(&number)
            .await
            .unwrap()
            .expect("the seeded user");
        let message = scope
            .add_voicemail(&NewVoicemailMessage {
                user: user.id,
                caller_number: "+33612345678".into(),
                caller_name: None,
                received_at: UnixMillis::from_millis(1_800_000_000_000),
                duration_ms: 4_000,
                wav_key: "test/1.wav".into(),
                mp3_key: "test/1.mp3".into(),
            })
            .await
            .unwrap();
        store.close().await;
        (user.id.raw(), message.id.raw())
    })
}

fn server(data: &Path) -> Server {
    seed_account(data, &[201, 202]);
    leave_message(data, "202");
    Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS])
}

#[test]
fn a_subscribed_phone_is_told_nothing_waits_and_can_unsubscribe() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let run = Sipp::spawn(
        "mwi_subscribe",
        free_port(),
        &[
            &server.sip.to_string(),
            "-s",
            "dev201",
            "-au",
            "dev201",
            "-ap",
            "sippass201",
        ],
    )
    .finish();
    assert!(run.ok, "the subscription scenario runs to its end");
    let first = logged(&run.logs, "first NOTIFY");
    let (state, summary) = first.split_once(' ').expect("state then summary");
    let left: u32 = state
        .strip_prefix("active;expires=")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("an active state with its time left, got {state:?}"));
    assert!(
        (590..=600).contains(&left),
        "{left} s left of the 600 granted"
    );
    assert_eq!(summary, "Messages-Waiting: no Voice-Message: 0/0 (0/0)");
    assert_eq!(logged(&run.logs, "last NOTIFY"), "terminated");
}

#[test]
fn a_phone_that_registers_is_told_at_once_that_a_message_waits() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let port = free_port();
    register(&server, "dev202", port);
    // The NOTIFY left as the 200 did; the phone, now listening on the
    // port it registered from, gets its retransmission.
    let lamp = Sipp::listen("mwi_unsolicited", port, &[]).finish();
    assert!(lamp.ok, "the phone gets an unsolicited NOTIFY");
    assert_eq!(
        logged(&lamp.logs, "unsolicited NOTIFY"),
        "Messages-Waiting: yes Voice-Message: 1/0 (0/0)"
    );
}

#[test]
fn a_message_marked_heard_through_the_api_puts_the_subscribed_lamp_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201]);
    let (user, message) = leave_message(data, "201");
    let server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    let out = run_ok(
        data,
        &[
            "api-key",
            "create",
            "--account",
            "+33199000200",
            "--name",
            "mwi",
        ],
    );
    let key = out
        .lines()
        .find(|l| l.starts_with("sb_"))
        .expect("a key is printed")
        .to_owned();

    // The phone's messages are traced to a file, so the test sees when
    // its first NOTIFY (the lamp on) has come.
    let phone_dir = tempfile::tempdir().unwrap();
    let phone = Command::new("sipp")
        .current_dir(phone_dir.path())
        .arg(server.sip.to_string())
        .args(["-sf", scenario("mwi_change").to_str().unwrap()])
        .args(["-s", "dev201", "-au", "dev201", "-ap", "sippass201"])
        .args(["-t", "u1", "-i", "127.0.0.1", "-m", "1"])
        .args(["-p", &free_port().to_string()])
        .args(["-timeout", "30s", "-timeout_error", "-nostdin"])
        .args(["-trace_msg", "-trace_logs", "-trace_err"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp runs");
    let start = Instant::now();
    while !traced(phone_dir.path(), "_messages.log").contains("Voice-Message: 1/0") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the phone is told a message waits"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let path = format!("/api/v1/users/{user}/voicemails/{message}");
    let res = http_patch(
        &server.http.to_string(),
        &path,
        &key,
        r#"{"status":"saved"}"#,
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");

    let status = phone.wait_with_output().expect("sipp ends").status;
    let logs = traced(phone_dir.path(), "_logs.log");
    assert!(
        status.success(),
        "the phone gets both NOTIFYs: {}",
        traced(phone_dir.path(), "_errors.log")
    );
    assert_eq!(
        logged(&logs, "before"),
        "Messages-Waiting: yes Voice-Message: 1/0 (0/0)"
    );
    assert_eq!(
        logged(&logs, "after"),
        "Messages-Waiting: no Voice-Message: 0/1 (0/0)"
    );
}

/// The text of sipp's trace files in `dir` whose names end with `suffix`.
fn traced(dir: &Path, suffix: &str) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_name().to_string_lossy().ends_with(suffix) {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

fn http_patch(addr: &str, path: &str, key: &str, json: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("HTTP port answers");
    write!(
        s,
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
