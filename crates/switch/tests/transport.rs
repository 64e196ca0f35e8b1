//! The transports on real sockets on 127.0.0.1, each test bounded by a
//! timeout: UDP and TCP here, TLS and WebSocket in `transport/tls_ws.rs`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use switch::transport::{Inbound, Kind, SendError, Transports, serve_tcp};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};

#[path = "transport/tls_ws.rs"]
mod tls_ws;

const OPTIONS: &[u8] =
    b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";

const WITH_BODY: &[u8] = b"MESSAGE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK2\r\nContent-Length: 5\r\n\r\nhello";

const REPLY: &[u8] = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";

/// Runs a test body, failing it if it takes more than five seconds.
async fn bounded<F: Future>(body: F) -> F::Output {
    timeout(Duration::from_secs(5), body)
        .await
        .expect("the test finished in time")
}

async fn start() -> (Transports, mpsc::Receiver<Inbound>) {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (tx, rx) = mpsc::channel(16);
    (Transports::start(udp, tx).unwrap(), rx)
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

async fn tcp_server() -> (Transports, mpsc::Receiver<Inbound>, SocketAddr) {
    let (transports, rx) = start().await;
    let (listener, addr) = listener().await;
    serve_tcp(listener, transports.clone());
    (transports, rx, addr)
}

async fn next(rx: &mut mpsc::Receiver<Inbound>) -> Inbound {
    rx.recv().await.expect("the transports are running")
}

/// Reads exactly `n` bytes.
async fn read_n<R: AsyncRead + Unpin>(io: &mut R, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    io.read_exact(&mut buf).await.unwrap();
    buf
}

/// Reads until the other side closes (or resets) the connection.
async fn read_to_close<R: AsyncRead + Unpin>(io: &mut R) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = io.read_to_end(&mut buf).await;
    buf
}

/// Waits until the registry has forgotten every stream connection.
async fn all_closed(transports: &Transports) {
    while transports.open_connections() != 0 {
        sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn udp_message_arrives_with_its_peer_and_kind() {
    bounded(async {
        let (transports, mut rx) = start().await;
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client
            .send_to(OPTIONS, transports.udp_addr().unwrap())
            .await
            .unwrap();
        let msg = next(&mut rx).await;
        assert_eq!(
            (msg.kind, msg.peer, msg.conn),
            (Kind::Udp, client.local_addr().unwrap(), None)
        );
        assert_eq!(msg.local, transports.udp_addr().unwrap());
        assert_eq!(&msg.data[..], OPTIONS);
    })
    .await;
}

#[tokio::test]
async fn udp_reply_goes_back_to_the_peer() {
    bounded(async {
        let (transports, _rx) = start().await;
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let peer = client.local_addr().unwrap();
        transports
            .send(Kind::Udp, peer, None, Bytes::from_static(REPLY))
            .unwrap();
        let mut buf = [0; 1024];
        let (n, from) = client.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (REPLY, transports.udp_addr().unwrap()));
    })
    .await;
}

#[tokio::test]
async fn udp_crlf_keep_alive_is_ignored() {
    bounded(async {
        let (transports, mut rx) = start().await;
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client
            .send_to(b"\r\n\r\n", transports.udp_addr().unwrap())
            .await
            .unwrap();
        client
            .send_to(OPTIONS, transports.udp_addr().unwrap())
            .await
            .unwrap();
        assert_eq!(&next(&mut rx).await.data[..], OPTIONS);
    })
    .await;
}

#[tokio::test]
async fn tcp_two_messages_in_one_write_are_two_messages() {
    bounded(async {
        let (_transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(&[OPTIONS, OPTIONS].concat())
            .await
            .unwrap();
        let (first, second) = (next(&mut rx).await, next(&mut rx).await);
        assert_eq!((&first.data[..], &second.data[..]), (OPTIONS, OPTIONS));
        assert_eq!(
            (first.kind, first.peer),
            (Kind::Tcp, client.local_addr().unwrap())
        );
        assert!(first.conn.is_some() && first.conn == second.conn);
    })
    .await;
}

#[tokio::test]
async fn tcp_message_split_across_three_writes_is_one_message() {
    bounded(async {
        let (_transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        for part in [&OPTIONS[..10], &OPTIONS[10..50], &OPTIONS[50..]] {
            client.write_all(part).await.unwrap();
            client.flush().await.unwrap();
            sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(&next(&mut rx).await.data[..], OPTIONS);
    })
    .await;
}

#[tokio::test]
async fn tcp_body_is_cut_by_content_length() {
    bounded(async {
        let (_transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(&[WITH_BODY, OPTIONS].concat())
            .await
            .unwrap();
        assert_eq!(&next(&mut rx).await.data[..], WITH_BODY);
        assert_eq!(&next(&mut rx).await.data[..], OPTIONS);
    })
    .await;
}

#[tokio::test]
async fn tcp_ping_gets_a_single_crlf_pong() {
    bounded(async {
        let (_transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"\r\n\r\n").await.unwrap();
        assert_eq!(read_n(&mut client, 2).await, b"\r\n");
        // The connection carries on, and no pong is sent for a pong.
        client
            .write_all(&[b"\r\n", OPTIONS].concat())
            .await
            .unwrap();
        assert_eq!(&next(&mut rx).await.data[..], OPTIONS);
    })
    .await;
}

#[tokio::test]
async fn tcp_send_reuses_the_connection_the_peer_came_on() {
    bounded(async {
        let (transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(OPTIONS).await.unwrap();
        let msg = next(&mut rx).await;
        assert_eq!(transports.open_connections(), 1);
        // By peer address alone, as for a request to a registered device.
        transports
            .send(Kind::Tcp, msg.peer, None, Bytes::from_static(REPLY))
            .unwrap();
        assert_eq!(read_n(&mut client, REPLY.len()).await, REPLY);
        // And by connection id.
        transports
            .send(Kind::Tcp, msg.peer, msg.conn, Bytes::from_static(REPLY))
            .unwrap();
        assert_eq!(read_n(&mut client, REPLY.len()).await, REPLY);
        drop(client);
        all_closed(&transports).await;
        let gone = transports.send(Kind::Tcp, msg.peer, msg.conn, Bytes::from_static(REPLY));
        assert!(
            matches!(gone, Err(SendError::NoConnection(_, Kind::Tcp))),
            "{gone:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn tcp_missing_content_length_closes_the_connection() {
    bounded(async {
        let (transports, mut rx, addr) = tcp_server().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n")
            .await
            .unwrap();
        assert!(read_to_close(&mut client).await.is_empty());
        all_closed(&transports).await;
        assert!(rx.try_recv().is_err(), "nothing was passed on");
    })
    .await;
}

#[tokio::test]
async fn tcp_idle_connection_is_closed_after_the_timeout() {
    bounded(async {
        let (transports, _rx) = start().await;
        let transports = transports.with_idle_timeout(Duration::from_millis(200));
        let (listener, addr) = listener().await;
        serve_tcp(listener, transports.clone());
        let mut client = TcpStream::connect(addr).await.unwrap();
        let started = tokio::time::Instant::now();
        assert!(read_to_close(&mut client).await.is_empty());
        assert!(started.elapsed() >= Duration::from_millis(150));
        all_closed(&transports).await;
    })
    .await;
}

#[tokio::test]
async fn connect_tcp_opens_one_outbound_connection_and_serves_it() {
    bounded(async {
        let (transports, mut rx) = start().await;
        let (remote, dest) = listener().await;
        let id = transports.connect_tcp(dest).await.unwrap();
        assert_eq!(
            transports.connect_tcp(dest).await.unwrap(),
            id,
            "an open connection is reused"
        );
        let (mut far, _) = remote.accept().await.unwrap();
        transports
            .send(Kind::Tcp, dest, None, Bytes::from_static(OPTIONS))
            .unwrap();
        assert_eq!(read_n(&mut far, OPTIONS.len()).await, OPTIONS);
        far.write_all(REPLY).await.unwrap();
        let answer = next(&mut rx).await;
        assert_eq!(
            (answer.kind, answer.peer, answer.conn),
            (Kind::Tcp, dest, Some(id))
        );
        assert_eq!(&answer.data[..], REPLY);
    })
    .await;
}

#[tokio::test]
async fn connect_tcp_to_a_closed_port_fails() {
    bounded(async {
        let (transports, _rx) = start().await;
        let (closed, dest) = listener().await;
        drop(closed);
        let refused = transports.connect_tcp(dest).await;
        assert!(
            matches!(refused, Err(SendError::Connect(d, _)) if d == dest),
            "{refused:?}"
        );
    })
    .await;
}
