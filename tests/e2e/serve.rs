//! `baton serve`: the HTTP server and workers, started and stopped like production does.

use std::process::Stdio;
use std::time::Duration;

use baton::testing;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::write_config;

/// A running `baton serve` on a random loopback port.
pub struct Server {
    pub child: tokio::process::Child,
    pub base: String,
}

/// Starts `baton --config CONFIG serve` with `http.bind` on port 0 and waits for its
/// "listening" line (bounded: 60 s).
pub async fn start(config: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("--config").arg(config).arg("serve").env("BATON_HTTP__BIND", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true).spawn().expect("start baton");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("baton printed its address in time")
        .unwrap()
        .expect("a line");
    let base = line.strip_prefix("baton listening on ").expect("listening line").trim().to_string();
    Server { child, base }
}

impl Server {
    /// Sends SIGTERM and returns the exit status (bounded: 30 s).
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running");
        let ok = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
        assert!(ok.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.expect("exits in time").unwrap()
    }
}

#[tokio::test]
async fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let server = start(&config, &[]).await;
        let http = reqwest::Client::new();
        let health = http.get(format!("{}/healthz", server.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = http.get(format!("{}/readyz", server.base)).send().await.unwrap();
        assert_eq!((ready.status().as_u16(), ready.text().await.unwrap()), (200, "ready".to_string()));
        // Prometheus metrics: every sample line is `name{labels} value`, and baton's are there.
        let metrics = http.get(format!("{}/metrics", server.base)).send().await.unwrap().text().await.unwrap();
        for line in metrics.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad sample line {line:?}"));
            assert!(value.parse::<f64>().is_ok(), "bad value in {line:?}");
            assert!(name.starts_with("baton_"), "unexpected metric {name}");
        }
        assert!(metrics.contains("baton_outbox_depth 0"), "{metrics}");
        assert!(metrics.contains("# TYPE baton_handler_seconds histogram"), "{metrics}");
        assert!(metrics.trim_end().ends_with("# EOF"));
        let status = server.terminate().await;
        assert!(status.success(), "exit 0 on SIGTERM, got {status}");
        // The configured accounts were loaded.
        assert_eq!(db.store.accounts().await.unwrap().len(), 2);
        db.cleanup().await;
    }
}
