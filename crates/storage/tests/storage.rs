//! The storage suite: every test runs against SQLite and PostgreSQL.

mod common;

use common::{account, backends, e164, hash};
use domain::{
    AfterEmail, Binding, CallDirection, DeviceModel, Disposition, EmailAddress, ExtensionKind,
    ExtensionNumber, ForwardingSettings, NewCallRecord, NewDevice, Pin, PinHash, RingSeconds,
    RingStrategy, SipPassword, SipUsername, UnixMillis, UserId, VoicemailSettings,
};
use storage::{CallFilter, ImportedUser, NewUser, StorageError, UserSettings};

fn ext(n: &str) -> ExtensionNumber {
    ExtensionNumber::parse(n).unwrap()
}

fn new_user(n: &str, name: &str) -> NewUser {
    NewUser {
        extension: ext(n),
        name: name.into(),
        email: EmailAddress::parse(&format!("{}@example.fr", name.to_lowercase())).unwrap(),
        password: hash(),
        direct_number: None,
    }
}

fn new_device(username: &str, user: Option<UserId>) -> NewDevice {
    NewDevice {
        mac: None,
        model: DeviceModel("softphone".into()),
        label: username.into(),
        sip_username: SipUsername::parse(username).unwrap(),
        sip_password: SipPassword::parse("secret123").unwrap(),
        user,
    }
}

#[tokio::test]
async fn accounts_are_found_by_main_number_and_main_numbers_are_unique() {
    for db in backends().await {
        let s = &db.store;
        assert_eq!(s.account_count().await.unwrap(), 0);
        let a = account(s, "+33199000100", "Acme").await;
        let found = s
            .account_by_main_number(&e164("+33199000100"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, a, "{}", db.name);
        assert!(found.admin_password.matches("password123"));
        assert_eq!(
            s.account(a.id).numbers().await.unwrap()[0].number,
            e164("+33199000100")
        );
        let dup = s
            .create_account(
                &domain::NewAccount {
                    company: domain::CompanyName::parse("Other").unwrap(),
                    main_number: e164("+33199000100"),
                    address: String::new(),
                    admin_email: EmailAddress::parse("x@example.fr").unwrap(),
                    admin_password: hash(),
                    language: domain::Language::En,
                    time_zone: domain::TimeZone::default(),
                },
                UnixMillis::from_millis(0),
            )
            .await;
        assert!(
            matches!(dup, Err(StorageError::Conflict(_))),
            "{}: {dup:?}",
            db.name
        );
        assert_eq!(s.account_count().await.unwrap(), 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn extension_numbers_are_unique_within_an_account_but_reused_across_accounts() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        s.account(a.id)
            .create_user(&new_user("101", "Alice"))
            .await
            .unwrap();
        s.account(b.id)
            .create_user(&new_user("101", "Bob"))
            .await
            .unwrap();
        let err = s
            .account(a.id)
            .create_user(&new_user("101", "Carol"))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "extension 101 is already taken",
            "{}",
            db.name
        );
        let rg = s
            .account(a.id)
            .create_ring_group(&ext("101"), "Sales", RingStrategy::Simultaneous, 20, &[])
            .await;
        assert!(matches!(rg, Err(StorageError::Conflict(_))), "{}", db.name);
        assert_eq!(s.account(a.id).users().await.unwrap().len(), 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn account_a_cannot_read_or_change_the_rows_of_account_b() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        let (sa, sb) = (s.account(a.id), s.account(b.id));
        let bob = sb.create_user(&new_user("201", "Bob")).await.unwrap();
        let bob_dev = sb
            .create_device(&new_device("b-201", Some(bob.id)), "switchboard")
            .await
            .unwrap();
        let alice = sa.create_user(&new_user("101", "Alice")).await.unwrap();
        let call = sb
            .start_call(&NewCallRecord {
                call_id: "c1".into(),
                direction: CallDirection::Internal,
                caller_number: "201".into(),
                caller_extension: Some(ext("201")),
                callee_number: "202".into(),
                callee_extension: None,
                started_at: UnixMillis::from_millis(1),
            })
            .await
            .unwrap();

        // Reading B's rows through A's scope finds nothing.
        assert!(
            matches!(sa.user(bob.id).await, Err(StorageError::NotFound("user"))),
            "{}",
            db.name
        );
        assert!(sa.user_by_extension(&ext("201")).await.unwrap().is_none());
        assert!(matches!(
            sa.device(bob_dev.id).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            sa.extension(bob.extension).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(sa.devices().await.unwrap().is_empty());
        assert!(sa.calls(&CallFilter::default()).await.unwrap().is_empty());
        assert!(
            sa.numbers()
                .await
                .unwrap()
                .iter()
                .all(|n| n.account == Some(a.id))
        );

        // Changing B's rows through A's scope fails and changes nothing.
        let settings = UserSettings {
            voicemail: VoicemailSettings {
                enabled: false,
                ..Default::default()
            },
            forwarding: ForwardingSettings::default(),
            caller_id: None,
        };
        assert!(matches!(
            sa.update_user_settings(bob.id, &settings).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(sa.set_user_password(bob.id, &hash()).await.is_err());
        assert!(
            sa.update_user_profile(bob.id, "Mallory", &EmailAddress::parse("m@x.fr").unwrap())
                .await
                .is_err()
        );
        assert!(sa.delete_user(bob.id).await.is_err());
        assert!(sa.assign_device(bob_dev.id, Some(alice.id)).await.is_err());
        assert!(sa.delete_device(bob_dev.id).await.is_err());
        assert!(
            sa.end_call(call, UnixMillis::from_millis(2), Disposition::Answered, "x")
                .await
                .is_err()
        );
        assert!(
            sa.route_number(&e164("+33199000200"), Some(alice.extension))
                .await
                .is_err()
        );
        assert!(sa.release_number(&e164("+33199000200")).await.is_err());
        // Nor can A point its own number, or its ring group, at B's extension,
        // or hand its device to B's user.
        assert!(
            sa.route_number(&e164("+33199000100"), Some(bob.extension))
                .await
                .is_err()
        );
        let rg = sa
            .create_ring_group(
                &ext("600"),
                "G",
                RingStrategy::Sequential,
                20,
                &[bob.extension],
            )
            .await;
        assert!(
            matches!(rg, Err(StorageError::Invalid(_))),
            "{}: {rg:?}",
            db.name
        );
        assert!(
            sa.create_device(&new_device("a-101", Some(bob.id)), "switchboard")
                .await
                .is_err()
        );
        // B's main number cannot be bought by A.
        assert!(sa.buy_number(&e164("+33199000200")).await.is_err());

        let bob_after = sb.user(bob.id).await.unwrap();
        assert_eq!(bob_after, bob, "{}", db.name);
        assert_eq!(sb.device(bob_dev.id).await.unwrap().user, Some(bob.id));
        assert_eq!(
            sb.calls(&CallFilter::default()).await.unwrap()[0].disposition,
            Disposition::InProgress
        );
        assert_eq!(
            s.number(&e164("+33199000200"))
                .await
                .unwrap()
                .unwrap()
                .account,
            Some(b.id)
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn deleting_a_user_releases_their_devices_and_numbers() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        s.add_pool_numbers(&[e164("+33199000101")]).await.unwrap();
        let sa = s.account(a.id);
        let alice = sa
            .create_user(&NewUser {
                direct_number: Some(e164("+33199000101")),
                ..new_user("101", "Alice")
            })
            .await
            .unwrap();
        assert_eq!(
            sa.numbers_of(alice.extension).await.unwrap(),
            vec![e164("+33199000101")]
        );
        let dev = sa
            .create_device(&new_device("acme-101", Some(alice.id)), "switchboard")
            .await
            .unwrap();
        let group = sa
            .create_ring_group(
                &ext("600"),
                "All",
                RingStrategy::Simultaneous,
                20,
                &[alice.extension],
            )
            .await
            .unwrap();
        assert_eq!(group.members, vec![alice.extension]);

        sa.delete_user(alice.id).await.unwrap();

        assert!(sa.users().await.unwrap().is_empty(), "{}", db.name);
        let freed = sa.device(dev.id).await.unwrap();
        assert_eq!(freed.user, None, "device is kept, free for reuse");
        let n = s.number(&e164("+33199000101")).await.unwrap().unwrap();
        assert_eq!((n.account, n.target), (Some(a.id), None));
        assert!(
            sa.ring_group(group.extension.id)
                .await
                .unwrap()
                .members
                .is_empty()
        );
        // The extension number is free again.
        let again = sa.create_user(&new_user("101", "Alicia")).await.unwrap();
        sa.assign_device(dev.id, Some(again.id)).await.unwrap();
        assert_eq!(sa.devices_of(again.id).await.unwrap().len(), 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn numbers_are_bought_from_the_pool_routed_and_released() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let added = s
            .add_pool_numbers(&[
                e164("+33199000110"),
                e164("+33199000111"),
                e164("+33199000100"),
            ])
            .await
            .unwrap();
        assert_eq!(added, 2, "{}: owned main number is skipped", db.name);
        assert_eq!(s.pool_numbers().await.unwrap().len(), 2);
        let sa = s.account(a.id);
        let bought = sa.buy_number(&e164("+33199000110")).await.unwrap();
        assert_eq!(bought.account, Some(a.id));
        assert_eq!(s.pool_numbers().await.unwrap().len(), 1);
        assert!(
            sa.buy_number(&e164("+33199000999")).await.is_err(),
            "unknown number"
        );
        let rg = sa
            .create_ring_group(&ext("600"), "Sales", RingStrategy::Sequential, 15, &[])
            .await
            .unwrap();
        sa.route_number(&e164("+33199000110"), Some(rg.extension.id))
            .await
            .unwrap();
        assert_eq!(
            s.number(&e164("+33199000110"))
                .await
                .unwrap()
                .unwrap()
                .target,
            Some(rg.extension.id)
        );
        assert!(
            sa.release_number(&e164("+33199000100")).await.is_err(),
            "main number stays"
        );
        sa.release_number(&e164("+33199000110")).await.unwrap();
        assert_eq!(s.pool_numbers().await.unwrap().len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn sip_usernames_are_unique_across_the_installation() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        let d = s
            .account(a.id)
            .create_device(&new_device("phone-1", None), "switchboard")
            .await
            .unwrap();
        let err = s
            .account(b.id)
            .create_device(&new_device("phone-1", None), "switchboard")
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{}", db.name);
        let found = s
            .device_by_sip_username(&SipUsername::parse("phone-1").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, d.id);
        assert_eq!(
            found.ha1_md5,
            SipPassword::parse("secret123")
                .unwrap()
                .ha1_md5(&found.sip_username, "switchboard")
        );
        let taken = s
            .taken_sip_usernames(&[
                SipUsername::parse("phone-1").unwrap(),
                SipUsername::parse("phone-2").unwrap(),
            ])
            .await
            .unwrap();
        assert_eq!(taken, vec![SipUsername::parse("phone-1").unwrap()]);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_new_device_password_replaces_the_digest_values_in_its_account_only() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let b = account(s, "+33199000200", "B").await;
        let d = s
            .account(a.id)
            .create_device(&new_device("phone-1", None), "switchboard")
            .await
            .unwrap();
        let fresh = SipPassword::parse("another-secret").unwrap();
        let err = s
            .account(b.id)
            .set_device_password(&d, &fresh, "switchboard")
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::NotFound(_)), "{}", db.name);
        s.account(a.id)
            .set_device_password(&d, &fresh, "switchboard")
            .await
            .unwrap();
        let found = s.account(a.id).device(d.id).await.unwrap();
        assert_eq!(
            found.ha1_md5,
            fresh.ha1_md5(&found.sip_username, "switchboard")
        );
        assert_eq!(
            found.ha1_sha256,
            fresh.ha1_sha256(&found.sip_username, "switchboard")
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn user_settings_round_trip_and_caller_id_must_be_the_accounts() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        account(s, "+33199000200", "B").await;
        let sa = s.account(a.id);
        let u = sa.create_user(&new_user("101", "Alice")).await.unwrap();
        assert_eq!(u.voicemail, VoicemailSettings::default());
        let settings = UserSettings {
            voicemail: VoicemailSettings {
                enabled: true,
                ring_seconds: RingSeconds::new(40).unwrap(),
                pin: Some(PinHash::of(&Pin::parse("2468").unwrap())),
                email_notification: false,
                attach_mp3: false,
                after_email: AfterEmail::Delete,
            },
            forwarding: ForwardingSettings::new(true, Some(e164("0612345678")), true, true)
                .unwrap(),
            caller_id: Some(e164("+33199000100")),
        };
        sa.update_user_settings(u.id, &settings).await.unwrap();
        let back = sa.user(u.id).await.unwrap();
        assert_eq!(back.voicemail.ring_seconds.get(), 40, "{}", db.name);
        assert!(back.voicemail.pin.as_ref().unwrap().matches("2468"));
        assert_eq!(back.voicemail.after_email, AfterEmail::Delete);
        assert_eq!(back.forwarding, settings.forwarding);
        assert_eq!(back.caller_id, settings.caller_id);
        let foreign = UserSettings {
            caller_id: Some(e164("+33199000200")),
            ..settings
        };
        assert!(matches!(
            sa.update_user_settings(u.id, &foreign).await,
            Err(StorageError::Invalid(_))
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn call_records_open_close_filter_and_interrupted_calls_fail() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let sa = s.account(a.id);
        let mk = |id: &str, at: i64, dir: CallDirection| NewCallRecord {
            call_id: id.into(),
            direction: dir,
            caller_number: "101".into(),
            caller_extension: Some(ext("101")),
            callee_number: "0612345678".into(),
            callee_extension: None,
            started_at: UnixMillis::from_millis(at),
        };
        let c1 = sa
            .start_call(&mk("a", 1_000, CallDirection::Outbound))
            .await
            .unwrap();
        sa.answer_call(c1, UnixMillis::from_millis(3_000))
            .await
            .unwrap();
        sa.end_call(
            c1,
            UnixMillis::from_millis(63_000),
            Disposition::Answered,
            "BYE from caller",
        )
        .await
        .unwrap();
        let _c2 = sa
            .start_call(&mk("b", 100_000, CallDirection::Internal))
            .await
            .unwrap();

        let all = sa.calls(&CallFilter::default()).await.unwrap();
        assert_eq!(all.len(), 2, "{}", db.name);
        assert_eq!(all[0].call_id, "b", "newest first");
        assert_eq!(all[1].duration_seconds(), 60);
        let out = sa
            .calls(&CallFilter {
                direction: Some(CallDirection::Outbound),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(out.len(), 1);
        let window = CallFilter {
            from: Some(UnixMillis::from_millis(50_000)),
            until: Some(UnixMillis::from_millis(200_000)),
            extension: Some(ext("101")),
            ..Default::default()
        };
        assert_eq!(sa.calls(&window).await.unwrap()[0].call_id, "b");
        let older = sa
            .calls_after(
                &CallFilter::default(),
                Some(storage::CallCursor::after(&all[0])),
            )
            .await
            .unwrap();
        assert_eq!(older.len(), 1, "keyset page after the newest");
        assert_eq!(older[0].id, all[1].id);

        assert_eq!(
            s.close_interrupted_calls(UnixMillis::from_millis(500_000))
                .await
                .unwrap(),
            1
        );
        let b = &sa
            .calls(&CallFilter {
                disposition: Some(Disposition::Failed),
                ..Default::default()
            })
            .await
            .unwrap()[0];
        assert_eq!(b.ended_at, Some(UnixMillis::from_millis(500_000)));
        db.finish().await;
    }
}

#[tokio::test]
async fn bindings_are_refreshed_expire_and_are_removed() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let d = s
            .account(a.id)
            .create_device(&new_device("phone-1", None), "switchboard")
            .await
            .unwrap();
        let b = Binding {
            device: d.id,
            account: a.id,
            contact: "<sip:phone-1@192.0.2.1:5062>".into(),
            instance: Some("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>".into()),
            source: "127.0.0.1:5062".into(),
            transport: "udp".into(),
            call_id: "reg-1".into(),
            cseq: 1,
            q_millis: 1000,
            user_agent: Some("baresip".into()),
            expires_at: UnixMillis::from_millis(3_600_000),
            updated_at: UnixMillis::from_millis(0),
        };
        s.save_binding(&b).await.unwrap();
        s.save_binding(&Binding {
            cseq: 2,
            expires_at: UnixMillis::from_millis(7_200_000),
            ..b.clone()
        })
        .await
        .unwrap();
        let second = Binding {
            contact: "<sip:phone-1@192.0.2.1:5070>".into(),
            q_millis: 500,
            ..b.clone()
        };
        s.save_binding(&second).await.unwrap();
        let live = s
            .bindings_of_device(d.id, UnixMillis::from_millis(1))
            .await
            .unwrap();
        assert_eq!(live.len(), 2, "{}", db.name);
        assert_eq!(live[0].cseq, 2, "refresh replaced the first binding");
        assert_eq!(
            s.account(a.id)
                .live_bindings(UnixMillis::from_millis(1))
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            s.live_bindings(UnixMillis::from_millis(4_000_000))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            s.purge_expired_bindings(UnixMillis::from_millis(4_000_000))
                .await
                .unwrap(),
            1
        );
        assert!(s.remove_binding(d.id, &live[0].contact).await.unwrap());
        assert_eq!(s.remove_bindings(d.id).await.unwrap(), 0);
        db.finish().await;
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let sa = s.account(a.id);
        let row = |n: &str, user: &str| ImportedUser {
            user: new_user(n, user),
            device: new_device(&format!("acme-{n}"), None),
        };
        let ok = vec![row("101", "Alice"), row("102", "Bob")];
        assert_eq!(sa.import_users(&ok, "switchboard").await.unwrap(), 2);
        let users = sa.users().await.unwrap();
        assert_eq!(
            sa.devices_of(users[1].id).await.unwrap()[0]
                .sip_username
                .as_str(),
            "acme-102",
            "{}",
            db.name
        );
        // The third row clashes with an existing extension: none is written.
        let bad = vec![row("103", "Carol"), row("104", "Dan"), row("101", "Eve")];
        assert!(sa.import_users(&bad, "switchboard").await.is_err());
        assert_eq!(sa.users().await.unwrap().len(), 2, "{}", db.name);
        assert_eq!(sa.devices().await.unwrap().len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn service_extensions_and_ring_groups_keep_their_kind_and_order() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let sa = s.account(a.id);
        let u1 = sa.create_user(&new_user("101", "Alice")).await.unwrap();
        let u2 = sa.create_user(&new_user("102", "Bob")).await.unwrap();
        let conf = sa
            .create_service_extension(&ext("800"), ExtensionKind::Conference, "Conférence")
            .await
            .unwrap();
        assert_eq!(conf.kind, ExtensionKind::Conference);
        let g = sa
            .create_ring_group(
                &ext("600"),
                "Ventes",
                RingStrategy::Sequential,
                15,
                &[u2.extension, u1.extension],
            )
            .await
            .unwrap();
        assert_eq!(g.members, vec![u2.extension, u1.extension], "{}", db.name);
        sa.update_ring_group(
            g.extension.id,
            RingStrategy::Simultaneous,
            30,
            &[u1.extension],
        )
        .await
        .unwrap();
        let g2 = sa.ring_group(g.extension.id).await.unwrap();
        assert_eq!(
            (g2.strategy, g2.ring_seconds, g2.members),
            (RingStrategy::Simultaneous, 30, vec![u1.extension])
        );
        let dup = sa
            .update_ring_group(
                g.extension.id,
                RingStrategy::Simultaneous,
                30,
                &[u1.extension, u1.extension],
            )
            .await;
        assert!(dup.is_err());
        assert_eq!(
            sa.ring_group(g.extension.id).await.unwrap().members,
            vec![u1.extension],
            "failed update changed nothing"
        );
        let kinds: Vec<_> = sa
            .extensions()
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.number.to_string(), e.kind))
            .collect();
        assert_eq!(kinds.len(), 4);
        assert_eq!(kinds[2], ("600".into(), ExtensionKind::RingGroup));
        assert!(
            sa.delete_service_extension(u1.extension).await.is_err(),
            "users are deleted as users"
        );
        sa.delete_service_extension(conf.id).await.unwrap();
        db.finish().await;
    }
}

#[tokio::test]
async fn installation_values_are_set_once() {
    for db in backends().await {
        let s = &db.store;
        let first = s
            .installation_value("nonce_secret", || "one".into())
            .await
            .unwrap();
        let second = s
            .installation_value("nonce_secret", || "two".into())
            .await
            .unwrap();
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("one", "one"),
            "{}",
            db.name
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn reopening_a_sqlite_store_keeps_data_and_does_not_migrate_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/sb.db", dir.path().display());
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let s = storage::Store::connect(&url).await.unwrap();
    account(&s, "+33199000100", "A").await;
    s.close().await;
    let again = storage::Store::connect(&url).await.unwrap();
    assert_eq!(again.account_count().await.unwrap(), 1);
}

#[tokio::test]
async fn binding_changes_are_applied_in_one_batch() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "A").await;
        let d = s
            .account(a.id)
            .create_device(&new_device("phone-1", None), "switchboard")
            .await
            .unwrap();
        let b = |contact: &str| Binding {
            device: d.id,
            account: a.id,
            contact: contact.into(),
            instance: None,
            source: "127.0.0.1:5062".into(),
            transport: "udp".into(),
            call_id: "reg".into(),
            cseq: 1,
            q_millis: 1000,
            user_agent: None,
            expires_at: UnixMillis::from_millis(3_600_000),
            updated_at: UnixMillis::from_millis(0),
        };
        use domain::BindingChange::{Remove, Save};
        s.apply_binding_changes(&[Save(b("sip:a@h")), Save(b("sip:b@h")), Save(b("sip:c@h"))])
            .await
            .unwrap();
        s.apply_binding_changes(&[
            Remove {
                device: d.id,
                contact: "sip:b@h".into(),
            },
            Save(Binding {
                cseq: 9,
                ..b("sip:a@h")
            }),
        ])
        .await
        .unwrap();
        let live = s
            .bindings_of_device(d.id, UnixMillis::from_millis(1))
            .await
            .unwrap();
        let got: Vec<_> = live.iter().map(|x| (x.contact.as_str(), x.cseq)).collect();
        assert_eq!(got, vec![("sip:a@h", 9), ("sip:c@h", 1)], "{}", db.name);
        db.finish().await;
    }
}
