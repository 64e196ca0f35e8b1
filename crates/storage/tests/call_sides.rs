//! A user's own calls (SPEC U4) against SQLite and PostgreSQL: the side of
//! the call their extension was on, calls that ended unanswered, and keyset
//! pages of the merged sides.

mod common;

use common::{account, backends};
use domain::{CallDirection, Disposition, ExtensionNumber, NewCallRecord, UnixMillis};
use storage::{CallCursor, CallFilter, CallWrite, Side};

fn ext(n: &str) -> Option<ExtensionNumber> {
    Some(ExtensionNumber::parse(n).unwrap())
}

/// One call: caller, callee, start, how it ended.
type Call = (&'static str, &'static str, i64, Disposition);

const CALLS: &[Call] = &[
    ("101", "102", 1_000, Disposition::Answered), // 101 out, 102 in
    ("102", "101", 2_000, Disposition::Missed),   // 101 in, missed
    ("+33612345678", "101", 3_000, Disposition::Busy), // 101 in, missed
    ("101", "+33698765432", 4_000, Disposition::Answered), // 101 out
    ("102", "103", 5_000, Disposition::Answered), // not 101's
    ("101", "101", 6_000, Disposition::Answered), // 101 to itself: once
    ("+33612345678", "101", 7_000, Disposition::Answered), // 101 in
];

async fn seed(scope: &storage::AccountScope<'_>, store: &storage::Store) {
    let party = |n: &str| if n.starts_with('+') { None } else { ext(n) };
    let writes: Vec<_> = CALLS
        .iter()
        .enumerate()
        .map(|(i, &(from, to, at, disposition))| CallWrite::Whole {
            account: scope.id(),
            record: NewCallRecord {
                call_id: format!("c{i}"),
                direction: CallDirection::Internal,
                caller_number: from.into(),
                caller_extension: party(from),
                callee_number: to.into(),
                callee_extension: party(to),
                started_at: UnixMillis::from_millis(at),
            },
            answered_at: (disposition == Disposition::Answered)
                .then(|| UnixMillis::from_millis(at + 100)),
            ended_at: UnixMillis::from_millis(at + 500),
            disposition,
            cause: "BYE".into(),
        })
        .collect();
    store.write_calls(&writes).await.unwrap();
    // One still ringing: not missed yet.
    scope
        .start_call(&NewCallRecord {
            call_id: "ringing".into(),
            direction: CallDirection::Internal,
            caller_number: "102".into(),
            caller_extension: ext("102"),
            callee_number: "101".into(),
            callee_extension: ext("101"),
            started_at: UnixMillis::from_millis(8_000),
        })
        .await
        .unwrap();
}

/// The start times (in seconds) of the calls `filter` finds.
async fn starts(scope: &storage::AccountScope<'_>, filter: CallFilter) -> Vec<i64> {
    scope
        .calls(&filter)
        .await
        .unwrap()
        .iter()
        .map(|c| c.started_at.millis() / 1000)
        .collect()
}

#[tokio::test]
async fn calls_are_found_by_the_side_an_extension_was_on() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let scope = s.account(a.id);
        seed(&scope, s).await;
        let of = |side, answered| CallFilter {
            extension: ext("101"),
            side,
            answered,
            ..CallFilter::default()
        };
        assert_eq!(
            starts(&scope, of(Side::Either, None)).await,
            [8, 7, 6, 4, 3, 2, 1],
            "{}: every call of 101, once each",
            db.name
        );
        assert_eq!(starts(&scope, of(Side::Caller, None)).await, [6, 4, 1]);
        assert_eq!(starts(&scope, of(Side::Callee, None)).await, [8, 7, 3, 2]);
        assert_eq!(
            starts(&scope, of(Side::Callee, Some(false))).await,
            [3, 2],
            "{}: missed = received, ended without an answer",
            db.name
        );
        assert_eq!(
            starts(&scope, of(Side::Either, Some(true))).await,
            [7, 6, 4, 1]
        );
        let window = CallFilter {
            from: Some(UnixMillis::from_millis(2_000)),
            until: Some(UnixMillis::from_millis(7_000)),
            ..of(Side::Either, None)
        };
        assert_eq!(starts(&scope, window).await, [6, 4, 3, 2]);
        // Another account's calls are not 101's.
        let b = account(s, "+33199000200", "Other").await;
        assert!(
            starts(&s.account(b.id), of(Side::Either, None))
                .await
                .is_empty()
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn pages_of_both_sides_follow_each_other_without_gap_or_repeat() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let scope = s.account(a.id);
        // 30 calls alternating sides, several sharing a start time.
        let writes: Vec<_> = (0..30_i64)
            .map(|i| {
                let (from, to) = if i % 2 == 0 {
                    ("101", "102")
                } else {
                    ("102", "101")
                };
                CallWrite::Whole {
                    account: a.id,
                    record: NewCallRecord {
                        call_id: format!("p{i}"),
                        direction: CallDirection::Internal,
                        caller_number: from.into(),
                        caller_extension: ext(from),
                        callee_number: to.into(),
                        callee_extension: ext(to),
                        started_at: UnixMillis::from_millis(1_000 + i / 4),
                    },
                    answered_at: None,
                    ended_at: UnixMillis::from_millis(2_000),
                    disposition: Disposition::Missed,
                    cause: "487".into(),
                }
            })
            .collect();
        s.write_calls(&writes).await.unwrap();
        let f = CallFilter {
            extension: ext("101"),
            ..CallFilter::default()
        };
        let all = scope.calls(&f).await.unwrap();
        assert_eq!(all.len(), 30, "{}", db.name);
        let page = CallFilter { limit: 4, ..f };
        let mut paged = Vec::new();
        let mut cursor = None;
        loop {
            let got = scope.calls_after(&page, cursor).await.unwrap();
            let Some(last) = got.last() else { break };
            cursor = Some(CallCursor::after(last));
            paged.extend(got);
        }
        assert_eq!(paged, all, "{}", db.name);
        db.finish().await;
    }
}
