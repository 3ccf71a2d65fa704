//! The operator's commands: check-config, import, migrate, outbox.

use std::process::Command;

use baton::testing;

use crate::write_config;

/// Runs baton; returns the exit code and stdout followed by stderr.
fn baton(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton")).args(args).env_remove("RUST_LOG").output().expect("run baton");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// Runs baton; returns the exit code and stdout alone.
fn baton_stdout(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton")).args(args).env_remove("RUST_LOG").output().expect("run baton");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn check_config_names_every_problem_by_key_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        r#"
[http]
bind = "localhost"
[slack]
bot_tokn = "xoxb-not-printed"
[[people]]
id = "dana"
name = "Dana"
role = "agent"
[[accounts]]
id = "acme"
name = "Acme"
tier = "enterprise"
csm = "casey"
channels = ["shell:acme"]
[[accounts]]
id = "globex"
name = "Globex"
tier = "platinum"
channels = ["shell:acme"]
[[digests]]
name = "daily"
kind = "sla"
cron = "0 9 * * 1-5"
time_zone = "Europe/Stockholm"
destinations = ["shell:leads"]
[[sla.calendars]]
name = "office"
time_zone = "Europe/Stockholm"
hours = { mon-fri = "17:00-09:00" }
[[sla.policies]]
name = "gold"
tiers = ["gold"]
first_response = "soon"
calendar = "nowhere"
[[digests]]
name = "weekly"
kind = "team-metrics"
cron = "every monday"
time_zone = "Europe/Stockholm"
destinations = ["shell:leads"]
"#,
    )
    .unwrap();
    let (code, out) = baton(&["check-config", "--config", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    for key in [
        "http.bind:",
        "slack.bot_tokn:",
        "accounts[0].csm:",
        "accounts[1].tier:",
        "accounts[1].channels[0]:",
        "digests[1].cron:",
        "sla.calendars[0]:",
        "sla.policies[0].calendar:",
    ] {
        assert!(out.lines().any(|l| l.starts_with(key)), "no problem reported for {key}:\n{out}");
    }
    assert!(!out.contains("digests[0]"), "a valid digest is not reported:\n{out}");
    assert!(!out.contains("xoxb-not-printed"), "secrets are never printed:\n{out}");
    // The built-in example configuration is valid.
    let (code, out) = baton_stdout(&["check-config"]);
    assert_eq!((code, out.trim()), (0, "configuration OK"));
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_with_line_numbers() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let config = config.to_str().unwrap();
        let (code, out) = baton(&["migrate", "--config", config]);
        assert_eq!(code, 0, "{out}");
        let people = dir.path().join("people.csv");
        std::fs::write(&people, "id,name,role,email\nlee,Lee Lead,lead,lee@example.com\nnoor,نور,csm,noor@example.com\n").unwrap();
        let (code, out) = baton_stdout(&["import", "people", people.to_str().unwrap(), "--config", config]);
        let expected = format!("imported 2 row(s) from {}", people.display());
        assert_eq!((code, out.trim()), (0, expected.as_str()), "{out}");
        let accounts = dir.path().join("accounts.csv");
        std::fs::write(
            &accounts,
            "id,name,tier,arr,currency,renewal_date,csm,key_prefix,channels\n\
             initech,Initech,business,50000,USD,2027-03-01,noor,INI,shell:initech\n\
             umbrella,Umbrella,business,-5,USD,2027-02-30,lee,UMB,shell:umbrella\n",
        )
        .unwrap();
        let (code, out) = baton(&["import", "accounts", accounts.to_str().unwrap(), "--config", config]);
        assert_ne!(code, 0, "{out}");
        assert!(out.contains("line 3"), "{out}");
        assert!(out.contains("arr") && out.contains("renewal_date"), "{out}");
        let ids: Vec<String> = db.store.accounts().await.unwrap().into_iter().map(|a| a.id.to_string()).collect();
        assert!(!ids.contains(&"initech".to_string()), "nothing from the bad file was applied: {ids:?}");
        let noor = db.store.person(&"noor".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(noor.name.as_str(), "نور");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn outbox_list_and_retry_a_dead_message() {
    use baton::store::NewOutbound;
    use baton_chat::{ChannelRef, Destination, OutboundMessage};
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let config = config.to_str().unwrap();
        let msg = OutboundMessage {
            destination: Destination::Channel { channel: ChannelRef::parse("slack:C0DEAD").unwrap() },
            text: "hello".into(),
            card: None,
            replaces: None,
            attachments: vec![],
            conversation: Default::default(),
        };
        let now = chrono::Utc::now();
        db.store.enqueue(&[NewOutbound::message(msg)], now).await.unwrap();
        let id = db.store.outbox(false, 10).await.unwrap()[0].id;
        db.store.mark_failed(id, "HTTP 404 channel_not_found", None).await.unwrap();
        let (code, out) = baton_stdout(&["outbox", "list", "--dead", "--config", config]);
        assert_eq!(code, 0);
        assert!(out.starts_with(&format!("{id}\tslack\tdead\tattempts=1")), "{out}");
        assert!(out.contains("channel_not_found"), "{out}");
        let (code, out) = baton_stdout(&["outbox", "retry", &id.to_string(), "--config", config]);
        assert_eq!(code, 0, "{out}");
        assert!(db.store.outbox(true, 10).await.unwrap().is_empty(), "no longer dead");
        let due = db.store.due_outbound(chrono::Utc::now(), 10).await.unwrap();
        assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
        let (code, _) = baton_stdout(&["outbox", "retry", "999999", "--config", config]);
        assert_eq!(code, 1);
        db.cleanup().await;
    }
}
