//! Storage for the web portals (sessions, sign-in failures, recovery links,
//! temporary passwords), against SQLite and PostgreSQL.

mod common;

use common::{account, backends, hash};
use domain::{EmailAddress, ExtensionNumber, UnixMillis};
use storage::{NewUser, PasswordReset, StorageError, StoredSession};

fn at(ms: i64) -> UnixMillis {
    UnixMillis::from_millis(ms)
}

#[tokio::test]
async fn sessions_are_created_saved_loaded_until_expiry_and_deleted() {
    for db in backends().await {
        let s = &db.store;
        let first = StoredSession {
            data: "{\"a\":1}".into(),
            expires_at: at(2_000),
        };
        s.create_session("abc", &first).await.unwrap();
        let again = s.create_session("abc", &first).await;
        assert!(
            matches!(again, Err(StorageError::Conflict(_))),
            "{}",
            db.name
        );
        assert_eq!(s.load_session("abc", at(1_000)).await.unwrap(), Some(first));
        let second = StoredSession {
            data: "{\"a\":2}".into(),
            expires_at: at(3_000),
        };
        s.save_session("abc", &second).await.unwrap();
        assert_eq!(
            s.load_session("abc", at(2_500)).await.unwrap(),
            Some(second)
        );
        assert_eq!(s.load_session("abc", at(3_000)).await.unwrap(), None);
        assert_eq!(s.delete_expired_sessions(at(3_000)).await.unwrap(), 1);
        s.save_session(
            "xyz",
            &StoredSession {
                data: "{}".into(),
                expires_at: at(9_000),
            },
        )
        .await
        .unwrap();
        s.delete_session("xyz").await.unwrap();
        assert_eq!(s.load_session("xyz", at(0)).await.unwrap(), None);
        db.finish().await;
    }
}

#[tokio::test]
async fn login_failures_are_counted_in_a_window_and_cleared() {
    for db in backends().await {
        let s = &db.store;
        for t in [100, 200, 300] {
            s.record_login_failure("ip:192.0.2.1", at(t)).await.unwrap();
        }
        s.record_login_failure("ip:192.0.2.2", at(300))
            .await
            .unwrap();
        assert_eq!(
            s.login_failures_since("ip:192.0.2.1", at(150))
                .await
                .unwrap(),
            2
        );
        s.clear_login_failures("ip:192.0.2.1", at(0)).await.unwrap();
        assert_eq!(
            s.login_failures_since("ip:192.0.2.1", at(0)).await.unwrap(),
            0
        );
        assert_eq!(
            s.login_failures_since("ip:192.0.2.2", at(0)).await.unwrap(),
            1
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn recovery_links_are_single_use_and_expire() {
    for db in backends().await {
        let s = &db.store;
        let acc = account(s, "+33199000200", "Acme").await;
        let reset = PasswordReset {
            account: acc.id,
            user: None,
        };
        s.create_password_reset("h1", reset, at(10_000))
            .await
            .unwrap();
        s.create_password_reset("h2", reset, at(10_000))
            .await
            .unwrap();
        assert_eq!(
            s.pending_password_reset("h1", at(5_000)).await.unwrap(),
            Some(reset)
        );
        assert_eq!(
            s.use_password_reset("h1", at(5_000)).await.unwrap(),
            Some(reset)
        );
        assert_eq!(s.use_password_reset("h1", at(5_001)).await.unwrap(), None);
        assert_eq!(
            s.pending_password_reset("h1", at(5_001)).await.unwrap(),
            None
        );
        assert_eq!(s.use_password_reset("h2", at(10_000)).await.unwrap(), None);
        assert_eq!(s.use_password_reset("nope", at(0)).await.unwrap(), None);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_temporary_password_must_be_changed_until_the_user_sets_one() {
    for db in backends().await {
        let s = &db.store;
        let acc = account(s, "+33199000200", "Acme").await;
        let scope = s.account(acc.id);
        let user = scope
            .create_user(&NewUser {
                extension: ExtensionNumber::parse("101").unwrap(),
                name: "Alice".into(),
                email: EmailAddress::parse("alice@example.fr").unwrap(),
                password: hash(),
                direct_number: None,
            })
            .await
            .unwrap();
        assert!(!scope.must_change_password(user.id).await.unwrap());
        scope
            .set_user_password_flagged(user.id, &hash(), true)
            .await
            .unwrap();
        assert!(scope.must_change_password(user.id).await.unwrap());
        scope
            .set_user_password_flagged(user.id, &hash(), false)
            .await
            .unwrap();
        assert!(!scope.must_change_password(user.id).await.unwrap());
        db.finish().await;
    }
}
