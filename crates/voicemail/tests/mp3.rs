//! The MP3 files players get: 16 kHz mono, the recorded tone and length.

mod common;

use common::audio::{decode_mp3, dominant_frequency, tone};
use voicemail::mp3;

#[test]
fn a_one_kilohertz_tone_decodes_back_at_16_khz_mono_with_its_frequency_and_length() {
    let samples = tone(1_000.0, mp3::INPUT_RATE, 2.0);
    let bytes = mp3::encode(&samples).expect("encodes");
    let decoded = decode_mp3(&bytes);
    assert_eq!(decoded.rate, 16_000);
    assert_eq!(decoded.channels, 1);
    let freq = dominant_frequency(&decoded.samples, decoded.rate);
    assert!((freq - 1_000.0).abs() <= 20.0, "dominant {freq} Hz");
    let ms = decoded.duration_ms();
    assert!((ms - 2_000.0).abs() <= 100.0, "lasts {ms} ms");
    // 40 kbit/s for 2 s, plus the Info frame and rounding to frames.
    assert!(
        (9_000..12_000).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
}
