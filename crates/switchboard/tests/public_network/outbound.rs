//! Calls from a phone to the public network through the trunks, in each
//! number format, with the caller ID; failover (SPEC T3, T4, U8).

use super::*;

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
