//! The real binary, started as a user would: first start, restart, signals,
//! administrative commands.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{Server, command, run, run_ok, seed_account};

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

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_user_gets_a_second_device_and_a_ring_time_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let main = seed_account(d, &[201, 202]);
    let out = run_ok(
        d,
        &[
            "devices",
            "add",
            "--account",
            main,
            "--extension",
            "202",
            "--username",
            "dev202b",
            "--password",
            "sippass202b",
        ],
    );
    assert!(out.contains("added device dev202b for 202"), "{out}");
    let list = run_ok(d, &["devices", "list", "--account", main]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("dev202b\t202 User 202\t")),
        "{list}"
    );

    let add = |ext: &str, user: &str, password: &str| {
        run(
            d,
            &[
                "devices",
                "add",
                "--account",
                main,
                "--extension",
                ext,
                "--username",
                user,
                "--password",
                password,
            ],
        )
    };
    let taken = add("201", "dev202b", "sippass202c");
    assert!(!taken.status.success());
    assert!(stderr(&taken).contains("already in use"), "{taken:?}");
    let nobody = add("299", "dev299", "sippass299");
    assert!(
        stderr(&nobody).contains("no user has the extension 299"),
        "{nobody:?}"
    );
    let short = add("201", "dev201b", "short");
    assert!(stderr(&short).contains("--password"), "{short:?}");

    let ring = |ext: &str, seconds: &str| {
        run(
            d,
            &[
                "users",
                "ring-time",
                "--account",
                main,
                "--extension",
                ext,
                "--seconds",
                seconds,
            ],
        )
    };
    let ok = ring("202", "5");
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("202 User 202 now ring for 5 s"),
        "{ok:?}"
    );
    for bad in ["4", "121", "-1"] {
        let out = ring("202", bad);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains(&format!("ring time must be 5 to 120 seconds, got {bad}")),
            "{out:?}"
        );
    }
    assert!(stderr(&ring("2x", "30")).contains("--extension"));
    assert!(stderr(&ring("299", "30")).contains("no user has the extension 299"));
    let wrong_account = run(
        d,
        &[
            "users",
            "ring-time",
            "--account",
            "+33199000999",
            "--extension",
            "202",
            "--seconds",
            "30",
        ],
    );
    assert!(stderr(&wrong_account).contains("no account has the main number +33199000999"));
}

#[test]
fn calls_list_prints_one_tab_separated_line_per_record_newest_first() {
    use domain::{CallDirection, Disposition, ExtensionNumber, NewCallRecord, UnixMillis};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let main = seed_account(d, &[201, 202]);
    assert_eq!(run_ok(d, &["calls", "list", "--account", main]), "");

    // The switch writes records through storage; write two the same way.
    let url = format!("sqlite://{}", d.join("switchboard.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = storage::Store::connect(&url).await.unwrap();
        let account = store
            .account_by_main_number(&domain::E164::parse(main).unwrap())
            .await
            .unwrap()
            .unwrap();
        let scope = store.account(account.id);
        let ext = |e: &str| Some(ExtensionNumber::parse(e).unwrap());
        let call = |started: i64| NewCallRecord {
            call_id: format!("call-{started}"),
            direction: CallDirection::Internal,
            caller_number: "201".into(),
            caller_extension: ext("201"),
            callee_number: "202".into(),
            callee_extension: ext("202"),
            started_at: UnixMillis::from_millis(started),
        };
        let first = scope.start_call(&call(1_000)).await.unwrap();
        scope
            .answer_call(first, UnixMillis::from_millis(3_000))
            .await
            .unwrap();
        scope
            .end_call(
                first,
                UnixMillis::from_millis(9_000),
                Disposition::Answered,
                "BYE from caller",
            )
            .await
            .unwrap();
        scope.start_call(&call(20_000)).await.unwrap();
        store.close().await;
    });
    let list = run_ok(d, &["calls", "list", "--account", main]);
    assert_eq!(
        list,
        "internal\t201\t201\t202\t202\t20000\t-\t-\tin_progress\t-\n\
         internal\t201\t201\t202\t202\t1000\t3000\t9000\tanswered\tBYE from caller\n"
    );
    let out = run(d, &["calls", "list", "--account", "+33199000999"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no account has the main number"));
}

#[test]
fn operators_are_created_with_a_given_or_a_generated_password() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_ok(
        d,
        &[
            "operator",
            "create",
            "--email",
            "ops@hosting.example",
            "--password",
            "longenough",
        ],
    );
    assert!(
        out.contains("created operator 1 (ops@hosting.example)"),
        "{out}"
    );
    assert!(
        !out.contains("password:"),
        "a chosen password is not echoed"
    );

    let out = run_ok(
        d,
        &["operator", "create", "--email", "night@hosting.example"],
    );
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap_or_else(|| panic!("generated password printed: {out}"));
    assert_eq!(generated.len(), 12, "{generated}");

    let out = run(d, &["operator", "create", "--email", "OPS@hosting.example"]);
    assert!(!out.status.success(), "one operator per address");
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let out = run(
        d,
        &[
            "operator",
            "create",
            "--email",
            "x@y.example",
            "--password",
            "short",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--password"), "{}", stderr(&out));
}

#[test]
fn an_operator_api_key_is_printed_once_and_revoked_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_ok(d, &["operator", "create", "--email", "ops@hosting.example"]);
    let key_args = [
        "operator",
        "api-key",
        "--email",
        "ops@hosting.example",
        "--name",
        "billing",
    ];
    let out = run_ok(d, &key_args);
    let key = out
        .lines()
        .find(|l| l.starts_with("sb_"))
        .unwrap_or_else(|| panic!("the key is printed: {out}"));
    assert_eq!(key.len(), 46, "{key}");
    let out = run(
        d,
        &[
            "operator",
            "api-key",
            "--email",
            "nobody@hosting.example",
            "--name",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no operator"), "{}", stderr(&out));
    let mut revoke = key_args.to_vec();
    revoke.push("--revoke");
    let out = run_ok(d, &revoke);
    assert!(out.contains("revoked 1 key(s)"), "{out}");
}
