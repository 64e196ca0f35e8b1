//! Opus legs and in-band DTMF through a real `Media`, phones on loopback.

use std::net::UdpSocket;
use std::time::Duration;

use media::rtp::HEADER_LEN;
use media::tone::Tone;
use media::transcode::{Decoder, Encoder, G711, OpusDecoder, OpusEncoder};
use media::{FRAME, Frame, Source};

use super::tests::{event, fields, params, phone, recv, rtp, send, start};
use super::*;

const OPUS_PT: u8 = 111;

fn tone(k: usize) -> Frame {
    std::array::from_fn(|i| {
        let t = (k * FRAME + i) as f64 / 8000.0;
        (6000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16
    })
}

fn opus(phone: &UdpSocket) -> LegParams {
    LegParams {
        pt: OPUS_PT,
        codec: Codec::Opus,
        ..params(phone)
    }
}

fn peak(pcm: &[i16]) -> u16 {
    pcm.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0)
}

#[test]
fn an_opus_phone_and_a_pcmu_phone_hear_each_other() {
    let (m, _events) = start(48100, 48199, Duration::from_secs(60));
    let (a, b) = (phone(), phone());
    let s = m.allocate().unwrap();
    m.update(s.id, Leg::A, opus(&a));
    m.update(s.id, Leg::B, params(&b));
    std::thread::sleep(Duration::from_millis(30));

    let (mut enc, mut dec) = (OpusEncoder::new().unwrap(), OpusDecoder::new().unwrap());
    let (mut at_a, mut at_b) = (Vec::new(), Vec::new());
    for k in 0..20u16 {
        let mut packet = Vec::new();
        enc.encode(&tone(k.into()), &mut packet);
        send(
            &a,
            s.a_port,
            &rtp(OPUS_PT, k, 960 * u32::from(k), 1, &packet),
        );
        let (p, _) = recv(&b).expect("A's Opus reaches B as PCMU");
        let (pt, seq, ts, _) = fields(&p);
        assert_eq!((pt, p.len()), (0, HEADER_LEN + FRAME));
        assert_eq!((seq, ts), (k, 160 * u32::from(k)));
        G711::Ulaw.decode(&p[HEADER_LEN..], &mut at_b);

        let mut ulaw = Vec::new();
        G711::Ulaw.encode(&tone(k.into()), &mut ulaw);
        send(&b, s.b_port, &rtp(0, k, 160 * u32::from(k), 2, &ulaw));
        let (p, _) = recv(&a).expect("B's PCMU reaches A as Opus");
        let (pt, _, ts, _) = fields(&p);
        assert_eq!((pt, ts), (OPUS_PT, 960 * u32::from(k)));
        assert!(p.len() < HEADER_LEN + 100, "{}", p.len());
        dec.decode(&p[HEADER_LEN..], &mut at_a);
    }
    assert!((4000..8000).contains(&peak(&at_b[1600..])), "at B");
    assert!((4000..8000).contains(&peak(&at_a[1600..])), "at A");
}

struct Frames(usize);

impl Source for Frames {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        *out = tone(self.0);
        self.0 += 1;
        self.0 <= 5
    }
}

#[test]
fn a_source_played_to_an_opus_leg_goes_out_as_opus() {
    let (m, mut events) = start(48200, 48299, Duration::from_secs(60));
    let a = phone();
    let s = m.allocate().unwrap();
    m.update(s.id, Leg::A, opus(&a));
    m.play(s.id, Leg::A, Box::new(Frames(0)));
    let mut dec = OpusDecoder::new().unwrap();
    let mut stamps = Vec::new();
    for _ in 0..5 {
        let (p, _) = recv(&a).expect("a frame every 20 ms");
        let (pt, _, ts, _) = fields(&p);
        assert_eq!(pt, OPUS_PT);
        stamps.push(ts);
        let mut pcm = Vec::new();
        dec.decode(&p[HEADER_LEN..], &mut pcm);
        assert_eq!(pcm.len(), FRAME);
    }
    assert!(stamps.windows(2).all(|w| w[1] - w[0] == 960), "{stamps:?}");
    let done = MediaEvent::PlayDone {
        id: s.id,
        leg: Leg::A,
    };
    assert_eq!(event(&mut events, Duration::from_secs(1)), Some(done));
}

/// 20 ms PCMA packets of `digit` for `ms`, then as much silence.
fn key(digit: char, ms: u64) -> Vec<Vec<u8>> {
    let mut tone = Tone::dtmf(digit, Duration::from_millis(ms), -10.0).unwrap();
    let mut out = Vec::new();
    let mut frame: Frame = [0; FRAME];
    for _ in 0..2 * ms / 20 {
        if !tone.next_frame(&mut frame) {
            frame = [0; FRAME];
        }
        let mut alaw = Vec::new();
        G711::Alaw.encode(&frame, &mut alaw);
        out.push(alaw);
    }
    out
}

#[test]
fn tones_in_the_audio_are_reported_as_keys_only_when_detection_is_on() {
    let (m, mut events) = start(48300, 48399, Duration::from_secs(60));
    let (a, b) = (phone(), phone());
    let s = m.allocate().unwrap();
    let pcma = LegParams {
        pt: 8,
        codec: Codec::Pcma,
        telephone_event: None,
        ..params(&a)
    };
    m.update(s.id, Leg::A, pcma);
    m.update(s.id, Leg::B, params(&b));
    std::thread::sleep(Duration::from_millis(30));
    let mut seq = 0u16;
    let mut press = |digit| {
        for payload in key(digit, 100) {
            send(
                &a,
                s.a_port,
                &rtp(8, seq, 160 * u32::from(seq), 5, &payload),
            );
            recv(&b).expect("the tone is relayed too");
            seq += 1;
        }
    };
    press('7');
    assert_eq!(event(&mut events, Duration::from_millis(200)), None);

    m.detect_inband(s.id, Leg::A, true);
    std::thread::sleep(Duration::from_millis(30));
    press('7');
    press('#');
    for digit in ['7', '#'] {
        let e = MediaEvent::Dtmf {
            id: s.id,
            leg: Leg::A,
            digit,
        };
        assert_eq!(event(&mut events, Duration::from_secs(1)), Some(e));
    }
    assert_eq!(event(&mut events, Duration::from_millis(100)), None);

    m.detect_inband(s.id, Leg::A, false);
    std::thread::sleep(Duration::from_millis(30));
    press('1');
    assert_eq!(event(&mut events, Duration::from_millis(200)), None);
}
