//! The REST API through the real binary: a key made with
//! `switchboard api-key create` opens `/api/v1`, the Swagger UI is served
//! at `/api/docs`, and a revoked key is refused.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{Server, run_ok};

fn http_get(addr: &str, path: &str, key: Option<&str>) -> String {
    let mut s = TcpStream::connect(addr).expect("HTTP port answers");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn a_key_from_the_command_line_opens_the_api_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let addr = server.http.to_string();
    // The demo company's main number is 01 99 00 01 00.
    let out = run_ok(
        dir.path(),
        &[
            "api-key",
            "create",
            "--account",
            "+33199000100",
            "--name",
            "test",
        ],
    );
    let key = out
        .lines()
        .find(|l| l.starts_with("sb_"))
        .unwrap_or_else(|| panic!("no key printed: {out}"))
        .to_owned();

    let res = http_get(&addr, "/api/v1/account", Some(&key));
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("\"main_number\":\"+33199000100\""), "{res}");
    let res = http_get(&addr, "/api/v1/account", None);
    assert!(res.starts_with("HTTP/1.1 401"), "{res}");
    assert!(res.contains("\"code\":\"unauthorized\""), "{res}");

    let res = http_get(&addr, "/api/v1/openapi.json", None);
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let res = http_get(&addr, "/api/docs/", None);
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("swagger-ui"), "{res}");

    let list = run_ok(
        dir.path(),
        &["api-key", "list", "--account", "+33199000100"],
    );
    assert!(list.contains("\ttest\tactive\tlast used"), "{list}");
    assert!(
        !list.contains(&key[3..]),
        "the secret is never listed: {list}"
    );
    let id = list.split('\t').next().unwrap().trim().to_owned();
    run_ok(
        dir.path(),
        &[
            "api-key",
            "revoke",
            "--account",
            "+33199000100",
            "--id",
            &id,
        ],
    );
    let res = http_get(&addr, "/api/v1/account", Some(&key));
    assert!(res.starts_with("HTTP/1.1 401"), "{res}");
    assert!(server.terminate().success());
}
