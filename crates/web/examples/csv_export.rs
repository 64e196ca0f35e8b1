//! Measures the call log CSV export of the REST API: seeds an account with
//! `ROWS` call records (default 1,000,000) in a SQLite file, then streams
//! `GET /api/v1/calls.csv?limit=EXPORT` (default 100,000) through the
//! router, printing the time to the first byte, the total time, the
//! throughput and the process's peak memory before and after the export.
//!
//! `cargo run --release -p sb-web --example csv_export [ROWS] [EXPORT]`

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use domain::{
    CallDirection, CompanyName, Disposition, E164, EmailAddress, ExtensionNumber, Language,
    NewAccount, NewCallRecord, Password, PasswordHash, TimeZone, UnixMillis,
};
use futures_util::StreamExt as _;
use storage::{ApiKeyToken, CallWrite, Store};
use tower::ServiceExt as _;
use web::{AppState, router};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rows: i64 = args.next().map_or(1_000_000, |a| a.parse().expect("ROWS"));
    let export: u32 = args.next().map_or(100_000, |a| a.parse().expect("EXPORT"));
    let dir = std::env::temp_dir().join(format!("sb-csv-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&format!("sqlite://{}/bench.db", dir.display()))
        .await
        .unwrap();
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse("Bench").unwrap(),
                main_number: E164::parse("+33199000100").unwrap(),
                address: String::new(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: PasswordHash::of(&Password::parse("password123").unwrap()),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(0),
        )
        .await
        .unwrap();
    let seeding = Instant::now();
    let ext = ExtensionNumber::parse("201").unwrap();
    for chunk in (0..rows).collect::<Vec<_>>().chunks(50_000) {
        let writes: Vec<_> = chunk
            .iter()
            .map(|&i| CallWrite::Whole {
                account: account.id,
                record: NewCallRecord {
                    call_id: format!("bench-{i}"),
                    direction: CallDirection::Inbound,
                    caller_number: "+33612345678".into(),
                    caller_extension: None,
                    callee_number: "201".into(),
                    callee_extension: Some(ext.clone()),
                    started_at: UnixMillis::from_millis(1_700_000_000_000 + i * 1000),
                },
                answered_at: Some(UnixMillis::from_millis(1_700_000_000_000 + i * 1000 + 3000)),
                ended_at: UnixMillis::from_millis(1_700_000_000_000 + i * 1000 + 60_000),
                disposition: Disposition::Answered,
                cause: "BYE".into(),
            })
            .collect();
        store.write_calls(&writes).await.unwrap();
    }
    println!(
        "seeded {rows} call records in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let token = ApiKeyToken::from_random([42; 32]);
    store
        .account(account.id)
        .create_api_key("bench", &token, UnixMillis::from_millis(0))
        .await
        .unwrap();
    let app = router(AppState::with_outbox(
        store.clone(),
        std::env::temp_dir().join("sb-csv-export-outbox"),
    ));
    let before = peak_rss_kib();
    let started = Instant::now();
    let res = app
        .oneshot(
            Request::get(format!("/api/v1/calls.csv?limit={export}"))
                .header("authorization", format!("Bearer {}", token.expose()))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let mut stream = res.into_body().into_data_stream();
    let mut first = None;
    let (mut bytes, mut lines) = (0_usize, 0_usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        first.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    let total = started.elapsed();
    println!(
        "exported {} rows ({:.1} MB) in {:.2} s: first byte after {:.1} ms, {:.0} rows/s",
        lines - 1,
        bytes as f64 / 1e6,
        total.as_secs_f64(),
        first.unwrap_or_default().as_secs_f64() * 1e3,
        (lines - 1) as f64 / total.as_secs_f64()
    );
    println!(
        "peak RSS: {} MiB before the export, {} MiB after",
        before / 1024,
        peak_rss_kib() / 1024
    );
    store.close().await;
    std::fs::remove_dir_all(dir).ok();
}
