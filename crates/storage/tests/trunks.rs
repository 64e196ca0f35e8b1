//! SIP trunks against SQLite and PostgreSQL: both kinds of authentication
//! read back as written, names are unique, the switch loads the enabled
//! ones in the order they were added, and trunks are put out of service
//! and removed by name.

#[allow(dead_code)] // the helpers other suites use
mod common;

use common::backends;
use domain::{NewTrunk, NumberFormat, TrunkAddress, TrunkAuth, TrunkTransport};
use storage::StorageError;

fn trunk(name: &str, auth: TrunkAuth) -> NewTrunk {
    NewTrunk {
        name: name.to_owned(),
        host: "sip.carrier.example".to_owned(),
        port: 5070,
        transport: TrunkTransport::Udp,
        auth,
        number_format: NumberFormat::E164NoPlus,
    }
}

fn credentials() -> TrunkAuth {
    TrunkAuth::Credentials {
        username: "acme".to_owned(),
        password: "s3cret".to_owned(),
    }
}

#[tokio::test]
async fn trunks_read_back_as_written_with_either_authentication() {
    for db in backends().await {
        let s = &db.store;
        let by_password = s.create_trunk(&trunk("zeta", credentials())).await.unwrap();
        let addresses = TrunkAddress::parse_list("192.0.2.10,127.0.0.1:5080").unwrap();
        let by_address = s
            .create_trunk(&trunk(
                "alpha",
                TrunkAuth::Ip {
                    addresses: addresses.clone(),
                },
            ))
            .await
            .unwrap();
        assert_eq!(by_password.auth, credentials(), "{}", db.name);
        assert_eq!(by_password.port, 5070);
        assert_eq!(by_password.number_format, NumberFormat::E164NoPlus);
        assert!(by_password.enabled);
        assert_eq!(by_address.auth, TrunkAuth::Ip { addresses }, "{}", db.name);
        let names: Vec<String> = s
            .trunks()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["alpha", "zeta"], "listed by name");
        let found = s.trunk_by_name("zeta").await.unwrap().expect("found");
        assert_eq!(found, by_password);
        assert!(s.trunk_by_name("nope").await.unwrap().is_none());
        db.finish().await;
    }
}

#[tokio::test]
async fn a_second_trunk_with_the_same_name_is_refused() {
    for db in backends().await {
        let s = &db.store;
        s.create_trunk(&trunk("main", credentials())).await.unwrap();
        let err = s
            .create_trunk(&trunk("main", credentials()))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StorageError::Conflict(m) if m.contains("main")),
            "{}: {err:?}",
            db.name
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn the_switch_loads_enabled_trunks_in_the_order_they_were_added() {
    for db in backends().await {
        let s = &db.store;
        for name in ["second-choice", "backup", "first-choice"] {
            s.create_trunk(&trunk(name, credentials())).await.unwrap();
        }
        s.set_trunk_enabled("backup", false).await.unwrap();
        let names: Vec<String> = s
            .enabled_trunks()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["second-choice", "first-choice"], "{}", db.name);
        s.set_trunk_enabled("backup", true).await.unwrap();
        assert_eq!(s.enabled_trunks().await.unwrap().len(), 3);
        assert!(s.trunk_by_name("backup").await.unwrap().unwrap().enabled);
        db.finish().await;
    }
}

#[tokio::test]
async fn trunks_are_removed_by_name_and_unknown_names_are_not_found() {
    for db in backends().await {
        let s = &db.store;
        s.create_trunk(&trunk("old", credentials())).await.unwrap();
        s.delete_trunk("old").await.unwrap();
        assert!(s.trunks().await.unwrap().is_empty(), "{}", db.name);
        for err in [
            s.delete_trunk("old").await.unwrap_err(),
            s.set_trunk_enabled("old", false).await.unwrap_err(),
        ] {
            assert!(matches!(err, StorageError::NotFound("trunk")), "{err:?}");
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn a_trunks_registration_is_kept_as_the_switch_last_saw_it() {
    use storage::{RegistrationStatus, TrunkRegistration};
    for db in backends().await {
        let s = &db.store;
        let t = s
            .create_trunk(&trunk("orange", credentials()))
            .await
            .unwrap();
        assert!(
            s.trunk_registrations().await.unwrap().is_empty(),
            "{}",
            db.name
        );
        let failed = TrunkRegistration {
            state: RegistrationStatus::Failed,
            detail: Some("503 Service Unavailable".into()),
            at: Some(domain::UnixMillis::from_millis(1_800_000_030_000)),
        };
        s.set_trunk_registration(t.id, &failed).await.unwrap();
        assert_eq!(
            s.trunk_registrations().await.unwrap(),
            [(t.id, failed)],
            "{}",
            db.name
        );
        let registered = TrunkRegistration {
            state: RegistrationStatus::Registered,
            detail: None,
            at: Some(domain::UnixMillis::from_millis(1_800_000_300_000)),
        };
        s.set_trunk_registration(t.id, &registered).await.unwrap();
        assert_eq!(
            s.trunk_registrations().await.unwrap(),
            [(t.id, registered)],
            "{}",
            db.name
        );
        db.finish().await;
    }
}
