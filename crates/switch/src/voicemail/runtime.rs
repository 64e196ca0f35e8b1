//! The shell's side of calls the switch answers: a script runs in its own
//! task over a [`RelayLine`]; the SIP task turns the line's commands into
//! engine calls ([`Calls::local_play`](crate::calls::Calls::local_play),
//! …) and routes the relay's events (keys, end of playing) and the
//! caller's hang-up back to the line.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use domain::{Language, UnixMillis};
use media::{Frame, Sink, Source};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

use super::sink::{RecordingSink, SinkEvent};
use super::sounds::Sounds;
use super::{Clip, Heard, Key, Line, RecordEnd, Recording};
use crate::calls::{LocalApp, LocalCall};

/// What a line asks of the SIP task.
pub enum LineCommand {
    Play {
        call: u64,
        source: Box<dyn Source + Send>,
    },
    Record {
        call: u64,
        sink: Option<Box<dyn Sink + Send>>,
    },
    HangUp {
        call: u64,
    },
    /// Connect the caller to a number (call back); the answer says whether
    /// the switch did.
    Dial {
        call: u64,
        account: domain::AccountId,
        number: String,
        done: oneshot::Sender<bool>,
    },
}

/// What the SIP task tells a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEvent {
    Digit(char),
    PlayDone,
    Ended,
}

/// The lines of the calls in progress, by relay session and by call.
#[derive(Default)]
pub struct Lines {
    by_media: HashMap<u64, UnboundedSender<LineEvent>>,
    media_of: HashMap<u64, u64>,
}

impl Lines {
    /// Tells the line on relay session `media`; false when none is there.
    pub fn to_media(&self, media: u64, event: LineEvent) -> bool {
        match self.by_media.get(&media) {
            Some(tx) => {
                let _ = tx.send(event);
                true
            }
            None => false,
        }
    }

    /// The call ended: its line hears so and is forgotten.
    pub fn ended(&mut self, call: u64) {
        if let Some(media) = self.media_of.remove(&call)
            && let Some(tx) = self.by_media.remove(&media)
        {
            let _ = tx.send(LineEvent::Ended);
        }
    }
}

/// What scripts need from the installation.
#[derive(Clone)]
pub struct Setup {
    pub service: Arc<voicemail::Voicemail>,
    pub sounds: Arc<Sounds>,
    /// The longest message.
    pub max_message: Duration,
    pub clock: fn() -> UnixMillis,
}

/// Starts the script of a call the switch answered.
pub fn start(
    lines: &mut Lines,
    setup: &Setup,
    commands: &UnboundedSender<LineCommand>,
    local: LocalCall,
) {
    let (tx, rx) = unbounded_channel();
    lines.by_media.insert(local.media, tx);
    lines.media_of.insert(local.call, local.media);
    let setup = setup.clone();
    let commands = commands.clone();
    tokio::spawn(async move {
        let (language, account) = match &local.app {
            LocalApp::Deposit { mailbox, .. } | LocalApp::Menu { mailbox } => {
                (mailbox.language, mailbox.account)
            }
        };
        let mut line = RelayLine {
            call: local.call,
            account,
            language,
            commands,
            events: rx,
            keys: VecDeque::new(),
            ended: false,
            sounds: setup.sounds.clone(),
            generation: 0,
            finished: Arc::new(AtomicU64::new(0)),
        };
        let now = setup.clock;
        let clock = move || now();
        match local.app {
            LocalApp::Deposit { mailbox, busy } => {
                let cx = super::deposit::DepositContext {
                    account: mailbox.account,
                    user: mailbox.user,
                    extension: mailbox.extension,
                    enabled: mailbox.enabled,
                    reason: if busy {
                        super::deposit::Reason::Busy
                    } else {
                        super::deposit::Reason::Unavailable
                    },
                    caller_number: local.caller.number.clone(),
                    caller_name: Some(local.caller.name.clone()).filter(|n| !n.is_empty()),
                    max: setup.max_message,
                    token: format!("{:x}-{}", rand::random::<u64>(), local.call),
                };
                super::deposit::run(&mut line, &setup.service, &cx, &clock).await;
            }
            LocalApp::Menu { mailbox } => {
                let cx = super::menu::MenuContext {
                    account: mailbox.account,
                    user: mailbox.user,
                    extension: mailbox.extension,
                    spool: setup.service.spool().to_owned(),
                };
                super::menu::run(&mut line, &setup.service, &cx, &clock).await;
            }
        }
        if !line.ended {
            line.hang_up().await;
        }
    });
}

/// A source that notes, when it runs out, which playing it was: an end
/// of playing reported for an earlier, replaced source is told apart.
struct Numbered {
    inner: Box<dyn Source + Send>,
    generation: u64,
    finished: Arc<AtomicU64>,
}

impl Source for Numbered {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        let more = self.inner.next_frame(out);
        if !more {
            self.finished.store(self.generation, Ordering::Release);
        }
        more
    }
}

/// The caller's line over the relay.
pub struct RelayLine {
    call: u64,
    account: domain::AccountId,
    language: Language,
    commands: UnboundedSender<LineCommand>,
    events: UnboundedReceiver<LineEvent>,
    keys: VecDeque<char>,
    ended: bool,
    sounds: Arc<Sounds>,
    generation: u64,
    finished: Arc<AtomicU64>,
}

/// Slack over a playing's length before it counts as done anyway (the
/// relay's end-of-playing event was lost).
const PLAY_SLACK: Duration = Duration::from_secs(3);

impl RelayLine {
    fn stop_playing(&mut self) {
        self.generation += 1;
        let _ = self.commands.send(LineCommand::Play {
            call: self.call,
            source: Box::new(media::tone::Tone::silence(Duration::ZERO)),
        });
    }

    fn stop_recording(&self) {
        let _ = self.commands.send(LineCommand::Record {
            call: self.call,
            sink: None,
        });
    }
}

#[async_trait::async_trait]
impl Line for RelayLine {
    fn language(&self) -> Language {
        self.language
    }

    async fn play(&mut self, clips: Vec<Clip>, interrupt: bool) -> Heard {
        if self.ended {
            return Heard::HungUp;
        }
        if interrupt && let Some(k) = self.keys.pop_front() {
            return Heard::Digit(k);
        }
        let (list, length) = self.sounds.render(self.language, &clips);
        self.generation += 1;
        let generation = self.generation;
        let _ = self.commands.send(LineCommand::Play {
            call: self.call,
            source: Box::new(Numbered {
                inner: Box::new(list),
                generation,
                finished: self.finished.clone(),
            }),
        });
        let give_up = tokio::time::Instant::now() + length + PLAY_SLACK;
        loop {
            let event = tokio::select! {
                e = self.events.recv() => e,
                _ = tokio::time::sleep_until(give_up) => return Heard::Done,
            };
            match event {
                Some(LineEvent::Digit(k)) if interrupt => {
                    self.stop_playing();
                    return Heard::Digit(k);
                }
                Some(LineEvent::Digit(k)) => self.keys.push_back(k),
                Some(LineEvent::PlayDone) => {
                    if self.finished.load(Ordering::Acquire) == generation {
                        return Heard::Done;
                    }
                }
                Some(LineEvent::Ended) | None => {
                    self.ended = true;
                    return Heard::HungUp;
                }
            }
        }
    }

    async fn key(&mut self, wait: Duration) -> Key {
        if let Some(k) = self.keys.pop_front() {
            return Key::Digit(k);
        }
        if self.ended {
            return Key::HungUp;
        }
        let until = tokio::time::Instant::now() + wait;
        loop {
            let event = tokio::select! {
                e = self.events.recv() => e,
                _ = tokio::time::sleep_until(until) => return Key::Timeout,
            };
            match event {
                Some(LineEvent::Digit(k)) => return Key::Digit(k),
                Some(LineEvent::PlayDone) => {}
                Some(LineEvent::Ended) | None => {
                    self.ended = true;
                    return Key::HungUp;
                }
            }
        }
    }

    fn flush_keys(&mut self) {
        self.keys.clear();
    }

    async fn record(
        &mut self,
        path: &Path,
        max: Duration,
        silence: Option<Duration>,
    ) -> std::io::Result<Recording> {
        if self.ended {
            return Ok(Recording {
                duration: Duration::ZERO,
                end: RecordEnd::HungUp,
            });
        }
        let (tx, mut rx) = unbounded_channel();
        let sink = RecordingSink::create(path, max, silence, tx).map_err(std::io::Error::other)?;
        let _ = self.commands.send(LineCommand::Record {
            call: self.call,
            sink: Some(Box::new(sink)),
        });
        // A caller who sends no audio at all still stops at the maximum.
        let give_up = tokio::time::Instant::now() + max + PLAY_SLACK;
        let end = loop {
            tokio::select! {
                e = self.events.recv() => match e {
                    Some(LineEvent::Digit(k)) => break RecordEnd::Digit(k),
                    Some(LineEvent::PlayDone) => {}
                    Some(LineEvent::Ended) | None => {
                        self.ended = true;
                        break RecordEnd::HungUp;
                    }
                },
                s = rx.recv() => match s {
                    Some(SinkEvent::Silence) => break RecordEnd::Silence,
                    Some(SinkEvent::MaxLength) => break RecordEnd::MaxLength,
                    Some(SinkEvent::Finished(result)) => {
                        // Dropped by the relay (the session is gone).
                        return finished(path, result, RecordEnd::HungUp);
                    }
                    None => break RecordEnd::HungUp,
                },
                _ = tokio::time::sleep_until(give_up) => break RecordEnd::MaxLength,
            }
        };
        self.stop_recording();
        // The relay drops the sink (or the ended session with it): the
        // file is closed then.
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match rx.recv().await {
                    Some(SinkEvent::Finished(result)) => return Some(result),
                    Some(_) => {}
                    None => return None,
                }
            }
        })
        .await;
        match closed {
            Ok(Some(result)) => finished(path, result, end),
            _ => Err(std::io::Error::other(format!(
                "the recording {} was not closed",
                path.display()
            ))),
        }
    }

    async fn hang_up(&mut self) {
        if !self.ended {
            self.ended = true;
            let _ = self.commands.send(LineCommand::HangUp { call: self.call });
        }
    }

    async fn call(&mut self, number: &str) -> bool {
        if self.ended {
            return false;
        }
        let (done, answer) = oneshot::channel();
        let _ = self.commands.send(LineCommand::Dial {
            call: self.call,
            account: self.account,
            number: number.to_owned(),
            done,
        });
        let placed = answer.await.unwrap_or(false);
        if placed {
            // The call is the engine's again: this script is over.
            self.ended = true;
        }
        placed
    }
}

fn finished(
    path: &Path,
    result: Result<Duration, String>,
    end: RecordEnd,
) -> std::io::Result<Recording> {
    match result {
        Ok(duration) => Ok(Recording { duration, end }),
        Err(e) => Err(std::io::Error::other(format!("{}: {e}", path.display()))),
    }
}

/// Where the sounds are by default (Debian's packages).
pub fn default_sounds() -> PathBuf {
    PathBuf::from("/usr/share/asterisk/sounds")
}
