//! Bad input: 422 naming the field, 409 for clashes, 400 for a body that is
//! not the JSON expected; messages in French, or English on request.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::fixture;

/// Sends as A and asserts a 422 on `field`; returns the message.
async fn invalid(f: &super::Fixture, method: &str, url: &str, body: Value, field: &str) -> String {
    let r = f.a(method, url, Some(body)).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{method} {url}: {}",
        r.text
    );
    let (code, message, got) = r.error();
    assert_eq!(code, "invalid");
    assert_eq!(got.as_deref(), Some(field), "{}", r.text);
    message
}

#[tokio::test]
async fn bad_user_fields_are_named_with_a_clear_message() {
    let f = fixture().await;
    let good = json!({"name": "Bob", "email": "bob@example.fr", "extension": "202", "password": "longpassword"});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let m = invalid(
        &f,
        "post",
        "/api/v1/users",
        with("extension", json!("12a")),
        "extension",
    )
    .await;
    assert_eq!(m, "le poste doit comporter 2 à 6 chiffres, reçu « 12a »");
    invalid(
        &f,
        "post",
        "/api/v1/users",
        with("email", json!("bob")),
        "email",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/users",
        with("password", json!("short")),
        "password",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/users",
        with("name", json!("  ")),
        "name",
    )
    .await;

    let user = format!("/api/v1/users/{}", f.a.user.id.raw());
    let m = invalid(
        &f,
        "patch",
        &user,
        json!({"voicemail": {"pin": "123"}}),
        "voicemail.pin",
    )
    .await;
    assert_eq!(m, "le code PIN doit comporter 4 à 8 chiffres");
    let m = invalid(
        &f,
        "patch",
        &user,
        json!({"forwarding": {"enabled": true}}),
        "forwarding.number",
    )
    .await;
    assert!(m.contains("obligatoire"), "{m}");
    invalid(
        &f,
        "patch",
        &user,
        json!({"voicemail": {"ring_seconds": 200}}),
        "voicemail.ring_seconds",
    )
    .await;
    invalid(
        &f,
        "patch",
        &user,
        json!({"forwarding": {"number": "12"}}),
        "forwarding.number",
    )
    .await;
    // B's number is no caller ID for A.
    invalid(
        &f,
        "patch",
        &user,
        json!({"caller_id": "+33199000201"}),
        "caller_id",
    )
    .await;
    // Nothing was changed by the refused requests.
    let u = f.a("get", &user, None).await.json();
    assert_eq!(u["voicemail"]["pin_set"], false);
    assert_eq!(u["forwarding"]["enabled"], false);
}

#[tokio::test]
async fn messages_are_in_english_when_the_client_prefers_it() {
    let f = fixture().await;
    let r = f
        .send(
            "post",
            "/api/v1/users",
            Some(&f.a.key),
            Some(json!({"name": "Bob", "email": "bob@example.fr", "extension": "12a", "password": "longpassword"})),
            Some("en-GB,en;q=0.9,fr;q=0.5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error().1, "extension must be 2 to 6 digits, got \"12a\"");
    let r = f
        .send("get", "/api/v1/users/999", Some(&f.a.key), None, Some("en"))
        .await;
    assert_eq!(r.error().1, "user not found");
}

#[tokio::test]
async fn clashes_are_409() {
    let f = fixture().await;
    let r = f
        .a("post", "/api/v1/users", Some(json!({"name": "Bob", "email": "bob@example.fr", "extension": "201", "password": "longpassword"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.error().1, "le poste 201 est déjà utilisé");
    let r = f
        .a("post", "/api/v1/ring-groups", Some(json!({"extension": "600", "name": "Again", "strategy": "sequential", "ring_seconds": 20, "members": []})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = f
        .a(
            "post",
            "/api/v1/devices",
            Some(json!({"mac": "00:1A:2B:3C:4D:02", "model": "T54W"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "B's MAC address is taken: {}",
        r.text
    );
    let r = f
        .a(
            "post",
            "/api/v1/numbers",
            Some(json!({"number": "+33199000101"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "already A's: {}", r.text);
}

#[tokio::test]
async fn bad_ring_groups_devices_numbers_and_queries_are_422() {
    let f = fixture().await;
    let group = json!({"extension": "601", "name": "G", "strategy": "sequential", "ring_seconds": 20, "members": ["201"]});
    let with = |k: &str, v: Value| {
        let mut b = group.clone();
        b[k] = v;
        b
    };
    invalid(
        &f,
        "post",
        "/api/v1/ring-groups",
        with("strategy", json!("random")),
        "strategy",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/ring-groups",
        with("ring_seconds", json!(2)),
        "ring_seconds",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/ring-groups",
        with("members", json!(["600"])),
        "members",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/ring-groups",
        with("members", json!(["201", "201"])),
        "members",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/devices",
        json!({"mac": "zz", "model": "T54W"}),
        "mac",
    )
    .await;
    invalid(
        &f,
        "post",
        "/api/v1/numbers",
        json!({"number": "hello"}),
        "number",
    )
    .await;
    let n = format!("/api/v1/numbers/{}/target", f.a.number);
    invalid(&f, "put", &n, json!({"extension": "999"}), "extension").await;
    for (query, field) in [
        ("from=yesterday", "from"),
        ("until=2023-13-01", "until"),
        ("direction=sideways", "direction"),
        ("disposition=lost", "disposition"),
        ("extension=1", "extension"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
        ("colour=blue", "query"),
    ] {
        for path in ["/api/v1/calls", "/api/v1/calls.csv"] {
            if path.ends_with("csv") && query == "limit=5000" {
                // The export has no upper limit.
                continue;
            }
            let r = f.a("get", &format!("{path}?{query}"), None).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{query}: {}",
                r.text
            );
            assert_eq!(r.error().2.as_deref(), Some(field), "{path}?{query}");
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_the_json_expected_is_400() {
    let f = fixture().await;
    let r = f
        .a("post", "/api/v1/api-keys", Some(json!({"nom": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.error().0, "bad_request");
    let r = f.a("post", "/api/v1/api-keys", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}
