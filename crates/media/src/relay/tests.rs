use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;

use super::*;

pub(super) const PHONE_A: &str = "10.0.0.1:4000";
pub(super) const PHONE_B: &str = "10.0.0.2:6000";
const SSRC_TO_A: u32 = 0xaaaa;
const SSRC_TO_B: u32 = 0xbbbb;

pub(super) fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn pcmu(remote: &str) -> LegParams {
    LegParams {
        remote: Some(addr(remote)),
        telephone_event: Some(101),
        ..LegParams::default()
    }
}

fn relay(now: Instant) -> Relay {
    let mut r = Relay::new(Latching::Expected, [SSRC_TO_A, SSRC_TO_B], now);
    r.update(Leg::A, pcmu(PHONE_A));
    r.update(Leg::B, pcmu(PHONE_B));
    r
}

pub(super) fn packet(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; HEADER_LEN];
    Header {
        marker: false,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
    }
    .write(&mut p);
    p.extend_from_slice(payload);
    p
}

/// Relays one packet and returns the action and the packet as sent (as
/// received, when dropped).
pub(super) fn send(
    r: &mut Relay,
    leg: Leg,
    src: &str,
    mut p: Vec<u8>,
    now: Instant,
) -> (Action, Vec<u8>) {
    let len = p.len();
    p.resize(1500, 0);
    let action = r.packet(leg, addr(src), &mut p, len, now);
    p.truncate(match action {
        Action::Forward { len, .. } => len,
        Action::Drop(_) => len,
    });
    (action, p)
}

/// A 20 ms PCMU frame from phone A.
fn from_a(r: &mut Relay, seq: u16, ts: u32, ssrc: u32, now: Instant) -> (Action, Vec<u8>) {
    send(r, Leg::A, PHONE_A, packet(0, seq, ts, ssrc, &[0; 160]), now)
}

fn fields(p: &[u8]) -> (bool, u8, u16, u32, u32) {
    let r = Rtp::parse(p).unwrap();
    (
        r.marker(),
        r.payload_type(),
        r.sequence(),
        r.timestamp(),
        r.ssrc(),
    )
}

#[test]
fn media_from_a_goes_to_b_under_our_ssrc() {
    let t = Instant::now();
    let mut r = relay(t);
    let (action, out) = send(
        &mut r,
        Leg::A,
        PHONE_A,
        packet(0, 10, 1600, 7, &[1; 160]),
        t,
    );
    assert_eq!(
        action,
        Action::Forward {
            to: addr(PHONE_B),
            len: 172
        }
    );
    assert_eq!(fields(&out), (true, 0, 10, 1600, SSRC_TO_B));
    let (_, out) = send(
        &mut r,
        Leg::A,
        PHONE_A,
        packet(0, 11, 1760, 7, &[1; 160]),
        t,
    );
    assert_eq!(fields(&out), (false, 0, 11, 1760, SSRC_TO_B));
    assert_eq!(out[HEADER_LEN..], [1; 160]);
    assert_eq!(r.counters(Leg::A).packets_in, 2);
    assert_eq!(r.counters(Leg::B).bytes_out, 344);
}

#[test]
fn a_new_inbound_ssrc_continues_our_numbering_by_one_and_by_elapsed_time() {
    let t = Instant::now();
    let mut r = relay(t);
    from_a(&mut r, 500, 9000, 7, t);
    let later = t + Duration::from_millis(100);
    let (_, out) = from_a(&mut r, 3, 77, 8, later);
    assert_eq!(fields(&out), (true, 0, 501, 9000 + 800, SSRC_TO_B));
    let (_, out) = from_a(&mut r, 4, 237, 8, later);
    assert_eq!(fields(&out), (false, 0, 502, 9000 + 960, SSRC_TO_B));
}

#[test]
fn sequence_wraps_around() {
    let t = Instant::now();
    let mut r = relay(t);
    from_a(&mut r, 65535, 0, 7, t);
    let (_, out) = from_a(&mut r, 0, 160, 7, t);
    assert_eq!(fields(&out).2, 0);
}

#[test]
fn a_source_off_the_sdp_address_is_refused_unless_latching_is_any() {
    let t = Instant::now();
    let mut r = relay(t);
    let p = packet(0, 1, 0, 7, &[0; 160]);
    let (action, _) = send(&mut r, Leg::A, "192.0.2.9:4000", p.clone(), t);
    assert_eq!(action, Action::Drop(DropReason::UnexpectedSource));

    let mut r = Relay::new(Latching::Any, [1, 2], t);
    r.update(Leg::A, pcmu(PHONE_A));
    r.update(Leg::B, pcmu(PHONE_B));
    let (action, _) = send(&mut r, Leg::A, "192.0.2.9:4000", p, t);
    assert!(matches!(action, Action::Forward { .. }));
    assert_eq!(r.destination(Leg::A), Some(addr("192.0.2.9:4000")));
}

#[test]
fn media_goes_back_to_the_latched_port_not_the_sdp_one() {
    let t = Instant::now();
    let mut r = relay(t);
    send(
        &mut r,
        Leg::B,
        "10.0.0.2:6666",
        packet(0, 1, 0, 9, &[0; 160]),
        t,
    );
    let (action, _) = from_a(&mut r, 1, 0, 7, t);
    assert_eq!(
        action,
        Action::Forward {
            to: addr("10.0.0.2:6666"),
            len: 172
        }
    );
    // Once latched, another port of the same IP is refused.
    let (action, _) = send(
        &mut r,
        Leg::B,
        "10.0.0.2:7777",
        packet(0, 2, 160, 9, &[0; 160]),
        t,
    );
    assert_eq!(action, Action::Drop(DropReason::UnexpectedSource));
}

#[test]
fn a_new_sdp_address_unlatches_the_leg() {
    let t = Instant::now();
    let mut r = relay(t);
    send(&mut r, Leg::B, PHONE_B, packet(0, 1, 0, 9, &[0; 160]), t);
    r.update(Leg::B, pcmu("10.0.0.3:6000"));
    assert_eq!(r.destination(Leg::B), Some(addr("10.0.0.3:6000")));
    let (action, _) = send(
        &mut r,
        Leg::B,
        "10.0.0.3:6002",
        packet(0, 1, 0, 10, &[0; 160]),
        t,
    );
    assert!(matches!(action, Action::Forward { .. }));
    assert_eq!(r.destination(Leg::B), Some(addr("10.0.0.3:6002")));
}

#[test]
fn new_sdp_with_the_same_address_lets_the_next_source_relatch_once() {
    let t = Instant::now();
    let mut r = Relay::new(Latching::Any, [1, 2], t);
    r.update(Leg::A, pcmu(PHONE_A));
    r.update(Leg::B, pcmu(PHONE_B));
    send(
        &mut r,
        Leg::B,
        "192.0.2.7:1000",
        packet(0, 1, 0, 9, &[0; 160]),
        t,
    );
    r.update(Leg::B, pcmu(PHONE_B));
    assert_eq!(r.destination(Leg::B), Some(addr("192.0.2.7:1000")));
    let (action, _) = send(
        &mut r,
        Leg::B,
        "192.0.2.7:2000",
        packet(0, 2, 160, 9, &[0; 160]),
        t,
    );
    assert!(matches!(action, Action::Forward { .. }));
    assert_eq!(r.destination(Leg::B), Some(addr("192.0.2.7:2000")));
    let (action, _) = send(
        &mut r,
        Leg::B,
        "192.0.2.8:3000",
        packet(0, 3, 320, 9, &[0; 160]),
        t,
    );
    assert_eq!(action, Action::Drop(DropReason::UnexpectedSource));
}

#[test]
fn hold_blocks_the_directions_the_sdp_closed() {
    let t = Instant::now();
    let mut r = relay(t);
    // A put B on hold: A is sendonly, so nothing goes to A.
    r.update(
        Leg::A,
        LegParams {
            send: false,
            ..pcmu(PHONE_A)
        },
    );
    let (action, _) = send(&mut r, Leg::B, PHONE_B, packet(0, 1, 0, 9, &[0; 160]), t);
    assert_eq!(action, Action::Drop(DropReason::NotSending));
    let (action, _) = from_a(&mut r, 1, 0, 7, t);
    assert!(matches!(action, Action::Forward { .. }));
    r.update(
        Leg::A,
        LegParams {
            send: false,
            recv: false,
            ..pcmu(PHONE_A)
        },
    );
    let (action, _) = from_a(&mut r, 2, 160, 7, t);
    assert_eq!(action, Action::Drop(DropReason::NotReceiving));
}

#[test]
fn pcmu_is_transcoded_to_pcma_with_the_payload_type_mapped() {
    let t = Instant::now();
    let mut r = relay(t);
    r.update(
        Leg::B,
        LegParams {
            pt: 8,
            codec: Codec::Pcma,
            ..pcmu(PHONE_B)
        },
    );
    let payload: Vec<u8> = (0..160).map(|i| i as u8).collect();
    let (action, out) = send(&mut r, Leg::A, PHONE_A, packet(0, 1, 0, 7, &payload), t);
    assert!(matches!(action, Action::Forward { .. }));
    assert_eq!(fields(&out).1, 8);
    let expected: Vec<u8> = payload.iter().map(|&u| g711::ulaw_to_alaw(u)).collect();
    assert_eq!(out[HEADER_LEN..], expected[..]);
    let (_, back) = send(&mut r, Leg::B, PHONE_B, packet(8, 1, 0, 9, &expected), t);
    assert_eq!(fields(&back).1, 0);
    let round: Vec<u8> = expected.iter().map(|&a| g711::alaw_to_ulaw(a)).collect();
    assert_eq!(back[HEADER_LEN..], round[..]);
}

#[test]
fn other_codecs_pass_only_between_legs_that_agreed_them() {
    let t = Instant::now();
    let mut r = relay(t);
    r.update(
        Leg::A,
        LegParams {
            pt: 9,
            codec: Codec::Other,
            ..pcmu(PHONE_A)
        },
    );
    let (action, _) = send(&mut r, Leg::A, PHONE_A, packet(9, 1, 0, 7, &[0; 160]), t);
    assert_eq!(action, Action::Drop(DropReason::CodecMismatch));
    r.update(
        Leg::B,
        LegParams {
            pt: 96,
            codec: Codec::Other,
            ..pcmu(PHONE_B)
        },
    );
    let (_, out) = send(&mut r, Leg::A, PHONE_A, packet(9, 2, 160, 7, &[0; 160]), t);
    assert_eq!(fields(&out).1, 96);
}

#[test]
fn unknown_payload_types_and_rtcp_are_dropped() {
    let t = Instant::now();
    let mut r = relay(t);
    let (action, _) = send(&mut r, Leg::A, PHONE_A, packet(13, 1, 0, 7, &[0; 1]), t);
    assert_eq!(action, Action::Drop(DropReason::UnknownPayloadType));
    let rtcp = vec![0x80, 201, 0, 1, 0, 0, 0, 7];
    assert_eq!(
        send(&mut r, Leg::A, PHONE_A, rtcp, t).0,
        Action::Drop(DropReason::Rtcp)
    );
    assert_eq!(
        send(&mut r, Leg::A, PHONE_A, vec![0x80; 5], t).0,
        Action::Drop(DropReason::Malformed)
    );
}

#[test]
fn telephone_events_are_remapped_and_reported_once_per_key_press() {
    let t = Instant::now();
    let mut r = relay(t);
    r.update(
        Leg::B,
        LegParams {
            telephone_event: Some(96),
            ..pcmu(PHONE_B)
        },
    );
    let event = |seq, end: bool| {
        packet(
            101,
            seq,
            4000,
            7,
            &[5, if end { 0x8a } else { 0x0a }, 0, 160],
        )
    };
    let (_, out) = send(&mut r, Leg::A, PHONE_A, event(1, false), t);
    assert_eq!(fields(&out).1, 96);
    assert_eq!(
        r.poll_event(),
        Some(RelayEvent::Dtmf {
            leg: Leg::A,
            digit: '5'
        })
    );
    send(&mut r, Leg::A, PHONE_A, event(2, true), t);
    send(&mut r, Leg::A, PHONE_A, event(3, true), t);
    assert_eq!(r.poll_event(), None);
    let star = packet(101, 4, 5600, 7, &[10, 0x0a, 0, 160]);
    send(&mut r, Leg::A, PHONE_A, star, t);
    assert_eq!(
        r.poll_event(),
        Some(RelayEvent::Dtmf {
            leg: Leg::A,
            digit: '*'
        })
    );

    r.update(
        Leg::B,
        LegParams {
            telephone_event: None,
            ..pcmu(PHONE_B)
        },
    );
    let hash = packet(101, 5, 7200, 7, &[11, 0x0a, 0, 160]);
    assert_eq!(
        send(&mut r, Leg::A, PHONE_A, hash, t).0,
        Action::Drop(DropReason::NoTelephoneEvent)
    );
    assert_eq!(
        r.poll_event(),
        Some(RelayEvent::Dtmf {
            leg: Leg::A,
            digit: '#'
        })
    );
}

#[test]
fn a_prompt_between_relayed_media_keeps_one_stream() {
    let t = Instant::now();
    let mut r = relay(t);
    from_a(&mut r, 100, 1000, 7, t);
    r.set_playing(Leg::B, true);
    let (action, _) = from_a(&mut r, 101, 1160, 7, t);
    assert_eq!(action, Action::Drop(DropReason::Playing));
    let mut buf = [0u8; 200];
    let t1 = t + Duration::from_millis(20);
    assert!(matches!(
        r.local(Leg::B, &mut buf, 160, t1),
        Action::Forward { len: 172, .. }
    ));
    assert_eq!(fields(&buf[..172]), (true, 0, 101, 1160, SSRC_TO_B));
    r.local(Leg::B, &mut buf, 160, t1 + Duration::from_millis(20));
    assert_eq!(fields(&buf[..172]), (false, 0, 102, 1320, SSRC_TO_B));
    r.set_playing(Leg::B, false);
    let t2 = t1 + Duration::from_millis(40);
    let (_, out) = from_a(&mut r, 103, 1480, 7, t2);
    assert_eq!(fields(&out), (true, 0, 103, 1320 + 160, SSRC_TO_B));
}

#[test]
fn a_call_times_out_when_no_leg_sends_but_not_on_full_hold() {
    let t = Instant::now();
    let mut r = relay(t);
    let limit = Duration::from_secs(30);
    from_a(&mut r, 1, 0, 7, t + Duration::from_secs(20));
    assert!(!r.timed_out(t + Duration::from_secs(40), limit));
    assert!(r.timed_out(t + Duration::from_secs(50), limit));
    for leg in [Leg::A, Leg::B] {
        let p = *r.params(leg);
        r.update(
            leg,
            LegParams {
                send: false,
                recv: false,
                ..p
            },
        );
    }
    assert!(!r.timed_out(t + Duration::from_secs(500), limit));
}

proptest! {
    #[test]
    fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), port: u16) {
        let t = Instant::now();
        let mut r = relay(t);
        r.update(Leg::B, LegParams { pt: 8, codec: Codec::Pcma, ..pcmu(PHONE_B) });
        let src = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port);
        let mut buf = bytes.clone();
        let len = buf.len();
        if let Action::Forward { len: out, .. } = r.packet(Leg::A, src, &mut buf, len, t) {
            prop_assert_eq!(out, len);
        }
        let _ = r.packet(Leg::A, src, &mut buf, len + 1, t);
    }
}
