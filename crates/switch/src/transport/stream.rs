//! Stream transports: TCP and TLS (RFC 3261 §18.3), one tokio task per
//! connection. Each task cuts its byte stream into messages with
//! [`next_frame`], answers CRLF keep-alive pings (RFC 5626 §3.5.1), writes
//! what the SIP task sends it, and closes after [`IDLE_TIMEOUT`] without
//! traffic.
//!
//! [`IDLE_TIMEOUT`]: super::IDLE_TIMEOUT

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_rustls::server::TlsStream;
use tokio_rustls::{TlsAcceptor, rustls};

use super::framing::{Frame, FramingError, next_frame};
use super::{ConnId, Inbound, Kind, MAX_MESSAGE, Registered, SendError, Transports};

/// How long a TLS or WebSocket handshake may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening an outbound TCP connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How much to read at a time.
const READ_CHUNK: usize = 8192;

/// Where the TLS certificate chain and its private key are, as PEM files.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key of the leaf certificate (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the TLS certificate and key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file cannot be read or is not valid PEM.
    #[error("cannot read certificates from {0}")]
    Cert(PathBuf, #[source] pem::Error),
    /// The certificate file holds no certificate.
    #[error("{0} holds no certificate")]
    NoCert(PathBuf),
    /// The key file cannot be read, is not valid PEM, or holds no key.
    #[error("cannot read the private key from {0}")]
    Key(PathBuf, #[source] pem::Error),
    /// rustls refused the pair, for example because they do not match.
    #[error("the certificate and key cannot be used")]
    Config(#[source] rustls::Error),
}

impl TlsFiles {
    /// Loads the certificate chain and key into a TLS acceptor using the
    /// `ring` crypto provider.
    pub fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| TlsError::Cert(self.cert.clone(), e))?;
        if certs.is_empty() {
            return Err(TlsError::NoCert(self.cert.clone()));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|e| TlsError::Key(self.key.clone(), e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(TlsError::Config)?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// Why a connection task ended; logged at debug level only.
#[derive(Debug, thiserror::Error)]
pub(super) enum Closed {
    /// Nothing was read or written for the idle timeout.
    #[error("idle for {0:?}")]
    Idle(Duration),
    /// The byte stream is not SIP (RFC 3261 §18.3).
    #[error(transparent)]
    Framing(#[from] FramingError),
    /// Reading, writing or the handshake failed.
    #[error("I/O error")]
    Io(#[from] io::Error),
    /// The WebSocket layer failed (RFC 6455).
    #[error("WebSocket error")]
    Ws(#[from] tokio_tungstenite::tungstenite::Error),
    /// A handshake or write did not finish in time.
    #[error("timed out")]
    TimedOut,
    /// The SIP task has stopped taking messages.
    #[error("the SIP task has stopped")]
    Shutdown,
}

/// Accepts TCP connections on `listener` until the SIP task stops.
pub fn serve_tcp(listener: TcpListener, transports: Transports) -> JoinHandle<()> {
    accept_loop(listener, transports, |tcp, peer, local, t| async move {
        let (id, rx) = t.register(Kind::Tcp, peer);
        serve_conn(tcp, Kind::Tcp, peer, local, id, rx, t).await;
    })
}

/// Accepts TLS connections on `listener` until the SIP task stops.
pub fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    transports: Transports,
) -> JoinHandle<()> {
    accept_loop(listener, transports, move |tcp, peer, local, t| {
        let acceptor = acceptor.clone();
        async move {
            if let Some(tls) = tls_handshake(&acceptor, tcp, peer).await {
                let (id, rx) = t.register(Kind::Tls, peer);
                serve_conn(tls, Kind::Tls, peer, local, id, rx, t).await;
            }
        }
    })
}

/// The server side of a TLS handshake, bounded by [`HANDSHAKE_TIMEOUT`];
/// `None` (logged) when it fails.
pub(super) async fn tls_handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<TlsStream<TcpStream>> {
    match timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            None
        }
    }
}

impl Transports {
    /// Opens a TCP connection to `dest` for an outbound request, or returns
    /// the one already open; it is then served like an accepted one, so
    /// answers arrive as [`Inbound`] and [`Transports::send`] reuses it.
    pub async fn connect_tcp(&self, dest: SocketAddr) -> Result<ConnId, SendError> {
        if let Some(id) = self.connection_to(Kind::Tcp, dest) {
            return Ok(id);
        }
        let tcp = match timeout(CONNECT_TIMEOUT, TcpStream::connect(dest)).await {
            Ok(result) => result.map_err(|e| SendError::Connect(dest, e))?,
            Err(_) => return Err(SendError::Connect(dest, io::ErrorKind::TimedOut.into())),
        };
        // Small messages go out at once rather than waiting for Nagle.
        let _ = tcp.set_nodelay(true);
        let local = tcp.local_addr().map_err(|e| SendError::Connect(dest, e))?;
        let (id, rx) = self.register(Kind::Tcp, dest);
        tokio::spawn(serve_conn(
            tcp,
            Kind::Tcp,
            dest,
            local,
            id,
            rx,
            self.clone(),
        ));
        Ok(id)
    }
}

/// Accepts connections and runs `serve` on each in its own task; stops once
/// the SIP task has dropped its inbound receiver.
pub(super) fn accept_loop<F, Fut>(
    listener: TcpListener,
    transports: Transports,
    serve: F,
) -> JoinHandle<()>
where
    F: Fn(TcpStream, SocketAddr, SocketAddr, Transports) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let Ok(bound) = listener.local_addr() else {
            return;
        };
        while !transports.inbound.is_closed() {
            match listener.accept().await {
                Ok((tcp, peer)) => {
                    let _ = tcp.set_nodelay(true);
                    let local = tcp.local_addr().unwrap_or(bound);
                    tokio::spawn(serve(tcp, peer, local, transports.clone()));
                }
                // Out of file descriptors and the like: back off briefly
                // rather than spin.
                Err(e) => {
                    tracing::warn!(%bound, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}

/// Runs a registered byte-stream connection until it closes, then forgets it.
async fn serve_conn<S>(
    mut io: S,
    kind: Kind,
    peer: SocketAddr,
    local: SocketAddr,
    id: ConnId,
    mut rx: mpsc::UnboundedReceiver<Bytes>,
    transports: Transports,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _registered = Registered {
        transports: transports.clone(),
        id,
    };
    match pump(&mut io, kind, peer, local, id, &mut rx, &transports).await {
        Ok(()) => tracing::debug!(%peer, %kind, "connection closed by the peer"),
        Err(reason) => tracing::debug!(%peer, %kind, %reason, "closing connection"),
    }
    let _ = timeout(Duration::from_secs(1), io.shutdown()).await;
}

/// Moves bytes both ways until the peer closes (`Ok`) or something ends the
/// connection (`Err`).
async fn pump<S>(
    io: &mut S,
    kind: Kind,
    peer: SocketAddr,
    local: SocketAddr,
    id: ConnId,
    rx: &mut mpsc::UnboundedReceiver<Bytes>,
    transports: &Transports,
) -> Result<(), Closed>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let idle = transports.idle;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut deadline = Instant::now() + idle;
    loop {
        buf.reserve(READ_CHUNK);
        tokio::select! {
            read = io.read_buf(&mut buf) => {
                if read? == 0 {
                    return Ok(());
                }
                deadline = Instant::now() + idle;
                while let Some(frame) = next_frame(&mut buf, MAX_MESSAGE)? {
                    match frame {
                        // RFC 5626 §3.5.1: a CRLF CRLF ping is answered
                        // with a single CRLF pong.
                        Frame::Ping => write(io, b"\r\n", idle).await?,
                        Frame::Pong => {}
                        Frame::Message(data) => {
                            let msg = Inbound { kind, peer, local, conn: Some(id), data };
                            transports.inbound.send(msg).await.map_err(|_| Closed::Shutdown)?;
                        }
                    }
                }
            }
            Some(data) = rx.recv() => {
                write(io, &data, idle).await?;
                deadline = Instant::now() + idle;
            }
            () = sleep_until(deadline) => return Err(Closed::Idle(idle)),
        }
    }
}

/// Writes and flushes `data`, giving up after `limit` if the peer does not
/// read.
async fn write<S: AsyncWrite + Unpin>(
    io: &mut S,
    data: &[u8],
    limit: Duration,
) -> Result<(), Closed> {
    timeout(limit, async {
        io.write_all(data).await?;
        io.flush().await
    })
    .await
    .map_err(|_| Closed::TimedOut)?
    .map_err(Closed::Io)
}
