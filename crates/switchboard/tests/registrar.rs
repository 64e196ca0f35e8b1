//! Devices sign in (SPEC T1): the real server against sipp and raw
//! sockets on loopback.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{Server, free_port, run_ok, scenario, seed_account};

/// Runs one sipp call of `scenario` as `user`/`password`; `transport` is
/// `u1` (UDP) or `t1` (TCP). Returns whether every call succeeded.
fn sipp(
    server: SocketAddr,
    name: &str,
    user: &str,
    password: &str,
    transport: &str,
    expires: u32,
) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("sipp")
        .current_dir(dir.path())
        .arg(server.to_string())
        .args(["-sf", scenario(name).to_str().unwrap()])
        .args(["-s", user, "-au", user, "-ap", password])
        .args(["-key", "expires", &expires.to_string()])
        .args(["-t", transport, "-i", "127.0.0.1", "-m", "1"])
        .args(["-p", &free_port().to_string()])
        .args([
            "-timeout",
            "15s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
        ])
        .output()
        .expect("sipp runs (make test installs sip-tester)");
    if !out.status.success() {
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            eprintln!("--- {}\n{text}", entry.path().display());
        }
    }
    out.status.success()
}

/// Registers seeded device `devNNN` (password `sippassNNN`) for 600 s.
fn register(server: SocketAddr, device: &str, transport: &str) -> bool {
    let password = format!("sippass{}", device.trim_start_matches("dev"));
    sipp(server, "register", device, &password, transport, 600)
}

fn devices(data: &Path) -> String {
    run_ok(data, &["devices", "list", "--account", "+33199000200"])
}

fn device_line<'a>(list: &'a str, user: &str) -> &'a str {
    list.lines()
        .find(|l| l.starts_with(&format!("{user}\t")))
        .unwrap_or_else(|| panic!("{user} in {list}"))
}

/// Waits until `check` holds for the device list (binding writes are
/// batched behind the SIP answer).
fn wait_for(data: &Path, what: &str, check: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let list = devices(data);
        if check(&list) {
            return list;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what}; devices:\n{list}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn devices_register_with_digest_over_udp_and_tcp_and_bindings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let server = Server::start(dir.path());
    assert!(register(server.sip, "dev201", "u1"));
    assert!(register(server.sip, "dev202", "t1"));
    // A second contact for the same device: a desk phone and a softphone.
    assert!(register(server.sip, "dev201", "u1"));
    let list = wait_for(dir.path(), "three bindings stored", |l| {
        device_line(l, "dev201").contains("registered (2)")
            && device_line(l, "dev202").contains("registered (1)")
    });
    assert!(list.contains("via tcp"), "{list}");
    assert!(list.contains("via udp"), "{list}");
    assert!(server.terminate().success());

    let server = Server::start(dir.path());
    let list = devices(dir.path());
    assert!(
        device_line(&list, "dev201").contains("registered (2)"),
        "{list}"
    );
    // The restarted switch itself knows the bindings: a query REGISTER
    // (no Contact) lists them.
    assert!(sipp(
        server.sip,
        "register_query",
        "dev201",
        "sippass201",
        "u1",
        600
    ));
    assert!(server.terminate().success());
}

#[test]
fn wrong_password_and_unknown_user_are_challenged_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201]);
    let server = Server::start(dir.path());
    assert!(sipp(
        server.sip,
        "register_wrong_password",
        "dev201",
        "not-the-password",
        "u1",
        600
    ));
    assert!(sipp(
        server.sip,
        "register_wrong_password",
        "nobody",
        "whatever-it-is",
        "u1",
        600
    ));
    assert!(sipp(
        server.sip,
        "register_wrong_password",
        "dev201",
        "not-the-password",
        "t1",
        600
    ));
    assert!(device_line(&devices(dir.path()), "dev201").contains("not registered"));
}

#[test]
fn a_suspended_accounts_phone_is_refused_with_the_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let account = seed_account(dir.path(), &[201]);
    run_ok(dir.path(), &["account", "suspend", "--account", account]);
    let server = Server::start(dir.path());
    // The right password, and still 401 then 403 (issue 6).
    assert!(sipp(
        server.sip,
        "register_wrong_password",
        "dev201",
        "sippass201",
        "u1",
        600
    ));
    assert!(device_line(&devices(dir.path()), "dev201").contains("not registered"));
    assert!(server.terminate().success());

    run_ok(dir.path(), &["account", "reactivate", "--account", account]);
    let server = Server::start(dir.path());
    assert!(
        register(server.sip, "dev201", "u1"),
        "registers once active"
    );
    assert!(server.terminate().success());
}

/// A request to the running server's REST API with `key`: the status code
/// and the body.
fn api(server: &Server, method: &str, path: &str, key: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(server.http).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let code = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (code, body)
}

#[test]
fn a_device_deleted_through_the_api_is_refused_at_once_not_after_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let account = seed_account(dir.path(), &[201]);
    let created = run_ok(
        dir.path(),
        &["api-key", "create", "--account", account, "--name", "test"],
    );
    let key = created
        .lines()
        .find(|l| l.starts_with("sb_"))
        .expect("the key is printed")
        .to_owned();
    let server = Server::start(dir.path());
    // The switch now holds dev201's credentials in its cache.
    assert!(register(server.sip, "dev201", "u1"));
    // The account's one device: dev201.
    let (code, list) = api(&server, "GET", "/api/v1/devices", &key);
    assert_eq!(code, 200, "{list}");
    assert!(list.contains("dev201"), "{list}");
    let id: String = list
        .split("\"id\":")
        .nth(1)
        .expect("an id")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (code, _) = api(&server, "DELETE", &format!("/api/v1/devices/{id}"), &key);
    assert_eq!(code, 204);
    // The right password, refused straight away (401, then 403).
    assert!(sipp(
        server.sip,
        "register_wrong_password",
        "dev201",
        "sippass201",
        "u1",
        600
    ));
    assert!(server.terminate().success());
}

#[test]
fn bindings_expire_and_a_too_brief_interval_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201]);
    let server = Server::start_with(dir.path(), &["--sip-min-expires", "2"]);
    // Below the minimum: 423 Interval Too Brief, so the scenario fails.
    assert!(!sipp(
        server.sip,
        "register",
        "dev201",
        "sippass201",
        "u1",
        1
    ));
    assert!(sipp(
        server.sip,
        "register",
        "dev201",
        "sippass201",
        "u1",
        2
    ));
    wait_for(dir.path(), "binding stored", |l| {
        device_line(l, "dev201").contains("registered (1)")
    });
    // The server sweeps expired bindings every second and removes them
    // from storage.
    wait_for(dir.path(), "binding expired", |l| {
        device_line(l, "dev201").contains("not registered")
    });
    drop(server);
}

fn options(transport: &str, branch: &str) -> String {
    format!(
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:9;branch=z9hG4bK{branch};rport\r\n\
         From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {branch}\r\nCSeq: 1 OPTIONS\r\n\
         Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

fn status_of(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

/// Every torture message, by name.
fn torture() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sip/tests/data/torture");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("name\t"))
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .map(|name| {
            let bytes = std::fs::read(dir.join(format!("{name}.dat"))).unwrap();
            (name, bytes)
        })
        .collect()
}

/// What the server answers to the torture requests it can answer.
const EXPECTED: &[(&str, u16)] = &[
    ("badinv01", 400),
    ("clerr", 400),
    ("ncl", 400),
    ("scalar02", 400),
    ("quotbal", 400),
    ("lwsstart", 400),
    ("trws", 400),
    ("escruri", 400),
    ("baddate", 400),
    ("badvers", 505),
    ("mismatch01", 400),
    ("insuf", 400),
    ("unkscm", 416),
    ("bext01", 420),
    ("multi01", 400),
    ("zeromf", 200),
    // An INVITE inside a dialog the switch does not know.
    ("wsinv", 481),
    ("esc02", 501),
];

#[test]
fn torture_messages_over_udp_get_precise_answers_and_the_server_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut buf = vec![0u8; 65_536];
    let mut answered = 0;
    for (name, bytes) in torture() {
        // What does not parse is answered at its source address (its Via
        // cannot be trusted); what parses is answered at its Via port
        // (hosts like example.com, port 5060), so not here.
        let here = sip::parse(&bytes).is_err();
        let wait = if here { 2000 } else { 50 };
        sock.set_read_timeout(Some(Duration::from_millis(wait)))
            .unwrap();
        sock.send_to(&bytes, server.sip).unwrap();
        let answer = sock
            .recv_from(&mut buf)
            .ok()
            .map(|(n, _)| buf[..n].to_vec());
        let want = EXPECTED.iter().find(|(n, _)| *n == name).map(|(_, w)| *w);
        match (&answer, want) {
            (Some(a), Some(want)) => {
                assert_eq!(
                    status_of(a),
                    Some(want),
                    "{name}: {}",
                    String::from_utf8_lossy(a)
                );
                answered += 1;
            }
            (None, Some(_)) => assert!(!here, "{name} got no answer"),
            _ => {}
        }
    }
    assert!(answered >= 12, "only {answered} answered over UDP");
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    sock.send_to(options("UDP", "alive").as_bytes(), server.sip)
        .unwrap();
    let (n, _) = sock
        .recv_from(&mut buf)
        .expect("server still answers OPTIONS");
    assert_eq!(status_of(&buf[..n]), Some(200));
}

#[test]
fn torture_messages_over_tcp_get_answers_on_the_same_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut answered = 0;
    for (name, bytes) in torture() {
        let mut conn = TcpStream::connect(server.sip).unwrap();
        conn.set_read_timeout(Some(Duration::from_millis(1000)))
            .unwrap();
        conn.write_all(&bytes).unwrap();
        let mut buf = vec![0u8; 65_536];
        let n = conn.read(&mut buf).unwrap_or(0);
        if let Some((_, want)) = EXPECTED.iter().find(|(n, _)| *n == name)
            && n > 0
        {
            assert_eq!(status_of(&buf[..n]), Some(*want), "{name}");
            answered += 1;
        }
    }
    // Over TCP every answer comes back on the connection, whatever the Via
    // says (RFC 3261 §18.2.2).
    assert!(
        answered >= EXPECTED.len() - 3,
        "only {answered} answered over TCP"
    );
    let mut conn = TcpStream::connect(server.sip).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    conn.write_all(options("TCP", "alive").as_bytes()).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = conn.read(&mut buf).expect("server still answers OPTIONS");
    assert_eq!(status_of(&buf[..n]), Some(200));
}

#[test]
fn sha256_digest_registers_when_the_operator_offers_it() {
    use sip::auth::{Algorithm, Challenge, answer};
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201]);
    let server = Server::start_with(dir.path(), &["--sip-digest-algorithms", "SHA-256,MD5"]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let local = sock.local_addr().unwrap();
    let register = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:{} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKsha{cseq};rport\r\n\
             From: <sip:dev201@127.0.0.1>;tag=s1\r\nTo: <sip:dev201@127.0.0.1>\r\nCall-ID: sha-1\r\n\
             CSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:dev201@{local}>\r\n{auth}Content-Length: 0\r\n\r\n",
            server.sip
        )
    };
    let mut buf = vec![0u8; 8192];
    sock.send_to(register(1, "").as_bytes(), server.sip)
        .unwrap();
    let (n, _) = sock.recv_from(&mut buf).unwrap();
    let sip::Message::Response(challenge) = sip::parse(&buf[..n]).unwrap() else {
        panic!("expected a response")
    };
    let first = challenge
        .headers
        .get(&sip::HeaderName::WwwAuthenticate)
        .unwrap();
    let first = Challenge::parse(first).unwrap();
    assert_eq!(
        first.algorithm,
        Algorithm::Sha256,
        "the preferred challenge comes first"
    );
    let creds = answer(
        &first,
        "dev201",
        "sippass201",
        "REGISTER",
        &format!("sip:{}", server.sip),
        "cn1",
        1,
    );
    sock.send_to(
        register(2, &format!("Authorization: {creds}\r\n")).as_bytes(),
        server.sip,
    )
    .unwrap();
    let (n, _) = sock.recv_from(&mut buf).unwrap();
    assert_eq!(
        status_of(&buf[..n]),
        Some(200),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
}
