//! `switchboard serve`: runs the HTTP portals and the SIP switch until
//! SIGINT or SIGTERM, then stops cleanly.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rand::RngExt as _;
use storage::Store;
use switch::calls::{Calls, CallsConfig};
use switch::cdr::CdrWriter;
use switch::dialplan::Dialplan;
use switch::directory::Directory;
use switch::endpoint::{Endpoint, EndpointConfig};
use switch::location::Location;
use switch::persist::BindingWriter;
use switch::registrar::RegistrarPolicy;
use switch::server::SipTask;
use switch::transport::{self, Kind, TlsFiles, Transports};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::{demo, now};

pub async fn run(config: Config, store: Store) -> anyhow::Result<()> {
    let closed = store.close_interrupted_calls(now()).await?;
    if closed > 0 {
        tracing::warn!(closed, "closed calls left open by a previous run as failed");
    }

    let http = TcpListener::bind(config.http_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen for HTTP on {} (http_listen)",
                config.http_listen
            )
        })?;
    let (sip_udp, sip_tcp) = bind_sip(config.sip_listen).await?;
    let sip_addr = sip_udp.local_addr()?;
    // The demo's sign-in text names the addresses really bound (port 0
    // picks one).
    let mut shown = config.clone();
    shown.http_listen = http.local_addr()?;
    shown.sip_listen = sip_addr;
    if let Some(text) = demo::seed_if_empty(&store, &shown, now()).await? {
        println!("{text}");
    }
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (inbound_tx, inbound_rx) = mpsc::channel(16_384);
    let (transports, udp_in) = Transports::with_udp_receiver(sip_udp, inbound_tx)?;
    let mut listening = vec![format!("SIP {sip_addr} (UDP, TCP)")];
    transport::serve_tcp(sip_tcp, transports.clone());
    let tls = match (&config.sip_tls_cert, &config.sip_tls_key) {
        (Some(cert), Some(key)) => Some(
            TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }
            .acceptor()
            .context("cannot load the TLS certificate (sip_tls_cert, sip_tls_key)")?,
        ),
        _ => None,
    };
    if let (Some(addr), Some(acceptor)) = (config.sip_tls_listen, &tls) {
        let l = bind_tcp(addr, "sip_tls_listen").await?;
        listening.push(format!("SIPS {} (TLS)", l.local_addr()?));
        transport::serve_tls(l, acceptor.clone(), transports.clone());
    }
    if let Some(addr) = config.sip_ws_listen {
        let l = bind_tcp(addr, "sip_ws_listen").await?;
        listening.push(format!("WS {}", l.local_addr()?));
        transport::serve_ws(l, transports.clone());
    }
    if let (Some(addr), Some(acceptor)) = (config.sip_wss_listen, &tls) {
        let l = bind_tcp(addr, "sip_wss_listen").await?;
        listening.push(format!("WSS {}", l.local_addr()?));
        transport::serve_wss(l, acceptor.clone(), transports.clone());
    }

    let secret = nonce_secret(&store).await?;
    let location = Location::load(store.live_bindings(now()).await?);
    tracing::info!(bindings = location.len(), "registrations loaded");
    let mut sent_by = std::collections::HashMap::new();
    sent_by.insert(
        Kind::Udp,
        format!("{}:{}", config.public_host, sip_addr.port()),
    );
    sent_by.insert(
        Kind::Tcp,
        format!("{}:{}", config.public_host, sip_addr.port()),
    );
    for (kind, addr) in [
        (Kind::Tls, config.sip_tls_listen),
        (Kind::Ws, config.sip_ws_listen),
        (Kind::Wss, config.sip_wss_listen),
    ] {
        if let Some(a) = addr {
            sent_by.insert(kind, format!("{}:{}", config.public_host, a.port()));
        }
    }
    // The recorded prompts, read once, for the relay's announcements and
    // the voicemail scripts.
    let sounds = Arc::new(switch::voicemail::sounds::Sounds::new(&config.sounds_dir));
    let (media, media_events) = crate::media::start(&config, sounds.clone())?;
    listening.push(format!(
        "RTP {} ports {}-{}",
        config.media_address, config.rtp_ports.0, config.rtp_ports.1
    ));
    let calls = Calls::new(
        CallsConfig {
            domain: config.public_host.clone(),
            sent_by,
            ..CallsConfig::default()
        },
        media,
    );
    let endpoint = Endpoint::new(
        EndpointConfig {
            realm: config.sip_realm.clone(),
            secret,
            algorithms: config.sip_digest_algorithms.clone(),
            policy: RegistrarPolicy {
                min_expires: config.sip_min_expires,
                ..RegistrarPolicy::default()
            },
        },
        location,
    )
    .with_calls(calls)
    .with_trunk_retry(config.trunk_retry);
    let directory = Arc::new(Directory::new(store.clone(), Duration::from_secs(60)));
    // The web layer tells the switch which devices' credentials changed.
    let forget = {
        let directory = directory.clone();
        move |names: &[&str]| names.iter().for_each(|n| directory.forget(n))
    };
    let dialplan = Arc::new(Dialplan::new(store.clone(), Duration::from_secs(5)));
    let (writer, writer_task) = BindingWriter::spawn(store.clone());
    let (cdr, cdr_task) = CdrWriter::spawn(store.clone());
    let (clicks, click_requests) = switch::clicks::Clicks::new();
    let clicks = Arc::new(clicks);
    let mailer = mail::Mailer::new(
        config.smtp_url.as_deref(),
        &config.mail_from,
        config.data_dir.join("outbox"),
    )
    .context("invalid mail settings (smtp_url, mail_from)")?;
    tracing::info!(to = %mailer.describe(), "e-mail delivery");
    let mailer = Arc::new(mailer);
    // Voicemail: audio in the object store, recordings in progress in the
    // spool folder; mailbox changes go to the SIP task for the lamps.
    let (voicemail, mailbox_changes) = voicemail::Voicemail::new(
        store.clone(),
        crate::files::blobs(&config)?,
        mailer.clone(),
        config.data_dir.join("spool"),
    )
    .context("cannot prepare voicemail")?;
    let voicemail = Arc::new(voicemail);
    {
        // Recordings a crash interrupted become messages.
        let voicemail = voicemail.clone();
        tokio::spawn(async move {
            match voicemail.recover().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "voicemail recovered after a stop"),
                Err(e) => tracing::warn!(error = %e, "voicemail spool not recovered"),
            }
        });
    }
    let sip_task = tokio::spawn(switch::server::run(SipTask {
        endpoint,
        transports,
        udp_in,
        inbound: inbound_rx,
        directory,
        dialplan,
        bindings: writer,
        cdr,
        media_events: Some(media_events),
        shutdown: shutdown_rx,
        clock: now,
        store: store.clone(),
        trunk_reload: config.trunk_reload,
        clicks: Some((clicks.clone(), click_requests)),
        voicemail: Some((voicemail.clone(), mailbox_changes)),
        sounds,
        max_message: config.voicemail_max,
    }));

    tracing::info!(http = %http.local_addr()?, sip = %sip_addr, "switchboard is serving");
    println!(
        "Switchboard is serving: web http://{}/  {}",
        http.local_addr()?,
        listening.join("  ")
    );

    let mut state = web::AppState::new(store.clone(), mailer, config.public_url.clone());
    state.sip_realm = config.sip_realm.clone();
    state.credentials_changed = Arc::new(forget);
    state.dialer = Some(Arc::new(SwitchDialer(clicks)));
    // --- Voicemail in the portal and the API (SPEC U3) ---
    state.voicemail = Some(voicemail.clone());
    // --- end voicemail ---
    let app = web::router(state).merge(api_docs());
    // Connect info gives the web layer the client address (sign-in rate
    // limiting per address).
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(http, app).with_graceful_shutdown(shutdown_signal());
    server.await.context("HTTP server failed")?;
    let _ = shutdown_tx.send(true);
    let counters = sip_task.await.context("SIP task failed")?;
    tracing::info!(?counters, "SIP stopped");
    // The writer stops once the SIP task dropped its sender, after storing
    // what was queued: registrations made just before the stop survive.
    writer_task.await.context("binding writer failed")?;
    cdr_task.await.context("call record writer failed")?;
    store.close().await;
    tracing::info!("switchboard stopped");
    Ok(())
}

/// SIP's UDP socket and TCP listener on the same port. With port 0 the
/// system picks the UDP port and TCP must get the same one; when another
/// program holds that port on TCP, another port is tried.
async fn bind_sip(addr: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener)> {
    let mut attempts = 0;
    loop {
        let udp = UdpSocket::bind(addr)
            .await
            .with_context(|| format!("cannot listen for SIP on UDP {addr} (sip_listen)"))?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if addr.port() == 0 && attempts < 20 => {
                attempts += 1;
                tracing::debug!(error = %e, "TCP port taken, trying another");
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot listen for SIP on TCP {addr} (sip_listen)"));
            }
        }
    }
}

async fn bind_tcp(addr: SocketAddr, key: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({key})"))
}

/// The secret that signs digest nonces, shared by every node through the
/// database so a nonce issued by one is honoured by another and across
/// restarts.
async fn nonce_secret(store: &Store) -> anyhow::Result<[u8; 32]> {
    let hex_secret = store
        .installation_value("sip_nonce_secret", || {
            let bytes: [u8; 32] = rand::rng().random();
            hex::encode(bytes)
        })
        .await?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(&hex_secret, &mut secret)
        .context("stored sip_nonce_secret is not 64 hex digits")?;
    Ok(secret)
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
/// Click-to-call as the web layer asks for it, placed by the SIP task.
struct SwitchDialer(Arc<switch::clicks::Clicks>);

impl web::dialer::Dialer for SwitchDialer {
    fn dial(&self, call: domain::ClickToCall) -> Result<u64, web::dialer::DialUnavailable> {
        self.0.dial(call).ok_or(web::dialer::DialUnavailable)
    }

    fn progress(&self, account: domain::AccountId, id: u64) -> Option<domain::CallProgress> {
        self.0.progress(account, id)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c()
            .await
            .expect("SIGINT handler installs");
    };
    let term = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs")
            .recv()
            .await;
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

/// Swagger UI for the REST API at `/api/docs`, from the vendored bundle (no
/// CDN), reading the document the API serves at `/api/v1/openapi.json`.
fn api_docs() -> axum::Router {
    use utoipa_swagger_ui::{Config as DocsConfig, SwaggerUi};
    SwaggerUi::new("/api/docs")
        .config(DocsConfig::new(["/api/v1/openapi.json"]))
        .into()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    async fn get(path: &str) -> (StatusCode, String) {
        let res = super::api_docs()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn swagger_ui_is_served_from_the_binary_and_reads_the_api_document() {
        let (status, page) = get("/api/docs/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("swagger-ui"), "{page}");
        assert!(!page.contains("://"), "no CDN: {page}");
        let (status, init) = get("/api/docs/swagger-initializer.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(init.contains("/api/v1/openapi.json"), "{init}");
        let (status, js) = get("/api/docs/swagger-ui-bundle.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(js.len() > 100_000);
    }
}
