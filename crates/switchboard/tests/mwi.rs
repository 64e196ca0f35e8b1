//! Message waiting end to end (RFC 3842, issue 7): the real server and sipp
//! phones on loopback. A phone subscribes with its digest credentials and
//! is told at once that nothing waits; a phone that never subscribes is
//! told out of dialog, as soon as it registers, that a message waits.
//! Messages are put in the mailbox through storage before the server
//! starts.

mod support;

use std::path::Path;

use domain::{E164, ExtensionNumber, NewVoicemailMessage, UnixMillis};
use storage::Store;
use support::sipp::{Sipp, TEST_RTP_PORTS, logged, register};
use support::{Server, free_port, seed_account};

/// Leaves one new message in the mailbox of extension `extension`.
fn leave_message(data: &Path, extension: &str) {
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
        scope
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
    });
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
