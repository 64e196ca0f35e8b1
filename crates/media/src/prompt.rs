//! Recorded prompts: WAV files turned into 8 kHz frames, and playlists of
//! prompts and tones played one after another.
//!
//! A prompt is read whole into memory when opened (a minute of 8 kHz audio
//! is under 1 MB), so playing it does no I/O. 8 kHz 16-bit mono files, like
//! the Asterisk sound packages, are taken as they are; other rates are
//! resampled by linear interpolation (no anti-alias filter, so prefer
//! 8 kHz sources for music), several channels are averaged to one, and 8,
//! 24, 32-bit and float samples are scaled to 16 bits.

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hound::{SampleFormat, WavReader};
use thiserror::Error;

use crate::{FRAME, Frame, RATE, Source};

/// Errors from loading a prompt.
#[derive(Debug, Error)]
pub enum PromptError {
    /// The file could not be opened or is not a readable WAV file.
    #[error("cannot read prompt {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    /// WAV data from a reader could not be decoded.
    #[error("cannot decode prompt")]
    Decode(#[source] hound::Error),
}

/// A prompt in memory, ready to play from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Vec<i16>,
    position: usize,
}

impl Prompt {
    /// Reads a WAV file.
    pub fn open(path: &Path) -> Result<Self, PromptError> {
        let error = |source| PromptError::Read {
            path: path.to_owned(),
            source,
        };
        let reader = WavReader::open(path).map_err(error)?;
        Self::from_wav(reader).map_err(error)
    }

    /// Reads WAV data from any reader (an embedded prompt, a test buffer).
    pub fn from_reader(reader: impl Read) -> Result<Self, PromptError> {
        WavReader::new(reader)
            .and_then(Self::from_wav)
            .map_err(PromptError::Decode)
    }

    /// A prompt of 8 kHz mono samples.
    pub fn from_samples(samples: Vec<i16>) -> Self {
        Prompt {
            samples,
            position: 0,
        }
    }

    /// The prompt's audio, 8 kHz.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// How long the whole prompt plays.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples.len() as u64 * 1_000_000 / RATE as u64)
    }

    /// Starts again from the beginning.
    pub fn rewind(&mut self) {
        self.position = 0;
    }

    fn from_wav<R: Read>(reader: WavReader<R>) -> Result<Self, hound::Error> {
        let spec = reader.spec();
        let channels = spec.channels.max(1) as usize;
        let interleaved: Vec<i32> = match spec.sample_format {
            SampleFormat::Int => {
                let bits = spec.bits_per_sample as i32;
                reader
                    .into_samples::<i32>()
                    .map(|s| {
                        s.map(|s| {
                            if bits > 16 {
                                s >> (bits - 16)
                            } else {
                                s << (16 - bits)
                            }
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            SampleFormat::Float => reader
                .into_samples::<f32>()
                .map(|s| s.map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i32))
                .collect::<Result<_, _>>()?,
        };
        let mono: Vec<i16> = interleaved
            .chunks(channels)
            .map(|c| (c.iter().sum::<i32>() / c.len() as i32) as i16)
            .collect();
        Ok(Self::from_samples(resample(&mono, spec.sample_rate)))
    }
}

impl Source for Prompt {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        let rest = &self.samples[self.position.min(self.samples.len())..];
        if rest.is_empty() {
            out.fill(0);
            return false;
        }
        let n = rest.len().min(FRAME);
        out[..n].copy_from_slice(&rest[..n]);
        out[n..].fill(0);
        self.position += n;
        true
    }
}

/// Linear interpolation from `rate` to 8 kHz.
fn resample(input: &[i16], rate: u32) -> Vec<i16> {
    if rate == RATE || input.is_empty() || rate == 0 {
        return input.to_vec();
    }
    let out_len = (input.len() as u64 * RATE as u64 / rate as u64) as usize;
    let step = rate as f64 / RATE as f64;
    (0..out_len)
        .map(|n| {
            let x = n as f64 * step;
            let i = x as usize;
            let frac = x - i as f64;
            let a = input[i] as f64;
            let b = *input.get(i + 1).unwrap_or(&input[i]) as f64;
            (a + (b - a) * frac).round() as i16
        })
        .collect()
}

/// Sources played one after the other: a greeting, a beep, a tone. Each
/// item starts on a frame boundary once the previous one has ended.
#[derive(Default)]
pub struct Playlist {
    items: VecDeque<Box<dyn Source + Send>>,
}

impl Playlist {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a source after the others.
    pub fn push(&mut self, source: impl Source + Send + 'static) {
        self.items.push_back(Box::new(source));
    }

    /// Drops everything queued, e.g. when the caller barges in with a key.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// How many items are left, the playing one included.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether everything has been played.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Source for Playlist {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        while let Some(item) = self.items.front_mut() {
            if item.next_frame(out) {
                return true;
            }
            self.items.pop_front();
        }
        out.fill(0);
        false
    }
}

#[cfg(test)]
mod tests {
    use hound::{WavSpec, WavWriter};

    use super::*;
    use crate::tone::Tone;

    fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
        let spec = WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let mut w = WavWriter::create(path, spec).unwrap();
        for &s in samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
    }

    fn play(source: &mut impl Source) -> Vec<i16> {
        let mut all = Vec::new();
        let mut f = [0; FRAME];
        while source.next_frame(&mut f) {
            all.extend_from_slice(&f);
        }
        all
    }

    #[test]
    fn narrowband_mono_wav_plays_sample_for_sample() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vm-intro.wav");
        let samples: Vec<i16> = (0..400).map(|i| i * 7).collect();
        write_wav(&path, 8000, 1, &samples);
        let mut p = Prompt::open(&path).unwrap();
        assert_eq!(p.duration(), Duration::from_millis(50));
        let played = play(&mut p);
        // Three frames, the last padded with silence.
        assert_eq!(played.len(), 480);
        assert_eq!(&played[..400], &samples[..]);
        assert!(played[400..].iter().all(|&s| s == 0));
    }

    #[test]
    fn wideband_stereo_is_mixed_down_and_resampled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("music.wav");
        // One second at 16 kHz: left a ramp, right its negative plus 2000.
        let mut interleaved = Vec::new();
        for i in 0..16000i32 {
            let l = (i % 1000) as i16;
            interleaved.extend([l, 2000 - l]);
        }
        write_wav(&path, 16000, 2, &interleaved);
        let p = Prompt::open(&path).unwrap();
        assert_eq!(p.duration(), Duration::from_secs(1));
        assert!(p.samples.iter().all(|&s| s == 1000));
    }

    #[test]
    fn resampling_keeps_a_tone_s_frequency() {
        // 1 kHz at 44.1 kHz should still cross zero ~2000 times a second.
        let input: Vec<i16> = (0..44100)
            .map(|n| ((n as f64 * 1000.0 / 44100.0 * std::f64::consts::TAU).sin() * 10000.0) as i16)
            .collect();
        let out = resample(&input, 44100);
        assert_eq!(out.len(), 8000);
        let crossings = out.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        assert!((1990..=2010).contains(&crossings), "{crossings}");
    }

    #[test]
    fn a_missing_or_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.wav");
        let err = Prompt::open(&missing).unwrap_err();
        assert!(err.to_string().contains("nope.wav"));
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"not a wav file at all").unwrap();
        assert!(Prompt::open(&junk).is_err());
    }

    #[test]
    fn a_prompt_can_come_from_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("beep.wav");
        write_wav(&path, 8000, 1, &[5; 160]);
        let bytes = std::fs::read(&path).unwrap();
        let p = Prompt::from_reader(&bytes[..]).unwrap();
        assert_eq!(p, Prompt::from_samples(vec![5; 160]));
        assert!(matches!(
            Prompt::from_reader(&b"RIFF"[..]),
            Err(PromptError::Decode(_))
        ));
    }

    #[test]
    fn playlist_plays_items_in_order_then_ends() {
        let mut list = Playlist::new();
        list.push(Prompt::from_samples(vec![1; 320]));
        list.push(Tone::silence(Duration::from_millis(40)));
        list.push(Prompt::from_samples(vec![2; 160]));
        assert_eq!(list.len(), 3);
        let played = play(&mut list);
        assert_eq!(played.len(), 800);
        assert!(played[..320].iter().all(|&s| s == 1));
        assert!(played[320..640].iter().all(|&s| s == 0));
        assert!(played[640..].iter().all(|&s| s == 2));
        assert!(list.is_empty());
    }

    #[test]
    fn clearing_a_playlist_stops_it() {
        let mut list = Playlist::new();
        list.push(Tone::ringback_fr());
        let mut f = [0; FRAME];
        assert!(list.next_frame(&mut f));
        list.clear();
        assert!(!list.next_frame(&mut f));
        assert_eq!(f, [0; FRAME]);
    }
}
