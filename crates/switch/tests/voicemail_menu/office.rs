//! A company with one user and a mailbox: a SQLite store, a blob folder
//! and the voicemail service, in a temporary folder.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::{
    CompanyName, EmailAddress, ExtensionNumber, Language, MessageStatus, NewAccount,
    NewVoicemailMessage, Password, PasswordHash, Pin, PinHash, TimeZone, UnixMillis,
    VoicemailMessage,
};
use storage::{NewUser, Store, UserSettings};
use switch::voicemail::menu::{self, MenuContext};
use tokio::sync::mpsc::UnboundedReceiver;
use voicemail::{Blobs, MailboxChange, Voicemail};

use crate::scripted::{ScriptedLine, Step, keys, voice, wav_bytes};

/// The wall clock as the menu reads it, in ms.
pub const NOW: i64 = 1_700_000_000_000;
/// User 201's voicemail PIN.
pub const PIN: &str = "2468";

/// The PIN keyed right (then `#`).
pub fn right_pin() -> Vec<Step> {
    keys(&format!("{PIN}#"))
}

/// The company, and what its mailbox announced.
pub struct Office {
    pub vm: Voicemail,
    changes: UnboundedReceiver<MailboxChange>,
    pub cx: MenuContext,
    _dir: tempfile::TempDir,
}

/// One account with user 201, whose voicemail PIN is [`PIN`] (none with
/// `with_pin` false).
pub async fn office(with_pin: bool) -> Office {
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
    pub async fn message(
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

    pub async fn run(&self, line: &mut ScriptedLine) {
        let now = || UnixMillis::from_millis(NOW);
        menu::run(line, &self.vm, &self.cx, &now).await;
    }

    pub async fn status(&self, message: &VoicemailMessage) -> Option<MessageStatus> {
        self.vm
            .store()
            .account(self.cx.account)
            .voicemail(self.cx.user, message.id)
            .await
            .ok()
            .map(|m| m.status)
    }

    pub async fn mailbox(&self) -> domain::Mailbox {
        self.vm
            .store()
            .account(self.cx.account)
            .mailbox(self.cx.user)
            .await
            .unwrap()
    }

    /// Mailbox changes announced so far.
    pub fn announced(&mut self) -> usize {
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
