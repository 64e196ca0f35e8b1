//! Runs the same storage tests against SQLite and PostgreSQL.
//!
//! PostgreSQL is found at `SWITCHBOARD_TEST_POSTGRES_URL` (default
//! `postgres://postgres:postgres@127.0.0.1:5432/postgres`); each test gets a database
//! of its own, dropped at the end. `make test` makes sure a server answers.

use std::sync::atomic::{AtomicU32, Ordering};

use domain::{
    Account, CompanyName, E164, EmailAddress, Language, NewAccount, Password, PasswordHash,
    TimeZone, UnixMillis,
};
use sqlx::Connection;
use storage::Store;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct Db {
    pub store: Store,
    pub name: &'static str,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, db)) = self.cleanup {
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("postgres answers");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .expect("test database can be dropped");
        }
    }
}

fn postgres_url() -> String {
    std::env::var("SWITCHBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh store of each backend.
pub async fn backends() -> Vec<Db> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let sqlite = Store::connect(&url).await.expect("sqlite store opens");
    let mut out = vec![Db {
        store: sqlite,
        name: "sqlite",
        cleanup: None,
        _dir: Some(dir),
    }];
    if std::env::var("SWITCHBOARD_SKIP_POSTGRES").is_ok() {
        return out;
    }
    let admin_url = postgres_url();
    let db = format!(
        "sbtest_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL must answer at {admin_url} (set SWITCHBOARD_TEST_POSTGRES_URL or SWITCHBOARD_SKIP_POSTGRES=1): {e}")
    });
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await
        .expect("create test db");
    conn.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url.clone());
    let store = Store::connect(&format!("{base}/{db}"))
        .await
        .expect("postgres store opens");
    out.push(Db {
        store,
        name: "postgres",
        cleanup: Some((admin_url, db)),
        _dir: None,
    });
    out
}

/// A cheap password hash for tests (argon2 on purpose is slow; one is
/// enough).
pub fn hash() -> PasswordHash {
    static HASH: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    HASH.get_or_init(|| PasswordHash::of(&Password::parse("password123").unwrap()))
        .clone()
}

pub fn e164(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

pub async fn account(store: &Store, main: &str, company: &str) -> Account {
    store
        .create_account(
            &NewAccount {
                company: CompanyName::parse(company).unwrap(),
                main_number: e164(main),
                address: "1 rue de la Paix, Paris".into(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: hash(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap()
}
