//! A user's voicemail through the API (SPEC U3): the list with counts,
//! one message, its MP3 whole and by range, marks and deletion with their
//! lamp announcements, refused statuses, other accounts' messages, and a
//! node without voicemail.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::UnixMillis;
use serde_json::json;
use tower::ServiceExt;

use super::{Fixture, MP3, fixture, router};
use crate::AppState;

fn list_url(s: &super::Seeded) -> String {
    format!("/api/v1/users/{}/voicemails", s.user.id.raw())
}

fn message_url(s: &super::Seeded) -> String {
    format!("{}/{}", list_url(s), s.message)
}

/// GETs `uri` as account A with an optional `Range`; status, headers and
/// the body's bytes.
async fn fetch(f: &Fixture, uri: &str, range: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {}", f.a.key));
    if let Some(r) = range {
        req = req.header(header::RANGE, r);
    }
    let res = f
        .app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

fn text(h: &HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).map_or("", |v| v.to_str().unwrap())
}

/// How many mailbox changes were announced since the last call.
fn announced(f: &Fixture) -> usize {
    let mut rx = f.changes.lock().unwrap();
    std::iter::from_fn(|| rx.try_recv().ok()).count()
}

#[tokio::test]
async fn the_list_has_counts_and_messages_newest_first() {
    let f = fixture().await;
    let scope = f.store.account(f.a.account.id);
    scope
        .add_voicemail(&domain::NewVoicemailMessage {
            user: f.a.user.id,
            caller_number: "102".into(),
            caller_name: None,
            received_at: UnixMillis::from_millis(1_796_549_500_000),
            duration_ms: 3_000,
            wav_key: "k.wav".into(),
            mp3_key: "k.mp3".into(),
        })
        .await
        .unwrap();
    let r = f.a("get", &list_url(&f.a), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["counts"], json!({"new": 2, "saved": 0}));
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["caller_number"], "102", "newest first");
    assert_eq!(
        messages[1],
        json!({
            "id": f.a.message,
            "caller_number": "+33612345678",
            "caller_name": "Jean Martin",
            "received_at": "2026-12-06T09:30:00Z",
            "duration_ms": 42000,
            "status": "new",
            "audio_url": format!("{}/audio", message_url(&f.a)),
        })
    );
    let one = f.a("get", &message_url(&f.a), None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json(), messages[1]);
}

#[tokio::test]
async fn the_audio_is_served_whole_or_by_range_and_marks_nothing() {
    let f = fixture().await;
    let url = format!("{}/audio", message_url(&f.a));
    let (status, h, body) = fetch(&f, &url, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, MP3);
    assert_eq!(text(&h, header::CONTENT_TYPE), "audio/mpeg");
    assert_eq!(text(&h, header::ACCEPT_RANGES), "bytes");
    assert_eq!(text(&h, header::CONTENT_DISPOSITION), "");

    let (status, h, body) = fetch(&f, &url, Some("bytes=4-10")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, &MP3[4..11]);
    let size = MP3.len();
    assert_eq!(
        text(&h, header::CONTENT_RANGE),
        format!("bytes 4-10/{size}")
    );
    let (status, _, body) = fetch(&f, &url, Some("bytes=-5")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, &MP3[size - 5..]);

    let (status, h, body) = fetch(&f, &url, Some(&format!("bytes={size}-"))).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(text(&h, header::CONTENT_RANGE), format!("bytes */{size}"));
    assert!(body.is_empty());

    // The account is in Paris: 09:30 UTC is 10:30 there.
    let (status, h, _) = fetch(&f, &format!("{url}?download=1"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text(&h, header::CONTENT_DISPOSITION),
        "attachment; filename=\"message-2026-12-06-1030.mp3\""
    );
    let r = f.a("get", &message_url(&f.a), None).await;
    assert_eq!(r.json()["status"], "new", "reading the audio marks nothing");
    assert_eq!(announced(&f), 0);
}

#[tokio::test]
async fn a_message_is_marked_saved_then_new_and_each_change_is_announced() {
    let f = fixture().await;
    for status in ["saved", "new"] {
        let r = f
            .a("patch", &message_url(&f.a), Some(json!({"status": status})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["status"], status);
        assert_eq!(announced(&f), 1, "{status} lights or puts out the lamp");
    }
    let r = f
        .a(
            "patch",
            &message_url(&f.a),
            Some(json!({"status": "heard"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, message, field) = r.error();
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("status"))
    );
    assert!(message.contains("new ou saved"), "{message}");
    let r = f
        .a("patch", &message_url(&f.a), Some(json!({"state": "new"})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown field refused");
}

#[tokio::test]
async fn a_deleted_message_and_its_audio_are_gone() {
    let f = fixture().await;
    let r = f.a("delete", &message_url(&f.a), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(announced(&f), 1);
    let again = f.a("delete", &message_url(&f.a), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.error().1, "message vocal introuvable");
    let (status, _, _) = fetch(&f, &format!("{}/audio", message_url(&f.a)), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = f.a("get", &list_url(&f.a), None).await;
    assert_eq!(r.json()["counts"], json!({"new": 0, "saved": 0}));
}

#[tokio::test]
async fn another_accounts_message_is_not_found_even_under_ones_own_user() {
    let f = fixture().await;
    // A's user with B's message id.
    let url = format!("{}/{}", list_url(&f.a), f.b.message);
    for (method, body) in [
        ("get", None),
        ("patch", Some(json!({"status": "saved"}))),
        ("delete", None),
    ] {
        let r = f.a(method, &url, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}");
    }
    let (status, _, _) = fetch(&f, &format!("{url}/audio"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = f
        .send("get", &message_url(&f.b), Some(&f.b.key), None, None)
        .await;
    assert_eq!(r.json()["status"], "new", "B's message untouched");
}

#[tokio::test]
async fn without_voicemail_on_the_node_the_routes_answer_503_in_the_clients_language() {
    let f = fixture().await;
    let app = router(AppState::with_outbox(
        f.store.clone(),
        std::env::temp_dir().join("sb-web-no-voicemail"),
    ));
    let f = Fixture { app, ..f };
    let r = f.a("get", &list_url(&f.a), None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.error().0, "unavailable");
    let r = f
        .send(
            "delete",
            &message_url(&f.a),
            Some(&f.a.key),
            None,
            Some("en"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.error().1.starts_with("voicemail is unavailable"));
}
