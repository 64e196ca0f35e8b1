//! Click to call through the REST API (SPEC U2).

use super::*;

/// One HTTP/1.1 request with a bearer key; returns the status and body.
fn http(addr: SocketAddr, method: &str, path: &str, key: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("HTTP port answers");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// A JSON field's value as text (quotes removed), from a flat object.
fn json_field<'a>(body: &'a str, field: &str) -> &'a str {
    let rest = body
        .split(&format!("\"{field}\":"))
        .nth(1)
        .unwrap_or_else(|| panic!("{field} in {body}"));
    rest.trim_start()
        .split([',', '}'])
        .next()
        .unwrap()
        .trim()
        .trim_matches('"')
}

#[test]
fn click_to_call_rings_the_user_first_then_dials_out_with_their_caller_id() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut user = 0;
    let server = switch(dir.path(), &[("carrier", port, "e164")], |db| {
        user = db.user_id("201")
    });
    let out = run_ok(
        dir.path(),
        &["api-key", "create", "--account", ACCOUNT, "--name", "crm"],
    );
    let key = out
        .lines()
        .nth(1)
        .expect("the key on the second line")
        .trim();
    // 201's phone answers, and hangs up 4 s later.
    let phone = callee(&server, "dev201", "callee_hangup", 4000);
    let carrier = carrier(port, "carrier_answer", &["-d", "0"]);
    let (status, body) = http(
        server.http,
        "POST",
        &format!("/api/v1/users/{user}/calls"),
        key,
        r#"{"destination":"0612345678"}"#,
    );
    assert!((200..300).contains(&status), "{status} {body}");
    let id = json_field(&body, "id").to_owned();
    let start = Instant::now();
    loop {
        let (status, body) = http(
            server.http,
            "GET",
            &format!("/api/v1/calls/live/{id}"),
            key,
            "",
        );
        assert_eq!(status, 200, "{body}");
        if json_field(&body, "state") == "connected" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "connected while the phone is up, last: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        phone.finish().ok,
        "201's phone was called, answered, hung up"
    );
    let carrier = carrier.finish();
    assert!(carrier.ok, "the destination was called and got the BYE");
    assert_eq!(
        sent(&carrier.logs, 0),
        [MOBILE, ACCOUNT, ACCOUNT],
        "Request-URI, From, P-Asserted-Identity"
    );
}
