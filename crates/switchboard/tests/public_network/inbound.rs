//! Calls from a carrier to the account's numbers (SPEC T3, A6).

use super::*;

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
    // 201 has no phone registered: a call that found 201 is taken by its
    // voicemail, one that found nothing would be 404. The caller is given
    // in national form; the record keeps it in E.164.
    for called in [
        ["0199000201", "0199000201", "0612345678"],
        ["33199000201", "33199000201", "0612345678"],
        ["carrier-login", DID_201, "0612345678"],
    ] {
        let call = carrier_call(&server, port, "carrier_call", called, 0).finish();
        assert!(call.ok, "{called:?} reaches 201's voicemail: {}", call.logs);
    }
    let rows = calls_where(dir.path(), |rows| rows.len() == 3);
    for cdr in &rows {
        assert_inbound(cdr, DID_201, "201", "missed");
        assert_eq!(cdr.hangup_cause, "voicemail", "{cdr:?}");
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
