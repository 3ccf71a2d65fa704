//! The gateway connection: serenity's client (heartbeats, resume, re-identify) with baton's
//! raw-event handler, run until told to stop, and restarted with backoff if it ends.
//!
//! serenity asks `GET /gateway` for the websocket URL and, if that fails, silently connects
//! to Discord's public gateway instead. Baton asks first itself, waits and retries until it
//! gets an answer, and then sets the URL it got on the client, so a misconfigured proxy or a
//! test fake is never bypassed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use baton_chat::Ingest;
use serenity::all::ClientBuilder;
use tokio::sync::watch;

use crate::inbound::Handler;
use crate::Inner;

const MIN_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// A connection that lasted this long was healthy: the next failure starts backoff over.
const HEALTHY: Duration = Duration::from_secs(60);

/// Resolves when `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// Sleeps `d` unless stopped first; `true` if stopped.
async fn pause(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stopped(stop) => true,
    }
}

pub(crate) async fn run(inner: Arc<Inner>, ingest: Arc<dyn Ingest>, mut stop: watch::Receiver<bool>) {
    let mut backoff = MIN_BACKOFF;
    loop {
        if *stop.borrow() {
            break;
        }
        let url = tokio::select! {
            r = inner.rest.gateway_url() => r,
            _ = stopped(&mut stop) => break,
        };
        let url = match url {
            Ok(url) => url,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot get the Discord gateway URL; not connecting elsewhere");
                if pause(&mut stop, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let http = match crate::rest::http(&inner.settings) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "Discord gateway not started");
                break;
            }
        };
        let handler = Handler::new(inner.clone(), ingest.clone());
        let client = ClientBuilder::new_with_http(http, crate::intents()).raw_event_handler(handler).await;
        let mut client = match client {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, retry_in = ?backoff, "cannot set up the Discord gateway client");
                if pause(&mut stop, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        *client.ws_url.lock().await = url.clone();
        tracing::info!(gateway = %url, "connecting to the Discord gateway");
        let shards = client.shard_manager.clone();
        let started = Instant::now();
        tokio::select! {
            r = client.start() => {
                match r {
                    Ok(()) => tracing::warn!("the Discord gateway connection ended; reconnecting"),
                    Err(e) => tracing::error!(error = %e, retry_in = ?backoff, "the Discord gateway connection failed"),
                }
            }
            _ = stopped(&mut stop) => {
                if tokio::time::timeout(Duration::from_secs(5), shards.shutdown_all()).await.is_err() {
                    tracing::warn!("the Discord gateway did not close in time");
                }
                break;
            }
        }
        if started.elapsed() >= HEALTHY {
            backoff = MIN_BACKOFF;
        }
        if pause(&mut stop, backoff).await {
            break;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    tracing::info!("Discord gateway stopped");
}
