//! Audio helpers of the tests: tones, MP3 decoding (symphonia, as a
//! player would) and the frequency a signal carries.

use std::f64::consts::PI;
use std::io::Cursor;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// A sine tone of `seconds` at `rate`, amplitude 12 000.
pub fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds).round() as usize;
    (0..n)
        .map(|i| (12_000.0 * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
        .collect()
}

/// A decoded MP3: its rate, channels and (first channel's) samples.
pub struct Decoded {
    pub rate: u32,
    pub channels: usize,
    pub samples: Vec<f32>,
}

impl Decoded {
    /// The length in milliseconds.
    pub fn duration_ms(&self) -> f64 {
        self.samples.len() as f64 * 1000.0 / f64::from(self.rate)
    }
}

/// Decodes a whole MP3 file, trimming the encoder's delay and padding
/// when the file says what they are (gapless playback).
pub fn decode_mp3(bytes: &[u8]) -> Decoded {
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let format_options = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&hint, source, &format_options, &MetadataOptions::default())
        .expect("an MP3 stream");
    let mut format = probed.format;
    let track = format.default_track().expect("a track").clone();
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .expect("an MP3 decoder");
    let mut out = Decoded {
        rate: track.codec_params.sample_rate.expect("a sample rate"),
        channels: track.codec_params.channels.map_or(0, |c| c.count()),
        samples: Vec::new(),
    };
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => panic!("MP3 packet: {e}"),
        };
        let decoded = decoder.decode(&packet).expect("an MP3 frame decodes");
        let spec = *decoded.spec();
        let channels = spec.channels.count();
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        buffer.copy_interleaved_ref(decoded);
        out.samples
            .extend(buffer.samples().iter().step_by(channels).copied());
    }
    out
}

/// The frequency of a tone, from its zero crossings over the middle
/// 80 % of the signal (the ends may fade).
pub fn dominant_frequency(samples: &[f32], rate: u32) -> f64 {
    let cut = samples.len() / 10;
    let middle = &samples[cut..samples.len() - cut];
    let crossings = middle
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    crossings as f64 / 2.0 / (middle.len() as f64 / f64::from(rate))
}
