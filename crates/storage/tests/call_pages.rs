//! Keyset pages of the call log (the CSV export) against SQLite and
//! PostgreSQL: pages follow each other without gap or repeat, even when
//! calls started in the same millisecond.

mod common;

use common::{account, backends};
use domain::{CallDirection, ExtensionNumber, NewCallRecord, UnixMillis};
use storage::{CallCursor, CallFilter};

#[tokio::test]
async fn pages_cover_every_call_once_newest_first() {
    for db in backends().await {
        let s = &db.store;
        let a = account(s, "+33199000100", "Acme").await;
        let scope = s.account(a.id);
        // 25 calls, several sharing a start time.
        for i in 0..25_i64 {
            scope
                .start_call(&NewCallRecord {
                    call_id: format!("c{i}"),
                    direction: CallDirection::Internal,
                    caller_number: "201".into(),
                    caller_extension: Some(ExtensionNumber::parse("201").unwrap()),
                    callee_number: "202".into(),
                    callee_extension: Some(ExtensionNumber::parse("202").unwrap()),
                    started_at: UnixMillis::from_millis(1_000 + i / 3),
                })
                .await
                .unwrap();
        }
        let all = scope.calls(&CallFilter::default()).await.unwrap();
        assert_eq!(all.len(), 25);
        let f = CallFilter {
            limit: 4,
            ..CallFilter::default()
        };
        let mut paged = Vec::new();
        let mut cursor = None;
        loop {
            let page = scope.calls_after(&f, cursor).await.unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(CallCursor::after(last));
            paged.extend(page);
        }
        assert_eq!(paged, all, "{}", db.name);
        db.finish().await;
    }
}
