//! Per-packet cost of `Relay::packet` on a 20 ms packet from leg A: a copy
//! between two PCMU legs, PCMU to PCMA in place, PCMU to Opus and Opus to
//! PCMU through linear audio. Each iteration copies the inbound packet
//! into the buffer (as `recvmmsg` would) and relays it.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use media::relay::{Action, Codec, Latching, Leg, LegParams, Relay};
use media::rtp::{HEADER_LEN, Header};
use media::tone::Tone;
use media::transcode::{Encoder, G711, OpusEncoder};
use media::{FRAME, Frame, Source};

const OPUS_PT: u8 = 111;

fn leg(remote: &str, codec: Codec) -> LegParams {
    let pt = match codec {
        Codec::Pcma => 8,
        Codec::Opus => OPUS_PT,
        _ => 0,
    };
    LegParams {
        remote: Some(remote.parse().unwrap()),
        pt,
        codec,
        ..LegParams::default()
    }
}

fn speech_like() -> Frame {
    let mut tone = Tone::dual(440.0, 1300.0, -15.0);
    let mut f = [0; FRAME];
    tone.next_frame(&mut f);
    f
}

/// A's packet: one frame of `codec`.
fn packet(codec: Codec) -> Vec<u8> {
    let mut p = vec![0; HEADER_LEN];
    let pt = leg("10.0.0.1:4000", codec).pt;
    Header {
        marker: false,
        payload_type: pt,
        sequence: 1,
        timestamp: 0,
        ssrc: 7,
    }
    .write(&mut p);
    match codec {
        Codec::Opus => OpusEncoder::new().unwrap().encode(&speech_like(), &mut p),
        _ => G711::Ulaw.encode(&speech_like(), &mut p),
    }
    p
}

fn relay(c: &mut Criterion) {
    let a: SocketAddr = "10.0.0.1:4000".parse().unwrap();
    for (name, from, to) in [
        ("relay packet pcmu->pcmu copy", Codec::Pcmu, Codec::Pcmu),
        ("relay packet pcmu->pcma", Codec::Pcmu, Codec::Pcma),
        ("relay packet pcmu->opus", Codec::Pcmu, Codec::Opus),
        ("relay packet opus->pcmu", Codec::Opus, Codec::Pcmu),
    ] {
        let t0 = Instant::now();
        let mut r = Relay::new(Latching::Expected, [1, 2], t0);
        r.update(Leg::A, leg("10.0.0.1:4000", from));
        r.update(Leg::B, leg("10.0.0.2:6000", to));
        let inbound = packet(from);
        let mut buf = [0u8; 1536];
        let mut now = t0;
        c.bench_function(name, |b| {
            b.iter(|| {
                buf[..inbound.len()].copy_from_slice(&inbound);
                now += Duration::from_millis(20);
                let action = r.packet(Leg::A, a, black_box(&mut buf), inbound.len(), now);
                assert!(matches!(action, Action::Forward { .. }), "{action:?}");
                black_box(&buf);
            })
        });
    }
}

criterion_group!(benches, relay);
criterion_main!(benches);
