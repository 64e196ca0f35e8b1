//! What the user portal does, through the admin's API: a user's own calls
//! seen from their side (SPEC U4), their e-mail address (SPEC U9).

use axum::http::StatusCode;
use domain::{CallDirection, Disposition, ExtensionNumber, NewCallRecord, UnixMillis};
use serde_json::json;

use super::{account_id, fixture};

/// 201 calls 202 (answered), 202 calls 201 (missed), a trunk call to 201
/// (busy), 201 calls out (answered).
async fn seed(f: &super::Fixture) {
    let ext = |n: &str| Some(ExtensionNumber::parse(n).unwrap());
    let calls = [
        ("201", ext("201"), "202", ext("202"), Disposition::Answered),
        ("202", ext("202"), "201", ext("201"), Disposition::Missed),
        ("+33612345678", None, "201", ext("201"), Disposition::Busy),
        (
            "201",
            ext("201"),
            "+33698765432",
            None,
            Disposition::Answered,
        ),
    ];
    let writes: Vec<_> = calls
        .into_iter()
        .enumerate()
        .map(|(i, (from, from_ext, to, to_ext, disposition))| {
            let start = 1_700_000_000_000 + i as i64 * 60_000;
            storage::CallWrite::Whole {
                account: account_id(&f.a),
                record: NewCallRecord {
                    call_id: format!("u{i}"),
                    direction: CallDirection::Internal,
                    caller_number: from.into(),
                    caller_extension: from_ext,
                    callee_number: to.into(),
                    callee_extension: to_ext,
                    started_at: UnixMillis::from_millis(start),
                },
                answered_at: (disposition == Disposition::Answered)
                    .then(|| UnixMillis::from_millis(start + 1_000)),
                ended_at: UnixMillis::from_millis(start + 30_000),
                disposition,
                cause: "BYE".into(),
            }
        })
        .collect();
    f.store.write_calls(&writes).await.unwrap();
}

#[tokio::test]
async fn a_users_calls_are_listed_from_their_side() {
    let f = fixture().await;
    seed(&f).await;
    let count = |uri: &'static str| {
        let f = &f;
        async move {
            let r = f.a("get", uri, None).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
            r.json().as_array().unwrap().len()
        }
    };
    assert_eq!(count("/api/v1/calls?extension=201").await, 4);
    assert_eq!(count("/api/v1/calls?extension=201&side=caller").await, 2);
    assert_eq!(count("/api/v1/calls?extension=201&side=callee").await, 2);
    assert_eq!(
        count("/api/v1/calls?extension=201&side=callee&answered=false").await,
        2,
        "missed and busy"
    );
    assert_eq!(count("/api/v1/calls?extension=202&side=callee").await, 1);
    assert_eq!(count("/api/v1/calls?answered=true").await, 2);
    let csv = f
        .a("get", "/api/v1/calls.csv?extension=201&side=caller", None)
        .await;
    assert_eq!(csv.text.lines().count(), 3, "{}", csv.text);

    for (uri, field) in [
        ("/api/v1/calls?side=caller", "side"),
        ("/api/v1/calls?extension=201&side=up", "side"),
        ("/api/v1/calls?answered=maybe", "answered"),
    ] {
        let r = f.a("get", uri, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(r.error().2.as_deref(), Some(field), "{uri}");
    }
}

#[tokio::test]
async fn a_users_name_and_email_are_changed_and_a_bad_email_refused() {
    let f = fixture().await;
    let id = f.a.user.id.raw();
    let uri = format!("/api/v1/users/{id}");
    let r = f
        .a("patch", &uri, Some(json!({"email": "new@example.fr"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["email"], "new@example.fr");
    assert_eq!(r.json()["name"], f.a.user.name.as_str(), "name kept");
    let r = f
        .a("patch", &uri, Some(json!({"name": "Alice Martin"})))
        .await;
    assert_eq!(r.json()["name"], "Alice Martin");
    assert_eq!(r.json()["email"], "new@example.fr", "e-mail kept");

    let r = f
        .a(
            "patch",
            &uri,
            Some(json!({"email": "not-an-address", "voicemail": {"enabled": false}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error().2.as_deref(), Some("email"));
    let stored = f
        .store
        .account(account_id(&f.a))
        .user(f.a.user.id)
        .await
        .unwrap();
    assert!(stored.voicemail.enabled, "a refused patch changes nothing");
    assert_eq!(stored.email.as_str(), "new@example.fr");

    let theirs = format!("/api/v1/users/{}", f.b.user.id.raw());
    let r = f
        .a("patch", &theirs, Some(json!({"email": "x@example.fr"})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another account's user");
}
