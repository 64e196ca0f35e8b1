//! Ring groups renamed through the API, account settings (SPEC A9) and the
//! CSV import of users (SPEC A5, A16).

use axum::http::StatusCode;
use serde_json::json;

use super::fixture;

const HEADER: &str = "extension,name,email,password,sip_username,sip_password\n";

#[tokio::test]
async fn a_ring_group_takes_a_new_name_and_a_free_extension_only() {
    let f = fixture().await;
    let url = format!("/api/v1/ring-groups/{}", f.a.group);
    let r = f
        .a(
            "put",
            &url,
            Some(json!({"name": "Accueil", "extension": "610", "strategy": "sequential", "ring_seconds": 30, "members": ["201"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let g = r.json();
    assert_eq!(
        (
            &g["name"],
            &g["extension"],
            &g["strategy"],
            &g["ring_seconds"]
        ),
        (
            &json!("Accueil"),
            &json!("610"),
            &json!("sequential"),
            &json!(30)
        )
    );
    // The user's extension is taken: 409, and nothing changed.
    let r = f
        .a(
            "put",
            &url,
            Some(json!({"extension": "201", "strategy": "simultaneous", "ring_seconds": 60, "members": ["201"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.error().0, "conflict");
    let g = f.a("get", &url, None).await.json();
    assert_eq!(
        (&g["extension"], &g["ring_seconds"]),
        (&json!("610"), &json!(30))
    );
    // A malformed extension or an empty name names its field.
    for (body, field) in [
        (
            json!({"extension": "6a", "strategy": "sequential", "ring_seconds": 30, "members": []}),
            "extension",
        ),
        (
            json!({"extension": "17", "strategy": "sequential", "ring_seconds": 30, "members": []}),
            "extension",
        ),
        (
            json!({"name": "  ", "strategy": "sequential", "ring_seconds": 30, "members": []}),
            "name",
        ),
        (
            json!({"strategy": "sequential", "ring_seconds": 300, "members": []}),
            "ring_seconds",
        ),
    ] {
        let r = f.a("put", &url, Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.error().2.as_deref(), Some(field));
    }
    // Omitting name and extension keeps them.
    let r = f
        .a(
            "put",
            &url,
            Some(json!({"strategy": "simultaneous", "ring_seconds": 20, "members": ["201"]})),
        )
        .await;
    assert_eq!(r.json()["name"], "Accueil");
}

#[tokio::test]
async fn account_settings_are_changed_field_by_field_and_checked_first() {
    let f = fixture().await;
    let r = f
        .a(
            "patch",
            "/api/v1/account",
            Some(json!({"company": "Boulangerie Martin", "language": "en", "time_zone": "America/Montreal", "address": "2 rue Neuve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(a["company"], "Boulangerie Martin");
    assert_eq!(a["language"], "en");
    assert_eq!(a["time_zone"], "America/Montreal");
    assert_eq!(a["admin_email"], "admin@example.fr", "absent field kept");
    for (body, field) in [
        (json!({"company": "", "language": "fr"}), "company"),
        (
            json!({"admin_email": "nobody", "language": "fr"}),
            "admin_email",
        ),
        (json!({"language": "de"}), "language"),
        (
            json!({"time_zone": "Mars/Olympus", "language": "fr"}),
            "time_zone",
        ),
    ] {
        let r = f
            .send(
                "patch",
                "/api/v1/account",
                Some(&f.a.key),
                Some(body),
                Some("en"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let (code, message, got) = r.error();
        assert_eq!((code.as_str(), got.as_deref()), ("invalid", Some(field)));
        assert!(message.is_ascii(), "English message: {message}");
    }
    // Nothing of a refused request was written (language stayed en).
    let a = f.a("get", "/api/v1/account", None).await.json();
    assert_eq!(
        (&a["language"], &a["company"]),
        (&json!("en"), &json!("Boulangerie Martin"))
    );
    let r = f
        .a(
            "patch",
            "/api/v1/account",
            Some(json!({"main_number": "+33100000000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown fields refused");
    // B is untouched.
    let b = f
        .send("get", "/api/v1/account", Some(&f.b.key), None, None)
        .await
        .json();
    assert_eq!(b["language"], "fr");
}

async fn import(f: &super::Fixture, csv: &str, lang: Option<&str>) -> super::Reply {
    let req = axum::http::Request::post("/api/v1/users/import")
        .header("authorization", format!("Bearer {}", f.a.key))
        .header("content-type", "text/csv")
        .header("accept-language", lang.unwrap_or("fr"))
        .body(axum::body::Body::from(csv.to_owned()))
        .unwrap();
    let res = tower::ServiceExt::oneshot(f.app.clone(), req)
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    super::Reply {
        status,
        content_type: String::new(),
        www_authenticate: String::new(),
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[tokio::test]
async fn a_csv_import_creates_every_user_with_a_welcome_e_mail() {
    let f = fixture().await;
    let csv = format!(
        "{HEADER}301,Camille Martin,camille@example.fr,,api-301,sippass301\n\
         302,Louis Bernard,louis@example.fr,chosen-pass,api-302,sippass302\n"
    );
    let r = import(&f, &csv, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json()["created"].as_array().unwrap().clone();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["user"]["extension"], "301");
    assert_eq!(created[0]["welcome_sent"], true);
    let scope = f.store.account(f.a.account.id);
    let users = scope.users().await.unwrap();
    assert_eq!(users.len(), 3, "201 plus the two imported");
    let camille = users.iter().find(|u| u.name == "Camille Martin").unwrap();
    assert!(scope.must_change_password(camille.id).await.unwrap());
    assert_eq!(scope.devices_of(camille.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_csv_with_a_bad_row_imports_nothing_and_lists_each_problem() {
    let f = fixture().await;
    let csv = format!(
        "{HEADER}301,Camille Martin,camille@example.fr,,api-301,sippass301\n\
         201,Louis Bernard,louis-at-example,,api-302,sippass302\n"
    );
    let r = import(&f, &csv, Some("en")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid");
    let problems = v["problems"].as_array().unwrap();
    let at: Vec<(i64, &str)> = problems
        .iter()
        .map(|p| (p["line"].as_i64().unwrap(), p["column"].as_str().unwrap()))
        .collect();
    assert_eq!(at, vec![(3, "email")], "{}", r.text);
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Line 3, column \"email\""),
        "{}",
        r.text
    );
    // The taken extension shows once the e-mail is fixed; still nothing written.
    let r = import(
        &f,
        &csv.replace("louis-at-example", "louis@example.fr"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let p = &r.json()["problems"][0];
    assert_eq!(
        (p["line"].as_i64(), p["column"].as_str()),
        (Some(3), Some("extension"))
    );
    assert!(
        p["message"].as_str().unwrap().contains("existe déjà"),
        "{p}"
    );
    assert_eq!(
        f.store.account(f.a.account.id).users().await.unwrap().len(),
        1
    );
    let r = import(&f, "name,extension\nBob,301\n", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("extension,name,email")
    );
}
