//! Carriers' calls to a ring group, simultaneous or in turn (SPEC T5).

use super::*;

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
