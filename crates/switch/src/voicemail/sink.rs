//! The recorder the relay feeds: the caller's audio to a WAV file, with
//! the silence and length limits reported as they happen.
//!
//! It runs on a relay worker thread (a [`media::Sink`]); what it has to
//! say goes out on a channel. Dropping it (the recording stopped or the
//! call's session ended) closes the WAV and reports the duration.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Duration;

use media::record::{RecordError, Recorder, SilenceDetector};
use media::{FRAME, Frame, RATE, Sink};
use tokio::sync::mpsc::UnboundedSender;

/// Below this level (dBm0) a frame counts as silence.
const SILENCE_DBM0: f32 = -45.0;

/// What the recorder reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SinkEvent {
    /// The caller has been quiet for the silence limit.
    Silence,
    /// The maximum length is reached; later audio is not kept.
    MaxLength,
    /// The file is closed: the audio kept, or why writing failed.
    Finished(Result<Duration, String>),
}

/// Records frames until dropped.
pub struct RecordingSink {
    recorder: Option<Recorder<BufWriter<File>>>,
    silence: Option<SilenceDetector>,
    max_frames: u64,
    frames: u64,
    said_silence: bool,
    said_max: bool,
    events: UnboundedSender<SinkEvent>,
}

impl RecordingSink {
    /// Creates the WAV at `path`.
    pub fn create(
        path: &Path,
        max: Duration,
        silence: Option<Duration>,
        events: UnboundedSender<SinkEvent>,
    ) -> Result<Self, RecordError> {
        let frame_ms = (FRAME as u64 * 1000) / u64::from(RATE);
        Ok(Self {
            recorder: Some(Recorder::create(path)?),
            silence: silence.map(|after| SilenceDetector::new(SILENCE_DBM0, after)),
            max_frames: (max.as_millis() as u64 / frame_ms).max(1),
            frames: 0,
            said_silence: false,
            said_max: false,
            events,
        })
    }
}

impl Sink for RecordingSink {
    fn frame(&mut self, input: &Frame) {
        if self.frames >= self.max_frames {
            if !self.said_max {
                self.said_max = true;
                let _ = self.events.send(SinkEvent::MaxLength);
            }
            return;
        }
        self.frames += 1;
        if let Some(r) = &mut self.recorder {
            r.frame(input);
        }
        if let Some(d) = &mut self.silence
            && d.frame(input)
            && !self.said_silence
        {
            self.said_silence = true;
            let _ = self.events.send(SinkEvent::Silence);
        }
    }
}

impl Drop for RecordingSink {
    fn drop(&mut self) {
        if let Some(r) = self.recorder.take() {
            let result = r.finish().map_err(|e| e.to_string());
            let _ = self.events.send(SinkEvent::Finished(result));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use media::Source;
    use media::tone::Tone;

    #[test]
    fn reports_silence_once_and_stops_at_the_maximum_then_closes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wav");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut sink = RecordingSink::create(
            &path,
            Duration::from_secs(2),
            Some(Duration::from_millis(500)),
            tx,
        )
        .unwrap();
        let mut tone = Tone::single(440.0, -10.0);
        let mut frame = [0; FRAME];
        for _ in 0..25 {
            tone.next_frame(&mut frame);
            sink.frame(&frame);
        }
        assert!(rx.try_recv().is_err(), "a tone is not silence");
        for _ in 0..100 {
            sink.frame(&[0; FRAME]);
        }
        assert_eq!(rx.try_recv().unwrap(), SinkEvent::Silence);
        assert_eq!(
            rx.try_recv().unwrap(),
            SinkEvent::MaxLength,
            "2 s = 100 frames"
        );
        assert!(rx.try_recv().is_err(), "each said once");
        drop(sink);
        assert_eq!(
            rx.try_recv().unwrap(),
            SinkEvent::Finished(Ok(Duration::from_secs(2)))
        );
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.len(), 16_000, "only the first two seconds kept");
    }
}
