//! Voicemail against SQLite and PostgreSQL: messages read back as written,
//! newest first, counted by status, kept per user and per account; the
//! mailbox keeps the greeting and name keys and locks after repeated
//! wrong PINs.

#[allow(dead_code)] // the helpers other suites use
mod common;

use common::{account, backends, hash};
use domain::{
    EmailAddress, ExtensionNumber, MessageCounts, MessageStatus, NewVoicemailMessage, PIN_ATTEMPTS,
    PIN_LOCKOUT_MS, UnixMillis, UserId,
};
use storage::{NewUser, StorageError};

fn user(n: &str, name: &str) -> NewUser {
    NewUser {
        extension: ExtensionNumber::parse(n).unwrap(),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@example.fr", name.to_lowercase())).unwrap(),
        password: hash(),
        direct_number: None,
    }
}

fn message(user: UserId, at: i64) -> NewVoicemailMessage {
    NewVoicemailMessage {
        user,
        caller_number: "+33612345678".into(),
        caller_name: Some("Jean".into()),
        received_at: UnixMillis::from_millis(at),
        duration_ms: 4_200,
        wav_key: format!("vm/{at}.wav"),
        mp3_key: format!("vm/{at}.mp3"),
    }
}

#[tokio::test]
async fn messages_are_kept_per_user_newest_first_and_counted() {
    for db in backends().await {
        let a = account(&db.store, "+33100000001", "Acme").await;
        let b = account(&db.store, "+33100000002", "Other").await;
        let sa = db.store.account(a.id);
        let sb = db.store.account(b.id);
        let alice = sa.create_user(&user("101", "Alice")).await.unwrap();
        let bob = sa.create_user(&user("102", "Bob")).await.unwrap();

        let first = sa.add_voicemail(&message(alice.id, 1_000)).await.unwrap();
        let second = sa.add_voicemail(&message(alice.id, 2_000)).await.unwrap();
        assert_eq!(first.status, MessageStatus::New, "{}", db.name);
        assert_eq!(first.caller_name.as_deref(), Some("Jean"));
        assert_eq!(first.duration_ms, 4_200);
        let ids: Vec<_> = sa
            .voicemails(alice.id)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, [second.id, first.id], "newest first");
        assert!(sa.voicemails(bob.id).await.unwrap().is_empty());

        sa.set_voicemail_status(alice.id, first.id, MessageStatus::Saved)
            .await
            .unwrap();
        assert_eq!(
            sa.voicemail_counts(alice.id).await.unwrap(),
            MessageCounts { new: 1, saved: 1 }
        );
        // Another user's or another account's view does not find it.
        assert!(matches!(
            sa.voicemail(bob.id, first.id).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            sb.delete_voicemail(alice.id, first.id).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            sb.add_voicemail(&message(alice.id, 3_000)).await,
            Err(StorageError::NotFound(_))
        ));

        let gone = sa.delete_voicemail(alice.id, first.id).await.unwrap();
        assert_eq!(gone.wav_key, "vm/1000.wav");
        assert_eq!(
            sa.voicemail_counts(alice.id).await.unwrap(),
            MessageCounts { new: 1, saved: 0 },
            "{}",
            db.name
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn mailbox_keeps_recordings_and_locks_after_wrong_pins() {
    for db in backends().await {
        let a = account(&db.store, "+33100000001", "Acme").await;
        let sa = db.store.account(a.id);
        let alice = sa.create_user(&user("101", "Alice")).await.unwrap();
        let fresh = sa.mailbox(alice.id).await.unwrap();
        assert_eq!(fresh.greeting_key, None);
        assert_eq!(fresh.pin_failures, 0);

        assert_eq!(sa.set_greeting(alice.id, Some("g1")).await.unwrap(), None);
        assert_eq!(
            sa.set_greeting(alice.id, Some("g2"))
                .await
                .unwrap()
                .as_deref(),
            Some("g1"),
            "the replaced key comes back for the object store"
        );
        sa.set_recorded_name(alice.id, Some("n1")).await.unwrap();
        let mailbox = sa.mailbox(alice.id).await.unwrap();
        assert_eq!(mailbox.greeting_key.as_deref(), Some("g2"), "{}", db.name);
        assert_eq!(mailbox.name_key.as_deref(), Some("n1"));

        let now = UnixMillis::from_millis(10_000);
        for i in 1..PIN_ATTEMPTS {
            let m = sa.pin_failed(alice.id, now).await.unwrap();
            assert_eq!(m.pin_failures, i);
            assert!(!m.locked(now));
        }
        sa.pin_succeeded(alice.id).await.unwrap();
        assert_eq!(
            sa.mailbox(alice.id).await.unwrap().pin_failures,
            0,
            "a right PIN resets"
        );
        let mut last = None;
        for _ in 0..PIN_ATTEMPTS {
            last = Some(sa.pin_failed(alice.id, now).await.unwrap());
        }
        let locked = last.unwrap();
        assert!(locked.locked(now), "{}", db.name);
        assert!(locked.locked(UnixMillis::from_millis(10_000 + PIN_LOCKOUT_MS - 1)));
        assert!(!locked.locked(UnixMillis::from_millis(10_000 + PIN_LOCKOUT_MS)));
        db.finish().await;
    }
}
