//! Forwarded calls: all, simultaneous, and with a key press (SPEC T8, U7).

use super::*;

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
    assert_inbound(&cdr, DID_201, "201", "answered");
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
    assert_inbound(&cdr, DID_201, "201", "answered");
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
    assert_inbound(&cdr, DID_201, "201", "answered");
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
        "carrier_call",
        [DID_201, DID_201, MOBILE],
        0,
    )
    .finish();
    assert!(mobile.finish().ok, "the forward leg got the switch's BYE");
    assert!(
        call.ok,
        "the caller is taken by 201's voicemail: {}",
        call.logs
    );
    assert!(
        call.elapsed >= Duration::from_secs(10),
        "after the 10 s wait for the key: {:?}",
        call.elapsed
    );
    let cdr = inbound_record(dir.path(), DID_201);
    assert_inbound(&cdr, DID_201, "201", "missed");
    assert_eq!(cdr.hangup_cause, "voicemail", "{cdr:?}");
}
