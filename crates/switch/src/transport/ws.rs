//! SIP over WebSocket (RFC 7118), plain (WS) or over TLS (WSS). The
//! handshake must offer the `sip` subprotocol (RFC 7118 §4.1); each text or
//! binary frame then carries exactly one SIP message (RFC 7118 §5), so no
//! Content-Length framing is done here.

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::stream::{Closed, HANDSHAKE_TIMEOUT, accept_loop, tls_handshake};
use super::{Inbound, Kind, MAX_MESSAGE, Registered, Transports};

/// The WebSocket subprotocol for SIP (RFC 7118 §4.1).
const SUBPROTOCOL: &str = "sip";

/// Accepts SIP over WebSocket connections on `listener`.
pub fn serve_ws(listener: TcpListener, transports: Transports) -> JoinHandle<()> {
    accept_loop(listener, transports, |tcp, peer, local, t| {
        serve_conn(tcp, Kind::Ws, peer, local, t)
    })
}

/// Accepts SIP over secure WebSocket connections on `listener`: TLS first,
/// then the WebSocket handshake inside it.
pub fn serve_wss(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    transports: Transports,
) -> JoinHandle<()> {
    accept_loop(listener, transports, move |tcp, peer, local, t| {
        let acceptor = acceptor.clone();
        async move {
            if let Some(tls) = tls_handshake(&acceptor, tcp, peer).await {
                serve_conn(tls, Kind::Wss, peer, local, t).await;
            }
        }
    })
}

/// Completes the WebSocket handshake, then runs the connection until it
/// closes.
async fn serve_conn<S>(
    io: S,
    kind: Kind,
    peer: SocketAddr,
    local: SocketAddr,
    transports: Transports,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(io, choose_sip, Some(config));
    let mut ws = match timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            return tracing::debug!(%peer, %kind, error = %e, "WebSocket handshake refused");
        }
        Err(_) => return tracing::debug!(%peer, %kind, "WebSocket handshake timed out"),
    };
    let (id, mut rx) = transports.register(kind, peer);
    let _registered = Registered {
        transports: transports.clone(),
        id,
    };
    let conn = Conn {
        kind,
        peer,
        local,
        id,
    };
    match pump(&mut ws, conn, &mut rx, &transports).await {
        Ok(()) => tracing::debug!(%peer, %kind, "connection closed by the peer"),
        Err(reason) => {
            tracing::debug!(%peer, %kind, %reason, "closing connection");
            let _ = timeout(std::time::Duration::from_secs(1), ws.close(None)).await;
        }
    }
}

/// Accepts the handshake only if the client offers `sip` (RFC 7118 §4.1),
/// and names it in the answer.
#[expect(
    clippy::result_large_err,
    reason = "the signature is tungstenite's handshake callback"
)]
fn choose_sip(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    let offers_sip = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim() == SUBPROTOCOL);
    if !offers_sip {
        let mut refusal = ErrorResponse::new(Some(
            "the \"sip\" WebSocket subprotocol is required\n".to_owned(),
        ));
        *refusal.status_mut() = StatusCode::BAD_REQUEST;
        return Err(refusal);
    }
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(SUBPROTOCOL),
    );
    Ok(response)
}

/// The fixed facts of one connection.
#[derive(Clone, Copy)]
struct Conn {
    kind: Kind,
    peer: SocketAddr,
    local: SocketAddr,
    id: super::ConnId,
}

/// Moves messages both ways until the peer closes (`Ok`) or something ends
/// the connection (`Err`).
async fn pump<S>(
    ws: &mut WebSocketStream<S>,
    conn: Conn,
    rx: &mut mpsc::UnboundedReceiver<Bytes>,
    transports: &Transports,
) -> Result<(), Closed>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let idle = transports.idle;
    let mut deadline = Instant::now() + idle;
    loop {
        tokio::select! {
            frame = ws.next() => {
                let Some(frame) = frame else { return Ok(()) };
                deadline = Instant::now() + idle;
                let data = match frame? {
                    Message::Text(text) => Bytes::from(text),
                    Message::Binary(data) => data,
                    // Pings are answered and a Close is echoed by
                    // tungstenite on the next read (RFC 6455 §5.5); after
                    // a Close the stream ends.
                    Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => continue,
                };
                if data.iter().all(|b| matches!(b, b'\r' | b'\n')) {
                    // Some clients send the RFC 5626 §3.5.1 CRLF keep-alive
                    // as a frame too; answer a ping in kind.
                    if data.as_ref() == b"\r\n\r\n" {
                        send(ws, Bytes::from_static(b"\r\n"), idle).await?;
                    }
                    continue;
                }
                let msg = Inbound { kind: conn.kind, peer: conn.peer, local: conn.local, conn: Some(conn.id), data };
                transports.inbound.send(msg).await.map_err(|_| Closed::Shutdown)?;
            }
            Some(data) = rx.recv() => {
                send(ws, data, idle).await?;
                deadline = Instant::now() + idle;
            }
            () = sleep_until(deadline) => return Err(Closed::Idle(idle)),
        }
    }
}

/// Sends one SIP message as one frame: text when it is UTF-8, as SIP
/// messages nearly always are, else binary (RFC 7118 §5).
async fn send<S>(
    ws: &mut WebSocketStream<S>,
    data: Bytes,
    limit: std::time::Duration,
) -> Result<(), Closed>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let frame = Utf8Bytes::try_from(data.clone()).map_or(Message::Binary(data), Message::Text);
    timeout(limit, ws.send(frame))
        .await
        .map_err(|_| Closed::TimedOut)?
        .map_err(Closed::Ws)
}
