//! The mailbox menu by phone over a real store (SQLite), object store
//! (a folder) and voicemail service, with a scripted caller: what the
//! caller heard, in order, and what the mailbox holds afterwards.

use std::collections::VecDeque;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::{
    CompanyName, EmailAddress, ExtensionNumber, Language, MessageStatus, NewAccount,
    NewVoicemailMessage, Password, PasswordHash, Pin, PinHash, TimeZone, UnixMillis,
    VoicemailMessage,
};
use storage::{NewUser, Store, UserSettings};
use switch::voicemail::menu::{self, MenuContext, prompts};
use switch::voicemail::{Clip, Heard, Key, Line, RecordEnd, Recording};
use tokio::sync::mpsc::UnboundedReceiver;
use voicemail::{Blobs, MailboxChange, Voicemail};

const NOW: i64 = 1_700_000_000_000;
const PIN: &str = "2468";

/// What the scripted caller does next.
#[derive(Clone, Debug)]
enum Step {
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
enum Event {
    Play { clips: Vec<Clip>, cut: bool },
    Record(PathBuf),
    Call(String),
    HangUp,
}

/// A caller following a script; when the script runs out, they hang up.
struct ScriptedLine {
    steps: VecDeque<Step>,
    log: Vec<Event>,
    call_connects: bool,
    gone: bool,
}

impl ScriptedLine {
    fn new(steps: Vec<Step>) -> Self {
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
    fn heard(&self) -> Vec<String> {
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

    fn audio_played(&self) -> Vec<Arc<[i16]>> {
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

fn wav_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// A recognisable signal of `duration` at 8 kHz.
fn voice(duration: Duration) -> Arc<[i16]> {
    let n = (duration.as_millis() * 8) as usize;
    (0..n).map(|i| ((i % 40) as i16 - 20) * 300).collect()
}

fn wav_bytes(samples: &[i16]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, wav_spec()).unwrap();
    for s in samples {
        writer.write_sample(*s).unwrap();
    }
    writer.finalize().unwrap();
    out.into_inner()
}

/// Keys, each pressed ahead.
fn keys(digits: &str) -> Vec<Step> {
    digits.chars().map(Step::Key).collect()
}

/// The PIN keyed right (then `#`).
fn right_pin() -> Vec<Step> {
    keys(&format!("{PIN}#"))
}

struct Office {
    vm: Voicemail,
    changes: UnboundedReceiver<MailboxChange>,
    cx: MenuContext,
    _dir: tempfile::TempDir,
}

/// One account with user 201, whose voicemail PIN is [`PIN`] (none with
/// `with_pin` false).
async fn office(with_pin: bool) -> Office {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    let password = PasswordHash::of(&Password::parse("password123").unwrap());
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Acme").unwrap(),
                main_number: domain::E164::parse("+33199000200").unwrap(),
                address: "1 rue de la Paix".into(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: password.clone(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(0),
        )
        .await
        .unwrap()
        .id;
    let scope = store.account(account);
    let user = scope
        .create_user(&NewUser {
            extension: ExtensionNumber::parse("201").unwrap(),
            name: "User 201".into(),
            email: EmailAddress::parse("u201@example.fr").unwrap(),
            password,
            direct_number: None,
        })
        .await
        .unwrap();
    if with_pin {
        let mut voicemail = user.voicemail.clone();
        voicemail.pin = Some(PinHash::of(&Pin::parse(PIN).unwrap()));
        scope
            .update_user_settings(
                user.id,
                &UserSettings {
                    voicemail,
                    forwarding: user.forwarding.clone(),
                    caller_id: None,
                },
            )
            .await
            .unwrap();
    }
    let blobs = Blobs::local(&dir.path().join("blobs")).unwrap();
    let mailer = mail::Mailer::new(
        None,
        "Switchboard <noreply@localhost>",
        dir.path().join("outbox"),
    )
    .unwrap();
    let spool = dir.path().join("spool");
    let (vm, changes) = Voicemail::new(store, blobs, Arc::new(mailer), spool.clone()).unwrap();
    Office {
        vm,
        changes,
        cx: MenuContext {
            account,
            user: user.id,
            extension: user.extension_number,
            spool,
        },
        _dir: dir,
    }
}

impl Office {
    /// Stores a message of `seconds` of audio from `caller`, received
    /// `ago` ms before now.
    async fn message(
        &self,
        caller: &str,
        ago: i64,
        seconds: u64,
    ) -> (VoicemailMessage, Arc<[i16]>) {
        let samples = voice(Duration::from_secs(seconds));
        let base = format!(
            "voicemail/{}/{}/{}",
            self.cx.account.raw(),
            self.cx.user.raw(),
            NOW - ago
        );
        let wav_key = format!("{base}.wav");
        let mp3_key = format!("{base}.mp3");
        let blobs = self.vm.blobs();
        blobs
            .put(&wav_key, Bytes::from(wav_bytes(&samples)))
            .await
            .unwrap();
        blobs
            .put(&mp3_key, Bytes::from_static(b"ID3 not really"))
            .await
            .unwrap();
        let message = self
            .vm
            .store()
            .account(self.cx.account)
            .add_voicemail(&NewVoicemailMessage {
                user: self.cx.user,
                caller_number: caller.into(),
                caller_name: None,
                received_at: UnixMillis::from_millis(NOW - ago),
                duration_ms: seconds as u32 * 1000,
                wav_key,
                mp3_key,
            })
            .await
            .unwrap();
        (message, samples)
    }

    async fn run(&self, line: &mut ScriptedLine) {
        let now = || UnixMillis::from_millis(NOW);
        menu::run(line, &self.vm, &self.cx, &now).await;
    }

    async fn status(&self, message: &VoicemailMessage) -> Option<MessageStatus> {
        self.vm
            .store()
            .account(self.cx.account)
            .voicemail(self.cx.user, message.id)
            .await
            .ok()
            .map(|m| m.status)
    }

    async fn mailbox(&self) -> domain::Mailbox {
        self.vm
            .store()
            .account(self.cx.account)
            .mailbox(self.cx.user)
            .await
            .unwrap()
    }

    /// Mailbox changes announced so far.
    fn announced(&mut self) -> usize {
        let mut n = 0;
        while let Ok(change) = self.changes.try_recv() {
            assert_eq!(
                (change.account, change.user),
                (self.cx.account, self.cx.user)
            );
            n += 1;
        }
        n
    }
}

/// What the caller hears, written as [`ScriptedLine::heard`] entries
/// separated by spaces.
fn said(entries: &str) -> Vec<String> {
    entries.split_whitespace().map(str::to_owned).collect()
}

/// `entries` were heard one after the other.
fn contains_run(heard: &[String], entries: &str) -> bool {
    let run = said(entries);
    heard.windows(run.len()).any(|w| w == run.as_slice())
}

#[tokio::test]
async fn a_wrong_pin_is_refused_then_the_right_one_lets_the_caller_in() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([keys("1111#"), right_pin(), keys("#")].concat());
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / vm-incorrect \
             vm-password / \
             vm-youhave vm-no vm-messages \
             vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    let mailbox = o.mailbox().await;
    assert_eq!(mailbox.pin_failures, 0, "the right PIN resets the count");
    assert!(!mailbox.locked(UnixMillis::from_millis(NOW)));
}

#[tokio::test]
async fn a_pin_ends_after_five_seconds_without_a_key() {
    let o = office(true).await;
    let mut line =
        ScriptedLine::new([vec![Step::Listen], keys(PIN), vec![Step::Silent], keys("#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(&line.heard(), "vm-password vm-youhave"));
}

#[tokio::test]
async fn three_wrong_pins_lock_the_mailbox_and_hang_up() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([keys("1#2#3#"), right_pin()].concat());
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / vm-incorrect \
             vm-password / vm-incorrect \
             vm-password / vm-incorrect \
             vm-goodbye hang-up"
        )
    );
    assert!(
        o.mailbox()
            .await
            .locked(UnixMillis::from_millis(NOW + 60_000))
    );
}

#[tokio::test]
async fn a_locked_mailbox_refuses_even_the_right_pin() {
    let o = office(true).await;
    let scope = o.vm.store().account(o.cx.account);
    for _ in 0..3 {
        scope
            .pin_failed(o.cx.user, UnixMillis::from_millis(NOW - 1000))
            .await
            .unwrap();
    }
    let mut line = ScriptedLine::new([right_pin(), keys("#")].concat());
    o.run(&mut line).await;
    assert_eq!(line.heard(), said("vm-incorrect vm-goodbye hang-up"));
    assert_eq!(line.steps.len(), PIN.len() + 2, "no PIN was read");
    assert!(o.mailbox().await.locked(UnixMillis::from_millis(NOW)));
}

#[tokio::test]
async fn a_mailbox_without_a_pin_cannot_be_reached() {
    let o = office(false).await;
    let mut line = ScriptedLine::new(right_pin());
    o.run(&mut line).await;
    assert_eq!(line.heard(), said("vm-incorrect vm-goodbye hang-up"));
}

#[tokio::test]
async fn a_new_message_heard_to_the_end_becomes_saved_and_the_lamps_hear_of_it() {
    let mut o = office(true).await;
    let (message, samples) = o.message("+33612345678", 60_000, 2).await;
    let mut line =
        ScriptedLine::new([right_pin(), keys("1"), vec![Step::Listen], keys("*#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert_eq!(
        heard,
        said(
            "vm-password / \
             vm-youhave 1 vm-INBOX vm-message vm-and vm-no vm-Old vm-messages \
             vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
             vm-first vm-message audio:16000 \
             vm-advopts vm-repeat vm-delete vm-savemessage vm-starmain / \
             vm-onefor vm-Old vm-messages vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    assert_eq!(
        line.audio_played(),
        vec![samples],
        "the stored audio, as recorded"
    );
    assert_eq!(o.status(&message).await, Some(MessageStatus::Saved));
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn new_messages_come_first_newest_first_then_saved_ones() {
    let mut o = office(true).await;
    let (old_new, _) = o.message("+33600000001", 300_000, 1).await;
    let (saved, _) = o.message("+33600000002", 100_000, 3).await;
    let (new, _) = o.message("+33600000003", 200_000, 2).await;
    o.vm.set_status(o.cx.account, o.cx.user, saved.id, MessageStatus::Saved)
        .await
        .unwrap();
    o.announced();
    let listen = vec![Step::Listen, Step::Key('6')];
    let steps = [
        right_pin(),
        keys("1"),
        listen.clone(),
        listen.clone(),
        listen,
        keys("#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(
        &heard,
        "vm-youhave 2 vm-INBOX vm-messages vm-and 1 vm-Old vm-message"
    ));
    // The newer new message (2 s), the older (1 s), then the saved one (3 s).
    assert!(
        contains_run(&heard, "vm-first vm-message audio:16000"),
        "{heard:?}"
    );
    assert!(contains_run(&heard, "vm-message 2 audio:8000"));
    assert!(contains_run(&heard, "vm-last vm-message audio:24000"));
    assert!(contains_run(&heard, "vm-nomore vm-onefor vm-Old"));
    for m in [&old_new, &new, &saved] {
        assert_eq!(o.status(m).await, Some(MessageStatus::Saved));
    }
    assert_eq!(o.announced(), 2, "only the two new messages changed");
}

#[tokio::test]
async fn deleting_a_message_removes_its_row_and_audio_and_plays_the_next() {
    let mut o = office(true).await;
    let (first, _) = o.message("+33600000001", 1_000, 1).await;
    let (second, second_audio) = o.message("+33600000002", 2_000, 3).await;
    // 7 stops the first message; * stops the second before its end.
    let mut line = ScriptedLine::new([right_pin(), keys("17*#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "vm-first vm-message audio:8000 / vm-deleted \
             vm-first vm-message audio:24000 / \
             vm-onefor vm-INBOX"
        ),
        "{heard:?}"
    );
    assert_eq!(o.status(&first).await, None, "the row is gone");
    for key in [&first.wav_key, &first.mp3_key] {
        assert!(o.vm.blobs().get(key).await.is_err(), "{key} is gone");
    }
    assert_eq!(
        o.status(&second).await,
        Some(MessageStatus::New),
        "a message cut short stays new"
    );
    assert_eq!(
        o.vm.blobs().get(&second.wav_key).await.unwrap().len(),
        wav_bytes(&second_audio).len()
    );
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn saving_a_message_keeps_it_as_saved() {
    let mut o = office(true).await;
    let (message, _) = o.message("+33600000001", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("19#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "audio:8000 / vm-message vm-saved vm-nomore vm-onefor vm-Old"
    ));
    assert_eq!(o.status(&message).await, Some(MessageStatus::Saved));
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn the_menu_after_a_message_says_the_keys_and_repeat_plays_it_again() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    o.message("+33600000002", 2_000, 1).await;
    let steps = [
        right_pin(),
        keys("1"),
        vec![Step::Listen, Step::Listen],
        keys("5*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-first vm-message audio:8000 \
         vm-advopts vm-repeat vm-next vm-delete vm-savemessage vm-starmain \
         vm-first vm-message audio:8000 /"
    ));
}

#[tokio::test]
async fn calling_back_connects_the_caller_to_the_sender_without_hanging_up() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    // 3 during the message: advanced options; 3: who sent it; 2: call.
    let mut line = ScriptedLine::new([right_pin(), keys("1332")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "audio:8000 / \
             vm-tocallback vm-tohearenv vm-starmain / \
             vm-from-phonenumber digits:33612345678 \
             vm-tocallback vm-tohearenv vm-starmain / \
             call:+33612345678"
        ),
        "{heard:?}"
    );
    assert_eq!(
        heard.last().unwrap(),
        "call:+33612345678",
        "the line is the call's now"
    );
}

#[tokio::test]
async fn the_main_menu_advanced_options_are_about_the_message_heard_last() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    // Listen, back to the main menu, advanced options, call.
    let mut line = ScriptedLine::new([right_pin(), keys("1*32")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
         vm-tocallback vm-tohearenv vm-starmain / call:+33612345678"
    ));
}

#[tokio::test]
async fn previous_goes_back_a_message() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    o.message("+33600000002", 2_000, 2).await;
    let mut line = ScriptedLine::new([right_pin(), keys("164*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-first vm-message audio:8000 / \
         vm-last vm-message audio:16000 / \
         vm-first vm-message audio:8000 /"
    ));
}

#[tokio::test]
async fn a_call_back_that_fails_says_so_and_the_menu_goes_on() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("132*#")].concat());
    line.call_connects = false;
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "call:+33612345678 cannot-complete-as-dialed vm-tocallback"
    ));
    assert_eq!(line.heard().last().unwrap(), "hang-up");
}

#[tokio::test]
async fn an_anonymous_message_offers_no_call_back() {
    let o = office(true).await;
    o.message("anonymous", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("1323**#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(
        &heard,
        "audio:8000 / vm-tohearenv vm-starmain / vm-sorry"
    ));
    assert!(contains_run(
        &heard,
        "vm-starmain / vm-unknown-caller vm-tohearenv"
    ));
    assert!(!heard.iter().any(|h| h.starts_with("CALL")));
}

#[tokio::test]
async fn a_recorded_greeting_replaces_the_old_one_after_review() {
    let o = office(true).await;
    let scope = o.vm.store().account(o.cx.account);
    let old_key = format!(
        "voicemail/{}/{}/greeting-1.wav",
        o.cx.account.raw(),
        o.cx.user.raw()
    );
    o.vm.blobs()
        .put(
            &old_key,
            Bytes::from(wav_bytes(&voice(Duration::from_secs(1)))),
        )
        .await
        .unwrap();
    scope.set_greeting(o.cx.user, Some(&old_key)).await.unwrap();
    let steps = [
        right_pin(),
        keys("01"),
        vec![Step::Speak(Duration::from_secs(2), RecordEnd::Digit('#'))],
        keys("2"),
        vec![Step::Listen],
        keys("1*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "vm-options / vm-rec-unv beep record vm-review / audio:16000 vm-review / vm-msgsaved vm-options /"
        ),
        "{heard:?}"
    );
    let key = o.mailbox().await.greeting_key.expect("a greeting is set");
    assert_eq!(
        key,
        format!(
            "voicemail/{}/{}/greeting-{NOW}.wav",
            o.cx.account.raw(),
            o.cx.user.raw()
        )
    );
    let stored = menu::load_audio(o.vm.blobs(), &key)
        .await
        .expect("readable");
    assert_eq!(stored, voice(Duration::from_secs(2)));
    assert!(
        o.vm.blobs().get(&old_key).await.is_err(),
        "the old greeting is deleted"
    );
    let recorded_into: Vec<_> = line
        .log
        .iter()
        .filter_map(|e| match e {
            Event::Record(path) => Some(path.parent().unwrap().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        recorded_into,
        vec![o.cx.spool.clone()],
        "recorded in the spool"
    );
    let spooled = std::fs::read_dir(&o.cx.spool).unwrap().count();
    assert_eq!(spooled, 0, "the spool file is removed");
}

#[tokio::test]
async fn a_name_recorded_again_keeps_only_the_second_take() {
    let o = office(true).await;
    let take = |s| Step::Speak(Duration::from_secs(s), RecordEnd::Silence);
    let steps = [
        right_pin(),
        keys("03"),
        vec![take(4)],
        keys("3"),
        vec![take(6)],
        keys("1*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-rec-name beep record vm-review / vm-rec-name beep record vm-review / vm-msgsaved"
    ));
    let mailbox = o.mailbox().await;
    assert_eq!(mailbox.greeting_key, None);
    let key = mailbox.name_key.expect("a name is set");
    let stored = menu::load_audio(o.vm.blobs(), &key).await.unwrap();
    assert_eq!(
        stored.len(),
        28_000,
        "the second take, less the 2.5 s of the silence that ended it"
    );
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn a_recording_of_nothing_but_silence_is_too_short() {
    let o = office(true).await;
    let silence = Step::Speak(Duration::from_secs(3), RecordEnd::Silence);
    let mut line = ScriptedLine::new([right_pin(), keys("01"), vec![silence], keys("*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-rec-unv beep record vm-tooshort vm-options /"
    ));
    assert_eq!(o.mailbox().await.greeting_key, None);
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn hanging_up_while_recording_keeps_the_old_greeting() {
    let o = office(true).await;
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            keys("02"),
            vec![Step::Speak(Duration::from_secs(5), RecordEnd::HungUp)],
        ]
        .concat(),
    );
    o.run(&mut line).await;
    assert!(contains_run(&line.heard(), "vm-rec-busy beep record"));
    assert_eq!(
        line.heard().last().unwrap(),
        "record",
        "nobody to say goodbye to"
    );
    assert_eq!(o.mailbox().await.greeting_key, None);
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn a_new_pin_keyed_twice_replaces_the_old_one() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([right_pin(), keys("05"), keys("13579#13579#*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-newpassword / vm-reenterpassword / vm-passchanged vm-options"
    ));
    let user =
        o.vm.store()
            .account(o.cx.account)
            .user(o.cx.user)
            .await
            .unwrap();
    let pin = user.voicemail.pin.unwrap();
    assert!(pin.matches("13579") && !pin.matches(PIN));
}

#[tokio::test]
async fn a_new_pin_keyed_differently_twice_changes_nothing() {
    let o = office(true).await;
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            keys("05"),
            keys("13579#13570#5"),
            keys("12#*#"),
        ]
        .concat(),
    );
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(&heard, "vm-mismatch vm-options"));
    assert!(
        contains_run(&heard, "vm-newpassword / vm-invalid-password"),
        "too short a PIN"
    );
    let user =
        o.vm.store()
            .account(o.cx.account)
            .user(o.cx.user)
            .await
            .unwrap();
    assert!(user.voicemail.pin.unwrap().matches(PIN));
}

#[tokio::test]
async fn keys_typed_ahead_skip_the_prompts() {
    let mut o = office(true).await;
    let (message, _) = o.message("+33600000001", 1_000, 1).await;
    // Everything keyed before the first prompt: PIN, listen, delete, exit.
    let mut line = ScriptedLine::new(keys(&format!("{PIN}#17#")));
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / \
             vm-youhave 1 vm-INBOX vm-message vm-and vm-no vm-Old vm-messages \
             vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
             vm-first vm-message audio:8000 / \
             vm-deleted vm-nomore \
             vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    assert_eq!(o.status(&message).await, None);
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn the_main_menu_is_said_three_times_then_goodbye() {
    let o = office(true).await;
    let silent = vec![Step::Listen, Step::Silent];
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            silent.clone(),
            silent.clone(),
            silent,
            keys("1"),
        ]
        .concat(),
    );
    o.run(&mut line).await;
    let heard = line.heard();
    let menus = heard.iter().filter(|h| *h == "vm-opts").count();
    assert_eq!(menus, 3);
    assert_eq!(heard[heard.len() - 2..], said("vm-goodbye hang-up"));
}

#[tokio::test]
async fn folders_list_the_old_messages_only() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("21"), keys("#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-changeto \
         vm-press digits/0 vm-for vm-INBOX vm-messages \
         vm-press digits/1 vm-for vm-Old vm-messages \
         vm-tocancel / \
         vm-Old vm-messages \
         vm-youhave vm-no vm-Old vm-messages \
         vm-onefor vm-INBOX"
    ));
}

/// The switch runs the menu on a spawned task.
#[tokio::test]
async fn the_menu_runs_on_any_thread() {
    fn sendable<T: Send>(_: &T) {}
    let o = office(false).await;
    let mut line = ScriptedLine::new(Vec::new());
    let now = || UnixMillis::from_millis(NOW);
    let run = menu::run(&mut line, &o.vm, &o.cx, &now);
    sendable(&run);
    run.await;
}

/// Every prompt the menu names exists in both languages (checked when the
/// Debian packages are installed; `SWITCHBOARD_SOUNDS` may point
/// elsewhere).
#[test]
fn every_prompt_exists_in_french_and_english() {
    let root =
        std::env::var("SWITCHBOARD_SOUNDS").unwrap_or_else(|_| "/usr/share/asterisk/sounds".into());
    let root = Path::new(&root);
    if !root.join("en_US_f_Allison").is_dir() {
        eprintln!("{} has no prompts: not checked", root.display());
        return;
    }
    for language in ["fr_CA_f_June", "en_US_f_Allison"] {
        for name in prompts::ALL {
            let file = root.join(language).join(format!("{name}.wav"));
            assert!(file.is_file(), "{} is missing", file.display());
        }
    }
}
