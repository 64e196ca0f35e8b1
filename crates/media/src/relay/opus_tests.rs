//! A = Opus, B = PCMU: the relay transcodes through 8 kHz linear audio and
//! scales timestamps between 48 kHz and 8 kHz.

use std::f64::consts::PI;
use std::time::Duration;

use super::tests::{PHONE_A, PHONE_B, addr, packet, send};
use super::*;
use crate::transcode::{Decoder, Encoder, OpusDecoder, OpusEncoder};

const OPUS_PT: u8 = 111;

/// A on Opus (events on 48 kHz, PT 110), B on PCMU (events PT 101).
fn relay(now: Instant) -> Relay {
    let mut r = Relay::new(Latching::Expected, [0xaaaa, 0xbbbb], now);
    r.update(
        Leg::A,
        LegParams {
            remote: Some(addr(PHONE_A)),
            pt: OPUS_PT,
            codec: Codec::Opus,
            telephone_event: Some(110),
            ..LegParams::default()
        },
    );
    r.update(
        Leg::B,
        LegParams {
            remote: Some(addr(PHONE_B)),
            telephone_event: Some(101),
            ..LegParams::default()
        },
    );
    r
}

fn tone(k: usize) -> Frame {
    std::array::from_fn(|i| {
        let t = (k * crate::FRAME + i) as f64 / 8000.0;
        (6000.0 * (2.0 * PI * 1000.0 * t).sin()) as i16
    })
}

#[test]
fn opus_from_a_reaches_b_as_pcmu_on_the_8_khz_clock() {
    let t = Instant::now();
    let mut r = relay(t);
    let mut enc = OpusEncoder::new().unwrap();
    let mut heard = Vec::new();
    let base = 0xffff_f000u32; // The inbound 48 kHz timestamp wraps.
    let mut first_ts = None;
    for k in 0..25u16 {
        let mut opus = Vec::new();
        enc.encode(&tone(k.into()), &mut opus);
        let ts = base.wrapping_add(960 * u32::from(k));
        let now = t + Duration::from_millis(20 * u64::from(k));
        let (action, out) = send(
            &mut r,
            Leg::A,
            PHONE_A,
            packet(OPUS_PT, k, ts, 7, &opus),
            now,
        );
        assert_eq!(
            action,
            Action::Forward {
                to: addr(PHONE_B),
                len: HEADER_LEN + 160
            }
        );
        let rtp = Rtp::parse(&out[..]).unwrap();
        assert_eq!((rtp.payload_type(), rtp.ssrc()), (0, 0xbbbb));
        assert_eq!(rtp.marker(), k == 0);
        let first = *first_ts.get_or_insert(rtp.timestamp());
        assert_eq!(rtp.timestamp().wrapping_sub(first), 160 * u32::from(k));
        heard.extend(rtp.payload().iter().map(|&b| g711::ulaw_to_linear(b)));
    }
    assert_eq!(r.counters(Leg::B).bytes_out, 25 * (HEADER_LEN as u64 + 160));
    let tail = &heard[1600..];
    let peak = tail.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((4000..8000).contains(&peak), "peak {peak}");
}

#[test]
fn pcmu_from_b_reaches_a_as_opus_on_the_48_khz_clock() {
    let t = Instant::now();
    let mut r = relay(t);
    let mut dec = OpusDecoder::new().unwrap();
    let mut heard = Vec::new();
    for k in 0..25u16 {
        let mut ulaw = Vec::new();
        crate::transcode::G711::Ulaw.encode(&tone(k.into()), &mut ulaw);
        let now = t + Duration::from_millis(20 * u64::from(k));
        let (action, out) = send(
            &mut r,
            Leg::B,
            PHONE_B,
            packet(0, k, 160 * u32::from(k), 7, &ulaw),
            now,
        );
        let Action::Forward { to, len } = action else {
            panic!("{action:?}")
        };
        assert_eq!(to, addr(PHONE_A));
        assert!(len > HEADER_LEN && len < HEADER_LEN + 160, "{len}");
        let rtp = Rtp::parse(&out[..]).unwrap();
        assert_eq!((rtp.payload_type(), rtp.sequence()), (OPUS_PT, k));
        assert_eq!(rtp.timestamp(), 960 * u32::from(k));
        dec.decode(rtp.payload(), &mut heard);
    }
    assert_eq!(heard.len(), 25 * 160);
    let peak = heard[1600..]
        .iter()
        .map(|s| s.unsigned_abs())
        .max()
        .unwrap();
    assert!((4000..8000).contains(&peak), "peak {peak}");
}

#[test]
fn a_new_source_after_opus_goes_on_by_elapsed_time_in_the_outbound_clock() {
    let t = Instant::now();
    let mut r = relay(t);
    let ulaw = [0xffu8; 160];
    send(&mut r, Leg::B, PHONE_B, packet(0, 1, 1000, 7, &ulaw), t);
    // Another SSRC.
    let p = packet(0, 500, 99_999, 9, &ulaw);
    let (_, out) = send(&mut r, Leg::B, PHONE_B, p, t + Duration::from_millis(100));
    let rtp = Rtp::parse(&out[..]).unwrap();
    // 1000 at 8 kHz is 6000 at 48 kHz; 100 ms later is 4800 more.
    assert_eq!(
        (rtp.sequence(), rtp.timestamp(), rtp.marker()),
        (2, 6000 + 4800, true)
    );
}

#[test]
fn opus_to_opus_is_copied_and_odd_g711_packets_are_dropped() {
    let t = Instant::now();
    let mut r = relay(t);
    let mut b = *r.params(Leg::A);
    b.remote = Some(addr(PHONE_B));
    r.update(Leg::B, b);
    let p = packet(OPUS_PT, 1, 960, 7, &[0x78, 1, 2, 3]);
    let (action, out) = send(&mut r, Leg::A, PHONE_A, p.clone(), t);
    assert_eq!(
        action,
        Action::Forward {
            to: addr(PHONE_B),
            len: p.len()
        }
    );
    assert_eq!(out[12..], p[12..]);

    let mut r = relay(t);
    // 15 ms of G.711 is no Opus frame size.
    let (action, _) = send(&mut r, Leg::B, PHONE_B, packet(0, 1, 0, 7, &[0xff; 120]), t);
    assert_eq!(action, Action::Drop(DropReason::Transcoding));
    let (action, _) = send(
        &mut r,
        Leg::A,
        PHONE_A,
        packet(OPUS_PT, 1, 0, 7, &[0x03, 0]),
        t,
    );
    assert_eq!(action, Action::Drop(DropReason::Transcoding));
}

#[test]
fn telephone_events_from_pcmu_to_opus_have_their_duration_scaled() {
    let t = Instant::now();
    let mut r = relay(t);
    let (action, out) = send(
        &mut r,
        Leg::B,
        PHONE_B,
        packet(101, 1, 800, 7, &[5, 10, 0, 160]),
        t,
    );
    assert!(matches!(action, Action::Forward { len: 16, .. }));
    let rtp = Rtp::parse(&out[..]).unwrap();
    assert_eq!((rtp.payload_type(), rtp.timestamp()), (110, 4800));
    assert_eq!(rtp.payload(), &[5, 10, 0x03, 0xc0]);
    assert_eq!(
        r.poll_event(),
        Some(RelayEvent::Dtmf {
            leg: Leg::B,
            digit: '5'
        })
    );
}

#[test]
fn a_listened_leg_is_heard_as_linear_audio_and_prompts_go_out_as_opus() {
    let t = Instant::now();
    let mut r = relay(t);
    r.listen(Leg::B, true);
    let frame = tone(0);
    let mut ulaw = Vec::new();
    crate::transcode::G711::Ulaw.encode(&frame, &mut ulaw);
    send(&mut r, Leg::B, PHONE_B, packet(0, 1, 0, 7, &ulaw), t);
    assert_eq!(r.heard(Leg::B).len(), 160);
    assert!(r.heard(Leg::A).is_empty());

    let mut buf = [0u8; 1500];
    let action = r.local_frame(Leg::A, &frame, &mut buf, t);
    let Action::Forward { len, .. } = action else {
        panic!("{action:?}")
    };
    let rtp = Rtp::parse(&buf[..len]).unwrap();
    assert_eq!(rtp.payload_type(), OPUS_PT);
    let first = rtp.timestamp();
    r.local_frame(Leg::A, &frame, &mut buf, t + Duration::from_millis(20));
    assert_eq!(Rtp::parse(&buf[..]).unwrap().timestamp(), first + 960);
}

proptest::proptest! {
    #[test]
    fn arbitrary_datagrams_on_an_opus_call_never_panic(
        datagrams in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), 1..20),
    ) {
        let t = Instant::now();
        let mut r = relay(t);
        r.listen(Leg::A, true);
        r.listen(Leg::B, true);
        for (k, d) in datagrams.into_iter().enumerate() {
            let (leg, src) = if k % 2 == 0 { (Leg::A, PHONE_A) } else { (Leg::B, PHONE_B) };
            let now = t + Duration::from_millis(20 * k as u64);
            r.rtcp(leg, Port::Rtcp, addr(src), &d, now);
            let mut p = d.clone();
            if p.len() >= HEADER_LEN {
                // Mostly valid RTP of the leg's payload type.
                p[0] = 0x80;
                p[1] = if leg == Leg::A { OPUS_PT } else { 0 };
            }
            send(&mut r, leg, src, p, now);
            send(&mut r, leg, src, d, now);
            let mut buf = [0u8; 300];
            r.poll_rtcp(leg, now, std::time::SystemTime::now(), k as u32, &mut buf);
        }
    }
}
