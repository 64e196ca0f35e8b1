//! Voicemail end to end (SPEC T6, T7): the real server, baresip as the
//! caller's phone, a real SMTP sink. A caller reaches a user whose phone
//! is not connected; the switch answers with the greeting and the beep,
//! records the caller's tone, stores it as WAV and MP3, e-mails the MP3
//! and applies the admin's after-e-mail action.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use domain::{AfterEmail, E164, ExtensionNumber, MessageStatus, VoicemailMessage};
use storage::{Store, UserSettings};
use support::baresip::{Baresip, power_at, registered, rms};
use support::sipp::TEST_RTP_PORTS;
use support::{Server, SmtpSink, seed_account};

const ACCOUNT: &str = "+33199000200";

/// The server's database, opened beside it.
struct Db {
    runtime: tokio::runtime::Runtime,
    store: Store,
    account: domain::AccountId,
}

impl Db {
    fn open(data: &Path) -> Db {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let url = format!("sqlite://{}", data.join("switchboard.db").display());
        let store = runtime.block_on(Store::connect(&url)).unwrap();
        let main = E164::parse(ACCOUNT).unwrap();
        let account = runtime
            .block_on(store.account_by_main_number(&main))
            .unwrap()
            .expect("the seeded account")
            .id;
        Db {
            runtime,
            store,
            account,
        }
    }

    fn user(&self, extension: &str) -> domain::User {
        let number = ExtensionNumber::parse(extension).unwrap();
        self.runtime
            .block_on(self.store.account(self.account).user_by_extension(&number))
            .unwrap()
            .expect("a user")
    }

    /// Changes the user's voicemail settings with `change`.
    fn voicemail(&self, extension: &str, change: impl FnOnce(&mut domain::VoicemailSettings)) {
        let user = self.user(extension);
        let mut voicemail = user.voicemail.clone();
        change(&mut voicemail);
        let settings = UserSettings {
            voicemail,
            forwarding: user.forwarding,
            caller_id: user.caller_id,
        };
        self.runtime
            .block_on(
                self.store
                    .account(self.account)
                    .update_user_settings(user.id, &settings),
            )
            .unwrap();
    }

    /// Leaves a message of `seconds` of a `hz` tone for the user, as if
    /// received at `at`, with its WAV in the server's files folder.
    fn message(
        &self,
        data: &Path,
        extension: &str,
        from: &str,
        at: i64,
        hz: f64,
        seconds: f64,
    ) -> VoicemailMessage {
        let user = self.user(extension).id;
        let key = format!("voicemail/{}/{}/{at}.wav", self.account, user);
        let path = data.join("files").join(&key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, support::baresip::tone_wav(hz, seconds)).unwrap();
        self.runtime
            .block_on(self.store.account(self.account).add_voicemail(
                &domain::NewVoicemailMessage {
                    user,
                    caller_number: from.into(),
                    caller_name: None,
                    received_at: domain::UnixMillis::from_millis(at),
                    duration_ms: (seconds * 1000.0) as u32,
                    wav_key: key.clone(),
                    mp3_key: key.replace(".wav", ".mp3"),
                },
            ))
            .unwrap()
    }

    fn mailbox(&self, extension: &str) -> domain::Mailbox {
        let user = self.user(extension).id;
        self.runtime
            .block_on(self.store.account(self.account).mailbox(user))
            .unwrap()
    }

    /// The user's messages once there are `n`.
    fn messages(&self, extension: &str, n: usize, within: Duration) -> Vec<VoicemailMessage> {
        let user = self.user(extension).id;
        let start = Instant::now();
        loop {
            let found = self
                .runtime
                .block_on(self.store.account(self.account).voicemails(user))
                .unwrap();
            if found.len() >= n {
                return found;
            }
            assert!(
                start.elapsed() < within,
                "{n} message(s) for {extension}, found {}",
                found.len()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// Decodes an MP3 file to mono samples with its sample rate.
fn decode_mp3(bytes: Vec<u8>) -> (Vec<i16>, u32) {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::io::MediaSourceStream;
    let stream = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut hint = symphonia::core::probe::Hint::new();
    hint.with_extension("mp3");
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &Default::default(), &Default::default())
        .expect("an MP3 stream");
    let mut format = probed.format;
    let track = format.default_track().expect("a track").clone();
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &Default::default())
        .unwrap();
    let mut samples = Vec::new();
    let mut rate = 0;
    while let Ok(packet) = format.next_packet() {
        let Ok(decoded) = decoder.decode(&packet) else {
            continue;
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        assert_eq!(spec.channels.count(), 1, "mono");
        let mut buf = SampleBuffer::<i16>::new(decoded.capacity() as u64, spec);
        buf.copy_interleaved_ref(decoded);
        samples.extend_from_slice(buf.samples());
    }
    (samples, rate)
}

/// Goertzel power at `hz` for audio at `rate`.
fn power(samples: &[i16], rate: u32, hz: f64) -> f64 {
    let coeff = 2.0 * (std::f64::consts::TAU * hz / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64).powi(2)
}

#[test]
fn a_caller_leaves_a_message_that_is_stored_as_mp3_and_e_mailed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201, 202]);
    let db = Db::open(data);
    db.voicemail("202", |v| v.after_email = AfterEmail::MarkHeard);
    let smtp = SmtpSink::start(None);
    let server = Server::start_with(
        data,
        &["--rtp-ports", TEST_RTP_PORTS, "--smtp-url", &smtp.url()],
    );
    // 201 calls 202, whose phone is not connected, and talks (a 440 Hz
    // tone) for 20 s: the greeting (about 12 s in French), the beep, then
    // the message.
    let mut caller = Baresip::start(&server, "dev201", 440.0, "manual", "udp", None);
    let start = Instant::now();
    while !registered(data, "dev201") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "dev201 registers"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    caller.command("/dial 202");
    caller.wait_for("Call established", 10);
    std::thread::sleep(Duration::from_secs(20));
    caller.command("/hangup");
    caller.wait_for("terminated", 5);
    let heard = caller.quit();
    assert!(
        rms(&heard) > 200.0,
        "the caller heard the greeting: RMS {:.0}",
        rms(&heard)
    );
    // The beep: somewhere a fifth of a second where 1 kHz outweighs its
    // neighbourhood tenfold (speech does not).
    let beep = heard.windows(1600).step_by(400).any(|w| {
        rms(w) > 300.0 && power_at(w, 1000.0) > 10.0 * (power_at(w, 700.0) + power_at(w, 1300.0))
    });
    assert!(beep, "the caller heard the 1 kHz beep");

    let messages = db.messages("202", 1, Duration::from_secs(20));
    let m = &messages[0];
    assert_eq!(m.caller_number, "201", "{m:?}");
    assert!(
        (3_000..20_000).contains(&m.duration_ms),
        "the message holds what was said after the beep: {m:?}"
    );
    // The e-mail is sent, then the admin's action: marked heard.
    let mail = smtp
        .mail
        .recv_timeout(Duration::from_secs(20))
        .expect("a notification e-mail");
    assert!(mail.contains("u202@acme.example"), "{mail}");
    assert!(mail.contains("audio/mpeg"), "the MP3 is attached:\n{mail}");
    let start = Instant::now();
    while db.messages("202", 1, Duration::from_secs(1))[0].status != MessageStatus::Saved {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the after-e-mail action marks it heard"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Both files are in the object store (a local folder by default); the
    // MP3 is 16 kHz mono and sounds like the caller.
    let wav = data.join("files").join(&m.wav_key);
    assert!(wav.exists(), "{}", wav.display());
    let mp3 = std::fs::read(data.join("files").join(&m.mp3_key)).unwrap();
    let (samples, rate) = decode_mp3(mp3);
    assert_eq!(rate, 16_000);
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!(
        (seconds - f64::from(m.duration_ms) / 1000.0).abs() < 0.5,
        "{seconds} s decoded for {} ms",
        m.duration_ms
    );
    let tone = power(&samples, rate, 440.0);
    for other in [300.0, 600.0, 1000.0] {
        assert!(
            tone > 10.0 * power(&samples, rate, other),
            "440 Hz dominates {other} Hz"
        );
    }
    drop(server);
}

/// Frames of 20 ms inside `samples` (8 kHz) quieter than a tone: gaps.
fn gaps(samples: &[i16]) -> usize {
    samples
        .chunks_exact(160)
        .filter(|frame| rms(frame) < 500.0)
        .count()
}

/// Speed figure (printed): many callers leave messages at the same time;
/// every message holds the caller's audio without a gap.
#[test]
fn fifty_callers_leave_messages_at_once_and_every_message_is_whole() {
    // SWITCHBOARD_DEPOSITS raises the load when measuring.
    let callers: usize = std::env::var("SWITCHBOARD_DEPOSITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201, 202]);
    support::pcap::tone_pcap(440, 30);
    let server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    let calls = callers.to_string();
    let load = callers_leave_messages(
        &server,
        16_000,
        &["-m", &calls, "-l", &calls, "-r", "25", "-timeout", "90s"],
    )
    .finish();
    assert!(load.ok, "every caller was answered and hung up");
    let db = Db::open(data);
    let messages = db.messages("202", callers, Duration::from_secs(60));
    assert_eq!(messages.len(), callers);
    let mut durations: Vec<u32> = messages.iter().map(|m| m.duration_ms).collect();
    durations.sort_unstable();
    let mut gapped = 0;
    for m in &messages {
        let samples = support::baresip::wav_samples(&data.join("files").join(&m.wav_key));
        // The edges hold the beep's end and the hang-up.
        let inner = &samples[samples.len().min(2400)..samples.len().saturating_sub(2400)];
        let g = gaps(inner);
        if g > 0 {
            gapped += 1;
        }
        assert_eq!(g, 0, "message {} has {g} silent frames of 20 ms", m.id);
        assert!(power_at(inner, 440.0) > 10.0 * power_at(inner, 1000.0));
    }
    println!(
        "voicemail: {callers} concurrent deposits, message length min {} ms, median {} ms, max {} ms, {gapped} with gaps",
        durations[0],
        durations[callers / 2],
        durations[callers - 1]
    );
    drop(server);
}

/// Device `dev202` dials its mailbox with the menu scenario `name`.
fn dial_mailbox(server: &Server, name: &str) -> support::sipp::Finished {
    support::sipp::register(server, "dev202", support::free_port());
    let auth_uri = format!("*97@{}", server.sip);
    support::sipp::Sipp::spawn(
        name,
        support::free_port(),
        &[
            &server.sip.to_string(),
            "-s",
            "*97",
            "-key",
            "caller",
            "dev202",
            "-au",
            "dev202",
            "-ap",
            "sippass202",
            "-auth_uri",
            &auth_uri,
            "-timeout",
            "90s",
        ],
    )
    .finish()
}

#[test]
fn the_mailbox_menu_is_driven_by_key_presses_after_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201, 202]);
    let db = Db::open(data);
    db.voicemail("202", |v| {
        v.pin = Some(domain::PinHash::of(&domain::Pin::parse("1234").unwrap()))
    });
    let older = db.message(data, "202", "+33612345678", 1_000_000, 600.0, 1.0);
    let newer = db.message(data, "202", "201", 2_000_000, 800.0, 1.0);
    let server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    // 202's desk phone watches its lamp (RFC 3842) while 202 uses the menu.
    let lamp_dir = tempfile::tempdir().unwrap();
    let lamp = std::process::Command::new("sipp")
        .current_dir(lamp_dir.path())
        .arg(server.sip.to_string())
        .args(["-sf", support::scenario("mwi_menu").to_str().unwrap()])
        .args(["-s", "dev202", "-au", "dev202", "-ap", "sippass202"])
        .args(["-t", "u1", "-i", "127.0.0.1", "-m", "1"])
        .args(["-p", &support::free_port().to_string()])
        .args(["-timeout", "90s", "-timeout_error", "-nostdin"])
        .args(["-trace_logs", "-trace_err"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sipp runs");
    let start = Instant::now();
    while !traced(lamp_dir.path(), "_logs.log").contains("first ") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the lamp is lit for two new messages"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let run = dial_mailbox(&server, "mailbox_listen");
    assert!(run.ok, "{}", run.logs);
    let lamp = lamp.wait_with_output().expect("sipp ends").status;
    let notified = traced(lamp_dir.path(), "_logs.log");
    assert!(
        lamp.success(),
        "the phone was told of each change: {notified}{}",
        traced(lamp_dir.path(), "_errors.log")
    );
    for (when, body) in [
        ("first", "Messages-Waiting: yes Voice-Message: 2/0 (0/0)"),
        ("heard", "Messages-Waiting: yes Voice-Message: 1/1 (0/0)"),
        ("deleted", "Messages-Waiting: no Voice-Message: 0/1 (0/0)"),
    ] {
        assert_eq!(support::sipp::logged(&notified, when), body);
    }
    // A wrong PIN, then the right one (the count starts again).
    assert_eq!(db.mailbox("202").pin_failures, 0);
    // The newest message played to its end: saved; the next one deleted.
    let left = db.messages("202", 1, Duration::from_secs(5));
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].id, newer.id);
    assert_eq!(left[0].status, MessageStatus::Saved);
    assert!(
        !data.join("files").join(&older.wav_key).exists(),
        "the deleted message's audio is gone"
    );
    drop(server);
}

#[test]
fn three_wrong_pins_lock_the_mailbox_and_the_switch_hangs_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201, 202]);
    let db = Db::open(data);
    db.voicemail("202", |v| {
        v.pin = Some(domain::PinHash::of(&domain::Pin::parse("1234").unwrap()))
    });
    let server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    let run = dial_mailbox(&server, "mailbox_locked");
    assert!(
        run.ok,
        "the switch hung up after the third wrong PIN: {}",
        run.logs
    );
    let now = domain::UnixMillis::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    );
    assert!(db.mailbox("202").locked(now), "{:?}", db.mailbox("202"));
    drop(server);
}

/// The text of sipp's trace files in `dir` whose names end with `suffix`.
fn traced(dir: &Path, suffix: &str) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect()
}

#[test]
fn a_message_being_recorded_when_the_switch_dies_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    seed_account(data, &[201, 202]);
    support::pcap::tone_pcap(440, 30);
    let mut server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    // The caller talks for 25 s; the switch is killed (SIGKILL, no
    // clean-up) after about 19 s: 12 s of greeting, then the message.
    let caller = callers_leave_messages(&server, 25_000, &[]);
    std::thread::sleep(Duration::from_secs(19));
    let mut child = server.child.take().expect("running");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(caller);
    let spooled: Vec<_> = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        spooled.iter().any(|f| f.ends_with(".wav")) && spooled.iter().any(|f| f.ends_with(".meta")),
        "the recording and its description are on disk: {spooled:?}"
    );
    // At the next start the recording becomes a message.
    let _server = Server::start_with(data, &["--rtp-ports", TEST_RTP_PORTS]);
    let db = Db::open(data);
    let messages = db.messages("202", 1, Duration::from_secs(20));
    let m = &messages[0];
    assert_eq!(m.caller_number, "201");
    assert!(
        (2_000..8_000).contains(&m.duration_ms),
        "what was said up to the crash, to the last second: {m:?}"
    );
    let samples = support::baresip::wav_samples(&data.join("files").join(&m.wav_key));
    assert!(power_at(&samples, 440.0) > 10.0 * power_at(&samples, 1000.0));
}

/// Device dev201 (registered first) calls 202, whose phone is not
/// connected, and sends the 440 Hz capture for `talk_ms` after the answer;
/// `extra` are more sipp options (several calls, a longer timeout).
fn callers_leave_messages(server: &Server, talk_ms: u32, extra: &[&str]) -> support::sipp::Sipp {
    support::sipp::register(server, "dev201", support::free_port());
    let auth_uri = format!("202@{}", server.sip);
    let talk = talk_ms.to_string();
    let mut args = vec![
        server.sip.to_string(),
        "-s".into(),
        "202".into(),
        "-key".into(),
        "caller".into(),
        "dev201".into(),
        "-au".into(),
        "dev201".into(),
        "-ap".into(),
        "sippass201".into(),
        "-auth_uri".into(),
        auth_uri,
        "-d".into(),
        talk,
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    support::sipp::Sipp::spawn("caller_message", support::free_port(), &args)
}
