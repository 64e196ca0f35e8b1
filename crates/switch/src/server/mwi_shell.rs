//! Message waiting's look-ups (RFC 3842), off the SIP task: the device of
//! a SUBSCRIBE that missed the directory cache, and mailbox counts for
//! NOTIFYs, asked for by the endpoint or after a mailbox changed.

use std::sync::Arc;
use std::time::Instant;

use domain::{MessageCounts, UnixMillis};
use tokio::sync::mpsc;

use crate::directory::{DeviceCredentials, Directory};
use crate::endpoint::{Endpoint, MwiWork, PendingSubscribe, Step};
use crate::mwi::{MwiDevice, Occasion};

/// A look-up's answer, for the SIP task.
pub(super) enum Found {
    Device(
        Box<PendingSubscribe>,
        Result<Option<Arc<DeviceCredentials>>, storage::StorageError>,
    ),
    Counts(MwiDevice, Occasion, MessageCounts),
}

/// Spawns the look-ups; their answers come on the receiver [`start`]
/// returns.
pub(super) struct MwiShell {
    store: storage::Store,
    directory: Arc<Directory>,
    tx: mpsc::UnboundedSender<Found>,
}

/// The shell, and where answers arrive. Each mailbox change becomes a
/// look-up of the user's devices and counts, answered there too.
pub(super) fn start(
    store: storage::Store,
    directory: Arc<Directory>,
    mut changes: mpsc::UnboundedReceiver<voicemail::MailboxChange>,
) -> (MwiShell, mpsc::UnboundedReceiver<Found>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let shell = MwiShell {
        store,
        directory,
        tx,
    };
    let (store, done) = (shell.store.clone(), shell.tx.clone());
    tokio::spawn(async move {
        while let Some(change) = changes.recv().await {
            changed(&store, &done, change);
        }
    });
    (shell, rx)
}

impl MwiShell {
    /// Carries out what the endpoint asked for in a task of its own.
    pub(super) fn work(&self, work: MwiWork) {
        let done = self.tx.clone();
        match work {
            MwiWork::LookUp(pending) => {
                let dir = self.directory.clone();
                tokio::spawn(async move {
                    let result = dir.lookup(pending.username()).await;
                    let _ = done.send(Found::Device(pending, result));
                });
            }
            MwiWork::Counts(device, occasion) => {
                let Some(user) = device.user else {
                    let empty = MessageCounts::default();
                    let _ = done.send(Found::Counts(device, occasion, empty));
                    return;
                };
                let store = self.store.clone();
                tokio::spawn(async move {
                    match store.account(device.account).voicemail_counts(user).await {
                        Ok(counts) => {
                            let _ = done.send(Found::Counts(device, occasion, counts));
                        }
                        Err(e) => tracing::warn!(error = %e, "mailbox counts not read"),
                    }
                });
            }
        }
    }
}

/// Looks up the changed mailbox's devices and counts.
fn changed(
    store: &storage::Store,
    done: &mpsc::UnboundedSender<Found>,
    change: voicemail::MailboxChange,
) {
    let (store, done) = (store.clone(), done.clone());
    tokio::spawn(async move {
        let scope = store.account(change.account);
        let read = async {
            let devices = scope.devices_of(change.user).await?;
            let counts = scope.voicemail_counts(change.user).await?;
            Ok::<_, storage::StorageError>((devices, counts))
        };
        match read.await {
            Ok((devices, counts)) => {
                for d in devices {
                    let device = MwiDevice {
                        device: d.id,
                        account: d.account,
                        user: d.user,
                        username: d.sip_username,
                    };
                    let changed = Occasion::MailboxChanged;
                    let _ = done.send(Found::Counts(device, changed, counts));
                }
            }
            Err(e) => tracing::warn!(error = %e, "mailbox change not announced"),
        }
    });
}

/// Hands an answer to the endpoint; a SUBSCRIBE's answer is a step.
pub(super) fn apply(endpoint: &mut Endpoint, found: Found, now: UnixMillis) -> Option<Step> {
    match found {
        Found::Device(pending, Ok(device)) => {
            Some(endpoint.resume_subscribe(now, *pending, device))
        }
        Found::Device(pending, Err(e)) => {
            tracing::warn!(error = %e, "device look-up failed");
            endpoint.abandon_subscribe(&pending);
            None
        }
        Found::Counts(device, occasion, counts) => {
            let target = (&device, occasion);
            endpoint.mailbox_counts(Instant::now(), now, rand::random(), target, counts);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use domain::{
        AccountId, CompanyName, DeviceModel, EmailAddress, ExtensionNumber, Language, NewAccount,
        NewDevice, NewVoicemailMessage, Password, PasswordHash, SipPassword, SipUsername, TimeZone,
        UserId,
    };
    use storage::{NewUser, Store};

    use super::*;

    /// An account whose user 201 has two phones and one new message.
    async fn office(dir: &std::path::Path) -> (Store, AccountId, UserId) {
        let store = Store::connect(&format!("sqlite://{}/t.db", dir.display()))
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
            .unwrap()
            .id;
        for name in ["desk201", "soft201"] {
            let new = NewDevice {
                mac: None,
                model: DeviceModel("Softphone".into()),
                label: name.into(),
                sip_username: SipUsername::parse(name).unwrap(),
                sip_password: SipPassword::parse("sippass201").unwrap(),
                user: Some(user),
            };
            scope.create_device(&new, "switchboard").await.unwrap();
        }
        scope
            .add_voicemail(&NewVoicemailMessage {
                user,
                caller_number: "202".into(),
                caller_name: None,
                received_at: UnixMillis::from_millis(1),
                duration_ms: 2_000,
                wav_key: "a.wav".into(),
                mp3_key: "a.mp3".into(),
            })
            .await
            .unwrap();
        (store, account, user)
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<Found>) -> (MwiDevice, MessageCounts) {
        let found = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an answer in time")
            .expect("the channel is open");
        match found {
            Found::Counts(device, _, counts) => (device, counts),
            Found::Device(..) => panic!("expected counts"),
        }
    }

    #[tokio::test]
    async fn a_mailbox_change_reads_the_counts_for_each_of_the_users_phones() {
        let dir = tempfile::tempdir().unwrap();
        let (store, account, user) = office(dir.path()).await;
        let directory = Arc::new(Directory::new(store.clone(), Duration::from_secs(60)));
        let (changes_tx, changes) = mpsc::unbounded_channel();
        let (_shell, mut found) = start(store, directory, changes);

        changes_tx
            .send(voicemail::MailboxChange { account, user })
            .unwrap();

        let mut phones = vec![next(&mut found).await, next(&mut found).await];
        phones.sort_by(|a, b| a.0.username.as_str().cmp(b.0.username.as_str()));
        let names: Vec<&str> = phones.iter().map(|(d, _)| d.username.as_str()).collect();
        assert_eq!(names, ["desk201", "soft201"]);
        for (device, counts) in phones {
            assert_eq!(device.user, Some(user));
            assert_eq!(counts, MessageCounts { new: 1, saved: 0 });
        }
    }

    #[tokio::test]
    async fn a_phone_without_a_user_is_answered_0_0_without_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let (store, account, _) = office(dir.path()).await;
        let directory = Arc::new(Directory::new(store.clone(), Duration::from_secs(60)));
        let (shell, mut found) = start(store, directory, mpsc::unbounded_channel().1);
        let device = MwiDevice {
            device: domain::DeviceId::from_raw(99),
            account,
            user: None,
            username: SipUsername::parse("spare").unwrap(),
        };

        shell.work(MwiWork::Counts(device.clone(), Occasion::Registered));

        assert_eq!(next(&mut found).await, (device, MessageCounts::default()));
    }
}
