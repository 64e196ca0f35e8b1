//! How fast a message becomes an MP3: a 60-second recording resampled and
//! encoded, printed as a multiple of real time, then measured by criterion.
//!
//! `cargo bench -p sb-voicemail --bench mp3`

use std::f64::consts::PI;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use voicemail::mp3;

const SECONDS: usize = 60;

/// Something closer to a voice than a pure tone: a few harmonics of a
/// wandering pitch, a syllable-rate envelope, and a little noise.
fn message() -> Vec<i16> {
    let rate = f64::from(mp3::INPUT_RATE);
    let mut noise: u32 = 0x1234_5678;
    let mut phase = 0.0;
    (0..SECONDS * mp3::INPUT_RATE as usize)
        .map(|i| {
            let t = i as f64 / rate;
            let pitch = 140.0 + 30.0 * (2.0 * PI * 0.7 * t).sin();
            phase += 2.0 * PI * pitch / rate;
            let voice: f64 = (1..=8)
                .map(|h| (phase * f64::from(h)).sin() / f64::from(h))
                .sum();
            let envelope = 0.5 + 0.5 * (2.0 * PI * 4.0 * t).sin().abs();
            noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let hiss = f64::from((noise >> 16) as i16 as i32 % 500);
            (6_000.0 * envelope * voice + hiss).clamp(-32_000.0, 32_000.0) as i16
        })
        .collect()
}

fn main() {
    let samples = message();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then one quick pass is enough.
    let benching = std::env::args().any(|a| a == "--bench");
    let runs = if benching { 5 } else { 1 };
    let best = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let bytes = mp3::encode(black_box(&samples)).expect("the message encodes");
            black_box(bytes);
            start.elapsed()
        })
        .min()
        .unwrap_or(Duration::MAX);
    let speed = SECONDS as f64 / best.as_secs_f64();
    println!(
        "mp3 encode: {speed:.0}x real time ({SECONDS} s message in {:.1} ms, best of {runs})",
        best.as_secs_f64() * 1000.0
    );

    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    criterion.bench_function("mp3 encode 60 s message", |b| {
        b.iter(|| mp3::encode(black_box(&samples)).expect("the message encodes"))
    });
    criterion.final_summary();
}
