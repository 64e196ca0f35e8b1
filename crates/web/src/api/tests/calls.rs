//! The call log: filters, newest first, the CSV export.

use axum::http::StatusCode;
use domain::{CallDirection, Disposition, ExtensionNumber, NewCallRecord, UnixMillis};
use serde_json::json;

use super::{account_id, fixture};

async fn seed_calls(f: &super::Fixture) {
    let scope = f.store.account(account_id(&f.a));
    let ext = |n: &str| Some(ExtensionNumber::parse(n).unwrap());
    for (i, (dir, callee)) in [
        (CallDirection::Internal, "202"),
        (CallDirection::Inbound, "201"),
        (CallDirection::Outbound, "0612345678"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = scope
            .start_call(&NewCallRecord {
                call_id: format!("c{i}"),
                direction: dir,
                caller_number: "201".into(),
                caller_extension: ext("201"),
                callee_number: callee.into(),
                callee_extension: None,
                started_at: UnixMillis::from_millis(1_700_000_000_000 + i as i64 * 60_000),
            })
            .await
            .unwrap();
        let disposition = if i == 1 {
            Disposition::Missed
        } else {
            Disposition::Answered
        };
        scope
            .end_call(
                id,
                UnixMillis::from_millis(1_700_000_030_000 + i as i64 * 60_000),
                disposition,
                "BYE, \"caller\"",
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn call_records_are_filtered_newest_first_and_exported_as_csv() {
    let f = fixture().await;
    seed_calls(&f).await;
    let all = f.a("get", "/api/v1/calls", None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[0]["direction"], "outbound", "newest first");
    assert_eq!(all[0]["started_at"], "2023-11-14T22:15:20Z");
    let missed = f
        .a("get", "/api/v1/calls?disposition=missed", None)
        .await
        .json();
    assert_eq!(missed.as_array().unwrap().len(), 1);
    assert_eq!(missed[0]["direction"], "inbound");
    let r = f
        .a(
            "get",
            "/api/v1/calls?direction=internal&extension=201&limit=5",
            None,
        )
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    let r = f
        .a(
            "get",
            "/api/v1/calls?from=2023-11-14T22:14:00Z&until=1700000120000",
            None,
        )
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    let r = f.a("get", "/api/v1/calls?limit=2", None).await.json();
    assert_eq!(r.as_array().unwrap().len(), 2);
    // B sees none of A's calls.
    let b = f
        .send("get", "/api/v1/calls", Some(&f.b.key), None, None)
        .await
        .json();
    assert_eq!(b, json!([]));

    let r = f.a("get", "/api/v1/calls.csv", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("text/csv"), "{}", r.content_type);
    let lines: Vec<_> = r.text.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.text);
    assert!(lines[0].starts_with("id,started_at,direction"));
    assert!(lines[1].contains(",outbound,"));
    assert!(
        lines[1].ends_with(",answered,\"BYE, \"\"caller\"\"\""),
        "{}",
        lines[1]
    );
    let r = f.a("get", "/api/v1/calls.csv?disposition=busy", None).await;
    assert_eq!(r.text.lines().count(), 1, "header only");
}

#[tokio::test]
async fn the_csv_export_pages_through_every_row_without_gap_or_repeat() {
    let f = fixture().await;
    let writes: Vec<_> = (0..2_500_i64)
        .map(|i| storage::CallWrite::Whole {
            account: account_id(&f.a),
            record: NewCallRecord {
                call_id: format!("bulk{i}"),
                direction: CallDirection::Inbound,
                caller_number: "+33612345678".into(),
                caller_extension: None,
                callee_number: "201".into(),
                callee_extension: Some(ExtensionNumber::parse("201").unwrap()),
                // Pairs of calls share a start time.
                started_at: UnixMillis::from_millis(1_700_000_000_000 + i / 2 * 1000),
            },
            answered_at: None,
            ended_at: UnixMillis::from_millis(1_700_000_000_000 + i / 2 * 1000 + 500),
            disposition: Disposition::Missed,
            cause: "487".into(),
        })
        .collect();
    f.store.write_calls(&writes).await.unwrap();
    let r = f.a("get", "/api/v1/calls.csv", None).await;
    let ids: Vec<i64> = r
        .text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 2_500);
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "newest first, each once");
    let r = f.a("get", "/api/v1/calls.csv?limit=1500", None).await;
    assert_eq!(r.text.lines().count(), 1 + 1_500);
}
