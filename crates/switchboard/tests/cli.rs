//! The real binary, started as a user would: first start, restart, signals,
//! administrative commands.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{Server, command, run};

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("HTTP port answers");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn first_start_prints_the_demo_sign_in_once_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let text = server.banner.clone();
    assert!(
        text.contains("Sign in with     01 99 00 01 00 / "),
        "{text}"
    );
    assert_eq!(text.matches("SIP username demo").count(), 3, "{text}");
    assert!(http_get(&server.http.to_string(), "/healthz").starts_with("HTTP/1.1 200"));
    assert!(server.terminate().success(), "clean exit on SIGTERM");
    assert!(
        dir.path().join("switchboard.db").exists(),
        "SQLite file in the data folder"
    );

    let server = Server::start(dir.path());
    assert!(
        !server.banner.contains("Sign in with"),
        "second start prints no secrets: {}",
        server.banner
    );
    assert!(http_get(&server.http.to_string(), "/healthz").starts_with("HTTP/1.1 200"));
    assert!(server.terminate().success());
}

#[test]
fn accounts_numbers_and_users_are_created_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run(
        d,
        &[
            "account",
            "create",
            "--company",
            "Acme",
            "--main-number",
            "+33 1 99 00 02 00",
            "--admin-email",
            "boss@acme.example",
            "--admin-password",
            "longenough",
            "--language",
            "en",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("main number +33199000200"));

    let out = run(
        d,
        &[
            "account",
            "create",
            "--company",
            "Acme",
            "--main-number",
            "+33199000200",
            "--admin-email",
            "boss@acme.example",
            "--admin-password",
            "longenough",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = run(
        d,
        &[
            "account",
            "create",
            "--company",
            "X",
            "--main-number",
            "12",
            "--admin-email",
            "x@x.example",
            "--admin-password",
            "longenough",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--main-number"),
        "names the bad flag"
    );

    let out = run(
        d,
        &[
            "numbers",
            "add-pool",
            "+33199000201",
            "+33199000202",
            "+33199000201",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("added 2 numbers"),
        "{out:?}"
    );

    let csv = d.join("users.csv");
    std::fs::write(
        &csv,
        "extension,name,email,password,sip_username,sip_password\n\
        201,Ann,ann@acme.example,password201,acme201,sippass201\n\
        20x,Bad,bad@acme.example,password202,acme202,sippass202\n",
    )
    .unwrap();
    let out = run(
        d,
        &[
            "import",
            "users",
            "--account",
            "+33199000200",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3: extension must be 2 to 6 digits"),
        "{out:?}"
    );
    std::fs::write(
        &csv,
        "extension,name,email,password,sip_username,sip_password\n\
        201,Ann,ann@acme.example,password201,acme201,sippass201\n",
    )
    .unwrap();
    let out = run(
        d,
        &[
            "import",
            "users",
            "--account",
            "+33199000200",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported 1 users"),
        "{out:?}"
    );
}

#[test]
fn config_shows_effective_values_and_bad_values_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .env(
            "SWITCHBOARD_DATABASE_URL",
            "postgres://sb:topsecret@127.0.0.1/sb",
        )
        .arg("config")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("database_url = \"postgres://sb:****@127.0.0.1/sb\"  # environment variable SWITCHBOARD_DATABASE_URL"), "{text}");
    assert!(!text.contains("topsecret"));

    let out = command(dir.path())
        .env("SWITCHBOARD_SIP_LISTEN", "nowhere")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("invalid sip_listen (from environment variable SWITCHBOARD_SIP_LISTEN)")
    );
}

#[test]
fn serve_runs_on_postgresql_too() {
    if std::env::var("SWITCHBOARD_SKIP_POSTGRES").is_ok() {
        return;
    }
    let admin = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
    let db = format!("sbtest_cli_{}", std::process::id());
    let psql = |sql: &str| {
        let ok = std::process::Command::new("psql")
            .args([admin.as_str(), "-qc", sql])
            .status()
            .unwrap()
            .success();
        assert!(ok, "psql {sql}");
    };
    psql(&format!("CREATE DATABASE {db}"));
    let url = format!("{}/{db}", admin.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--database-url", &url]);
    assert!(server.banner.contains("Sign in with"), "{}", server.banner);
    assert!(http_get(&server.http.to_string(), "/healthz").starts_with("HTTP/1.1 200"));
    assert!(server.terminate().success());
    assert!(
        !dir.path().join("switchboard.db").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
    psql(&format!("DROP DATABASE {db} WITH (FORCE)"));
}
