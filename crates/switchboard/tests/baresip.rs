//! A real softphone, baresip, signs in to the switch and keeps its
//! registration fresh.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Server, run_ok, seed_account};

/// Runs baresip for `seconds` with one account, SIP trace on; `during`
/// runs while it is up. Returns what baresip printed.
fn baresip(
    server: &Server,
    user: &str,
    password: &str,
    transport: &str,
    regint: u32,
    seconds: u32,
    during: impl FnOnce(),
) -> String {
    let home = tempfile::tempdir().unwrap();
    let config = "poll_method epoll\nsip_listen 127.0.0.1:0\nmodule_path /usr/lib/baresip/modules\n\
                  module account.so\nmodule g711.so\nmodule ausine.so\nmodule aufile.so\n\
                  audio_player aufile,/dev/null\naudio_source ausine,440\naudio_alert aufile,/dev/null\n";
    std::fs::write(home.path().join("config"), config).unwrap();
    let account = format!(
        "<sip:{user}@{};transport={transport}>;auth_pass={password};regint={regint}\n",
        server.sip
    );
    std::fs::write(home.path().join("accounts"), account).unwrap();
    let child = Command::new("baresip")
        .args([
            "-f",
            home.path().to_str().unwrap(),
            "-s",
            "-t",
            &seconds.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("baresip runs (make test installs it)");
    during();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Waits (at most 8 s) until the device's line satisfies `check`.
fn wait_until(data: &Path, user: &str, check: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let line = registered_line(data, user);
        if check(&line) || start.elapsed() > Duration::from_secs(8) {
            return line;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn registered_line(data: &Path, user: &str) -> String {
    let list = run_ok(data, &["devices", "list", "--account", "+33199000200"]);
    let mut lines = list
        .lines()
        .skip_while(|l| !l.starts_with(&format!("{user}\t")));
    format!(
        "{}\n{}",
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default()
    )
}

#[test]
fn baresip_registers_and_re_registers_over_udp_and_tcp() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let server = Server::start_with(dir.path(), &["--sip-min-expires", "2"]);

    // regint 4: baresip refreshes well within the 10 s it runs.
    let data = dir.path();
    let trace = baresip(&server, "dev201", "sippass201", "udp", 4, 10, || {
        let line = wait_until(data, "dev201", |l| l.contains("baresip"));
        assert!(
            line.contains("registered (1)") && line.contains("via udp"),
            "{line}"
        );
    });
    let oks = trace.matches("SIP/2.0 200 OK").count();
    // Register, at least one refresh, and the un-REGISTER on exit.
    assert!(
        oks >= 3,
        "registered and refreshed, got {oks} OKs:\n{trace}"
    );
    assert!(!trace.contains("403 Forbidden"), "{trace}");
    // baresip removes its binding (Expires: 0) when it quits.
    let line = wait_until(data, "dev201", |l| l.contains("not registered"));
    assert!(line.contains("not registered"), "{line}");

    let trace = baresip(&server, "dev202", "sippass202", "tcp", 60, 4, || {
        let line = wait_until(data, "dev202", |l| l.contains("via tcp"));
        assert!(line.contains("via tcp"), "{line}");
    });
    assert!(trace.contains("SIP/2.0 200 OK"), "{trace}");
}

#[test]
fn baresip_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201]);
    let server = Server::start(dir.path());
    let trace = baresip(&server, "dev201", "wrong-password", "udp", 60, 4, || {});
    assert!(trace.contains("403 Forbidden"), "{trace}");
    assert!(!trace.contains("SIP/2.0 200 OK"), "{trace}");
    assert!(registered_line(dir.path(), "dev201").contains("not registered"));
}
