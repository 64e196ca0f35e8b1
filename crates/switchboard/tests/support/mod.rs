//! Starting the real `switchboard` binary for end-to-end tests.
#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// A command running the binary with a clean environment and its data in
/// `data`.
pub fn command(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SWITCHBOARD_DATA_DIR", data)
        .env(
            "SWITCHBOARD_LOG",
            std::env::var("SWITCHBOARD_TEST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .current_dir(data);
    c
}

/// Runs an administrative command to completion.
pub fn run(data: &Path, args: &[&str]) -> Output {
    command(data).args(args).output().expect("binary runs")
}

/// Runs an administrative command that must succeed.
pub fn run_ok(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "switchboard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `switchboard serve`.
pub struct Server {
    pub child: Option<Child>,
    /// Everything printed up to the "serving" line.
    pub banner: String,
    pub http: SocketAddr,
    pub sip: SocketAddr,
    pub data: PathBuf,
}

impl Server {
    /// Starts `serve` on free loopback ports with data in `data`.
    pub fn start(data: &Path) -> Server {
        Self::start_with(data, &[])
    }

    /// Same, with extra flags before `serve`.
    pub fn start_with(data: &Path, flags: &[&str]) -> Server {
        let mut child = command(data)
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--sip-listen",
                "127.0.0.1:0",
            ])
            .args(flags)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                text.push_str(&line);
                text.push('\n');
                if line.starts_with("Switchboard is serving") {
                    tx.send(text.clone()).ok();
                }
            }
        });
        let banner = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server says it is serving");
        let line = banner
            .lines()
            .find(|l| l.starts_with("Switchboard is serving"))
            .expect("serving line");
        let http = line
            .split("http://")
            .nth(1)
            .and_then(|l| l.split('/').next())
            .expect("web address");
        let sip = line
            .split("SIP ")
            .nth(1)
            .and_then(|l| l.split(' ').next())
            .expect("SIP address");
        let http = http.parse().expect("web address parses");
        let sip = sip.parse().expect("SIP address parses");
        Server {
            child: Some(child),
            banner,
            http,
            sip,
            data: data.to_owned(),
        }
    }

    /// Sends SIGTERM and waits (at most 10 s) for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server is running");
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().ok();
        panic!("server did not stop within 10 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }
}

/// Creates account +33199000200 with users 201.. and one device each
/// (SIP username `dev<ext>`, password `sippass<ext>`); returns the main number.
pub fn seed_account(data: &Path, extensions: &[u32]) -> &'static str {
    run_ok(
        data,
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
    let mut csv = String::from("extension,name,email,password,sip_username,sip_password\n");
    for e in extensions {
        csv.push_str(&format!(
            "{e},User {e},u{e}@acme.example,password{e},dev{e},sippass{e}\n"
        ));
    }
    let file = data.join("seed.csv");
    std::fs::write(&file, csv).unwrap();
    run_ok(
        data,
        &[
            "import",
            "users",
            "--account",
            "+33199000200",
            "--csv",
            file.to_str().unwrap(),
        ],
    );
    "+33199000200"
}

/// A sipp scenario of `tests/data/sipp/`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/sipp/{name}.xml"))
}

/// A media port for sipp's `-mp`: sipp binds it and the next three (RTCP,
/// and video RTP/RTCP), so all four must be free, not only the first.
pub fn free_media_port() -> u16 {
    loop {
        let first = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        let rest: Vec<_> = (1..4)
            .filter_map(|i| port.checked_add(i))
            .map_while(|p| UdpSocket::bind(("127.0.0.1", p)).ok())
            .collect();
        if rest.len() == 3 {
            return port;
        }
    }
}

/// A port free on UDP and TCP right now, so each sipp run is its own
/// contact (sipp would otherwise take 5060 every time).
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A real SMTP server on a thread, for the e-mails the switch sends: every
/// message it accepts comes out of the channel (the DATA, dot-unstuffed)
/// and, when `folder` is given, is also written there as `N.eml` (so a
/// browser script can read it).
pub struct SmtpSink {
    pub port: u16,
    pub mail: mpsc::Receiver<String>,
}

impl SmtpSink {
    pub fn start(folder: Option<PathBuf>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut count = 0;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                for data in smtp_session(stream) {
                    count += 1;
                    if let Some(dir) = &folder {
                        std::fs::write(dir.join(format!("{count}.eml")), &data).unwrap();
                    }
                    if tx.send(data).is_err() {
                        return;
                    }
                }
            }
        });
        SmtpSink { port, mail: rx }
    }

    /// The `--smtp-url` of the sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

/// Serves one SMTP connection; returns the messages it carried.
fn smtp_session(stream: std::net::TcpStream) -> Vec<String> {
    use std::io::Write;
    let mut write = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream).lines();
    let mut messages = Vec::new();
    if write.write_all(b"220 sink ESMTP\r\n").is_err() {
        return messages;
    }
    while let Some(Ok(line)) = lines.next() {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("DATA") {
            write.write_all(b"354 go on\r\n").unwrap();
            let mut data = String::new();
            for l in lines.by_ref().map_while(Result::ok) {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            messages.push(data);
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").ok();
            break;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).is_err() {
            break;
        }
    }
    messages
}
pub mod baresip;
pub mod pcap;
pub mod sipp;
