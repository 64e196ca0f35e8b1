//! A finished recording becomes a message: stored as WAV and MP3 in local
//! files, a row in SQLite, an e-mail through a real SMTP exchange (the MP3
//! attached), the admin's after-e-mail action, and the change announced;
//! a recording left by a crash is recovered at start.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use common::audio::{decode_mp3, dominant_frequency, tone};
use common::smtp::SmtpSink;
use domain::{
    AfterEmail, CompanyName, E164, EmailAddress, ExtensionNumber, Language, MessageStatus,
    NewAccount, Password, PasswordHash, TimeZone, UnixMillis, User, VoicemailSettings,
};
use mail::Mailer;
use storage::{NewUser, Store, UserSettings};
use tokio::sync::mpsc::UnboundedReceiver;
use voicemail::{BlobError, Blobs, MailboxChange, Recorded, Voicemail, VoicemailError};

/// 2026-12-06 22:10:00 UTC: 23:10 in Paris, the account's time zone.
const RECEIVED_AT: i64 = 1_796_595_000_000;

struct Harness {
    vm: Voicemail,
    changes: UnboundedReceiver<MailboxChange>,
    user: User,
    smtp: SmtpSink,
    _dir: tempfile::TempDir,
}

fn password() -> PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| PasswordHash::of(&Password::parse("password123").unwrap()))
        .clone()
}

/// An account (French, Paris) with one user whose voicemail settings
/// `settings` adjusts, the service on a temporary folder, and a sink.
async fn harness(settings: impl FnOnce(&mut VoicemailSettings)) -> Harness {
    harness_with(settings, None).await
}

async fn harness_with(
    settings: impl FnOnce(&mut VoicemailSettings),
    smtp_url: Option<String>,
) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/test.db", dir.path().display()))
        .await
        .unwrap();
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Acme").unwrap(),
                main_number: E164::parse("+33100000001").unwrap(),
                address: "1 rue de la Paix, Paris".into(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: password(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap();
    let scope = store.account(account.id);
    let mut user = scope
        .create_user(&NewUser {
            extension: ExtensionNumber::parse("101").unwrap(),
            name: "Alice".into(),
            email: EmailAddress::parse("alice@example.fr").unwrap(),
            password: password(),
            direct_number: None,
        })
        .await
        .unwrap();
    settings(&mut user.voicemail);
    scope
        .update_user_settings(
            user.id,
            &UserSettings {
                voicemail: user.voicemail.clone(),
                forwarding: user.forwarding.clone(),
                caller_id: None,
            },
        )
        .await
        .unwrap();
    let smtp = SmtpSink::start();
    let url = smtp_url.unwrap_or_else(|| smtp.url());
    let mailer = Mailer::new(
        Some(&url),
        "Switchboard <noreply@switchboard.test>",
        dir.path().join("outbox"),
    )
    .unwrap();
    let blobs = Blobs::local(&dir.path().join("files")).unwrap();
    let (vm, changes) =
        Voicemail::new(store, blobs, Arc::new(mailer), dir.path().join("spool")).unwrap();
    Harness {
        vm,
        changes,
        user,
        smtp,
        _dir: dir,
    }
}

impl Harness {
    /// A recording of `seconds` of `freq` left in the spool with its
    /// description, as the switch leaves it.
    fn spool(&self, name: &str, seconds: f64, freq: f64) -> Recorded {
        let recorded = Recorded {
            account: self.user.account,
            user: self.user.id,
            caller_number: "+33612345678".into(),
            caller_name: Some("Jean Dupont".into()),
            received_at: UnixMillis::from_millis(RECEIVED_AT),
            wav: self.vm.spool().join(format!("{name}.wav")),
        };
        recorded.save_meta().unwrap();
        write_wav(&recorded.wav, &tone(freq, 8_000, seconds));
        recorded
    }

    fn spool_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.vm.spool())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    async fn messages(&self) -> Vec<domain::VoicemailMessage> {
        self.vm
            .store()
            .account(self.user.account)
            .voicemails(self.user.id)
            .await
            .unwrap()
    }
}

fn write_wav(path: &Path, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
}

/// The decoded body of the base64 part whose headers contain `marker`.
fn attachment(data: &str, marker: &str) -> Option<Vec<u8>> {
    let part = &data[data.find(marker)?..];
    let body = &part[part.find("\n\n")? + 2..];
    let text: String = body
        .lines()
        .take_while(|l| !l.starts_with("--") && !l.is_empty())
        .collect();
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .expect("base64 attachment"),
    )
}

#[tokio::test]
async fn a_recording_is_stored_as_wav_and_mp3_emailed_with_the_mp3_and_announced() {
    let mut h = harness(|_| {}).await;
    let recorded = h.spool("call-1", 3.0, 440.0);

    let message = h.vm.ingest(recorded).await.unwrap().expect("a message");

    assert_eq!(message.duration_ms, 3_000);
    assert_eq!(message.status, MessageStatus::New);
    assert_eq!(message.caller_number, "+33612345678");
    assert_eq!(message.caller_name.as_deref(), Some("Jean Dupont"));
    let prefix = format!("voicemail/{}/{}/{RECEIVED_AT}-", h.user.account, h.user.id);
    assert!(message.wav_key.starts_with(&prefix), "{}", message.wav_key);
    assert_eq!(h.messages().await, std::slice::from_ref(&message));
    let wav = h.vm.blobs().get(&message.wav_key).await.unwrap();
    assert_eq!(wav.len(), 44 + 3 * 8_000 * 2, "a clean 8 kHz WAV");
    let mp3 = h.vm.blobs().get(&message.mp3_key).await.unwrap();
    let decoded = decode_mp3(&mp3);
    assert_eq!((decoded.rate, decoded.channels), (16_000, 1));
    let freq = dominant_frequency(&decoded.samples, decoded.rate);
    assert!((freq - 440.0).abs() <= 10.0, "dominant {freq} Hz");
    assert!((decoded.duration_ms() - 3_000.0).abs() <= 100.0);

    let data = h.smtp.next().expect("an e-mail");
    assert!(data.contains("To: alice@example.fr"), "{data}");
    assert!(
        data.contains("Subject: Nouveau message vocal de Jean Dupont (+33 6 12 34 56 78)"),
        "{data}"
    );
    assert!(data.contains("Content-Type: audio/mpeg"));
    assert!(data.contains("message-20261206-2310.mp3"));
    let attached = attachment(&data, "Content-Type: audio/mpeg").expect("the MP3 part");
    assert_eq!(attached, mp3.to_vec(), "the stored MP3 is the one sent");

    assert_eq!(
        h.changes.try_recv().unwrap(),
        MailboxChange {
            account: h.user.account,
            user: h.user.id
        }
    );
    assert!(h.spool_files().is_empty(), "{:?}", h.spool_files());
}

#[tokio::test]
async fn without_attach_mp3_the_mail_has_no_file_and_without_notification_no_mail_goes() {
    let h = harness(|vm| vm.attach_mp3 = false).await;
    h.vm.ingest(h.spool("a", 1.5, 440.0))
        .await
        .unwrap()
        .unwrap();
    let data = h.smtp.next().expect("an e-mail");
    assert!(data.contains("Subject: Nouveau message vocal"));
    assert!(!data.contains("audio/mpeg"), "{data}");
    assert!(!data.contains("multipart"));

    let h = harness(|vm| vm.email_notification = false).await;
    h.vm.ingest(h.spool("b", 1.5, 440.0))
        .await
        .unwrap()
        .unwrap();
    assert!(h.smtp.already().is_none(), "no e-mail");
    assert_eq!(h.messages().await[0].status, MessageStatus::New);
}

#[tokio::test]
async fn after_the_email_a_message_is_marked_heard_or_deleted_as_the_admin_chose() {
    let h = harness(|vm| vm.after_email = AfterEmail::MarkHeard).await;
    let message =
        h.vm.ingest(h.spool("a", 2.0, 440.0))
            .await
            .unwrap()
            .unwrap();
    assert!(h.smtp.next().is_some());
    assert_eq!(message.status, MessageStatus::New, "returned as stored");
    assert_eq!(h.messages().await[0].status, MessageStatus::Saved);

    let mut h = harness(|vm| vm.after_email = AfterEmail::Delete).await;
    let message =
        h.vm.ingest(h.spool("b", 2.0, 440.0))
            .await
            .unwrap()
            .unwrap();
    let data = h.smtp.next().expect("the e-mail is the only copy");
    assert!(attachment(&data, "Content-Type: audio/mpeg").is_some());
    assert!(h.messages().await.is_empty(), "row gone");
    for key in [&message.wav_key, &message.mp3_key] {
        assert!(matches!(
            h.vm.blobs().get(key).await,
            Err(BlobError::NotFound(_))
        ));
    }
    assert!(h.changes.try_recv().is_ok(), "stored");
    assert!(h.changes.try_recv().is_ok(), "deleted");
    assert!(h.spool_files().is_empty());
}

#[tokio::test]
async fn a_failed_email_keeps_the_message_new_whatever_the_after_email_action() {
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let h = harness_with(
        |vm| vm.after_email = AfterEmail::Delete,
        Some(format!("smtp://127.0.0.1:{closed}")),
    )
    .await;
    let message =
        h.vm.ingest(h.spool("a", 2.0, 440.0))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(h.messages().await, std::slice::from_ref(&message));
    assert!(h.vm.blobs().get(&message.mp3_key).await.is_ok());
    assert!(h.spool_files().is_empty(), "stored, so not retried");
}

#[tokio::test]
async fn a_recording_under_a_second_is_dropped_with_its_spool_files() {
    let mut h = harness(|_| {}).await;
    let recorded = h.spool("short", 0.5, 440.0);
    assert_eq!(h.spool_files(), ["short.wav", "short.wav.meta"]);
    assert!(h.vm.ingest(recorded).await.unwrap().is_none());
    assert!(h.messages().await.is_empty());
    assert!(h.spool_files().is_empty());
    assert!(h.smtp.already().is_none());
    assert!(h.changes.try_recv().is_err(), "nothing changed");
}

#[tokio::test]
async fn a_failure_before_the_row_is_written_keeps_the_spool_files_for_a_retry() {
    let h = harness(|_| {}).await;
    let mut recorded = h.spool("a", 2.0, 440.0);
    // A user the account does not have: the row cannot be written.
    recorded.user = domain::UserId::from_raw(h.user.id.raw() + 1_000);
    let err = h.vm.ingest(recorded).await.unwrap_err();
    assert!(matches!(err, VoicemailError::Storage(_)), "{err}");
    assert_eq!(h.spool_files(), ["a.wav", "a.wav.meta"]);
    assert!(h.smtp.already().is_none());

    // An unreadable recording is an error too, and stays.
    std::fs::write(h.vm.spool().join("b.wav"), b"not a wav").unwrap();
    let mut broken = h.spool("c", 1.0, 440.0);
    broken.wav = h.vm.spool().join("b.wav");
    assert!(matches!(
        h.vm.ingest(broken).await,
        Err(VoicemailError::Recording { .. })
    ));
    assert!(h.spool_files().contains(&"b.wav".to_owned()));
}

#[tokio::test]
async fn recover_turns_what_a_crash_left_in_the_spool_into_messages() {
    let h = harness(|vm| vm.email_notification = false).await;
    h.spool("1796595000000-call-1", 2.0, 440.0);
    // A crash mid-recording: the header still says 1.5 s, the file holds
    // more; what the header says is kept.
    let cut = h.spool("1796595000000-call-2", 1.5, 440.0);
    let mut bytes = std::fs::read(&cut.wav).unwrap();
    bytes.extend_from_slice(&[0u8; 4_000]);
    std::fs::write(&cut.wav, bytes).unwrap();
    // Recorded without a description: left alone.
    write_wav(&h.vm.spool().join("stray.wav"), &tone(440.0, 8_000, 2.0));
    // A description whose call ended before recording: cleaned up.
    let gone = h.spool("gone", 1.0, 440.0);
    std::fs::remove_file(&gone.wav).unwrap();
    std::fs::write(h.vm.spool().join("x.wav.meta.partial"), "# switch").unwrap();

    assert_eq!(h.vm.recover().await.unwrap(), 2);

    let mut durations: Vec<u32> = h.messages().await.iter().map(|m| m.duration_ms).collect();
    durations.sort();
    assert_eq!(durations, [1_500, 2_000]);
    let message = &h.messages().await[0];
    assert_eq!(message.caller_name.as_deref(), Some("Jean Dupont"));
    assert_eq!(message.received_at, UnixMillis::from_millis(RECEIVED_AT));
    assert_eq!(h.spool_files(), ["stray.wav"]);
    assert_eq!(h.vm.recover().await.unwrap(), 0, "nothing left to recover");
}
