//! `serve` with SIP over TLS, WebSocket and secure WebSocket configured:
//! an OPTIONS over each is answered 200 on the same connection.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, rustls};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn options(transport: &str) -> String {
    format!(
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} client.invalid;branch=z9hG4bK{transport}1\r\n\
         From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: sec-{transport}\r\nCSeq: 1 OPTIONS\r\n\
         Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// The address printed after `label ` on the serving line.
fn listed(server: &Server, label: &str) -> SocketAddr {
    let line = server
        .banner
        .lines()
        .find(|l| l.starts_with("Switchboard is serving"))
        .unwrap();
    line.split(&format!("  {label} "))
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{label} in {line}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_over_tls_ws_and_wss_get_200() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let server = Server::start_with(
        dir.path(),
        &[
            "--sip-tls-listen",
            "127.0.0.1:0",
            "--sip-ws-listen",
            "127.0.0.1:0",
            "--sip-wss-listen",
            "127.0.0.1:0",
            "--sip-tls-cert",
            cert.to_str().unwrap(),
            "--sip-tls-key",
            key.to_str().unwrap(),
        ],
    );
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));

    tokio::time::timeout(Duration::from_secs(20), async {
        // TLS: Content-Length framing on the stream.
        let tcp = TcpStream::connect(listed(&server, "SIPS")).await.unwrap();
        let mut tls = connector
            .connect("localhost".try_into().unwrap(), tcp)
            .await
            .unwrap();
        tls.write_all(options("TLS").as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tls.read(&mut buf).await.unwrap();
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("SIP/2.0 200 OK"), "{text}");

        // WS and WSS: one message per frame, subprotocol "sip".
        for (label, secure) in [("WS", false), ("WSS", true)] {
            let addr = listed(&server, label);
            let scheme = if secure { "wss" } else { "ws" };
            let mut request = format!("{scheme}://localhost:{}/", addr.port())
                .into_client_request()
                .unwrap();
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", "sip".parse().unwrap());
            let tcp = TcpStream::connect(addr).await.unwrap();
            let reply = if secure {
                let tls = connector
                    .connect("localhost".try_into().unwrap(), tcp)
                    .await
                    .unwrap();
                let (mut ws, _) = tokio_tungstenite::client_async(request, tls).await.unwrap();
                ws.send(Message::text(options(label))).await.unwrap();
                ws.next().await.unwrap().unwrap()
            } else {
                let (mut ws, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
                ws.send(Message::text(options(label))).await.unwrap();
                ws.next().await.unwrap().unwrap()
            };
            let text = reply.into_text().unwrap();
            assert!(text.starts_with("SIP/2.0 200 OK"), "{label}: {text}");
        }
    })
    .await
    .expect("answers within 20 s");
}
