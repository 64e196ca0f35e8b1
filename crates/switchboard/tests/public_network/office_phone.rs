//! baresip plays the office phone (201, registered) and the carrier's far
//! end (on the carrier trunk's port, no registration): each sends its own
//! tone and must hear the other's, through the switch's relay, on a call
//! from the public network and on a call out to it.

use super::*;
use support::baresip::{Baresip, assert_hears, registered};

/// The office phone registered, and the carrier's far end listening on
/// its trunk's port.
fn office_and_carrier(dir: &Path) -> (Server, Baresip, Baresip) {
    let port = free_port();
    let server = switch(dir, &[("carrier", port, "e164")], |_| {});
    let office = Baresip::start(&server, "dev201", 1000.0, "auto", "udp", None);
    let start = Instant::now();
    while !registered(dir, "dev201") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "dev201 registers"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let carrier = Baresip::carrier(port, MOBILE, 2000.0);
    (server, office, carrier)
}

fn talk(caller: &mut Baresip, callee: &Baresip) {
    caller.wait_for("Call established", 10);
    callee.wait_for("Call established", 5);
    std::thread::sleep(Duration::from_secs(3));
    caller.command("/hangup");
    callee.wait_for("terminated", 5);
}

#[test]
fn a_call_from_the_public_network_carries_audio_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let (server, office, mut carrier) = office_and_carrier(dir.path());
    carrier.command(&format!("/dial sip:{DID_201}@{}", server.sip));
    talk(&mut carrier, &office);
    assert_hears("the caller outside", &carrier.quit(), 1000.0, 2000.0, 2.0);
    assert_hears("the office phone", &office.quit(), 2000.0, 1000.0, 2.0);
    assert_inbound(
        &inbound_record(dir.path(), DID_201),
        DID_201,
        "201",
        "answered",
    );
}

#[test]
fn a_call_to_the_public_network_carries_audio_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, mut office, carrier) = office_and_carrier(dir.path());
    office.command("/dial 0612345678");
    talk(&mut office, &carrier);
    assert_hears("the office phone", &office.quit(), 2000.0, 1000.0, 2.0);
    assert_hears("the called party", &carrier.quit(), 1000.0, 2000.0, 2.0);
    let out = |c: &Cdr| c.direction == "outbound";
    let cdr = calls_where(dir.path(), |rows| rows.iter().any(out))
        .into_iter()
        .find(out)
        .expect("checked above");
    assert_outbound(&cdr, MOBILE, "answered");
}
