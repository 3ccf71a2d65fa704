//! A Slack adapter behind its real HTTP routes, with a fake Web API on loopback that says
//! `ok` to everything and an ingest that keeps nothing. Each input is one signed request.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::Request;
use axum::Router;
use baton_chat::{InboundEvent, Ingest, IngestError};
use baton_slack::{ReactionPolicy, Slack, Verifier};
use secrecy::SecretString;
use tower::ServiceExt;

const SECRET: &str = "fuzz-signing-secret";

struct Discard;

#[async_trait]
impl Ingest for Discard {
    async fn ingest(&self, _event: InboundEvent) -> Result<bool, IngestError> {
        Ok(true)
    }
}

struct Harness {
    rt: tokio::runtime::Runtime,
    routes: Router,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let routes = rt.block_on(async {
            let fake = Router::new().fallback(|| async {
                axum::Json(serde_json::json!({
                    "ok": true, "team_id": "T0HOME", "user_id": "U0BATON", "bot_id": "B0BATON",
                    "messages": [], "user": { "id": "U0X", "team_id": "T0HOME", "name": "x" },
                }))
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });
            let slack = Slack::new(&format!("http://{addr}/api/"), &SecretString::from("xoxb-fuzz")).unwrap();
            let policy = ReactionPolicy { relevant: vec!["ticket".into()], fetch_message: vec!["ticket".into()] };
            slack.http_routes(Arc::new(Discard), SecretString::from(SECRET), policy)
        });
        Harness { rt, routes }
    })
}

/// Posts `body` to `path`, correctly signed, and waits for the answer.
pub fn post(path: &str, content_type: &str, body: &[u8]) {
    let h = harness();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = Verifier::new(SecretString::from(SECRET)).sign(&ts, body);
    let req = Request::post(path)
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", sig)
        .body(Body::from(body.to_vec()))
        .unwrap();
    // Any answer will do (200, 400, 413…); a panic is the bug.
    let _ = h.rt.block_on(h.routes.clone().oneshot(req)).unwrap();
}
