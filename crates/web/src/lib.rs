//! The web layer: the admin and user portals and the REST API (SPEC A*, U*).
//!
//! This is the only crate that knows HTTP and JSON. It turns requests into
//! calls on the storage repositories and the switch, and their results into
//! pages and responses. It owns no business rule the switch also needs.

mod api;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use storage::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The SIP digest realm new devices' credentials are hashed for.
    pub sip_realm: String,
}

/// The whole HTTP application. Built in a function so tests can call it
/// without a socket.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(health))
        .nest("/api/v1", api::router())
        .with_state(state)
}

async fn home() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Switchboard</title></head>\
         <body><h1>Switchboard</h1><p>Le portail arrive bientôt.</p></body></html>",
    )
}

/// Liveness and database reachability, for load balancers and tests.
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.store.account_count().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn health_reports_ok_when_the_database_answers() {
        let dir = std::env::temp_dir().join(format!("sb-web-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}/t.db", dir.display()))
            .await
            .unwrap();
        let app = router(AppState {
            store: store.clone(),
            sip_realm: "switchboard".to_owned(),
        });
        let res = app
            .clone()
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        store.close().await;
        let res = app
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        std::fs::remove_dir_all(dir).ok();
    }
}
