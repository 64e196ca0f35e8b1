//! Two real softphones talk through the switch (SPEC T2): baresip calls
//! baresip, each sends a tone from a WAV file and records what it hears,
//! and each must hear the other's tone, not its own and not silence.
//! (The softphone is `support::baresip`.)

mod support;

use std::time::{Duration, Instant};

use support::baresip::{Baresip, assert_hears, registered};
use support::{Server, run_ok, seed_account};

#[test]
fn two_softphones_hear_each_other_through_the_switch() {
    talk_through_the_switch(("udp", None), ("udp", None));
}

/// The caller on TCP speaking only PCMU, the callee on TCP speaking only
/// PCMA: the switch answers each on its own connection and the relay
/// converts between the two laws.
#[test]
fn phones_on_tcp_with_different_codecs_hear_each_other() {
    talk_through_the_switch(("tcp", Some("PCMU/8000")), ("tcp", Some("PCMA/8000")));
}

fn talk_through_the_switch(caller_leg: (&str, Option<&str>), callee_leg: (&str, Option<&str>)) {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    // Media ports out of the default range, which a relay benchmark on the
    // same machine may fill.
    let server = Server::start_with(dir.path(), &["--rtp-ports", "20000-29999"]);
    let callee = Baresip::start(
        &server,
        "dev202",
        2000.0,
        "auto",
        callee_leg.0,
        callee_leg.1,
    );
    let mut caller = Baresip::start(
        &server,
        "dev201",
        1000.0,
        "manual",
        caller_leg.0,
        caller_leg.1,
    );
    let start = Instant::now();
    while !(registered(dir.path(), "dev201") && registered(dir.path(), "dev202")) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "both softphones register"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    caller.command("/dial 202");
    caller.wait_for("Call established", 10);
    callee.wait_for("Call established", 5);
    std::thread::sleep(Duration::from_secs(3));
    caller.command("/hangup");
    callee.wait_for("terminated", 5);

    // Each phone really used the codec it was limited to.
    for (phone, leg) in [(&caller, caller_leg), (&callee, callee_leg)] {
        if let Some(codec) = leg.1 {
            let law = codec.split('/').next().unwrap();
            phone.wait_for(&format!("Set audio encoder: {law}"), 1);
        }
    }
    let caller_heard = caller.quit();
    let callee_heard = callee.quit();
    assert_hears("the caller", &caller_heard, 2000.0, 1000.0, 2.0);
    assert_hears("the callee", &callee_heard, 1000.0, 2000.0, 2.0);

    // Call records are written in batches behind the SIP exchange.
    let start = Instant::now();
    let calls = loop {
        let calls = run_ok(dir.path(), &["calls", "list", "--account", "+33199000200"]);
        if !calls.contains("in_progress") || start.elapsed() > Duration::from_secs(5) {
            break calls;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let fields: Vec<&str> = calls.trim_end().split('\t').collect();
    assert_eq!(
        (calls.lines().count(), fields.get(8).copied()),
        (1, Some("answered")),
        "one answered call: {calls}"
    );
    let talk = fields[7].parse::<i64>().unwrap() - fields[6].parse::<i64>().unwrap();
    assert!((2000..=5000).contains(&talk), "about 3 s of talk: {calls}");
}
