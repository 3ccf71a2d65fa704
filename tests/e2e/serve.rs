//! `baton serve`: the HTTP server and workers, started and stopped like production does.

use baton::testing;

use crate::support::start;
use crate::write_config;

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
