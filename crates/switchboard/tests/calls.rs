//! Extension-to-extension calls through the switch (SPEC T2, T12): real
//! sipp callers and callees on loopback, the switch between them as a
//! B2BUA. Each test starts its own server; a callee is a sipp run of
//! register.xml with the callee's credentials, then a sipp UAS on the same
//! port waiting for the switch's INVITE. (One sipp process cannot do both:
//! it ties messages to calls by Call-ID and drops the switch's INVITE,
//! which has a Call-ID of its own.)

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::sipp::{Cdr, Sipp, TEST_RTP_PORTS, callee, device_call, logged, register};
use support::{Server, free_port, run_ok, seed_account};

const ACCOUNT: &str = "+33199000200";

/// dev201, registered (the switch refuses calls from an address no phone
/// registered from), calls `extension` with the caller scenario `name`.
fn call(server: &Server, extension: &str, name: &str, pause_ms: u32) -> Sipp {
    register(server, "dev201", free_port());
    device_call(server.sip, "dev201", extension, name, pause_ms)
}

/// The one call record of the account, once it is closed.
fn only_call(data: &Path) -> Cdr {
    support::sipp::only_call(data, ACCOUNT)
}

/// Checks the record of an internal call from 201 to 202.
fn assert_internal_201_to_202(cdr: &Cdr, disposition: &str) {
    assert_eq!(cdr.direction, "internal", "{cdr:?}");
    assert_eq!(
        (cdr.caller_number.as_str(), cdr.caller_extension.as_str()),
        ("201", "201"),
        "{cdr:?}"
    );
    assert_eq!(
        (cdr.callee_number.as_str(), cdr.callee_extension.as_str()),
        ("202", "202"),
        "{cdr:?}"
    );
    assert_eq!(cdr.disposition, disposition, "{cdr:?}");
    assert_ne!(cdr.hangup_cause, "-", "a closed record says why: {cdr:?}");
    let ended = cdr.ended_at.expect("a closed record has ended_at");
    assert!(ended >= cdr.started_at, "{cdr:?}");
    match cdr.answered_at {
        Some(answered) => {
            assert_eq!(disposition, "answered", "{cdr:?}");
            assert!(cdr.started_at <= answered && answered <= ended, "{cdr:?}");
        }
        None => assert_ne!(disposition, "answered", "{cdr:?}"),
    }
}

/// Account +33199000200 with users 201 and 202, `setup` run on the
/// command line, then the server.
fn switch(dir: &Path, setup: &[&[&str]]) -> Server {
    seed_account(dir, &[201, 202]);
    for args in setup {
        run_ok(dir, args);
    }
    Server::start_with(dir, &["--rtp-ports", TEST_RTP_PORTS])
}

#[test]
fn caller_hangs_up_an_answered_call_and_the_record_has_its_talk_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let callee = callee(&server, "dev202", "callee_answer", 300);
    let caller = call(&server, "202", "caller_talk", 2000).finish();
    let callee = callee.finish();
    assert!(caller.ok, "caller: INVITE, 407, INVITE, 200, ACK, BYE, 200");
    assert!(callee.ok, "callee: INVITE, 180, 200, ACK, BYE, 200");
    // Two dialogs, media anchored: each side is given a port of the
    // switch, not the other side's.
    assert_ne!(
        logged(&caller.logs, "call-id"),
        logged(&callee.logs, "call-id"),
        "the callee's leg has its own Call-ID"
    );
    let answer = logged(&caller.logs, "answer port");
    let offer = logged(&callee.logs, "offer port");
    assert_ne!(
        answer, callee.media_port,
        "the caller is given the switch's port"
    );
    assert_ne!(
        offer, caller.media_port,
        "the callee is given the switch's port"
    );
    assert_ne!(answer, offer, "the switch uses a port per leg");
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "answered");
    assert!(
        (1000..=3000).contains(&cdr.talk_ms()),
        "talk time of the 2 s hold: {cdr:?}"
    );
}

#[test]
fn callee_hangs_up_and_the_caller_gets_the_bye() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let callee = callee(&server, "dev202", "callee_hangup", 1500);
    let caller = call(&server, "202", "caller_listens", 0).finish();
    let callee = callee.finish();
    assert!(caller.ok, "caller: ..., 200, ACK, BYE from the switch, 200");
    assert!(callee.ok, "callee: INVITE, 180, 200, ACK, BYE, 200");
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "answered");
    assert!(
        (500..=2500).contains(&cdr.talk_ms()),
        "talk time of the 1.5 s hold: {cdr:?}"
    );
}

#[test]
fn a_busy_callee_sends_the_caller_to_voicemail() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let callee = callee(&server, "dev202", "callee_busy", 0);
    let caller = call(&server, "202", "caller_talk", 0).finish();
    assert!(callee.finish().ok, "callee: INVITE, 486, ACK");
    assert!(caller.ok, "answered by voicemail: {}", caller.logs);
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "missed");
    assert_eq!(cdr.hangup_cause, "voicemail", "{cdr:?}");
}

#[test]
fn a_busy_callee_without_voicemail_has_the_caller_told_and_hung_up_on() {
    let dir = tempfile::tempdir().unwrap();
    let off = [
        "users",
        "voicemail",
        "--account",
        ACCOUNT,
        "--extension",
        "202",
        "--off",
    ];
    let server = switch(dir.path(), &[&off]);
    let callee = callee(&server, "dev202", "callee_busy", 0);
    // The switch answers, says nobody can take the call, and hangs up.
    let caller = call(&server, "202", "caller_listens", 0).finish();
    assert!(callee.finish().ok, "callee: INVITE, 486, ACK");
    assert!(
        caller.ok,
        "the switch's BYE after the prompt: {}",
        caller.logs
    );
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "busy");
    assert_eq!(cdr.hangup_cause, "busy, no voicemail", "{cdr:?}");
}

#[test]
fn unanswered_call_stops_ringing_after_the_ring_time() {
    let dir = tempfile::tempdir().unwrap();
    let ring = [
        "users",
        "ring-time",
        "--account",
        ACCOUNT,
        "--extension",
        "202",
        "--seconds",
        "5",
    ];
    let server = switch(dir.path(), &[&ring]);
    let callee = callee(&server, "dev202", "callee_ring", 0);
    // Nobody answers: after the ring time the user's voicemail does.
    let caller = call(&server, "202", "caller_talk", 500).finish();
    assert!(
        callee.finish().ok,
        "callee: INVITE, 180, CANCEL, 200, 487, ACK"
    );
    assert!(
        caller.ok,
        "the caller is answered by voicemail: {}",
        caller.logs
    );
    // The user's 5 s, not the default 25 s.
    assert!(
        (Duration::from_millis(5000)..Duration::from_secs(10)).contains(&caller.elapsed),
        "rang for the 5 s ring time, not {:?}",
        caller.elapsed
    );
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "missed");
    assert_eq!(cdr.hangup_cause, "voicemail", "{cdr:?}");
}

#[test]
fn caller_cancels_while_it_rings() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let callee = callee(&server, "dev202", "callee_ring", 0);
    let caller = call(&server, "202", "caller_cancel", 500).finish();
    assert!(caller.ok, "caller: ..., 180, CANCEL, 200, 487, ACK");
    assert!(
        callee.finish().ok,
        "callee: INVITE, 180, CANCEL, 200, 487, ACK"
    );
    assert_internal_201_to_202(&only_call(dir.path()), "missed");
}

#[test]
fn hold_and_resume_reach_the_callee_as_re_invites() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let callee = callee(&server, "dev202", "callee_hold", 0);
    let caller = call(&server, "202", "caller_hold", 300).finish();
    assert!(
        caller.ok,
        "caller: sendonly answered recvonly, sendrecv answered sendrecv"
    );
    assert!(
        callee.finish().ok,
        "callee: re-INVITEs with sendonly then sendrecv"
    );
    assert_internal_201_to_202(&only_call(dir.path()), "answered");
}

#[test]
fn every_contact_of_every_device_rings_and_those_not_answering_are_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let second = [
        "devices",
        "add",
        "--account",
        ACCOUNT,
        "--extension",
        "202",
        "--username",
        "dev202b",
        "--password",
        "sippass202b",
    ];
    let server = switch(dir.path(), &[&second]);
    let desk = callee(&server, "dev202", "callee_answer", 1000);
    // dev202b is registered from two places (two contacts).
    let softphone = callee(&server, "dev202b", "callee_ring", 0);
    let laptop = callee(&server, "dev202b", "callee_ring", 0);
    let caller = call(&server, "202", "caller_talk", 1000).finish();
    assert!(caller.ok, "caller: answered, BYE");
    assert!(desk.finish().ok, "dev202 answers after 1 s of ringing");
    for (name, fork) in [("first", softphone), ("second", laptop)] {
        assert!(
            fork.finish().ok,
            "dev202b's {name} contact rang, then got CANCEL and answered 487"
        );
    }
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "answered");
}

#[test]
fn a_callee_without_a_registered_device_goes_to_voicemail_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let caller = call(&server, "202", "caller_talk", 0).finish();
    assert!(caller.ok, "answered by voicemail: {}", caller.logs);
    assert!(
        caller.elapsed < Duration::from_secs(3),
        "no ringing first: {:?}",
        caller.elapsed
    );
    let cdr = only_call(dir.path());
    assert_internal_201_to_202(&cdr, "missed");
    assert_eq!(cdr.hangup_cause, "voicemail", "{cdr:?}");
}

#[test]
fn an_unknown_extension_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let server = switch(dir.path(), &[]);
    let caller = call(&server, "299", "caller_refused", 0).finish();
    assert!(
        caller.ok && caller.logs.contains("final 404"),
        "{}",
        caller.logs
    );
    let cdr = only_call(dir.path());
    assert_eq!(
        (
            cdr.direction.as_str(),
            cdr.caller_extension.as_str(),
            cdr.callee_number.as_str()
        ),
        ("internal", "201", "299"),
        "{cdr:?}"
    );
    assert_eq!(cdr.disposition, "failed", "{cdr:?}");
    assert!(
        cdr.answered_at.is_none() && cdr.ended_at.is_some(),
        "{cdr:?}"
    );
}

#[test]
fn a_call_still_up_when_the_switch_dies_is_closed_as_failed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = switch(dir.path(), &[]);
    let _callee = callee(&server, "dev202", "callee_answer", 0);
    let _caller = call(&server, "202", "caller_talk", 30_000);
    // The record is written `in_progress` while the call is up.
    let start = Instant::now();
    loop {
        let list = run_ok(dir.path(), &["calls", "list", "--account", ACCOUNT]);
        if list.lines().any(|l| {
            let c = Cdr::parse(l);
            c.disposition == "in_progress" && c.answered_at.is_some()
        }) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "an open, answered record while the call is up:\n{list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The switch dies without a chance to close anything.
    let mut child = server.child.take().expect("running");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(server);
    let _again = Server::start_with(dir.path(), &["--rtp-ports", TEST_RTP_PORTS]);
    let cdr = only_call(dir.path());
    assert_eq!(
        (cdr.caller_number.as_str(), cdr.callee_number.as_str()),
        ("201", "202")
    );
    assert_eq!(cdr.disposition, "failed", "{cdr:?}");
    assert_eq!(cdr.hangup_cause, "switch restarted", "{cdr:?}");
    assert!(cdr.ended_at.is_some_and(|e| e >= cdr.started_at), "{cdr:?}");
    assert!(
        cdr.answered_at.is_some(),
        "the answer time is kept: {cdr:?}"
    );
}
