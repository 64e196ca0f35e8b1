//! sipp peers for end-to-end call tests: one process per scenario of
//! `tests/data/sipp/`, phones registered then answering on the same port,
//! and the call records the switch writes.

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Server, free_media_port, free_port, run_ok, scenario};

/// Media ports of the servers under test: out of the default 10000-20000,
/// which a relay benchmark on the same machine may fill (the switch then
/// answers 503).
pub const TEST_RTP_PORTS: &str = "20000-29999";

/// One sipp process with its own working folder (logs, error traces);
/// killed if the test ends before it does.
pub struct Sipp {
    name: String,
    child: Option<Child>,
    dir: tempfile::TempDir,
    started: Instant,
    /// Its `-mp`, the port its SDP offers or answers.
    pub media_port: u16,
}

/// How a sipp run ended.
pub struct Finished {
    pub ok: bool,
    /// What the scenario's `<log>` actions wrote.
    pub logs: String,
    pub elapsed: Duration,
    pub media_port: String,
}

impl Sipp {
    /// Starts sipp on 127.0.0.1:`port` with `scenario` for one call;
    /// `args` add the rest (a later `-m` or `-i` overrides these).
    pub fn spawn(name: &str, port: u16, args: &[&str]) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let media_port = free_media_port();
        let child = Command::new("sipp")
            .current_dir(dir.path())
            .args(["-sf", scenario(name).to_str().unwrap()])
            .args(["-t", "u1", "-i", "127.0.0.1", "-m", "1"])
            .args(["-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(["-timeout", "30s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-trace_logs"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sipp runs (ensure-packages.sh installs sip-tester)");
        Sipp {
            name: name.to_owned(),
            child: Some(child),
            dir,
            started: Instant::now(),
            media_port,
        }
    }

    /// Starts a sipp server scenario on `port` and returns once it holds
    /// the port, so that a request sent next finds it listening.
    pub fn listen(name: &str, port: u16, args: &[&str]) -> Sipp {
        let sipp = Sipp::spawn(name, port, args);
        let start = Instant::now();
        while UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "sipp binds {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sipp
    }

    /// Waits for sipp to end (its own -timeout bounds this), printing its
    /// error trace when it failed.
    pub fn finish(mut self) -> Finished {
        let media_port = self.media_port.to_string();
        let child = self.child.take().expect("sipp is running");
        let out = child.wait_with_output().unwrap();
        let elapsed = self.started.elapsed();
        let mut logs = String::new();
        let mut traces = String::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.ends_with("_logs.log") {
                logs.push_str(&text);
            } else {
                traces.push_str(&format!("--- {file}\n{text}\n"));
            }
        }
        let ok = out.status.success();
        if !ok {
            eprintln!(
                "=== sipp {} failed ({}):\n{}\n{traces}",
                self.name,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Finished {
            ok,
            logs,
            elapsed,
            media_port,
        }
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }
}

/// Registers device `devNNN` (password `sippassNNN`) from 127.0.0.1:`port`.
pub fn register(server: &Server, device: &str, port: u16) {
    let password = format!("sippass{}", device.trim_start_matches("dev"));
    let registration = Sipp::spawn(
        "register",
        port,
        &[
            &server.sip.to_string(),
            "-s",
            device,
            "-au",
            device,
            "-ap",
            &password,
            "-key",
            "expires",
            "600",
        ],
    )
    .finish();
    assert!(registration.ok, "{device} registers");
}

/// Device `devNNN` registered on a fresh port, then a sipp UAS running
/// `name` on that port; `pause_ms` is its `-d`.
pub fn callee(server: &Server, device: &str, name: &str, pause_ms: u32) -> Sipp {
    let port = free_port();
    register(server, device, port);
    Sipp::listen(name, port, &["-s", device, "-d", &pause_ms.to_string()])
}

/// Device `devNNN` (password `sippassNNN`) dials `dialled` with the caller
/// scenario `name` (digest-authenticated like a desk phone).
pub fn device_call(
    server: SocketAddr,
    device: &str,
    dialled: &str,
    name: &str,
    pause_ms: u32,
) -> Sipp {
    let password = format!("sippass{}", device.trim_start_matches("dev"));
    let auth_uri = format!("{dialled}@{server}");
    Sipp::spawn(
        name,
        free_port(),
        &[
            &server.to_string(),
            "-s",
            dialled,
            "-key",
            "caller",
            device,
            "-au",
            device,
            "-ap",
            &password,
            "-auth_uri",
            &auth_uri,
            "-d",
            &pause_ms.to_string(),
        ],
    )
}

/// One row of `calls list`.
#[derive(Debug)]
pub struct Cdr {
    pub direction: String,
    pub caller_number: String,
    pub caller_extension: String,
    pub callee_number: String,
    pub callee_extension: String,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub disposition: String,
    pub hangup_cause: String,
}

impl Cdr {
    pub fn parse(line: &str) -> Cdr {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 10, "ten fields in {line:?}");
        let time = |s: &str| (s != "-").then(|| s.parse().expect("unix millis"));
        Cdr {
            direction: f[0].into(),
            caller_number: f[1].into(),
            caller_extension: f[2].into(),
            callee_number: f[3].into(),
            callee_extension: f[4].into(),
            started_at: f[5].parse().expect("unix millis"),
            answered_at: time(f[6]),
            ended_at: time(f[7]),
            disposition: f[8].into(),
            hangup_cause: f[9].into(),
        }
    }

    /// Talk time in milliseconds.
    pub fn talk_ms(&self) -> i64 {
        self.ended_at.expect("ended") - self.answered_at.expect("answered")
    }
}

/// The account's `count` call records, newest first, once all are closed
/// (records are written behind the SIP exchange).
pub fn closed_calls(data: &Path, account: &str, count: usize) -> Vec<Cdr> {
    let start = Instant::now();
    loop {
        let list = run_ok(data, &["calls", "list", "--account", account]);
        let rows: Vec<Cdr> = list.lines().map(Cdr::parse).collect();
        if rows.len() == count && rows.iter().all(|r| r.disposition != "in_progress") {
            eprintln!("call records: {rows:#?}");
            return rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{count} closed call records, got:\n{list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The account's one call record, once it is closed.
pub fn only_call(data: &Path, account: &str) -> Cdr {
    closed_calls(data, account, 1).pop().expect("one record")
}

/// What a scenario logged as `"{what} VALUE"` (the first such line).
pub fn logged<'a>(logs: &'a str, what: &str) -> &'a str {
    logs.lines()
        .find_map(|l| l.trim().strip_prefix(what)?.strip_prefix(' '))
        .map(str::trim)
        .unwrap_or_else(|| panic!("{what} in {logs:?}"))
}
