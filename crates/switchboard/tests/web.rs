//! The portals over a real socket: `switchboard serve` with a seeded
//! account, an admin signing in over HTTP/1.1, and a recovery e-mail
//! delivered to an SMTP sink.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use support::{Server, SmtpSink, seed_account};

/// One HTTP/1.1 exchange; returns status, headers (lower-cased names) and
/// body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[i..i + html[i..].find('"').unwrap()].to_owned()
}

#[test]
fn an_admin_signs_in_over_http_and_a_recovery_mail_reaches_smtp() {
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let sink = SmtpSink::start(None);
    let smtp = sink.url();
    let server = Server::start_with(
        dir.path(),
        &[
            "--smtp-url",
            &smtp,
            "--public-url",
            "https://pbx.acme.example",
        ],
    );
    let addr = server.http;

    let (status, headers, html) = http(addr, "GET", "/", None, None);
    assert_eq!(status, 200);
    assert!(html.contains("Connexion administrateur"));
    assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
    let set_cookie = header(&headers, "set-cookie").unwrap();
    assert!(set_cookie.contains("Secure") && set_cookie.contains("HttpOnly"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = csrf_of(&html);

    let form = format!("_csrf={csrf}&number=01+99+00+02+00&password=longenough");
    let (status, headers, _) = http(addr, "POST", "/signin", Some(&cookie), Some(&form));
    assert_eq!(status, 303);
    assert_eq!(header(&headers, "location"), Some("/admin"));
    // Signing in gives a new session id.
    let cookie = header(&headers, "set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (status, _, html) = http(addr, "GET", "/admin", Some(&cookie), None);
    assert_eq!(status, 200);
    assert!(html.contains("Bienvenue, Acme"), "{html}");
    assert!(html.contains("01 99 00 02 00"));

    let form = format!("_csrf={csrf}&number=%2B33199000200");
    let (status, _, _) = http(addr, "POST", "/forgot", Some(&cookie), Some(&form));
    assert_eq!(status, 200);
    let data = sink
        .mail
        .recv_timeout(Duration::from_secs(10))
        .expect("the recovery e-mail reaches the SMTP sink");
    assert!(data.contains("To: boss@acme.example"), "{data}");
    let unfolded = data.replace("=\n", "");
    assert!(
        unfolded.contains("https://pbx.acme.example/reset/"),
        "{data}"
    );
    server.terminate();
}
