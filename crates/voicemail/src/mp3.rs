//! MP3 encoding of recordings: 8 kHz telephone audio resampled to 16 kHz
//! mono, which every player reads (some refuse 8 kHz MP3).
//!
//! The resampler doubles the rate with a half-band interpolator: every
//! input sample is kept as is, and the sample between two inputs is a
//! Blackman-windowed sinc over the 16 nearest inputs. That is the
//! polyphase form of zero-stuffing followed by a low-pass at 4 kHz, without
//! multiplying the zeros, and it delays nothing, so the MP3 lines up with
//! the WAV. LAME (bundled by `mp3lame-encoder`) then encodes constant
//! 40 kbit/s MPEG-2 layer III, plenty for a voice band, with an `Info`
//! frame that tells decoders the encoder delay and padding to trim (about
//! 100 ms in all). 40 kbit/s is the lowest rate whose 180-byte frames
//! have room for that tag at 16 kHz: at 32 kbit/s LAME silently drops it.

use std::f64::consts::PI;
use std::mem::MaybeUninit;
use std::num::NonZeroU32;
use std::sync::OnceLock;

use mp3lame_encoder::{Bitrate, Builder, FlushGap, Mode, MonoPcm, Quality};

/// The rate of what the switch records.
pub const INPUT_RATE: u32 = 8_000;
/// The rate of the MP3 files.
pub const OUTPUT_RATE: u32 = 16_000;
/// The constant bit rate of the MP3 files, in kbit/s.
pub const BITRATE_KBPS: u32 = 40;

/// Inputs on each side of an interpolated sample.
const HALF_TAPS: usize = 8;
/// Samples handed to LAME per call, bounding its output buffer.
const CHUNK: usize = 16_000;

/// Encodes 8 kHz mono samples as a 16 kHz mono MP3 file.
pub fn encode(samples_8k: &[i16]) -> Result<Vec<u8>, String> {
    let samples = upsample(samples_8k);
    let mut encoder = Builder::new()
        .ok_or("LAME could not allocate an encoder")?
        .with_num_channels(1)
        .and_then(|b| b.with_sample_rate(OUTPUT_RATE))
        .and_then(|b| b.with_output_sample_rate(NonZeroU32::new(OUTPUT_RATE)))
        .and_then(|b| b.with_mode(Mode::Mono))
        .and_then(|b| b.with_brate(Bitrate::Kbps40))
        .and_then(|b| b.with_quality(Quality::Good))
        .and_then(|b| b.with_to_write_vbr_tag(true))
        .and_then(|b| b.build())
        .map_err(|e| format!("LAME set-up: {e}"))?;

    // Room for the whole file: LAME's own bound for each chunk.
    let frames = samples.len().div_ceil(CHUNK).max(1);
    let mut out =
        Vec::with_capacity(frames * mp3lame_encoder::max_required_buffer_size(CHUNK) / 4 + 8_192);
    for chunk in samples.chunks(CHUNK) {
        out.reserve(mp3lame_encoder::max_required_buffer_size(chunk.len()));
        encoder
            .encode_to_vec(MonoPcm(chunk), &mut out)
            .map_err(|e| format!("LAME encoding: {e}"))?;
    }
    out.reserve(mp3lame_encoder::max_required_buffer_size(0));
    encoder
        .flush_to_vec::<FlushGap>(&mut out)
        .map_err(|e| format!("LAME flush: {e}"))?;

    // LAME left an empty first frame for the Info tag (delay, padding,
    // length); it can only be written now that the length is known.
    let start = encoder.id3v2_tag_size();
    let size = encoder.lame_tag_size();
    if size > 0 && out.len() >= start + size {
        let mut tag = vec![MaybeUninit::<u8>::uninit(); size];
        let written = encoder
            .lame_tag_encode(&mut tag)
            .ok_or("LAME wrote no Info tag")?
            .get();
        for (dst, src) in out[start..start + written].iter_mut().zip(&tag[..written]) {
            // SAFETY: LAME initialised the first `written` bytes.
            *dst = unsafe { src.assume_init() };
        }
    }
    Ok(out)
}

/// Doubles the sample rate of `input` (8 → 16 kHz) with the half-band
/// interpolator described in the module doc.
pub fn upsample(input: &[i16]) -> Vec<i16> {
    let taps = taps();
    let mut out = Vec::with_capacity(input.len() * 2);
    let at = |i: isize| -> f64 {
        usize::try_from(i)
            .ok()
            .and_then(|i| input.get(i))
            .map_or(0.0, |&s| f64::from(s))
    };
    for (k, &sample) in input.iter().enumerate() {
        out.push(sample);
        let k = k as isize;
        // The point half-way between input k and k + 1: inputs k - 7 …
        // k + 8, weighted by their distance to it.
        let mut acc = 0.0;
        for (j, tap) in taps.iter().enumerate() {
            let offset = j as isize - (HALF_TAPS as isize - 1);
            acc += tap * at(k + offset);
        }
        out.push(acc.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16);
    }
    out
}

/// The interpolating filter's weights, for inputs at distances
/// -7.5 … +7.5 from the new sample, normalised to a gain of 1 at 0 Hz.
fn taps() -> &'static [f64; 2 * HALF_TAPS] {
    static TAPS: OnceLock<[f64; 2 * HALF_TAPS]> = OnceLock::new();
    TAPS.get_or_init(|| {
        let half = HALF_TAPS as f64;
        let mut taps = [0.0; 2 * HALF_TAPS];
        for (j, tap) in taps.iter_mut().enumerate() {
            let d = j as f64 - (half - 0.5);
            let sinc = (PI * d).sin() / (PI * d);
            let window = 0.42 + 0.5 * (PI * d / half).cos() + 0.08 * (2.0 * PI * d / half).cos();
            *tap = sinc * window;
        }
        let sum: f64 = taps.iter().sum();
        taps.iter_mut().for_each(|t| *t /= sum);
        taps
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<i16> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| (amplitude * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    /// The power of `freq` in `samples` (Goertzel), per sample.
    fn power(samples: &[i16], freq: f64, rate: u32) -> f64 {
        let coeff = 2.0 * (2.0 * PI * freq / f64::from(rate)).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in samples {
            let s = f64::from(x) + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64).powi(2)
    }

    #[test]
    fn upsampling_keeps_the_tone_and_rejects_its_mirror_image() {
        let input = tone(1_000.0, INPUT_RATE, 1.0, 10_000.0);
        let output = upsample(&input);
        assert_eq!(output.len(), 2 * input.len());
        assert_eq!(output[0], input[0], "inputs are kept as they are");
        assert_eq!(output[200], input[100]);
        let middle = &output[1_000..output.len() - 1_000];
        let wanted = power(middle, 1_000.0, OUTPUT_RATE);
        // Doubling each sample would leave a strong 7 kHz image.
        let image = power(middle, 7_000.0, OUTPUT_RATE);
        let ratio_db = 10.0 * (wanted / image).log10();
        assert!(ratio_db > 60.0, "image only {ratio_db:.1} dB down");
        // The tone keeps its level (amplitude 10 000 → power A²/4).
        let level = wanted / (10_000.0f64.powi(2) / 4.0);
        assert!((0.95..1.05).contains(&level), "gain {level}");
    }

    #[test]
    fn the_interpolator_has_unit_gain_at_zero_hertz() {
        let output = upsample(&[1_000; 64]);
        assert!(output[32..96].iter().all(|&s| (999..=1_001).contains(&s)));
    }

    #[test]
    fn an_mp3_starts_with_a_frame_and_silence_encodes_too() {
        let mp3 = encode(&tone(1_000.0, INPUT_RATE, 0.5, 8_000.0)).unwrap();
        // MPEG-2 layer III frame sync: 0xFFF then version bits 10.
        assert_eq!(mp3[0], 0xFF);
        assert_eq!(mp3[1] & 0xF8, 0xF0);
        assert!(mp3[..400].windows(4).any(|w| w == b"Info"), "Info tag");
        assert!(!encode(&[0; 8_000]).unwrap().is_empty());
        assert!(!encode(&[]).unwrap().is_empty());
    }
}
