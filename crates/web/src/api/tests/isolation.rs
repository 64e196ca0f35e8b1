//! Authentication and account isolation, route by route, and the OpenAPI
//! document's coverage of the routes.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Fixture, OPERATOR_ROUTES, ROUTES, fixture};

/// Every URL that names an object, filled with `b`'s ids, with a body
/// that would be valid for A's own objects.
fn urls_of(s: &super::Seeded) -> Vec<(&'static str, String, Option<Value>)> {
    let user = s.user.id.raw();
    vec![
        ("get", format!("/api/v1/users/{user}"), None),
        (
            "patch",
            format!("/api/v1/users/{user}"),
            Some(json!({"voicemail": {"enabled": false}})),
        ),
        ("delete", format!("/api/v1/users/{user}"), None),
        (
            "post",
            format!("/api/v1/users/{user}/password"),
            Some(json!({"mode": "automatic"})),
        ),
        ("get", format!("/api/v1/ring-groups/{}", s.group), None),
        (
            "put",
            format!("/api/v1/ring-groups/{}", s.group),
            Some(json!({"strategy": "sequential", "ring_seconds": 30, "members": []})),
        ),
        ("delete", format!("/api/v1/ring-groups/{}", s.group), None),
        (
            "put",
            format!("/api/v1/numbers/{}/target", s.number),
            Some(json!({"extension": null})),
        ),
        ("get", format!("/api/v1/devices/{}", s.device.raw()), None),
        (
            "put",
            format!("/api/v1/devices/{}/user", s.device.raw()),
            Some(json!({"user_id": null})),
        ),
        (
            "delete",
            format!("/api/v1/devices/{}/user", s.device.raw()),
            None,
        ),
        (
            "delete",
            format!("/api/v1/devices/{}", s.device.raw()),
            None,
        ),
        ("delete", format!("/api/v1/api-keys/{}", s.key_id), None),
        (
            "post",
            format!("/api/v1/users/{user}/calls"),
            Some(json!({"destination": "0612345678"})),
        ),
        ("get", format!("/api/v1/calls/live/{}", s.call), None),
        ("get", format!("/api/v1/users/{user}/voicemails"), None),
        (
            "get",
            format!("/api/v1/users/{user}/voicemails/{}", s.message),
            None,
        ),
        (
            "patch",
            format!("/api/v1/users/{user}/voicemails/{}", s.message),
            Some(json!({"status": "saved"})),
        ),
        (
            "delete",
            format!("/api/v1/users/{user}/voicemails/{}", s.message),
            None,
        ),
        (
            "get",
            format!("/api/v1/users/{user}/voicemails/{}/audio", s.message),
            None,
        ),
    ]
}

#[tokio::test]
async fn a_key_of_account_a_gets_404_for_every_url_naming_an_object_of_account_b() {
    let f = fixture().await;
    let urls = urls_of(&f.b);
    // Every route with an `{id}` is covered.
    let with_id = ROUTES.iter().filter(|(_, p)| p.contains("{id}")).count();
    assert_eq!(urls.len(), with_id);
    for (method, url, body) in &urls {
        let r = f.a(method, url, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {url}: {}",
            r.text
        );
        assert_eq!(r.error().0, "not_found", "{method} {url}");
    }
    // B's objects are untouched and still work for B.
    for (method, url, body) in urls_of(&f.b).into_iter().filter(|(m, _, _)| *m == "get") {
        let r = f.send(method, &url, Some(&f.b.key), body, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text);
    }
    // And the same URLs of A's own objects are found by A.
    for (method, url, body) in urls_of(&f.a).into_iter().filter(|(m, _, _)| *m != "delete") {
        let r = f.a(method, &url, body).await;
        assert!(r.status.is_success(), "{method} {url}: {}", r.text);
    }
}

#[tokio::test]
async fn lists_show_only_the_callers_account() {
    let f = fixture().await;
    for path in [
        "users",
        "extensions",
        "ring-groups",
        "numbers",
        "devices",
        "api-keys",
    ] {
        let a = f.a("get", &format!("/api/v1/{path}"), None).await.json();
        let b = f
            .send(
                "get",
                &format!("/api/v1/{path}"),
                Some(&f.b.key),
                None,
                None,
            )
            .await
            .json();
        let ids = |v: &Value| -> Vec<i64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_i64().unwrap())
                .collect()
        };
        let (a, b) = (ids(&a), ids(&b));
        assert!(!a.is_empty(), "{path}");
        assert!(a.iter().all(|id| !b.contains(id)), "{path}: {a:?} {b:?}");
    }
    let acc = f.a("get", "/api/v1/account", None).await.json();
    assert_eq!(acc["main_number"], "+33199000100");
}

/// Every route with ids filled in.
fn every_route(f: &Fixture) -> Vec<(&'static str, String)> {
    ROUTES
        .iter()
        .map(|(m, p)| (*m, p.replace("{id}", &f.a.user.id.raw().to_string())))
        .collect()
}

#[tokio::test]
async fn every_route_refuses_a_missing_malformed_unknown_or_revoked_key_with_401() {
    let f = fixture().await;
    let unknown = storage::ApiKeyToken::from_random([77; 32]).expose();
    // Revoke B's key through the API itself.
    let r = f
        .send(
            "delete",
            &format!("/api/v1/api-keys/{}", f.b.key_id),
            Some(&f.b.key),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    for (method, url) in every_route(&f) {
        for key in [
            None,
            Some("sb_short"),
            Some("Basic abc"),
            Some(unknown.as_str()),
            Some(f.b.key.as_str()),
        ] {
            let r = f.send(method, &url, key, Some(json!({})), None).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {url} {key:?}: {}",
                r.text
            );
            let (code, message, _) = r.error();
            assert_eq!(code, "unauthorized");
            assert!(message.contains("clé d'API"), "{message}");
        }
    }
    let r = f
        .send("get", "/api/v1/users", None, None, Some("en-US,en;q=0.9"))
        .await;
    assert!(r.error().1.contains("API key"), "{}", r.text);
    assert_eq!(r.www_authenticate, "Bearer realm=\"api\"");
}

#[tokio::test]
async fn the_openapi_document_parses_and_lists_every_route() {
    let f = fixture().await;
    let r = f
        .send("get", "/api/v1/openapi.json", None, None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut listed = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                listed.push((method.clone(), path.clone()));
            }
        }
    }
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .chain(OPERATOR_ROUTES)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    // Every documented route is served: with a key, none is a 404/405 of
    // the router itself.
    for (method, url) in every_route(&f) {
        let r = f.a(method, &url, Some(json!({}))).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
        if r.status == StatusCode::NOT_FOUND {
            assert_ne!(r.error().1, "adresse d'API introuvable", "{method} {url}");
        }
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // OpenAPI 3.1 §4.8.10.1: operation ids are unique.
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let routes = ROUTES.len() + OPERATOR_ROUTES.len();
    assert_eq!(ids.len(), routes);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), routes, "operation ids repeat");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let f = fixture().await;
    let r = f.a("get", "/api/v1/nothing-here", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error().0, "not_found");
    let r = f.a("post", "/api/v1/account", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error().0, "method_not_allowed");
    let r = f.a("get", "/api/v1/users/abc", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error().1, "utilisateur introuvable");
}

#[tokio::test]
async fn a_suspended_accounts_keys_are_refused() {
    let f = fixture().await;
    f.store
        .account(f.a.account.id)
        .set_status(domain::AccountStatus::Suspended)
        .await
        .unwrap();
    let r = f.a("get", "/api/v1/account", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let r = f
        .send("get", "/api/v1/account", Some(&f.b.key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "B is still active");
}
