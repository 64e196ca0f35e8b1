//! The platform operator's installation-wide views against SQLite and
//! PostgreSQL: operators by e-mail, accounts with their size, the number
//! pool with its holders, ranges, removal and release, and suspended
//! accounts' phones no longer found by the switch.

mod common;

use common::{account, backends, e164, hash};
use domain::{
    AccountStatus, DeviceModel, EmailAddress, ExtensionNumber, NewDevice, NumberRange, SipPassword,
    SipUsername, UnixMillis,
};
use storage::{NewUser, PoolFilter, StorageError};

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

#[tokio::test]
async fn operators_sign_in_by_email_whatever_its_case_and_are_unique() {
    for db in backends().await {
        let s = &db.store;
        assert_eq!(s.operator_count().await.unwrap(), 0);
        let op = s
            .create_operator(
                &email("Ops@Hosting.example"),
                &hash(),
                UnixMillis::from_millis(5),
            )
            .await
            .unwrap();
        let found = s
            .operator_by_email(&email("ops@hosting.example"))
            .await
            .unwrap()
            .expect("found whatever the case");
        assert_eq!(found.id, op.id, "{}", db.name);
        assert_eq!(found.created_at, UnixMillis::from_millis(5));
        assert!(found.password.matches("password123"));
        let again = s
            .create_operator(
                &email("OPS@hosting.example"),
                &hash(),
                UnixMillis::from_millis(6),
            )
            .await
            .unwrap_err();
        assert!(matches!(again, StorageError::Conflict(_)), "{}", db.name);
        assert!(
            s.operator_by_email(&email("nobody@hosting.example"))
                .await
                .unwrap()
                .is_none()
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn accounts_are_listed_with_their_user_count_and_status() {
    for db in backends().await {
        let s = &db.store;
        let b = account(s, "+33199000200", "Boulangerie").await;
        let a = account(s, "+33199000100", "Atelier").await;
        for ext in ["101", "102"] {
            s.account(b.id)
                .create_user(&NewUser {
                    extension: ExtensionNumber::parse(ext).unwrap(),
                    name: format!("User {ext}"),
                    email: email("u@example.fr"),
                    password: hash(),
                    direct_number: None,
                })
                .await
                .unwrap();
        }
        s.account(a.id)
            .set_status(AccountStatus::Suspended)
            .await
            .unwrap();
        let list = s.account_summaries().await.unwrap();
        let names: Vec<_> = list.iter().map(|x| x.account.company.as_str()).collect();
        assert_eq!(names, ["Atelier", "Boulangerie"], "{}", db.name);
        assert_eq!(list[0].users, 0);
        assert_eq!(list[0].account.status, AccountStatus::Suspended);
        assert_eq!(list[1].users, 2, "{}", db.name);
        assert_eq!(list[1].account.main_number, e164("+33199000200"));
        db.finish().await;
    }
}

#[tokio::test]
async fn the_pool_lists_free_and_assigned_numbers_with_their_holder() {
    for db in backends().await {
        let s = &db.store;
        let range = NumberRange::new(e164("+33199000300"), e164("+33199000304")).unwrap();
        assert_eq!(s.add_pool_numbers(&range.numbers()).await.unwrap(), 5);
        // Adding an overlapping range only adds what is new.
        let more = NumberRange::new(e164("+33199000303"), e164("+33199000305")).unwrap();
        assert_eq!(s.add_pool_numbers(&more.numbers()).await.unwrap(), 1);
        // An account created on a pool number takes it.
        let a = account(s, "+33199000300", "Atelier").await;
        s.account(a.id)
            .buy_number(&e164("+33199000301"))
            .await
            .unwrap();

        let all = s.pool_entries(PoolFilter::All).await.unwrap();
        assert_eq!(all.len(), 6, "{}", db.name);
        let free = s.pool_entries(PoolFilter::Free).await.unwrap();
        let free: Vec<_> = free.iter().map(|e| e.number.as_str().to_owned()).collect();
        assert_eq!(
            free,
            [
                "+33199000302",
                "+33199000303",
                "+33199000304",
                "+33199000305"
            ]
        );
        let assigned = s.pool_entries(PoolFilter::Assigned).await.unwrap();
        assert_eq!(assigned.len(), 2, "{}", db.name);
        let main = assigned[0].holder.as_ref().unwrap();
        assert_eq!(main.account, a.id);
        assert_eq!(main.company.as_str(), "Atelier");
        assert!(main.main, "the account's main number is marked");
        assert!(!assigned[1].holder.as_ref().unwrap().main);
        db.finish().await;
    }
}

#[tokio::test]
async fn only_free_numbers_are_removed_and_assigned_ones_are_released_except_the_main() {
    for db in backends().await {
        let s = &db.store;
        s.add_pool_numbers(&[e164("+33199000401"), e164("+33199000402")])
            .await
            .unwrap();
        let a = account(s, "+33199000400", "Atelier").await;
        s.account(a.id)
            .buy_number(&e164("+33199000401"))
            .await
            .unwrap();

        s.remove_pool_number(&e164("+33199000402")).await.unwrap();
        assert!(s.number(&e164("+33199000402")).await.unwrap().is_none());
        let held = s.remove_pool_number(&e164("+33199000401")).await;
        assert!(matches!(held, Err(StorageError::Invalid(_))), "{}", db.name);
        let unknown = s.remove_pool_number(&e164("+33199000499")).await;
        assert!(matches!(unknown, Err(StorageError::NotFound(_))));

        let main = s.release_assigned_number(&e164("+33199000400")).await;
        assert!(matches!(main, Err(StorageError::Invalid(_))), "main stays");
        assert_eq!(
            s.release_assigned_number(&e164("+33199000401"))
                .await
                .unwrap(),
            a.id
        );
        let back = s.number(&e164("+33199000401")).await.unwrap().unwrap();
        assert_eq!(back.account, None, "{}", db.name);
        assert_eq!(back.target, None);
        let again = s.release_assigned_number(&e164("+33199000401")).await;
        assert!(
            matches!(again, Err(StorageError::Invalid(_))),
            "already free"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_suspended_accounts_phones_are_not_found_for_the_switch() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Atelier").await;
        let name = SipUsername::parse("atelier-1").unwrap();
        s.account(a.id)
            .create_device(
                &NewDevice {
                    mac: None,
                    model: DeviceModel("softphone".into()),
                    label: "desk".into(),
                    sip_username: name.clone(),
                    sip_password: SipPassword::parse("secret123").unwrap(),
                    user: None,
                },
                "switchboard",
            )
            .await
            .unwrap();
        assert!(
            s.active_device_by_sip_username(&name)
                .await
                .unwrap()
                .is_some()
        );
        s.account(a.id)
            .set_status(AccountStatus::Suspended)
            .await
            .unwrap();
        assert!(
            s.active_device_by_sip_username(&name)
                .await
                .unwrap()
                .is_none(),
            "{}",
            db.name
        );
        assert!(s.device_by_sip_username(&name).await.unwrap().is_some());
        s.account(a.id)
            .set_status(AccountStatus::Active)
            .await
            .unwrap();
        assert!(
            s.active_device_by_sip_username(&name)
                .await
                .unwrap()
                .is_some()
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn operator_api_keys_authenticate_their_operator_until_revoked() {
    for db in backends().await {
        let s = &db.store;
        let op = s
            .create_operator(
                &email("ops@hosting.example"),
                &hash(),
                UnixMillis::from_millis(5),
            )
            .await
            .unwrap();
        let token = storage::ApiKeyToken::from_random([9; 32]);
        s.create_operator_api_key(op.id, "billing", &token, UnixMillis::from_millis(6))
            .await
            .unwrap();
        assert_eq!(
            s.authenticate_operator_api_key(&token).await.unwrap(),
            Some(op.id),
            "{}",
            db.name
        );
        // An account's key is not an operator's, and the reverse.
        let a = account(s, "+33199000100", "A").await;
        let account_key = storage::ApiKeyToken::from_random([8; 32]);
        s.account(a.id)
            .create_api_key("crm", &account_key, UnixMillis::from_millis(7))
            .await
            .unwrap();
        assert_eq!(
            s.authenticate_operator_api_key(&account_key).await.unwrap(),
            None
        );
        assert!(
            s.authenticate_api_key(&token, UnixMillis::from_millis(8))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            s.revoke_operator_api_keys(op.id, "billing", UnixMillis::from_millis(9))
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.authenticate_operator_api_key(&token).await.unwrap(), None);
        db.finish().await;
    }
}
