//! SIP trunks with the real binary: `switchboard trunks` as an operator
//! uses it, and the switch registering with a carrier played by a sipp
//! UAS on loopback (challenge and digest, refresh of a short grant, retry
//! after a 503 once the back-off has passed).

mod support;

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Server, free_port, run, run_ok, scenario};

/// A sipp UAS playing the carrier's registrar on `port`; killed if the
/// test ends before it does.
struct Carrier {
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Carrier {
    /// Over UDP.
    fn start(name: &str, port: u16) -> Carrier {
        Self::start_on(name, port, "u1")
    }

    /// `transport` is sipp's `-t`: `u1` (UDP) or `t1` (TCP).
    fn start_on(name: &str, port: u16, transport: &str) -> Carrier {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("sipp")
            .current_dir(dir.path())
            .args(["-sf", scenario(name).to_str().unwrap()])
            .args(["-t", transport, "-i", "127.0.0.1", "-m", "1"])
            .args(["-p", &port.to_string()])
            .args(["-timeout", "30s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-trace_logs"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sipp runs (ensure-packages.sh installs sip-tester)");
        // The switch's first REGISTER must find it listening.
        let start = Instant::now();
        let free = |port| match transport {
            "t1" => TcpListener::bind(("127.0.0.1", port)).is_ok(),
            _ => UdpSocket::bind(("127.0.0.1", port)).is_ok(),
        };
        while free(port) {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "sipp binds {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Carrier {
            child: Some(child),
            dir,
        }
    }

    /// Waits for the scenario to end (sipp's -timeout bounds this);
    /// returns whether it passed and what its `<log>` actions wrote.
    fn finish(mut self) -> (bool, String) {
        let out = self
            .child
            .take()
            .expect("sipp is running")
            .wait_with_output()
            .unwrap();
        let mut logs = String::new();
        let mut traces = String::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if entry.file_name().to_string_lossy().ends_with("_logs.log") {
                logs.push_str(&text);
            } else {
                traces.push_str(&text);
            }
        }
        if !out.status.success() {
            eprintln!(
                "=== sipp failed ({}):\n{}\n{traces}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        (out.status.success(), logs)
    }
}

impl Drop for Carrier {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }
}

/// `trunks add` with credentials for the carrier on `port`, over
/// `transport`.
fn add_registering_trunk(data: &Path, port: u16, transport: &str) {
    run_ok(
        data,
        &[
            "trunks",
            "add",
            "--name",
            "carrier",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--transport",
            transport,
            "--username",
            "acme",
            "--password",
            "s3cret",
        ],
    );
}

#[test]
fn the_switch_answers_the_carriers_challenge_and_refreshes_a_short_grant() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    add_registering_trunk(dir.path(), port, "udp");
    let carrier = Carrier::start("carrier_register", port);
    let server = Server::start(dir.path());

    let (ok, logs) = carrier.finish();

    assert!(ok, "the carrier's scenario ran to its end");
    assert!(logs.contains("registered user=acme digest=true"), "{logs}");
    assert!(logs.contains("refreshed nc=00000002 digest=true"), "{logs}");
    // The operator sees it: the refresh was granted 300 s.
    let start = Instant::now();
    loop {
        let list = run_ok(dir.path(), &["trunks", "list"]);
        let left = list
            .split("registered, ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|s| s.parse::<u64>().ok());
        if left.is_some_and(|l| (250..=300).contains(&l)) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "trunks list shows the registration: {list}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server.terminate().success());
}

#[test]
fn a_trunk_over_tcp_registers_on_a_connection_the_switch_opens() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    add_registering_trunk(dir.path(), port, "tcp");
    let carrier = Carrier::start_on("carrier_register", port, "t1");
    let server = Server::start(dir.path());

    let (ok, logs) = carrier.finish();

    assert!(ok, "the carrier's scenario ran to its end over TCP");
    assert!(logs.contains("registered user=acme digest=true"), "{logs}");
    assert!(logs.contains("refreshed nc=00000002 digest=true"), "{logs}");
    assert!(server.terminate().success());
}

#[test]
fn a_carrier_out_of_service_is_registered_with_again_after_the_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    add_registering_trunk(dir.path(), port, "udp");
    let carrier = Carrier::start("carrier_register_retry", port);
    let server = Server::start_with(dir.path(), &["--trunk-retry-seconds", "1"]);

    let (ok, logs) = carrier.finish();

    assert!(ok, "the retry came and was granted");
    let tick = |label: &str| -> u64 {
        logs.lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{label} in {logs}"))
    };
    let waited = tick("retry at ") - tick("first at ");
    assert!(
        waited >= 1000,
        "the retry waits the 1 s back-off, came after {waited} ms"
    );
    assert!(server.terminate().success());
}

#[test]
fn trunks_are_added_listed_disabled_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = run_ok(
        d,
        &[
            "trunks",
            "add",
            "--name",
            "orange",
            "--host",
            "sip.orange.example",
            "--username",
            "acme",
            "--password",
            "hunter22",
            "--format",
            "national",
        ],
    );
    assert!(out.contains("added trunk orange"), "{out}");
    run_ok(
        d,
        &[
            "trunks",
            "add",
            "--name",
            "backup",
            "--host",
            "192.0.2.50",
            "--port",
            "5070",
            "--transport",
            "tcp",
            "--ip",
            "192.0.2.50,192.0.2.51:5060",
        ],
    );
    run_ok(d, &["trunks", "disable", "--name", "backup"]);

    let list = run_ok(d, &["trunks", "list"]);

    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(
        lines,
        [
            "orange  sip.orange.example:5060  udp  registers as acme  national  enabled",
            "backup  192.0.2.50:5070  tcp  by address 192.0.2.50,192.0.2.51:5060  e164  disabled",
        ],
        "in failover order"
    );
    assert!(!list.contains("hunter22"), "never the password");

    run_ok(d, &["trunks", "enable", "--name", "backup"]);
    assert!(run_ok(d, &["trunks", "list"]).contains("e164  enabled"));
    run_ok(d, &["trunks", "remove", "--name", "orange"]);
    let list = run_ok(d, &["trunks", "list"]);
    assert!(
        !list.contains("orange") && list.contains("backup"),
        "{list}"
    );
}

#[test]
fn trunk_mistakes_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = ["trunks", "add", "--name", "main", "--host", "sip.example"];
    run_ok(d, &[&base[..], &["--ip", "192.0.2.1"]].concat());
    for (extra, message) in [
        (
            &["--ip", "192.0.2.2"][..],
            "a trunk named main already exists",
        ),
        (
            &["--username", "u", "--password", "p", "--ip", "192.0.2.1"][..],
            "not both",
        ),
        (&[][..], "give either --username and --password"),
        (&["--password", "p"][..], "--password needs --username"),
        (&["--ip", "sip.example"][..], "is not an IP address"),
        (&["--ip", "192.0.2.1:0"][..], "port 0"),
        (
            &["--ip", "192.0.2.1", "--transport", "sctp"][..],
            "udp, tcp or tls",
        ),
        (
            &["--ip", "192.0.2.1", "--format", "local"][..],
            "e164, e164_no_plus or national",
        ),
    ] {
        let out = run(d, &[&base[..], extra].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?} is refused");
        assert!(err.contains(message), "{extra:?}: {err}");
    }
    for command in ["remove", "disable", "enable"] {
        let out = run(d, &["trunks", command, "--name", "nope"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no trunk is named nope"), "{command}: {err}");
    }
}
