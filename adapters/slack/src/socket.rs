//! Socket Mode: for installations that cannot expose an HTTP endpoint, baton opens a
//! WebSocket to Slack (`apps.connections.open` with the app-level `xapp-…` token) and
//! receives the same payloads the HTTP endpoints would, in envelopes it acknowledges by id.
//!
//! Every payload goes through the same [`Handler`] as over HTTP, and is acknowledged only
//! once it is recorded; an envelope that could not be recorded is not acknowledged, so Slack
//! delivers it again. The connection is re-opened when Slack asks (`disconnect`) or drops
//! it, with a growing pause after failures, until baton stops.
//!
//! <https://api.slack.com/apis/socket-mode>

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::inbound::{CommandPayload, Handler, Reply};
use crate::web::WebApi;

/// Largest frame accepted from Slack.
const MAX_MESSAGE: usize = 2 * 1024 * 1024;

/// Pause after the first failed connection attempt; doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct OpenResponse {
    url: String,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    retry_attempt: Option<u32>,
}

/// How a connection ended.
enum Ended {
    /// baton is stopping.
    Stop,
    /// Slack asked for a new connection or closed this one.
    Reconnect,
}

/// Runs Socket Mode until `stop` turns true. `app_api` carries the app-level token.
pub async fn run(handler: Handler, app_api: WebApi, mut stop: watch::Receiver<bool>) {
    let mut pause = FIRST_PAUSE;
    loop {
        if *stop.borrow() {
            return;
        }
        match session(&handler, &app_api, &mut stop).await {
            Ok(Ended::Stop) => return,
            Ok(Ended::Reconnect) => {
                pause = FIRST_PAUSE;
                tracing::info!("Slack Socket Mode: reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?pause, "Slack Socket Mode connection failed");
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => return,
                }
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}

async fn session(handler: &Handler, app_api: &WebApi, stop: &mut watch::Receiver<bool>) -> Result<Ended, String> {
    let open: OpenResponse = app_api.post("apps.connections.open", &json!({})).await.map_err(|e| e.to_string())?;
    let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_MESSAGE));
    // The URL holds a connection ticket: it is never logged.
    let (ws, _) = tokio_tungstenite::connect_async_with_config(open.url.as_str(), Some(config), true).await.map_err(
        |e| match e {
            // Its message would quote the URL, ticket included.
            tokio_tungstenite::tungstenite::Error::Url(_) => {
                "WebSocket connection failed: cannot reach the Socket Mode URL".to_string()
            }
            e => format!("WebSocket connection failed: {e}"),
        },
    )?;
    let (mut write, mut read) = ws.split();
    let (acks, mut pending) = mpsc::channel::<String>(256);
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    let _ = write.send(Message::Close(None)).await;
                    return Ok(Ended::Stop);
                }
            }
            Some(ack) = pending.recv() => {
                write.send(Message::text(ack)).await.map_err(|e| format!("cannot acknowledge: {e}"))?;
            }
            frame = read.next() => match frame {
                None | Some(Ok(Message::Close(_))) => return Ok(Ended::Reconnect),
                Some(Err(e)) => return Err(format!("WebSocket error: {e}")),
                Some(Ok(Message::Text(text))) => {
                    if on_frame(handler, text.as_str(), &acks) {
                        let _ = write.send(Message::Close(None)).await;
                        return Ok(Ended::Reconnect);
                    }
                }
                // Pings are answered by the WebSocket layer; binary frames are not Slack's.
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Handles one frame; `true` when Slack asks for a new connection.
fn on_frame(handler: &Handler, text: &str, acks: &mpsc::Sender<String>) -> bool {
    let frame: Frame = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(line = e.line(), column = e.column(), "Slack Socket Mode frame is not JSON; ignored");
            handler.rejected("malformed");
            return false;
        }
    };
    match frame.kind.as_str() {
        "hello" => {
            tracing::info!("Slack Socket Mode connected");
            false
        }
        "disconnect" => {
            tracing::info!(
                reason = frame.reason.as_deref().unwrap_or("-"),
                "Slack asks for a new Socket Mode connection"
            );
            true
        }
        kind @ ("events_api" | "slash_commands" | "interactive") => {
            let Some(envelope) = frame.envelope_id.filter(|e| !e.is_empty()) else {
                tracing::warn!(kind, "Slack Socket Mode envelope without an id; ignored");
                return false;
            };
            if let Some(n) = frame.retry_attempt.filter(|n| *n > 0) {
                tracing::debug!(retry = n, "Slack is redelivering an envelope");
            }
            let handler = handler.clone();
            let acks = acks.clone();
            let kind = kind.to_string();
            let payload = frame.payload;
            tokio::spawn(async move {
                let reply = match kind.as_str() {
                    "events_api" => handler.events_api(payload).await,
                    "slash_commands" => match serde_json::from_value::<CommandPayload>(payload) {
                        Ok(c) => handler.command(c).await,
                        Err(_) => Reply::BadRequest("malformed slash command"),
                    },
                    _ => handler.interaction(payload).await,
                };
                let ack = match reply {
                    Reply::Ack | Reply::Json(_) => true,
                    Reply::BadRequest(why) => {
                        // Redelivering it would not make it readable.
                        tracing::warn!(kind, why, "Slack Socket Mode payload refused");
                        handler.rejected("malformed");
                        true
                    }
                    Reply::Retry => false,
                };
                if ack {
                    let _ = acks.send(json!({ "envelope_id": envelope }).to_string()).await;
                }
            });
            false
        }
        other => {
            tracing::debug!(kind = other, "Slack Socket Mode frame ignored");
            false
        }
    }
}
