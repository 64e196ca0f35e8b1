//! The platform operator's part of the API: accounts opened, suspended and
//! reactivated, the number pool; operator keys and account keys each open
//! only their own routes.

use axum::http::StatusCode;
use domain::{EmailAddress, Password, PasswordHash, UnixMillis};
use serde_json::json;
use storage::ApiKeyToken;

use super::{Fixture, OPERATOR_ROUTES, ROUTES, fixture};

/// An operator and one of their API keys.
async fn operator_key(f: &Fixture) -> String {
    let op = f
        .store
        .create_operator(
            &EmailAddress::parse("ops@hosting.example").unwrap(),
            &PasswordHash::of(&Password::parse("operator-secret").unwrap()),
            UnixMillis::from_millis(1),
        )
        .await
        .unwrap();
    let token = ApiKeyToken::from_random([42; 32]);
    f.store
        .create_operator_api_key(op.id, "billing", &token, UnixMillis::from_millis(2))
        .await
        .unwrap();
    token.expose()
}

fn filled(path: &str, f: &Fixture) -> String {
    path.replace("{id}", &f.b.account.id.raw().to_string())
        .replace("{number}", "+33199000201")
}

#[tokio::test]
async fn each_kind_of_key_opens_only_its_own_routes() {
    let f = fixture().await;
    let op = operator_key(&f).await;
    for (method, path) in OPERATOR_ROUTES {
        let url = filled(path, &f);
        for key in [None, Some(f.a.key.as_str())] {
            let r = f.send(method, &url, key, Some(json!({})), None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {url} {key:?}");
            assert_eq!(r.error().0, "unauthorized");
        }
    }
    for (method, path) in ROUTES {
        let url = path.replace("{id}", "1");
        let r = f.send(method, &url, Some(&op), Some(json!({})), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {url}");
    }
    // Nothing changed on the way.
    let b = f.store.account(f.b.account.id).details().await.unwrap();
    assert_eq!(b.status, domain::AccountStatus::Active);
}

#[tokio::test]
async fn an_operator_opens_suspends_and_reactivates_accounts() {
    let f = fixture().await;
    let op = operator_key(&f).await;
    let list = f
        .send("get", "/api/v1/operator/accounts", Some(&op), None, None)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    assert_eq!(list.json()[0]["users"], 1);

    // Refused fields, each named.
    for (body, field) in [
        (
            json!({"company": "", "main_number": "+33199000400", "admin_email": "a@b.fr"}),
            "company",
        ),
        (
            json!({"company": "Garage", "main_number": "12", "admin_email": "a@b.fr"}),
            "main_number",
        ),
        (
            json!({"company": "Garage", "main_number": "+33199000400", "admin_email": "nope"}),
            "admin_email",
        ),
        (
            json!({"company": "Garage", "main_number": "+33199000400", "admin_email": "a@b.fr", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
    ] {
        let r = f
            .send(
                "post",
                "/api/v1/operator/accounts",
                Some(&op),
                Some(body),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.error().2.as_deref(), Some(field));
    }
    // A's main number is taken.
    let r = f
        .send(
            "post",
            "/api/v1/operator/accounts",
            Some(&op),
            Some(json!({"company": "Garage", "main_number": "+33199000100", "admin_email": "a@b.fr"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let r = f
        .send(
            "post",
            "/api/v1/operator/accounts",
            Some(&op),
            Some(
                json!({"company": "Garage Durand", "main_number": "01 99 00 04 00",
                        "admin_email": "durand@garage.example", "language": "en"}),
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let opened = r.json();
    assert_eq!(opened["account"]["main_number"], "+33199000400");
    assert_eq!(opened["account"]["language"], "en");
    assert_eq!(opened["setup_mail_sent"], true);

    // Suspending B stops B's own key; reactivating brings it back.
    let b = f.b.account.id.raw();
    let r = f
        .send(
            "post",
            &format!("/api/v1/operator/accounts/{b}/suspend"),
            Some(&op),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "suspended");
    let r = f
        .send("get", "/api/v1/account", Some(&f.b.key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f
        .send(
            "post",
            &format!("/api/v1/operator/accounts/{b}/reactivate"),
            Some(&op),
            None,
            None,
        )
        .await;
    assert_eq!(r.json()["status"], "active");
    let r = f
        .send("get", "/api/v1/account", Some(&f.b.key), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = f
        .send(
            "post",
            "/api/v1/operator/accounts/999999/suspend",
            Some(&op),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_operator_manages_the_number_pool() {
    let f = fixture().await;
    let op = operator_key(&f).await;
    let add = |body| {
        f.send(
            "post",
            "/api/v1/operator/numbers",
            Some(&op),
            Some(body),
            None,
        )
    };
    let r = add(json!({"first": "+33199000500", "last": "+33199000509"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"added": 10, "skipped": 0}));
    let r = add(json!({"first": "+33199000505", "last": "+33199000514"})).await;
    assert_eq!(r.json(), json!({"added": 5, "skipped": 5}));
    for (body, message) in [
        (
            json!({"first": "+33199000509", "last": "+33199000500"}),
            "précéder",
        ),
        (
            json!({"first": "+33199000500", "last": "+331990005000"}),
            "chiffres",
        ),
        (
            json!({"first": "+33199000000", "last": "+33199002000"}),
            "2001",
        ),
    ] {
        let r = add(body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let (_, text, field) = r.error();
        assert_eq!(field.as_deref(), Some("last"));
        assert!(text.contains(message), "{text}");
    }
    let free = f
        .send(
            "get",
            "/api/v1/operator/numbers?filter=free",
            Some(&op),
            None,
            None,
        )
        .await
        .json();
    assert_eq!(free.as_array().unwrap().len(), 15);
    let r = f
        .send(
            "get",
            "/api/v1/operator/numbers?filter=taken",
            Some(&op),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Remove a free number; a held one must be released first.
    assert_eq!(
        call(&f, &op, "delete", "+33199000500").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&f, &op, "delete", "+33199000500").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&f, &op, "delete", "+33199000101").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(&f, &op, "post", "+33199000101/release").await.status,
        StatusCode::NO_CONTENT
    );
    let held = f
        .send(
            "get",
            "/api/v1/operator/numbers?filter=assigned",
            Some(&op),
            None,
            None,
        )
        .await
        .json();
    let held: Vec<&str> = held
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    assert!(!held.contains(&"+33199000101"), "{held:?}");
    assert!(held.contains(&"+33199000100"), "A's main number stays");
    // A main number is never released.
    assert_eq!(
        call(&f, &op, "post", "+33199000100/release").await.status,
        StatusCode::CONFLICT
    );
}

/// `method` on `/api/v1/operator/numbers/{rest}` with the operator's key.
async fn call(f: &Fixture, op: &str, method: &str, rest: &str) -> super::Reply {
    f.send(
        method,
        &format!("/api/v1/operator/numbers/{rest}"),
        Some(op),
        None,
        None,
    )
    .await
}
