//! API keys against SQLite and PostgreSQL: only the digest is stored, a
//! revoked key never authenticates, and keys are scoped to their account.

mod common;

use common::{account, backends};
use domain::{AccountStatus, UnixMillis};
use storage::{ApiKeyId, ApiKeyToken, StorageError};

fn at(ms: i64) -> UnixMillis {
    UnixMillis::from_millis(ms)
}

#[tokio::test]
async fn a_key_authenticates_as_its_account_and_notes_its_last_use() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let token = ApiKeyToken::from_random([1; 32]);
        let key = s
            .account(a.id)
            .create_api_key("CRM", &token, at(1_000))
            .await
            .unwrap();
        assert_eq!(key.name, "CRM", "{}", db.name);
        assert_eq!(key.created_at, at(1_000));
        assert_eq!(key.last_used_at, None);

        let found = s
            .authenticate_api_key(&token, at(2_000))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.account, a.id, "{}", db.name);
        assert_eq!(found.id, key.id);
        let listed = s.account(a.id).api_keys().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].last_used_at, Some(at(2_000)), "{}", db.name);

        // Within a minute, the last use is not written again.
        s.authenticate_api_key(&token, at(30_000)).await.unwrap();
        let listed = s.account(a.id).api_keys().await.unwrap();
        assert_eq!(listed[0].last_used_at, Some(at(2_000)), "{}", db.name);
        s.authenticate_api_key(&token, at(62_000)).await.unwrap();
        let listed = s.account(a.id).api_keys().await.unwrap();
        assert_eq!(listed[0].last_used_at, Some(at(62_000)), "{}", db.name);

        let stranger = ApiKeyToken::from_random([2; 32]);
        assert_eq!(
            s.authenticate_api_key(&stranger, at(2_000)).await.unwrap(),
            None
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn only_the_sha256_of_a_key_is_stored() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let token = ApiKeyToken::from_random([9; 32]);
        s.account(a.id)
            .create_api_key("CRM", &token, at(0))
            .await
            .unwrap();
        let dump = format!("{:?}", s.account(a.id).api_keys().await.unwrap());
        let secret = token.expose();
        assert!(!dump.contains(&secret[3..]), "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_and_stays_revoked_at_its_first_time() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let token = ApiKeyToken::from_random([3; 32]);
        let scope = s.account(a.id);
        let key = scope.create_api_key("CRM", &token, at(0)).await.unwrap();
        scope.revoke_api_key(key.id, at(5_000)).await.unwrap();
        scope.revoke_api_key(key.id, at(9_000)).await.unwrap();
        assert_eq!(
            s.authenticate_api_key(&token, at(10_000)).await.unwrap(),
            None,
            "{}",
            db.name
        );
        assert_eq!(
            scope.api_key(key.id).await.unwrap().revoked_at,
            Some(at(5_000))
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn another_accounts_key_is_not_found() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let b = account(s, "+33199000200", "Beta").await;
        let key = s
            .account(b.id)
            .create_api_key("B's", &ApiKeyToken::from_random([4; 32]), at(0))
            .await
            .unwrap();
        let mine = s.account(a.id);
        assert!(mine.api_keys().await.unwrap().is_empty(), "{}", db.name);
        assert!(matches!(
            mine.api_key(key.id).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            mine.revoke_api_key(key.id, at(1)).await,
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            mine.revoke_api_key(ApiKeyId::from_raw(9_999), at(1)).await,
            Err(StorageError::NotFound(_))
        ));
        assert_eq!(
            s.account(b.id).api_key(key.id).await.unwrap().revoked_at,
            None
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn the_keys_of_a_suspended_account_stop_working_until_it_is_reactivated() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let token = ApiKeyToken::from_random([5; 32]);
        let scope = s.account(a.id);
        scope.create_api_key("CRM", &token, at(0)).await.unwrap();
        scope.set_status(AccountStatus::Suspended).await.unwrap();
        assert_eq!(
            s.authenticate_api_key(&token, at(1)).await.unwrap(),
            None,
            "{}",
            db.name
        );
        scope.set_status(AccountStatus::Active).await.unwrap();
        assert!(
            s.authenticate_api_key(&token, at(2))
                .await
                .unwrap()
                .is_some()
        );
        db.finish().await;
    }
}
