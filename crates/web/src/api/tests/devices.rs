//! Devices unassigned and deleted, and user passwords set by the admin
//! (SPEC A5 devices tab, A15) through the API.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Fixture, fixture};

/// The messages written to the fixture's outbox.
fn outbox(f: &Fixture) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(f._dir.0.join("outbox")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_device_is_unassigned_then_deleted_and_its_mac_can_be_added_again() {
    let f = fixture().await;
    let url = format!("/api/v1/devices/{}", f.a.device.raw());
    let r = f.a("delete", &format!("{url}/user"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["user_id"], Value::Null);
    let scope = f.store.account(f.a.account.id);
    assert!(scope.devices_of(f.a.user.id).await.unwrap().is_empty());

    let r = f.a("delete", &url, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = f.a("get", &url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error().1, "appareil introuvable");
    let r = f.a("delete", &url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "deleted once only");
    let r = f
        .a(
            "post",
            "/api/v1/devices",
            Some(json!({"mac": "001a2b3c4d01", "model": "Yealink T54W"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "the MAC is free again");
}

#[tokio::test]
async fn an_automatic_password_is_emailed_and_must_be_changed() {
    let f = fixture().await;
    let url = format!("/api/v1/users/{}/password", f.a.user.id.raw());
    let r = f.a("post", &url, Some(json!({"mode": "automatic"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"email_sent": true, "must_change": true}));
    let scope = f.store.account(f.a.account.id);
    assert!(scope.must_change_password(f.a.user.id).await.unwrap());
    let mails = outbox(&f);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("alice@example.fr"));
    // The password in the mail is the one now stored.
    let line = mails[0]
        .lines()
        .find(|l| l.starts_with("Nouveau mot de passe : "))
        .expect("the new password is in the mail");
    let password = line.trim_start_matches("Nouveau mot de passe : ").trim();
    let user = scope.user(f.a.user.id).await.unwrap();
    assert!(user.password.matches(password));
    assert!(!user.password.matches("password123"), "the old one is gone");
}

#[tokio::test]
async fn a_manual_password_is_set_and_kept_unless_asked_otherwise() {
    let f = fixture().await;
    let url = format!("/api/v1/users/{}/password", f.a.user.id.raw());
    let r = f
        .a(
            "post",
            &url,
            Some(json!({"mode": "manual", "password": "a-new-secret"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["must_change"], false);
    let scope = f.store.account(f.a.account.id);
    assert!(!scope.must_change_password(f.a.user.id).await.unwrap());
    let user = scope.user(f.a.user.id).await.unwrap();
    assert!(user.password.matches("a-new-secret"));
    assert_eq!(outbox(&f).len(), 1, "the user is told either way");

    let r = f
        .a(
            "post",
            &url,
            Some(json!({"mode": "manual", "password": "another-one", "must_change": true})),
        )
        .await;
    assert_eq!(r.json()["must_change"], true);
    assert!(scope.must_change_password(f.a.user.id).await.unwrap());
}

#[tokio::test]
async fn bad_password_requests_are_422_naming_the_field_and_change_nothing() {
    let f = fixture().await;
    let url = format!("/api/v1/users/{}/password", f.a.user.id.raw());
    for (body, field) in [
        (json!({"mode": "manual", "password": "short"}), "password"),
        (json!({"mode": "manual"}), "password"),
        (
            json!({"mode": "automatic", "password": "a-new-secret"}),
            "password",
        ),
        (json!({"mode": "sometimes"}), "mode"),
    ] {
        let r = f.a("post", &url, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.error().2.as_deref(), Some(field), "{body}");
    }
    let r = f.a("post", &url, Some(json!({"password": "x"}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "mode is required");
    let user = f
        .store
        .account(f.a.account.id)
        .user(f.a.user.id)
        .await
        .unwrap();
    assert!(user.password.matches("password123"));
    assert!(outbox(&f).is_empty());
}
