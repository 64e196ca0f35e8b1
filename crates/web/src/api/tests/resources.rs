//! Each resource's happy path.

use axum::http::StatusCode;
use domain::Binding;
use serde_json::json;

use super::{account_id, fixture};
use crate::now;

#[tokio::test]
async fn users_are_created_read_updated_and_deleted() {
    let f = fixture().await;
    let r = f
        .a(
            "post",
            "/api/v1/users",
            Some(json!({"name": "Bob", "email": "bob@example.fr", "extension": "202", "password": "longpassword"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bob = r.json();
    assert_eq!(bob["extension"], "202");
    assert_eq!(bob["voicemail"]["enabled"], true);
    let id = bob["id"].as_i64().unwrap();
    // Nothing else was created: no device, no number.
    assert_eq!(
        f.a("get", "/api/v1/devices", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        f.a("get", "/api/v1/numbers", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["target_extension"] != "202")
    );

    let r = f
        .a(
            "patch",
            &format!("/api/v1/users/{id}"),
            Some(json!({
                "voicemail": {"ring_seconds": 30, "pin": "4321", "after_email": "delete"},
                "forwarding": {"enabled": true, "number": "06 12 34 56 78"},
                "caller_id": "+33199000101"
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["voicemail"]["ring_seconds"], 30);
    assert_eq!(v["voicemail"]["pin_set"], true);
    assert_eq!(v["voicemail"]["after_email"], "delete");
    assert_eq!(
        v["voicemail"]["enabled"], true,
        "untouched fields keep their value"
    );
    assert_eq!(v["forwarding"]["number"], "+33612345678");
    assert_eq!(v["caller_id"], "+33199000101");
    let stored = f
        .store
        .account(account_id(&f.a))
        .user(domain::UserId::from_raw(id))
        .await
        .unwrap();
    assert!(stored.voicemail.pin.unwrap().matches("4321"));

    let r = f
        .a(
            "patch",
            &format!("/api/v1/users/{id}"),
            Some(json!({"caller_id": null, "forwarding": {"enabled": false}})),
        )
        .await;
    let v = r.json();
    assert_eq!(v["caller_id"], serde_json::Value::Null);
    assert_eq!(v["forwarding"]["enabled"], false);
    assert_eq!(v["forwarding"]["number"], "+33612345678");

    let listed = f.a("get", "/api/v1/users", None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let r = f.a("delete", &format!("/api/v1/users/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        f.a("get", &format!("/api/v1/users/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn extensions_and_ring_groups() {
    let f = fixture().await;
    let exts = f.a("get", "/api/v1/extensions", None).await.json();
    let kinds: Vec<_> = exts
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["number"].clone(), e["kind"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (json!("201"), json!("user")),
            (json!("600"), json!("ring_group"))
        ]
    );

    let r = f
        .a("post", "/api/v1/ring-groups", Some(json!({"extension": "601", "name": "Support", "strategy": "sequential", "ring_seconds": 15, "members": ["201"]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let g = r.json();
    assert_eq!(g["members"], json!(["201"]));
    let id = g["id"].as_i64().unwrap();
    let r = f
        .a(
            "put",
            &format!("/api/v1/ring-groups/{id}"),
            Some(json!({"strategy": "simultaneous", "ring_seconds": 45, "members": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["ring_seconds"], 45);
    assert_eq!(
        f.a("get", "/api/v1/ring-groups", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A user's extension is not a ring group.
    let user_ext = f.a.user.extension.raw();
    assert_eq!(
        f.a("delete", &format!("/api/v1/ring-groups/{user_ext}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.a("delete", &format!("/api/v1/ring-groups/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.a("get", &format!("/api/v1/ring-groups/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn numbers_are_bought_from_the_pool_and_mapped_to_an_extension() {
    let f = fixture().await;
    f.store
        .add_pool_numbers(&[domain::E164::parse("+33199000999").unwrap()])
        .await
        .unwrap();
    let pool = f.a("get", "/api/v1/numbers/available", None).await.json();
    assert_eq!(pool, json!([{"number": "+33199000999"}]));
    let r = f
        .a(
            "post",
            "/api/v1/numbers",
            Some(json!({"number": "01 99 00 09 99"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let r = f
        .a(
            "put",
            &format!("/api/v1/numbers/{id}/target"),
            Some(json!({"extension": "600"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["target_extension"], "600");
    // Mapping it to another extension while it rings 600 is a conflict.
    let r = f
        .a(
            "put",
            &format!("/api/v1/numbers/{id}/target"),
            Some(json!({"extension": "201"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.error().0, "conflict");
    let r = f
        .a(
            "put",
            &format!("/api/v1/numbers/{id}/target"),
            Some(json!({"extension": null})),
        )
        .await;
    assert_eq!(r.json()["target_extension"], serde_json::Value::Null);
    let r = f
        .a(
            "put",
            &format!("/api/v1/numbers/{id}/target"),
            Some(json!({"extension": "201"})),
        )
        .await;
    assert_eq!(r.json()["target_extension"], "201");
    // B's number cannot be bought.
    let r = f
        .a(
            "post",
            "/api/v1/numbers",
            Some(json!({"number": "+33199000201"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

#[tokio::test]
async fn devices_are_added_by_mac_assigned_and_show_their_registration() {
    let f = fixture().await;
    let r = f
        .a(
            "post",
            "/api/v1/devices",
            Some(json!({"mac": "00-1a-2b-3c-4d-99", "model": "Yealink T54W"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    assert_eq!(v["device"]["mac"], "00:1A:2B:3C:4D:99");
    assert_eq!(v["device"]["sip_username"], "001a2b3c4d99");
    assert_eq!(v["device"]["user_id"], serde_json::Value::Null);
    assert_eq!(v["sip_password"].as_str().unwrap().len(), 16);
    let id = v["device"]["id"].as_i64().unwrap();
    let user = f.a.user.id.raw();
    let r = f
        .a(
            "put",
            &format!("/api/v1/devices/{id}/user"),
            Some(json!({"user_id": user})),
        )
        .await;
    assert_eq!(r.json()["user_id"], user);
    let r = f
        .a(
            "put",
            &format!("/api/v1/devices/{id}/user"),
            Some(json!({"user_id": f.b.user.id.raw()})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "B's user is no user of A"
    );
    let r = f
        .a(
            "put",
            &format!("/api/v1/devices/{id}/user"),
            Some(json!({"user_id": null})),
        )
        .await;
    assert_eq!(r.json()["user_id"], serde_json::Value::Null);

    let t = now();
    f.store
        .save_binding(&Binding {
            device: f.a.device,
            account: account_id(&f.a),
            contact: "sip:alice@192.0.2.1:5060".into(),
            instance: None,
            source: "192.0.2.1:5060".into(),
            transport: "udp".into(),
            call_id: "reg-1".into(),
            cseq: 1,
            q_millis: 1000,
            user_agent: Some("Yealink".into()),
            expires_at: t.plus(std::time::Duration::from_secs(3600)),
            updated_at: t,
        })
        .await
        .unwrap();
    let list = f.a("get", "/api/v1/devices", None).await.json();
    let list = list.as_array().unwrap();
    let reg = list.iter().find(|d| d["id"] == f.a.device.raw()).unwrap();
    assert_eq!(reg["registered"], true);
    assert_eq!(reg["registrations"][0]["transport"], "udp");
    let new = list.iter().find(|d| d["id"] == id).unwrap();
    assert_eq!(new["registered"], false);
}

#[tokio::test]
async fn api_keys_are_created_once_used_and_revoked() {
    let f = fixture().await;
    let r = f
        .a("post", "/api/v1/api-keys", Some(json!({"name": "CRM"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    let key = v["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("sb_") && key.len() == 46, "{key}");
    let id = v["api_key"]["id"].as_i64().unwrap();
    let r = f
        .send("get", "/api/v1/account", Some(&key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = f.a("get", "/api/v1/api-keys", None).await;
    assert!(!list.text.contains(&key[3..]), "the secret is never listed");
    let listed = list.json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap();
    assert!(mine["last_used_at"].is_string());
    // A key may revoke itself.
    let r = f
        .send(
            "delete",
            &format!("/api/v1/api-keys/{id}"),
            Some(&key),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = f
        .send("get", "/api/v1/account", Some(&key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let listed = f.a("get", "/api/v1/api-keys", None).await.json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()["revoked_at"]
            .is_string()
    );
}
