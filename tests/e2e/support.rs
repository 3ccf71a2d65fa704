//! What the end-to-end tests share: waiting with a deadline, config files, the real
//! `baton serve` started and stopped, the plumbing of the fake platforms, and Slack's side
//! of a conversation (signed requests, event envelopes, Web API answers).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};

// ----- waiting ------------------------------------------------------------------------------

/// How long [`eventually`] waits.
pub const WAIT: Duration = Duration::from_secs(30);

/// Polls `probe` until it yields a value; fails the test after [`WAIT`].
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_within(what, WAIT, probe).await
}

/// Polls `probe` (every 50 ms) until it yields a value; fails the test after `limit`.
pub async fn eventually_within<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ----- config files -------------------------------------------------------------------------

/// Writes `dir/baton.toml`: the database, `[general]` in English with `general` added, then
/// `rest`.
pub fn write_config_file(dir: &Path, database_url: &str, general: &str, rest: &str) -> PathBuf {
    let text = format!(
        r#"
[database]
url = "{database_url}"

[general]
default_locale = "en-US"
{general}
{rest}"#
    );
    let path = dir.join("baton.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// The three tiers most configs use, as a `[general]` line.
pub const TIERS: &str = r#"tiers = ["enterprise", "business", "starter"]"#;

/// Escalation by hand only (levels follow as `[[escalation.levels]]`).
pub const MANUAL_ESCALATION: &str = r#"
[escalation]
on_urgent = false
on_breach = false
unanswered_messages = 0
"#;

// ----- baton serve --------------------------------------------------------------------------

/// A running `baton serve` on a random loopback port.
pub struct Server {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its stderr goes, when not to the test's.
    log: Option<PathBuf>,
}

/// Starts `baton --config CONFIG serve` with `http.bind` on port 0 and `env`, its stderr
/// inherited, and waits for its "listening" line (bounded: 60 s).
pub async fn start(config: &Path, env: &[(&str, &str)]) -> Server {
    spawn(config, env, None).await
}

/// As [`start`], with baton's stderr (its log) written to `log`.
pub async fn start_logging(config: &Path, env: &[(&str, &str)], log: &Path) -> Server {
    spawn(config, env, Some(log.to_path_buf())).await
}

async fn spawn(config: &Path, env: &[(&str, &str)], log: Option<PathBuf>) -> Server {
    let stderr = match &log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("create the log file")),
        None => Stdio::inherit(),
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("BATON_HTTP__BIND", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("start baton");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
    let Ok(Ok(Some(line))) = line else {
        panic!("baton did not print its address in time:\n{}", read_log(log.as_deref()));
    };
    let base = line.strip_prefix("baton listening on ").expect("the listening line").trim().to_string();
    Server { child, base, log }
}

fn read_log(log: Option<&Path>) -> String {
    log.and_then(|path| std::fs::read_to_string(path).ok()).unwrap_or_default()
}

impl Server {
    /// What baton logged so far (empty when its stderr is the test's).
    pub fn log(&self) -> String {
        read_log(self.log.as_deref())
    }

    pub fn assert_running(&mut self) {
        assert!(self.child.try_wait().unwrap().is_none(), "baton exited:\n{}", self.log());
    }

    /// Sends SIGTERM and returns the exit status (bounded: 30 s).
    pub async fn terminate(self) -> ExitStatus {
        self.stop_with_log().await.0
    }

    /// Sends SIGTERM; returns the exit status (bounded: 30 s) and all baton logged.
    pub async fn stop_with_log(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().expect("running");
        let ok = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
        assert!(ok.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.expect("exits in time").unwrap();
        (status, self.log())
    }
}

// ----- fake platforms -----------------------------------------------------------------------

/// Serves `app` on 127.0.0.1:0 for the rest of the test; returns its address.
pub async fn serve_fake(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Slack as the tests see it: one workspace (`HOME_TEAM`) whose shared channel `CHANNEL` has
/// a guest from the customer's (`CUSTOMER_TEAM`).
pub mod slack {
    use baton_slack::Verifier;
    use chrono::Utc;
    use secrecy::SecretString;
    use serde_json::{json, Value};

    pub const SIGNING_SECRET: &str = "e2e-signing-secret-0123456789";
    pub const BOT_TOKEN: &str = "xoxb-e2e-bot-token";
    pub const HOME_TEAM: &str = "T0HOME";
    pub const CUSTOMER_TEAM: &str = "T0CUSTOMER";
    pub const CHANNEL: &str = "C0ACME0001";
    pub const BOT_USER: &str = "U0BATON";
    pub const DANA: &str = "U0DANA";
    pub const WILE: &str = "U0WILE";

    /// The people and the account of every Slack config: Dana (an agent) and Wile (Acme's
    /// customer) by Slack id, and Acme on [`CHANNEL`], with `account` added to its table.
    pub fn dana_wile_and_acme(account: &str) -> String {
        format!(
            r#"
[[people]]
id = "dana"
name = "Dana Agent"
role = "agent"
slack_id = "{DANA}"

[[people]]
id = "wile"
name = "Wile E."
role = "customer"
account = "acme"
slack_id = "{WILE}"

[[accounts]]
id = "acme"
name = "Acme Corp"
tier = "enterprise"
key_prefix = "ACME"
channels = ["slack:{CHANNEL}"]
{account}"#
        )
    }

    /// An Events API `event_callback` carrying `event`.
    pub fn envelope(event_id: &str, event: Value) -> Value {
        json!({
            "token": "legacy-verification-token",
            "team_id": HOME_TEAM,
            "context_team_id": HOME_TEAM,
            "api_app_id": "A0BATON",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": Utc::now().timestamp(),
            "authorizations": [ { "enterprise_id": null, "team_id": HOME_TEAM, "user_id": BOT_USER, "is_bot": true, "is_enterprise_install": false } ],
            "is_ext_shared_channel": true,
        })
    }

    /// A POST of `body` to `url`, signed with [`SIGNING_SECRET`] as Slack signs it
    /// (`timestamp` in Unix seconds).
    pub fn signed_post(
        http: &reqwest::Client,
        url: String,
        content_type: &str,
        body: String,
        timestamp: i64,
    ) -> reqwest::RequestBuilder {
        let ts = timestamp.to_string();
        let signature = Verifier::new(SecretString::from(SIGNING_SECRET)).sign(&ts, body.as_bytes());
        http.post(url)
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", signature)
            .body(body)
    }

    /// A Web API call's arguments: its JSON body and its query parameters, as one object.
    pub fn web_api_args(query: Option<&str>, body: &[u8]) -> Value {
        let mut args: Value = serde_json::from_slice(body).unwrap_or_else(|_| json!({}));
        for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default()).unwrap_or_default() {
            args[k] = json!(v);
        }
        args
    }

    /// The call's `Authorization` header.
    pub fn authorization(headers: &axum::http::HeaderMap) -> Option<String> {
        headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// Slack's answer to the calls every fake answers alike (`auth.test` and posting):
    /// `None` for other methods. `next_ts` numbers the posted messages.
    pub fn common_answer(method: &str, args: &Value, next_ts: &mut u64) -> Option<Value> {
        Some(match method {
            "auth.test" => json!({ "ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "baton",
                                   "team_id": HOME_TEAM, "user_id": BOT_USER, "bot_id": "B0BATON" }),
            "chat.postMessage" => {
                *next_ts += 1;
                let ts = format!("{}.{:06}", Utc::now().timestamp(), next_ts);
                json!({ "ok": true, "channel": args["channel"], "ts": ts,
                        "message": { "type": "message", "user": BOT_USER, "bot_id": "B0BATON", "text": args["text"], "ts": ts } })
            }
            "chat.update" => json!({ "ok": true, "channel": args["channel"], "ts": args["ts"], "text": args["text"] }),
            "chat.postEphemeral" => json!({ "ok": true, "message_ts": format!("{}.000000", Utc::now().timestamp()) }),
            _ => return None,
        })
    }
}
