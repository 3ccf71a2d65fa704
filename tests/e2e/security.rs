//! Hostile requests against the real `baton serve`, secrets read from files: oversized
//! bodies on every endpoint that takes one, wrong signals tokens, each refused, logged with
//! its reason (never the body or a secret) and counted in `/metrics`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use baton::testing;
use baton_slack::Verifier;
use chrono::Utc;
use secrecy::SecretString;

use crate::support::{self, serve_fake, Server};
use crate::write_config;

const SIGNING_SECRET: &str = "e2e-security-signing-secret-0123";
const BOT_TOKEN: &str = "xoxb-e2e-security-bot-token";
const SIGNALS_TOKEN: &str = "e2e-security-signals-token-0123456789";
/// Fills the oversized bodies: it must never appear in the logs.
const MARKER: &str = "BODY-MARKER-never-logged ";

/// A Web API that says `ok` to everything (baton checks its token at start).
async fn fake_slack() -> String {
    let app = Router::new().fallback(|| async {
        axum::Json(serde_json::json!({ "ok": true, "team_id": "T0HOME", "user_id": "U0BATON", "bot_id": "B0BATON" }))
    });
    format!("http://{}/api/", serve_fake(app).await)
}

/// `baton serve` with Slack over HTTP and the signals API, every secret read from a file
/// named in the environment; stderr (the log) kept in a file.
async fn serve(dir: &std::path::Path, database_url: &str, log: &std::path::Path) -> Server {
    let config = write_config(dir, database_url);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[slack]\nmode = \"http\"\n");
    std::fs::write(&config, text).unwrap();
    let secret = |name: &str, value: &str| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{value}\n")).unwrap();
        path.to_str().unwrap().to_string()
    };
    let api_url = fake_slack().await;
    let env = [
        ("BATON_SLACK__API_URL", api_url),
        ("BATON_SLACK__BOT_TOKEN_FILE", secret("bot_token", BOT_TOKEN)),
        ("BATON_SLACK__SIGNING_SECRET_FILE", secret("signing_secret", SIGNING_SECRET)),
        ("BATON_API__SIGNALS_TOKEN_FILE", secret("signals_token", SIGNALS_TOKEN)),
        ("RUST_LOG", "debug".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    support::start_logging(&config, &env, log).await
}

/// POSTs `body` over a raw connection and returns the answer's status and body. The body is
/// written by another task, errors ignored: a server that refuses a request by its
/// Content-Length answers and closes without reading it all, which an HTTP client may
/// report as a broken pipe instead of the answer.
async fn raw_post(base: &str, path: &str, headers: &[(&str, &str)], body: String) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.strip_prefix("http://").unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(body.as_bytes()).await;
        write
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), read.read_to_end(&mut answer)).await.expect("an answer in time");
    writer.abort();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}

/// `baton_events_rejected_total` by reason, scraped from `/metrics`.
async fn rejected(http: &reqwest::Client, base: &str) -> BTreeMap<String, u64> {
    let text = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("baton_events_rejected_total{reason=\""))
        .filter_map(|l| {
            let (reason, value) = l.split_once("\"} ")?;
            Some((reason.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn oversized_and_unauthorised_requests_are_refused_logged_and_counted() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("baton.log");
        let server = serve(dir.path(), &db.url, &log).await;
        let http = reqwest::Client::new();
        let before = rejected(&http, &server.base).await;

        // 2 MiB, correctly signed (so only the size is wrong), to each Slack endpoint: 413.
        let huge = MARKER.repeat(2 * 1024 * 1024 / MARKER.len());
        for (path, content_type) in [
            ("/slack/events", "application/json"),
            ("/slack/commands", "application/x-www-form-urlencoded"),
            ("/slack/interactions", "application/x-www-form-urlencoded"),
        ] {
            let ts = Utc::now().timestamp().to_string();
            let signature = Verifier::new(SecretString::from(SIGNING_SECRET)).sign(&ts, huge.as_bytes());
            let headers = [("content-type", content_type), ("x-slack-request-timestamp", &ts), ("x-slack-signature", &signature)];
            let (status, answer) = raw_post(&server.base, path, &headers, huge.clone()).await;
            assert_eq!(status, 413, "{path}: {answer}");
        }

        // The signals API: its limit is 64 KiB; the token is checked first.
        let signals = format!("{}/api/accounts/acme/signals", server.base);
        let big = format!("{{\"signals\": {{\"nps\": 9}}, \"pad\": \"{}\"}}", MARKER.repeat(100 * 1024 / MARKER.len()));
        let bearer = format!("Bearer {SIGNALS_TOKEN}");
        let headers = [("content-type", "application/json"), ("authorization", bearer.as_str())];
        let (status, answer) = raw_post(&server.base, "/api/accounts/acme/signals", &headers, big).await;
        assert_eq!(status, 413, "{answer}");
        assert!(answer.ends_with(r#"{"error":"the body is too large: at most 65536 bytes"}"#), "{answer}");
        let good = r#"{"signals": {"nps": 9}}"#;
        for token in [Some("e2e-security-signals-token-0123456788"), Some("short"), None] {
            let mut req = http.post(&signals).header("content-type", "application/json").body(good);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            assert_eq!(req.send().await.unwrap().status(), 401, "{token:?}");
        }
        // The right token, from the file, still works.
        let r = http.post(&signals).bearer_auth(SIGNALS_TOKEN).header("content-type", "application/json").body(good).send().await.unwrap();
        assert_eq!(r.status(), 200);

        let after = rejected(&http, &server.base).await;
        let moved = |reason: &str| after.get(reason).copied().unwrap_or(0) - before.get(reason).copied().unwrap_or(0);
        assert_eq!(moved("oversized"), 3, "{before:?} → {after:?}");
        assert_eq!(moved("api_oversized"), 1, "{before:?} → {after:?}");
        assert_eq!(moved("api_unauthorized"), 3, "{before:?} → {after:?}");

        let status = server.terminate().await;
        assert!(status.success(), "exit 0 on SIGTERM, got {status}");
        let logged = std::fs::read_to_string(&log).unwrap();
        let refusals: Vec<&str> = logged.lines().filter(|l| l.contains("refused")).collect();
        assert_eq!(refusals.iter().filter(|l| l.contains("reason=\"oversized\"") || l.contains("reason=oversized")).count(), 3, "{logged}");
        assert_eq!(refusals.iter().filter(|l| l.contains("api_oversized")).count(), 1, "{logged}");
        assert_eq!(refusals.iter().filter(|l| l.contains("api_unauthorized")).count(), 3, "{logged}");
        for secret in [MARKER.trim(), SIGNING_SECRET, BOT_TOKEN, SIGNALS_TOKEN, "e2e-security-signals-token-0123456788"] {
            assert!(!logged.contains(secret), "`{secret}` is in the log:\n{logged}");
        }
        db.cleanup().await;
    }
}
