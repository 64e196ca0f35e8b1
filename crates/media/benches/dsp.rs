//! Per-frame cost of the media hot paths: each iteration handles one 20 ms
//! frame (160 samples), so the reported time is the CPU one call spends
//! per 20 ms of audio.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use media::dtmf::Detector;
use media::jitter::{Config, JitterBuffer};
use media::mixer::Mixer;
use media::tone::Tone;
use media::transcode::{Decoder, Encoder, G711};
use media::{FRAME, Frame, Source};

fn speech_like() -> Frame {
    let mut tone = Tone::dual(440.0, 1300.0, -15.0);
    let mut f = [0; FRAME];
    tone.next_frame(&mut f);
    f
}

fn g711(c: &mut Criterion) {
    let frame = speech_like();
    let mut payload = Vec::with_capacity(FRAME);
    let mut samples = Vec::with_capacity(FRAME);
    for (name, mut law) in [("ulaw", G711::Ulaw), ("alaw", G711::Alaw)] {
        c.bench_function(&format!("g711 {name} encode frame"), |b| {
            b.iter(|| {
                payload.clear();
                law.encode(black_box(&frame), &mut payload);
                black_box(&payload);
            })
        });
        payload.clear();
        law.encode(&frame, &mut payload);
        c.bench_function(&format!("g711 {name} decode frame"), |b| {
            b.iter(|| {
                samples.clear();
                law.decode(black_box(&payload), &mut samples);
                black_box(&samples);
            })
        });
    }
}

fn goertzel(c: &mut Criterion) {
    let mut key = Tone::dtmf('5', Duration::from_secs(3600), -10.0).expect("5 is a key");
    let mut frame = [0; FRAME];
    key.next_frame(&mut frame);
    let mut detector = Detector::new();
    c.bench_function("dtmf detector frame", |b| {
        b.iter(|| black_box(detector.frame(black_box(&frame))))
    });
}

fn mixer(c: &mut Criterion) {
    let mut mixer = Mixer::new();
    let parties: Vec<_> = (0..10).map(|_| mixer.join()).collect();
    let frame = speech_like();
    c.bench_function("mixer 10 parties frame", |b| {
        b.iter(|| {
            for &p in &parties {
                mixer.input(p, black_box(&frame)).expect("party joined");
            }
            mixer.mix();
            for &p in &parties {
                black_box(mixer.output(p).expect("party joined"));
            }
        })
    });
}

fn jitter(c: &mut Criterion) {
    let mut jb = JitterBuffer::new(Config::default());
    let frame = speech_like();
    let t0 = Instant::now();
    let mut k = 0u32;
    let mut out = [0; FRAME];
    c.bench_function("jitter push and pop frame", |b| {
        b.iter(|| {
            let now = t0 + Duration::from_millis(k as u64 * 20);
            jb.push(now, k as u16, k * FRAME as u32, black_box(&frame));
            black_box(jb.pop(now, &mut out));
            k = k.wrapping_add(1);
        })
    });
}

criterion_group!(benches, g711, goertzel, mixer, jitter);
criterion_main!(benches);
