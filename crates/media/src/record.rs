//! Recording calls and voicemail to 8 kHz 16-bit mono WAV, and telling when
//! the caller has stopped talking.
//!
//! The recorder rewrites the WAV header once a second of audio, so if the
//! process dies mid-message the file still plays up to the last second.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;
use std::time::Duration;

use hound::{SampleFormat, WavSpec, WavWriter};
use thiserror::Error;

use crate::tone::dbm0_to_amplitude;
use crate::{FRAME, Frame, RATE, Sink};

/// Errors from recording.
#[derive(Debug, Error)]
pub enum RecordError {
    /// Creating, writing or finishing the WAV file failed.
    #[error("cannot write recording")]
    Write(#[from] hound::Error),
}

/// Frames between header rewrites: one second.
const FLUSH_EVERY: u32 = RATE / FRAME as u32;

/// Milliseconds in a frame.
const FRAME_MS: u64 = FRAME as u64 * 1000 / RATE as u64;

/// Writes frames to a WAV file. As a [`Sink`] it cannot report a failed
/// write at once; the first error is kept, later frames are dropped, and
/// [`Recorder::finish`] (or [`Recorder::error`]) returns it.
pub struct Recorder<W: Write + Seek> {
    writer: Option<WavWriter<W>>,
    samples: u64,
    frames_since_flush: u32,
    error: Option<RecordError>,
}

/// The format of every recording.
pub const SPEC: WavSpec = WavSpec {
    channels: 1,
    sample_rate: RATE,
    bits_per_sample: 16,
    sample_format: SampleFormat::Int,
};

impl Recorder<BufWriter<File>> {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> Result<Self, RecordError> {
        Ok(Self::from_writer(WavWriter::create(path, SPEC)?))
    }
}

impl<W: Write + Seek> Recorder<W> {
    /// Records into any seekable writer.
    pub fn new(writer: W) -> Result<Self, RecordError> {
        Ok(Self::from_writer(WavWriter::new(writer, SPEC)?))
    }

    fn from_writer(writer: WavWriter<W>) -> Self {
        Recorder {
            writer: Some(writer),
            samples: 0,
            frames_since_flush: 0,
            error: None,
        }
    }

    /// Writes one frame, reporting a failure at once.
    pub fn write(&mut self, frame: &Frame) -> Result<(), RecordError> {
        let writer = self
            .writer
            .as_mut()
            .expect("writer is present until finish");
        let mut samples = writer.get_i16_writer(FRAME as u32);
        for &s in frame {
            samples.write_sample(s);
        }
        samples.flush()?;
        self.samples += FRAME as u64;
        self.frames_since_flush += 1;
        if self.frames_since_flush >= FLUSH_EVERY {
            self.frames_since_flush = 0;
            writer.flush()?;
        }
        Ok(())
    }

    /// How much audio has been recorded.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.samples * 1_000_000 / RATE as u64)
    }

    /// The first write error, if a frame given as a [`Sink`] failed.
    pub fn error(&self) -> Option<&RecordError> {
        self.error.as_ref()
    }

    /// Completes the header and flushes; returns the recorded duration, or
    /// the first error met while recording.
    pub fn finish(mut self) -> Result<Duration, RecordError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let writer = self.writer.take().expect("writer is present until finish");
        writer.finalize()?;
        Ok(self.duration())
    }
}

impl<W: Write + Seek> Sink for Recorder<W> {
    fn frame(&mut self, input: &Frame) {
        if self.error.is_none()
            && let Err(e) = self.write(input)
        {
            self.error = Some(e);
        }
    }
}

/// Tells when audio has been quiet long enough, for "stop recording after
/// N seconds of silence". A frame is quiet when its RMS level is below the
/// threshold.
#[derive(Debug, Clone)]
pub struct SilenceDetector {
    /// RMS threshold, squared, per sample.
    threshold: f64,
    needed: u32,
    quiet_frames: u32,
}

impl SilenceDetector {
    /// Silence is below `threshold_dbm0` (around -40 dBm0 for a phone
    /// line) for `after`.
    pub fn new(threshold_dbm0: f32, after: Duration) -> Self {
        // The RMS of a sine is its peak over √2.
        let rms = dbm0_to_amplitude(threshold_dbm0) as f64 / std::f64::consts::SQRT_2;
        let needed = (after.as_millis() / FRAME_MS as u128).max(1) as u32;
        SilenceDetector {
            threshold: rms * rms,
            needed,
            quiet_frames: 0,
        }
    }

    /// Takes the next frame; true once the silence has lasted long enough
    /// (and for every further quiet frame).
    pub fn frame(&mut self, frame: &Frame) -> bool {
        let power = frame.iter().map(|&s| (s as f64) * (s as f64)).sum::<f64>() / FRAME as f64;
        if power < self.threshold {
            self.quiet_frames = self.quiet_frames.saturating_add(1);
        } else {
            self.quiet_frames = 0;
        }
        self.quiet_frames >= self.needed
    }

    /// How long it has been quiet.
    pub fn silent_for(&self) -> Duration {
        Duration::from_millis(self.quiet_frames as u64 * FRAME_MS)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use hound::WavReader;

    use super::*;
    use crate::Source;
    use crate::tone::Tone;

    fn ramp(n: usize) -> Frame {
        std::array::from_fn(|i| (i + n) as i16)
    }

    #[test]
    fn recording_reads_back_as_8k_mono_with_its_duration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msg.wav");
        let mut rec = Recorder::create(&path).unwrap();
        for n in 0..75 {
            rec.frame(&ramp(n));
        }
        assert_eq!(rec.duration(), Duration::from_millis(1500));
        assert_eq!(rec.finish().unwrap(), Duration::from_millis(1500));

        let reader = WavReader::open(&path).unwrap();
        assert_eq!(reader.spec(), SPEC);
        let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 75 * FRAME);
        assert_eq!(&samples[FRAME * 74..], &ramp(74)[..]);
    }

    #[test]
    fn a_crash_keeps_everything_up_to_the_last_whole_second() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crash.wav");
        let mut rec = Recorder::create(&path).unwrap();
        for n in 0..125 {
            rec.frame(&ramp(n));
        }
        // No finish, no destructor: as if the process died.
        std::mem::forget(rec);
        let reader = WavReader::open(&path).unwrap();
        assert!(reader.duration() >= 2 * RATE, "{}", reader.duration());
        let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
        assert_eq!(&samples[..FRAME], &ramp(0)[..]);
    }

    #[test]
    fn recording_into_memory_works_too() {
        let mut rec = Recorder::new(Cursor::new(Vec::new())).unwrap();
        rec.write(&ramp(3)).unwrap();
        assert_eq!(rec.finish().unwrap(), Duration::from_millis(20));
    }

    #[test]
    fn a_failed_write_is_kept_and_returned() {
        struct Full(Cursor<Vec<u8>>);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.0.position() > 1000 {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0.write(buf)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl Seek for Full {
            fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
                self.0.seek(pos)
            }
        }
        let mut rec = Recorder::new(Full(Cursor::new(Vec::new()))).unwrap();
        for n in 0..10 {
            rec.frame(&ramp(n));
        }
        assert!(rec.error().is_some());
        assert!(rec.finish().is_err());
    }

    #[test]
    fn silence_is_detected_after_the_set_time_and_speech_resets_it() {
        let mut det = SilenceDetector::new(-40.0, Duration::from_secs(2));
        let mut talk = Tone::single(300.0, -20.0);
        let mut f = [0; FRAME];
        talk.next_frame(&mut f);
        assert!(!det.frame(&f));
        let quiet = [3; FRAME];
        for _ in 0..99 {
            assert!(!det.frame(&quiet));
        }
        assert!(det.frame(&quiet));
        assert_eq!(det.silent_for(), Duration::from_secs(2));
        talk.next_frame(&mut f);
        assert!(!det.frame(&f));
        assert_eq!(det.silent_for(), Duration::ZERO);
    }
}
