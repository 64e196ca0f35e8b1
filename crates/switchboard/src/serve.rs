//! `switchboard serve`: runs the HTTP portals and the SIP switch until
//! SIGINT or SIGTERM, then stops cleanly.

use anyhow::Context as _;
use storage::Store;
use tokio::net::{TcpListener, UdpSocket};

use crate::config::Config;
use crate::{demo, now};

pub async fn run(config: Config, store: Store) -> anyhow::Result<()> {
    let closed = store.close_interrupted_calls(now()).await?;
    if closed > 0 {
        tracing::warn!(closed, "closed calls left open by a previous run as failed");
    }
    if let Some(text) = demo::seed_if_empty(&store, &config, now()).await? {
        println!("{text}");
    }

    let http = TcpListener::bind(config.http_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen for HTTP on {} (http_listen)",
                config.http_listen
            )
        })?;
    let sip_udp = UdpSocket::bind(config.sip_listen).await.with_context(|| {
        format!(
            "cannot listen for SIP on UDP {} (sip_listen)",
            config.sip_listen
        )
    })?;
    // With port 0 the system picks the UDP port; TCP takes the same one.
    let sip_tcp = TcpListener::bind(sip_udp.local_addr()?)
        .await
        .with_context(|| {
            format!(
                "cannot listen for SIP on TCP {} (sip_listen)",
                config.sip_listen
            )
        })?;
    tracing::info!(http = %http.local_addr()?, sip = %sip_udp.local_addr()?, "switchboard is serving");
    println!(
        "Switchboard is serving: web http://{}/  SIP {} (UDP, TCP)",
        http.local_addr()?,
        sip_udp.local_addr()?
    );

    let app = web::router(web::AppState {
        store: store.clone(),
    });
    let server = axum::serve(http, app).with_graceful_shutdown(shutdown_signal());
    server.await.context("HTTP server failed")?;
    drop((sip_udp, sip_tcp));
    store.close().await;
    tracing::info!("switchboard stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
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
