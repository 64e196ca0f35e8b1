//! A caller that follows a script: keys typed ahead or pressed after a
//! prompt, silences, speech into a recording; and the log of what the
//! switch did to the line.

use std::collections::VecDeque;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use domain::Language;
use switch::voicemail::{Clip, Heard, Key, Line, RecordEnd, Recording};

/// What the scripted caller does next.
#[derive(Clone, Debug)]
pub enum Step {
    /// A key, already pressed when the switch next listens (it stops a
    /// prompt that may be interrupted).
    Key(char),
    /// Lets the prompt playing now run to its end.
    Listen,
    /// Presses nothing: the wait for a key times out.
    Silent,
    /// Speaks into a recording for this long, then stops it this way.
    Speak(Duration, RecordEnd),
}

/// What the switch did to the line.
#[derive(Clone, Debug)]
pub enum Event {
    Play { clips: Vec<Clip>, cut: bool },
    Record(PathBuf),
    Call(String),
    HangUp,
}

/// A caller following a script; when the script runs out, they hang up.
pub struct ScriptedLine {
    pub steps: VecDeque<Step>,
    pub log: Vec<Event>,
    /// What [`Line::call`] answers.
    pub call_connects: bool,
    gone: bool,
}

impl ScriptedLine {
    pub fn new(steps: Vec<Step>) -> Self {
        Self {
            steps: steps.into(),
            log: Vec::new(),
            call_connects: true,
            gone: false,
        }
    }

    /// What the caller heard and what happened, one word per clip or
    /// event: a prompt by name, a number, `digits:101`, `audio:N` for N
    /// samples, `/` after a playing a key cut short, `record`,
    /// `call:NUMBER`, `hang-up`.
    pub fn heard(&self) -> Vec<String> {
        let mut out = Vec::new();
        for event in &self.log {
            match event {
                Event::Play { clips, cut } => {
                    for clip in clips {
                        out.push(match clip {
                            Clip::Prompt(name) => name.clone(),
                            Clip::Number(n) => n.to_string(),
                            Clip::Digits(d) => format!("digits:{d}"),
                            Clip::Beep => "beep".into(),
                            Clip::Silence(_) => "silence".into(),
                            Clip::Audio(samples) => format!("audio:{}", samples.len()),
                        });
                    }
                    if *cut {
                        out.push("/".into());
                    }
                }
                Event::Record(_) => out.push("record".into()),
                Event::Call(number) => out.push(format!("call:{number}")),
                Event::HangUp => out.push("hang-up".into()),
            }
        }
        out
    }

    pub fn audio_played(&self) -> Vec<Arc<[i16]>> {
        self.log
            .iter()
            .filter_map(|e| match e {
                Event::Play { clips, .. } => Some(clips),
                _ => None,
            })
            .flatten()
            .filter_map(|c| match c {
                Clip::Audio(samples) => Some(samples.clone()),
                _ => None,
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl Line for ScriptedLine {
    fn language(&self) -> Language {
        Language::Fr
    }

    async fn play(&mut self, clips: Vec<Clip>, interrupt: bool) -> Heard {
        if self.gone {
            return Heard::HungUp;
        }
        let heard = match self.steps.front() {
            Some(Step::Key(d)) if interrupt => Heard::Digit(*d),
            Some(Step::Listen) if interrupt => Heard::Done,
            _ => {
                self.log.push(Event::Play { clips, cut: false });
                return Heard::Done;
            }
        };
        self.steps.pop_front();
        let cut = matches!(heard, Heard::Digit(_));
        self.log.push(Event::Play { clips, cut });
        heard
    }

    async fn key(&mut self, _wait: Duration) -> Key {
        loop {
            match self.steps.pop_front() {
                Some(Step::Key(d)) => return Key::Digit(d),
                Some(Step::Silent) => return Key::Timeout,
                Some(Step::Listen) => {}
                Some(Step::Speak(..)) => panic!("the script speaks, the menu waits for a key"),
                None => {
                    self.gone = true;
                    return Key::HungUp;
                }
            }
        }
    }

    fn flush_keys(&mut self) {
        while matches!(self.steps.front(), Some(Step::Key(_))) {
            self.steps.pop_front();
        }
    }

    async fn record(
        &mut self,
        path: &Path,
        _max: Duration,
        _silence: Option<Duration>,
    ) -> std::io::Result<Recording> {
        self.log.push(Event::Record(path.to_owned()));
        let (duration, end) = match self.steps.pop_front() {
            Some(Step::Speak(duration, end)) => (duration, end),
            None => (Duration::ZERO, RecordEnd::HungUp),
            Some(other) => panic!("the menu records, the script does {other:?}"),
        };
        let mut writer =
            hound::WavWriter::create(path, wav_spec()).map_err(std::io::Error::other)?;
        for s in voice(duration).iter() {
            writer.write_sample(*s).map_err(std::io::Error::other)?;
        }
        writer.finalize().map_err(std::io::Error::other)?;
        if end == RecordEnd::HungUp {
            self.gone = true;
        }
        Ok(Recording { duration, end })
    }

    async fn hang_up(&mut self) {
        self.log.push(Event::HangUp);
        self.gone = true;
    }

    async fn call(&mut self, number: &str) -> bool {
        self.log.push(Event::Call(number.to_owned()));
        self.call_connects
    }
}

pub fn wav_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// A recognisable signal of `duration` at 8 kHz.
pub fn voice(duration: Duration) -> Arc<[i16]> {
    let n = (duration.as_millis() * 8) as usize;
    (0..n).map(|i| ((i % 40) as i16 - 20) * 300).collect()
}

pub fn wav_bytes(samples: &[i16]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, wav_spec()).unwrap();
    for s in samples {
        writer.write_sample(*s).unwrap();
    }
    writer.finalize().unwrap();
    out.into_inner()
}

/// Keys, each pressed ahead.
pub fn keys(digits: &str) -> Vec<Step> {
    digits.chars().map(Step::Key).collect()
}

/// What the caller hears, written as [`ScriptedLine::heard`] entries
/// separated by spaces.
pub fn said(entries: &str) -> Vec<String> {
    entries.split_whitespace().map(str::to_owned).collect()
}

/// `entries` were heard one after the other.
pub fn contains_run(heard: &[String], entries: &str) -> bool {
    let run = said(entries);
    heard.windows(run.len()).any(|w| w == run.as_slice())
}
