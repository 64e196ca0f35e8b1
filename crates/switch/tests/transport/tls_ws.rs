//! TLS, WebSocket and secure WebSocket on real sockets, with a self-signed
//! certificate made for each test.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use switch::transport::{Inbound, Kind, TlsFiles, Transports, serve_tls, serve_ws, serve_wss};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::{TlsAcceptor, TlsConnector, rustls};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{OPTIONS, REPLY, all_closed, bounded, listener, next, read_n, start};

/// A self-signed certificate for `localhost` in PEM files, the acceptor
/// loaded from them, and a client that trusts the certificate.
fn tls_pair(dir: &tempfile::TempDir) -> (TlsAcceptor, TlsConnector) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.signing_key.serialize_pem()).unwrap();
    let acceptor = files.acceptor().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    (acceptor, TlsConnector::from(Arc::new(config)))
}

#[tokio::test]
async fn tls_message_in_and_reply_out() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let (acceptor, connector) = tls_pair(&dir);
        let (transports, mut rx) = start().await;
        let (listener, addr) = listener().await;
        serve_tls(listener, acceptor, transports.clone());
        let tcp = TcpStream::connect(addr).await.unwrap();
        let peer = tcp.local_addr().unwrap();
        let mut client = connector
            .connect("localhost".try_into().unwrap(), tcp)
            .await
            .unwrap();
        client.write_all(OPTIONS).await.unwrap();
        client.flush().await.unwrap();
        let msg = next(&mut rx).await;
        assert_eq!(
            (msg.kind, msg.peer, &msg.data[..]),
            (Kind::Tls, peer, OPTIONS)
        );
        transports
            .send(Kind::Tls, peer, msg.conn, Bytes::from_static(REPLY))
            .unwrap();
        assert_eq!(read_n(&mut client, REPLY.len()).await, REPLY);
    })
    .await;
}

#[test]
fn tls_files_that_do_not_exist_are_an_error() {
    let files = TlsFiles {
        cert: "/nonexistent/cert.pem".into(),
        key: "/nonexistent/key.pem".into(),
    };
    assert!(files.acceptor().is_err());
}

async fn ws_server() -> (Transports, mpsc::Receiver<Inbound>, SocketAddr) {
    let (transports, rx) = start().await;
    let (listener, addr) = listener().await;
    serve_ws(listener, transports.clone());
    (transports, rx, addr)
}

/// A WebSocket handshake request, offering `protocol` when given.
fn ws_request(
    addr: SocketAddr,
    protocol: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{addr}/").into_client_request().unwrap();
    if let Some(protocol) = protocol {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn ws_sip_subprotocol_message_in_and_reply_out() {
    bounded(async {
        let (transports, mut rx, addr) = ws_server().await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let peer = tcp.local_addr().unwrap();
        let (mut ws, response) =
            tokio_tungstenite::client_async(ws_request(addr, Some("sip")), tcp)
                .await
                .unwrap();
        assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "sip");
        ws.send(Message::binary(OPTIONS)).await.unwrap();
        let msg = next(&mut rx).await;
        assert_eq!(
            (msg.kind, msg.peer, &msg.data[..]),
            (Kind::Ws, peer, OPTIONS)
        );
        transports
            .send(Kind::Ws, peer, None, Bytes::from_static(REPLY))
            .unwrap();
        let reply = ws.next().await.unwrap().unwrap();
        assert_eq!(reply, Message::text(std::str::from_utf8(REPLY).unwrap()));
        // WebSocket pings are answered, and a CRLF keep-alive frame too.
        ws.send(Message::Ping(Bytes::from_static(b"hi")))
            .await
            .unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::Pong(Bytes::from_static(b"hi"))
        );
        ws.send(Message::text("\r\n\r\n")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("\r\n"));
        ws.close(None).await.unwrap();
        all_closed(&transports).await;
    })
    .await;
}

#[tokio::test]
async fn ws_handshake_without_sip_subprotocol_is_refused() {
    bounded(async {
        let (transports, _rx, addr) = ws_server().await;
        for protocol in [None, Some("chat")] {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let refused = tokio_tungstenite::client_async(ws_request(addr, protocol), tcp).await;
            match refused {
                Err(WsError::Http(response)) => assert_eq!(response.status(), 400),
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(transports.open_connections(), 0);
    })
    .await;
}

#[tokio::test]
async fn wss_message_in_and_reply_out() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let (acceptor, connector) = tls_pair(&dir);
        let (transports, mut rx) = start().await;
        let (listener, addr) = listener().await;
        serve_wss(listener, acceptor, transports.clone());
        let tcp = TcpStream::connect(addr).await.unwrap();
        let peer = tcp.local_addr().unwrap();
        let tls = connector
            .connect("localhost".try_into().unwrap(), tcp)
            .await
            .unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(ws_request(addr, Some("sip")), tls)
            .await
            .unwrap();
        ws.send(Message::text(std::str::from_utf8(OPTIONS).unwrap()))
            .await
            .unwrap();
        let msg = next(&mut rx).await;
        assert_eq!(
            (msg.kind, msg.peer, &msg.data[..]),
            (Kind::Wss, peer, OPTIONS)
        );
        transports
            .send(Kind::Wss, peer, msg.conn, Bytes::from_static(REPLY))
            .unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap().into_data(), REPLY);
    })
    .await;
}
