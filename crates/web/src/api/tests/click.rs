//! Click to call through the API (SPEC U2): what the switch is asked,
//! what a program reads back at each stage, refused destinations, other
//! accounts' users and calls, and a node without a switch.

use axum::http::StatusCode;
use domain::{CallEnd, CallProgress, ClickToCall, Dialled};
use serde_json::{Value, json};

use super::{fixture, router};
use crate::AppState;

fn start_url(f: &super::Fixture) -> String {
    format!("/api/v1/users/{}/calls", f.a.user.id.raw())
}

#[tokio::test]
async fn a_call_is_placed_for_the_user_and_answered_202_with_its_id() {
    let f = fixture().await;
    let r = f
        .a(
            "post",
            &start_url(&f),
            Some(json!({"destination": "06 12 34 56 78"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let body = r.json();
    assert_eq!(body["state"], "calling_you");
    assert_eq!(body["end"], Value::Null);
    let id = body["id"].as_u64().unwrap();
    let asked = f.dialer.requests();
    assert_eq!(asked.len() as u64, id, "the fixture's two calls come first");
    assert_eq!(
        asked.last().unwrap(),
        &ClickToCall {
            account: f.a.account.id,
            user: f.a.user.id,
            destination: Dialled::parse("+33612345678").unwrap(),
        }
    );
    let live = f.a("get", &format!("/api/v1/calls/live/{id}"), None).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(
        live.json(),
        json!({"id": id, "state": "calling_you", "end": null})
    );
}

#[tokio::test]
async fn every_stage_and_ending_has_its_name() {
    let f = fixture().await;
    let id = f.a.call;
    let cases = [
        (CallProgress::CallingYou, "calling_you", Value::Null),
        (CallProgress::Dialling, "dialling", Value::Null),
        (CallProgress::Ringing, "ringing", Value::Null),
        (CallProgress::Connected, "connected", Value::Null),
        (
            CallProgress::Ended(CallEnd::NoPhone),
            "ended",
            json!("no_phone"),
        ),
        (
            CallProgress::Ended(CallEnd::YouDidNotAnswer),
            "ended",
            json!("you_did_not_answer"),
        ),
        (CallProgress::Ended(CallEnd::Busy), "ended", json!("busy")),
        (
            CallProgress::Ended(CallEnd::NoAnswer),
            "ended",
            json!("no_answer"),
        ),
        (
            CallProgress::Ended(CallEnd::Failed),
            "ended",
            json!("failed"),
        ),
        (
            CallProgress::Ended(CallEnd::HungUp),
            "ended",
            json!("hung_up"),
        ),
    ];
    for (progress, state, end) in cases {
        f.dialer.set(id, progress);
        let r = f.a("get", &format!("/api/v1/calls/live/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json(), json!({"id": id, "state": state, "end": end}));
    }
}

#[tokio::test]
async fn a_destination_that_reaches_nothing_is_a_422_naming_the_field() {
    let f = fixture().await;
    for (destination, fr) in [
        ("", "indiquez le numéro à appeler"),
        (
            "12345678",
            "« 12345678 » n'est ni un poste (2 à 6 chiffres), ni un numéro français (0 et 9 chiffres), ni un numéro international (00 ou +)",
        ),
    ] {
        let r = f
            .a(
                "post",
                &start_url(&f),
                Some(json!({ "destination": destination })),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let (code, message, field) = r.error();
        assert_eq!(code, "invalid");
        assert_eq!(field.as_deref(), Some("destination"));
        assert_eq!(message, fr);
    }
    let r = f
        .send(
            "post",
            &start_url(&f),
            Some(&f.a.key),
            Some(json!({"destination": "abc"})),
            Some("en"),
        )
        .await;
    let (_, message, _) = r.error();
    assert!(message.contains("neither an extension"), "{message}");
    // Nothing was dialled beyond the fixture's two calls.
    assert_eq!(f.dialer.requests().len(), 2);
}

#[tokio::test]
async fn another_accounts_user_and_call_are_not_found() {
    let f = fixture().await;
    let r = f
        .a(
            "post",
            &format!("/api/v1/users/{}/calls", f.b.user.id.raw()),
            Some(json!({"destination": "0612345678"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(f.dialer.requests().len(), 2, "nothing dialled for B");
    let r = f
        .a("get", &format!("/api/v1/calls/live/{}", f.b.call), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(r.error().1, "appel en cours introuvable");
    for id in ["0", "999", "abc", "-1"] {
        let r = f.a("get", &format!("/api/v1/calls/live/{id}"), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.text);
    }
}

#[tokio::test]
async fn a_stopped_switch_or_none_at_all_answers_503() {
    let mut f = fixture().await;
    f.dialer.stop();
    let body = json!({"destination": "0612345678"});
    let r = f.a("post", &start_url(&f), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.error().0, "unavailable");

    f.app = router(AppState::with_outbox(
        f.store.clone(),
        f._dir.0.join("outbox"),
    ));
    let r = f.a("post", &start_url(&f), Some(body)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    let (code, message, _) = r.error();
    assert_eq!(code, "unavailable");
    assert!(message.contains("standard"), "{message}");
    let r = f
        .a("get", &format!("/api/v1/calls/live/{}", f.a.call), None)
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
}
