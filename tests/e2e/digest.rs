//! Digests and the signals API through the real `baton` binary, on SQLite and PostgreSQL.

use std::process::Command;

use baton::domain::{AccountId, SignalName};
use baton::testing;

use crate::support::{self, Server};
use crate::write_config;

const TOKEN: &str = "e2e-signals-token-0123456789abcdef";

/// `baton serve` with the signals token, its stderr (at debug level) kept in a file.
async fn serve(config: &std::path::Path, log: &std::path::Path) -> Server {
    support::start_logging(config, &[("BATON_API__SIGNALS_TOKEN", TOKEN), ("RUST_LOG", "debug")], log).await
}

#[tokio::test]
async fn signals_api_merges_signals_and_refuses_bad_requests() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let log = dir.path().join("baton.log");
        let server = serve(&config, &log).await;
        let http = reqwest::Client::new();
        let url = |account: &str| format!("{}/api/accounts/{account}/signals", server.base);
        let post = |account: &str, token: Option<&str>, body: &str| {
            let mut r = http.post(url(account)).header("content-type", "application/json").body(body.to_string());
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r.send()
        };
        let json = |r: reqwest::Response| async move {
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.expect("a JSON body");
            (status, body)
        };
        let good = r#"{"signals": {"nps": 42, "usage_trend": -0.2}}"#;

        let (status, body) = json(post("acme", None, good).await.unwrap()).await;
        assert_eq!(status, 401, "{body}");
        assert!(body["error"].as_str().unwrap().contains("bearer token"), "{body}");
        let (status, _) = json(post("acme", Some("wrong-token"), good).await.unwrap()).await;
        assert_eq!(status, 401);
        let (status, body) = json(post("acme", Some(TOKEN), "{\"signals\": {\"nps\": ").await.unwrap()).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().starts_with("the body is not valid JSON"), "{body}");
        let (status, body) = json(post("acme", Some(TOKEN), r#"{"signals": {"nps": "high"}}"#).await.unwrap()).await;
        assert_eq!((status, body["error"].as_str().unwrap()), (422, "signals.nps: must be a number (or null to remove it), not a string"));
        let (status, body) = json(post("nobody", Some(TOKEN), good).await.unwrap()).await;
        assert_eq!((status, body["error"].as_str().unwrap()), (404, "there is no account `nobody`"));

        let (status, body) = json(post("acme", Some(TOKEN), good).await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, serde_json::json!({"account": "acme", "signals": {"nps": 42.0, "usage_trend": -0.2}}));
        // A second push merges: a new signal is added, `null` removes one, the rest stay.
        let (status, body) = json(post("acme", Some(TOKEN), r#"{"signals": {"seats": 40, "usage_trend": null}}"#).await.unwrap()).await;
        assert_eq!((status, &body["signals"]), (200, &serde_json::json!({"nps": 42.0, "seats": 40.0})));
        let acme = db.store.account(&AccountId::parse("acme").unwrap()).await.unwrap().unwrap();
        assert_eq!(acme.signals.get(&SignalName::parse("nps").unwrap()), Some(&42.0));
        assert_eq!(acme.signals.len(), 2);

        let status = server.terminate().await;
        assert!(status.success());
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.contains("account signals updated"), "the update is logged");
        assert!(!logged.contains(TOKEN), "the token never appears in the logs");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn digest_run_dry_run_prints_the_digest() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(
            r#"
[[digests]]
name = "daily-team"
kind = "team-metrics"
cron = "0 9 * * 1-5"
time_zone = "Europe/Stockholm"
destinations = ["shell:leads"]

[[digests]]
name = "risk"
kind = "at-risk"
cron = "0 9 * * 1"
time_zone = "UTC"
destinations = ["shell:leads", "csm-dm"]
"#,
        );
        std::fs::write(&config, text).unwrap();
        // Load the configured accounts and people, as `baton serve` does on start.
        crate::run_script(&config, "/as dana\n");
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_baton")).arg("--config").arg(&config).args(args).env_remove("RUST_LOG").output().unwrap()
        };
        let out = run(&["digest", "run", "daily-team", "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.starts_with("── channel shell:leads ──\nNo tickets were opened, answered, solved or rated in "), "{stdout}");
        let out = run(&["digest", "run", "risk", "--dry-run"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("── channel shell:leads ──\nNo accounts are at risk."), "{stdout}");
        assert!(stdout.contains("── direct message to shell:casey ──\nNone of your accounts is at risk, Casey CSM."), "{stdout}");
        assert!(db.store.outbox(false, 100).await.unwrap().is_empty(), "a dry run posts nothing");
        // Without --dry-run the digest is queued for the outbox worker.
        let out = run(&["digest", "run", "risk"]);
        assert!(out.status.success());
        assert_eq!(db.store.outbox(false, 100).await.unwrap().len(), 2);
        let out = run(&["digest", "run", "nope"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no digest named `nope` (configured: daily-team, risk)"));
        db.cleanup().await;
    }
}
