//! The HTTP server: health endpoints plus whatever routes the platform adapters mount
//! (Slack's Events API and interactivity endpoints, Discord's interactions endpoint).
//!
//! [`serve`] takes its listener and a shutdown signal, so tests bind port 0.

use std::future::Future;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::app::App;

/// `/healthz` (the process answers) and `/readyz` (the database answers), merged with the
/// adapters' routes.
pub fn router(app: App, adapters: Router) -> Router {
    let health = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(app);
    health.merge(adapters)
}

async fn ready(State(app): State<App>) -> (StatusCode, &'static str) {
    match app.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn metrics(State(app): State<App>) -> impl axum::response::IntoResponse {
    let m = crate::telemetry::metrics();
    match app.store().outbox_backlog().await {
        Ok((depth, oldest)) => {
            m.outbox_depth.set(depth);
            let age = oldest.map(|o| (chrono::Utc::now() - o).num_seconds().max(0)).unwrap_or(0);
            m.outbox_oldest_seconds.set(age);
        }
        Err(e) => tracing::warn!(error = %e, "outbox backlog unavailable for /metrics"),
    }
    (
        [(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        m.encode(),
    )
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes in-flight
/// requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
