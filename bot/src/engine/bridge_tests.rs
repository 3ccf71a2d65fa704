//! Escalation and CSM handoff, driven through the engine on SQLite and PostgreSQL.

use std::sync::Arc;

use baton_chat::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::test_world::*;
use super::*;
use crate::domain::{Arr, Currency, PersonId, Tier};
use crate::store::Store;
use crate::testing;
use crate::testing::TestDb;

/// Acme (CSM casey, Slack only; manager morgan) on shell:acme and discord:900; Globex
/// without a CSM; a two-level chain: Tier 2 (channel, pings lee), Engineering (DMs sam).
async fn bridge(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> World {
    let mut dana = person("dana", "Dana", Role::Agent);
    dana.handles.insert(Platform::Discord, UserId::parse("dana").unwrap());
    let mut sam = person("sam", "Sam", Role::Agent);
    sam.handles.insert(Platform::Discord, UserId::parse("700").unwrap());
    let lee = person("lee", "Lee", Role::Lead);
    let mut morgan = person("morgan", "Morgan", Role::Manager);
    morgan.handles.insert(Platform::Slack, UserId::parse("UMORGAN").unwrap());
    let mut casey = person("casey", "Casey", Role::Csm);
    casey.handles.insert(Platform::Slack, UserId::parse("UCASEY").unwrap());
    casey.manager = Some(PersonId::parse("morgan").unwrap());
    let mut acme = account("acme", "Acme Corp", "enterprise", "ACME", &["shell:acme", "discord:900"]);
    acme.arr = Some(Arr::new(120_000, Currency::USD));
    acme.renewal_date = Some(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    acme.csm = Some(PersonId::parse("casey").unwrap());
    let globex = account("globex", "Globex", "business", "GLX", &["shell:globex"]);
    let mut settings = Settings::from_config(&Config::default());
    settings.escalation_levels = vec![
        EscalationLevel { name: "Tier 2".into(), channel: Some(ch("shell:tier2")), people: vec![PersonId::parse("lee").unwrap()] },
        EscalationLevel { name: "Engineering".into(), channel: None, people: vec![PersonId::parse("sam").unwrap()] },
    ];
    settings.handoff.fallback = Some(ch("shell:success"));
    tweak(&mut settings);
    World::new(db, &[dana, sam, lee, morgan, casey], &[acme, globex], settings).await
}

impl World {
    /// Messages queued for a destination: their text and, for cards, every field and body.
    async fn to(&self, dest: &Destination) -> Vec<String> {
        self.outbox()
            .await
            .into_iter()
            .filter(|r| &r.message.destination == dest)
            .map(|r| {
                let mut s = r.message.text.clone();
                if let Some(c) = &r.message.card {
                    s.push('\n');
                    s.push_str(&c.title);
                    for (k, v) in &c.fields {
                        s.push_str(&format!("\n{k}: {v}"));
                    }
                    if let Some(b) = &c.body {
                        s.push('\n');
                        s.push_str(b);
                    }
                    for b in &c.buttons {
                        s.push_str(&format!("\n[{}] {}", b.label, b.action_id));
                    }
                }
                s
            })
            .collect()
    }
}

fn dm(platform: Platform, user: &str) -> Destination {
    Destination::Direct { platform, user: UserId::parse(user).unwrap() }
}

fn channel_dest(c: &str) -> Destination {
    Destination::Channel { channel: ch(c) }
}

#[tokio::test]
async fn manual_escalation_walks_the_chain_and_closes_the_loop() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |_| {}).await;
        w.open_from("shell:acme", "m1", "wile", "Exports fail for every user").await;
        w.command("shell:acme", Some("m1"), "dana", "escalate customer blocked on month-end close", t0() + Duration::minutes(5)).await;
        let tier2 = w.to(&channel_dest("shell:tier2")).await;
        assert_eq!(tier2.len(), 1, "{tier2:?}");
        assert_eq!(
            tier2[0],
            "ACME-1 escalated to Tier 2 (level 1): Exports fail for every user\n\
             Account: Acme Corp\n\
             Escalated by: Dana\n\
             Reason: customer blocked on month-end close\n\
             Conversation: shell:acme › m1\n\
             For: Lee"
        );
        // The card shows the level; the thread says so.
        let thread = Destination::Thread { channel: ch("shell:acme"), thread: MessageId::parse("m1").unwrap() };
        assert!(w.to(&thread).await.iter().any(|m| m == "ACME-1 was escalated to Tier 2."));
        // Level 2 has no channel: its people get a DM, on the ticket's platform when they are
        // there (everyone is on the shell).
        w.command("shell:acme", None, "lee", "escalate ACME-1 needs a code fix", t0() + Duration::minutes(30)).await;
        let sam = w.to(&dm(Platform::Shell, "sam")).await;
        assert_eq!(sam.len(), 1);
        assert!(sam[0].starts_with("ACME-1 escalated to Engineering (level 2)"), "{sam:?}");
        // The top of the chain: a clear refusal, nothing changes.
        w.command("shell:acme", None, "lee", "escalate ACME-1", t0() + Duration::minutes(31)).await;
        let lee = Destination::Ephemeral { channel: ch("shell:acme"), thread: None, user: UserId::parse("lee").unwrap() };
        assert_eq!(w.to(&lee).await, ["ACME-1 is already at the top of the escalation chain."]);
        // Down one level, then solved: Tier 2's channel hears both ends of the loop.
        w.command("shell:acme", Some("m1"), "sam", "deescalate", t0() + Duration::hours(2)).await;
        w.command("shell:acme", Some("m1"), "dana", "solve", t0() + Duration::hours(3)).await;
        let tier2 = w.to(&channel_dest("shell:tier2")).await;
        assert_eq!(tier2.last().unwrap(), "ACME-1 is solved; nothing more needed from Tier 2.");
        let kinds = w.kinds("ACME-1").await;
        assert_eq!(kinds.iter().filter(|k| **k == "escalated").count(), 2);
        assert!(kinds.contains(&"deescalated"));
        // A customer cannot escalate.
        w.command("shell:acme", Some("m1"), "wile", "escalate", t0() + Duration::hours(4)).await;
        let wile = Destination::Ephemeral { channel: ch("shell:acme"), thread: Some(MessageId::parse("m1").unwrap()), user: UserId::parse("wile").unwrap() };
        assert!(w.to(&wile).await.iter().any(|m| m.starts_with("Only the support team can do that.")));
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn handoff_dm_carries_the_whole_context_and_ack_stops_repings() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |_| {}).await;
        // History on the account: a rated ticket and another open one.
        w.open_from("shell:acme", "m1", "wile", "Old question").await;
        w.command("shell:acme", Some("m1"), "dana", "solve", t0() + Duration::minutes(2)).await;
        w.command("shell:acme", Some("m1"), "wile", "rate 2 slow answer", t0() + Duration::minutes(3)).await;
        w.open_from("shell:acme", "m5", "wile", "Dashboard shows yesterday's data\nsince the upgrade").await;
        w.say("shell:acme", "m6", Some("m5"), "dana", "Checking the sync job now", t0() + Duration::minutes(10)).await;
        w.say("shell:acme", "m7", Some("m5"), "wile", "Our board meeting is at 3pm, we need this", t0() + Duration::minutes(20)).await;
        w.clock.set(t0() + Duration::hours(2));
        w.command("shell:acme", Some("m5"), "dana", "handoff renewal conversation next week", t0() + Duration::hours(2)).await;
        let casey = dm(Platform::Shell, "casey");
        let dms = w.to(&casey).await;
        assert_eq!(dms.len(), 1, "{dms:?}");
        let expected = "Handoff ACME-2 (Dana asked for your help): Dashboard shows yesterday's data\n\
            Handoff ACME-2: Dashboard shows yesterday's data\n\
            Account: Acme Corp (enterprise)\n\
            ARR: $120,000\n\
            Renewal: Dec 5, 2026 (in 12 days)\n\
            Open tickets (1): ACME-2\n\
            Last 30 days: 0 escalations, 0 SLA breaches\n\
            Last CSAT: 2/5 on ACME-1\n\
            Health: 75/100\n\
            Priority: normal\n\
            Status: open\n\
            Age: 2h\n\
            Thread: shell:acme › m5\n\
            Why now: Dana asked for your help\n\
            Note from the agent: renewal conversation next week\n\
            Health: CSAT 2.0 on the last rating; 1 open ticket; 1 customer message waiting for a reply; renewal in 12 days\n\
            Latest messages:\n\
            • wile (customer): Dashboard shows yesterday's data since the upgrade\n\
            • Dana (agent): Checking the sync job now\n\
            • wile (customer): Our board meeting is at 3pm, we need this\n\
            [Acknowledge] handoff.ack";
        assert_eq!(dms[0], expected);
        // Not acknowledged: one reminder after 4 h, then the manager after 24 h, once each.
        w.clock.set(t0() + Duration::hours(6) + Duration::minutes(1));
        w.engine.tick().await.unwrap();
        w.engine.tick().await.unwrap();
        let dms = w.to(&casey).await;
        assert_eq!(dms.len(), 2);
        assert!(dms[1].contains("Why now: still not acknowledged after 4 hours"), "{}", dms[1]);
        w.clock.set(t0() + Duration::hours(26) + Duration::minutes(1));
        w.engine.tick().await.unwrap();
        w.engine.tick().await.unwrap();
        let morgan = w.to(&dm(Platform::Shell, "morgan")).await;
        assert_eq!(morgan.len(), 1);
        assert!(morgan[0].contains("Why now: Casey has not acknowledged it in 24 hours"), "{}", morgan[0]);
        // Casey acknowledges (button): recorded, posted in the thread, no more pings.
        let casey_slack = Author::human(UserId::parse("UCASEY").unwrap(), "casey");
        let ack = action("slack:D0CASEY", None, casey_slack, "handoff.ack", Some("ACME-2".into()), t0() + Duration::hours(27));
        w.send(Inbound::Action(ack)).await;
        let thread = Destination::Thread { channel: ch("shell:acme"), thread: MessageId::parse("m5").unwrap() };
        assert!(w.to(&thread).await.iter().any(|m| m == "Casey (CSM) acknowledged the handoff of ACME-2."));
        assert!(w.kinds("ACME-2").await.contains(&"handoff_acknowledged"));
        w.clock.set(t0() + Duration::hours(60));
        assert_eq!(w.engine.tick().await.unwrap(), 0, "no pings after the acknowledgement");
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_discord_ticket_hands_off_to_a_slack_only_csm_and_no_csm_goes_to_the_fallback() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |_| {}).await;
        w.open_from("discord:900", "1200", "4242", "Bot crashes on startup").await;
        w.command("discord:900", Some("1200"), "dana", "handoff", t0() + Duration::minutes(5)).await;
        let dms = w.to(&dm(Platform::Slack, "UCASEY")).await;
        assert_eq!(dms.len(), 1, "the Slack-only CSM gets the Discord ticket's handoff on Slack");
        assert!(dms[0].contains("Thread: discord:900 › 1200"), "{}", dms[0]);
        // Globex has no CSM: the handoff goes to the fallback channel and says so.
        w.open_from("shell:globex", "g1", "hank", "Invoices missing").await;
        w.command("shell:globex", Some("g1"), "dana", "handoff", t0() + Duration::minutes(6)).await;
        let fallback = w.to(&channel_dest("shell:success")).await;
        assert_eq!(fallback.len(), 1);
        assert!(fallback[0].contains("This account has no CSM baton can reach, so the handoff is posted here."));
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn automatic_escalation_and_one_open_handoff_per_ticket() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| {
            s.escalate_on_urgent = true;
            s.escalate_after_unanswered = 3;
        })
        .await;
        // Three customer messages without an agent reply: escalated once, by baton.
        w.open_from("shell:acme", "m1", "wile", "API returns 502").await;
        for (i, id) in ["m2", "m3", "m4", "m5"].into_iter().enumerate() {
            w.say("shell:acme", id, Some("m1"), "wile", "hello?", t0() + Duration::minutes(10 * (i as i64 + 1))).await;
        }
        let kinds = w.kinds("ACME-1").await;
        assert_eq!(kinds.iter().filter(|k| **k == "escalated").count(), 1, "{kinds:?}");
        let tier2 = w.to(&channel_dest("shell:tier2")).await;
        assert!(tier2[0].contains("Escalated by: baton (automatic)") && tier2[0].contains("Reason: 3 customer messages without a reply"));
        // The escalation handed off to the CSM; pretend the DM was delivered as 1700.1.
        let casey = dm(Platform::Shell, "casey");
        let row = w.outbox().await.into_iter().find(|r| r.message.destination == casey).expect("handoff DM");
        w.store().mark_delivered(row.id, Some(&MessageId::parse("1700.1").unwrap()), t0()).await.unwrap();
        // A second trigger (manual) while it is open updates that DM in place.
        w.command("shell:acme", Some("m1"), "dana", "handoff", t0() + Duration::hours(1)).await;
        let rows: Vec<_> = w.outbox().await.into_iter().filter(|r| r.message.destination == casey).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].message.replaces, Some(MessageId::parse("1700.1").unwrap()), "updated, not a new DM");
        assert!(rows[1].message.text.contains("Dana asked for your help"));
        // Opened as urgent: escalated at once.
        w.command("shell:acme", None, "dana", "open -p urgent Production is down", t0() + Duration::hours(2)).await;
        assert!(w.kinds("ACME-2").await.contains(&"escalated"));
        w.db.cleanup().await;
    }
}


/// Enterprise tickets: first response in 1 business hour, resolution in 8, Mon–Fri
/// 09:00–17:00 Stockholm.
fn enterprise_sla() -> Vec<crate::sla::SlaRule> {
    let spec = crate::sla::CalendarSpec {
        time_zone: "Europe/Stockholm".into(),
        hours: [("mon-fri".to_string(), vec!["09:00-17:00".to_string()])].into(),
        holidays: vec![],
    };
    let mut policy = crate::sla::SlaPolicy::new("enterprise", spec.build().unwrap());
    policy.first_response = Some(Duration::hours(1));
    policy.resolution = Some(Duration::hours(8));
    vec![crate::sla::SlaRule { tiers: vec![Tier::parse("enterprise").unwrap()], priorities: vec![], policy }]
}

#[tokio::test]
async fn sla_warning_and_breach_are_posted_once_across_restarts_and_breach_escalates() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| {
            s.sla_rules = enterprise_sla();
            s.escalate_on_breach = true;
        })
        .await;
        // Friday 2026-11-27 16:30 Stockholm (15:30 UTC): first response due Monday 09:30
        // local (08:30 UTC) after 30 business minutes on Friday and 30 on Monday.
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 15, 30, 0).unwrap();
        w.clock.set(friday);
        w.say("shell:acme", "m1", None, "wile", "Our SSO is down", friday).await;
        w.send(Inbound::Reaction(ReactionAdded {
            target: MessageRef { channel: ch("shell:acme"), message: MessageId::parse("m1").unwrap() },
            thread: None,
            emoji: "ticket".into(),
            user: author("dana"),
            message_author: Some(author("wile")),
            message_text: Some("Our SSO is down".into()),
            message_sent_at: Some(friday),
            reacted_at: friday,
        }))
        .await;
        let card = w.outbox().await.into_iter().find_map(|r| r.message.card).unwrap();
        assert!(card.fields.contains(&("first response".into(), "due Nov 30, 2026, 8:30 AM UTC".into())), "{:?}", card.fields);
        let thread = Destination::Thread { channel: ch("shell:acme"), thread: MessageId::parse("m1").unwrap() };
        // The weekend counts for nothing.
        w.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 20, 0, 0).unwrap());
        w.engine.tick().await.unwrap();
        assert!(!w.to(&thread).await.iter().any(|m| m.starts_with('⚠')));
        // Monday 09:16 local: 46 of 60 minutes used → one warning, however often the sweep runs.
        w.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 8, 16, 0).unwrap());
        w.engine.tick().await.unwrap();
        w.engine.tick().await.unwrap();
        // A restart: a new engine on the same database.
        let restarted = Engine::new(w.store().clone(), w.engine.settings.clone(), w.clock.clone());
        restarted.tick().await.unwrap();
        let warnings: Vec<String> = w.to(&thread).await.into_iter().filter(|m| m.starts_with('⚠')).collect();
        assert_eq!(warnings, ["⚠ ACME-1: the first response target is due at Nov 30, 2026, 8:30 AM UTC."]);
        // 09:31 local: breached, posted once, escalated by baton, CSM handed off.
        w.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 8, 31, 0).unwrap());
        w.engine.tick().await.unwrap();
        restarted.tick().await.unwrap();
        let breaches: Vec<String> = w.to(&thread).await.into_iter().filter(|m| m.starts_with('🔴')).collect();
        assert_eq!(breaches, ["🔴 ACME-1: the first response target was due at Nov 30, 2026, 8:30 AM UTC and is breached."]);
        let kinds = w.kinds("ACME-1").await;
        assert_eq!(kinds.iter().filter(|k| **k == "sla_warning").count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == "sla_breached").count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == "escalated").count(), 1, "{kinds:?}");
        let tier2 = w.to(&channel_dest("shell:tier2")).await;
        assert!(tier2[0].contains("Reason: sla_breach:first_response"), "{tier2:?}");
        let casey = w.to(&dm(Platform::Shell, "casey")).await;
        assert!(casey[0].contains("Last 30 days: 1 escalation, 1 SLA breach"), "{}", casey[0]);
        w.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sweeping_at_once_post_each_sla_warning_and_breach_once() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| s.sla_rules = enterprise_sla()).await;
        // Monday 10:00 Stockholm: twelve enterprise tickets, first response due at 11:00.
        for i in 1..=12 {
            w.open_from("shell:acme", &format!("m{i}"), "wile", &format!("Problem number {i}")).await;
        }
        // A second replica: its own connection pool on the same database.
        let other = Engine::new(crate::store::connect(&w.db.url).await.unwrap(), w.engine.settings.clone(), w.clock.clone());
        // 50 minutes in (warning), then 61 (breach): both replicas sweep at the same moment,
        // three times each.
        for minutes in [50, 61] {
            w.clock.set(t0() + Duration::minutes(minutes));
            for _ in 0..3 {
                let (a, b) = tokio::join!(
                    tokio::spawn({
                        let e = w.engine.clone();
                        async move { e.tick().await }
                    }),
                    tokio::spawn({
                        let e = other.clone();
                        async move { e.tick().await }
                    })
                );
                a.unwrap().unwrap();
                b.unwrap().unwrap();
            }
        }
        for i in 1..=12 {
            let key = format!("ACME-{i}");
            let kinds = w.kinds(&key).await;
            assert_eq!(kinds.iter().filter(|k| **k == "sla_warning").count(), 1, "{key} on {:?}: {kinds:?}", w.db.backend);
            assert_eq!(kinds.iter().filter(|k| **k == "sla_breached").count(), 1, "{key}: {kinds:?}");
            let thread = Destination::Thread { channel: ch("shell:acme"), thread: MessageId::parse(format!("m{i}")).unwrap() };
            let said = w.to(&thread).await;
            assert_eq!(said.iter().filter(|m| m.starts_with('⚠')).count(), 1, "{key}: {said:?}");
            assert_eq!(said.iter().filter(|m| m.starts_with('🔴')).count(), 1, "{key}: {said:?}");
        }
        drop(other);
        w.db.cleanup().await;
    }
}

/// Each ticket's stored next SLA check, by key.
async fn next_checks(store: &Arc<dyn Store>) -> Vec<(String, Option<DateTime<Utc>>)> {
    store.sla_candidates(None).await.unwrap().into_iter().map(|c| (c.ticket.key.to_string(), c.next_check)).collect()
}

async fn due_keys(store: &Arc<dyn Store>, by: DateTime<Utc>) -> Vec<String> {
    store.sla_candidates(Some(by)).await.unwrap().into_iter().map(|c| c.ticket.key.to_string()).collect()
}

#[tokio::test]
async fn the_first_sla_pass_fills_next_checks_and_a_change_makes_a_ticket_due() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| s.sla_rules = enterprise_sla()).await;
        // Monday 10:00 Stockholm: first response due at 11:00, its warning at 10:45.
        w.open_from("shell:acme", "m1", "wile", "Exports fail").await;
        w.open_from("shell:acme", "m2", "wile", "Imports fail").await;
        // New tickets are due at once.
        assert_eq!(due_keys(w.store(), t0()).await, ["ACME-1", "ACME-2"]);
        w.clock.set(t0() + Duration::minutes(5));
        w.engine.tick().await.unwrap();
        let warn = Some(t0() + Duration::minutes(45));
        assert_eq!(next_checks(w.store()).await, [("ACME-1".to_string(), warn), ("ACME-2".to_string(), warn)]);
        assert!(due_keys(w.store(), t0() + Duration::minutes(10)).await.is_empty());
        // An agent's reply changes ACME-1: due now. The next pass computes its resolution
        // clock's warning: 6 of 8 business hours, Monday 16:00 Stockholm (15:00 UTC).
        w.clock.set(t0() + Duration::minutes(10));
        w.say("shell:acme", "m3", Some("m1"), "dana", "On it", t0() + Duration::minutes(10)).await;
        assert_eq!(due_keys(w.store(), t0() + Duration::minutes(10)).await, ["ACME-1"]);
        w.engine.tick().await.unwrap();
        assert_eq!(
            next_checks(w.store()).await,
            [("ACME-1".to_string(), Some(t0() + Duration::hours(6))), ("ACME-2".to_string(), warn)]
        );
        assert!(due_keys(w.store(), t0() + Duration::minutes(10)).await.is_empty());
        // Solved: nothing can be due any more; a pass leaves it alone.
        w.clock.set(t0() + Duration::minutes(20));
        w.command("shell:acme", Some("m1"), "dana", "solve", t0() + Duration::minutes(20)).await;
        assert_eq!(w.engine.tick().await.unwrap(), 0);
        assert_eq!(next_checks(w.store()).await, [("ACME-2".to_string(), warn)]);
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_restart_with_the_same_sla_rules_sweeps_the_due_tickets_and_other_rules_sweep_everything() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| s.sla_rules = enterprise_sla()).await;
        w.open_from("shell:acme", "m1", "wile", "Exports fail").await;
        w.clock.set(t0() + Duration::minutes(5));
        // The first pass ever sweeps every active ticket and records the rules it ran with.
        assert_eq!(w.store().bot_state(crate::sla::RULES_FINGERPRINT_STATE).await.unwrap(), None);
        w.engine.tick().await.unwrap();
        let fingerprint = |rules: &[crate::sla::SlaRule]| Some(crate::sla::rules_fingerprint(rules));
        assert_eq!(w.store().bot_state(crate::sla::RULES_FINGERPRINT_STATE).await.unwrap(), fingerprint(&enterprise_sla()));
        // Its next check moved past the warning (as a sweep under other rules would have
        // stored it), without a change of the ticket.
        let c = w.store().sla_candidates(None).await.unwrap().remove(0);
        let later = Some(t0() + Duration::hours(2));
        let check = crate::store::SlaNextCheck { ticket: c.ticket.id, version: c.ticket.version, stamp: c.stamp, at: later };
        assert_eq!(w.store().set_sla_next_checks(&[check]).await.unwrap(), 1);
        // Past the warning threshold, passes over the due tickets do not load it.
        w.clock.set(t0() + Duration::minutes(50));
        w.engine.tick().await.unwrap();
        w.engine.tick().await.unwrap();
        assert!(!w.kinds("ACME-1").await.contains(&"sla_warning"));
        assert_eq!(next_checks(w.store()).await, [("ACME-1".to_string(), later)]);
        // A restart with the same rules trusts the stored next checks: the due tickets only.
        let same = Engine::new(w.store().clone(), w.engine.settings.clone(), w.clock.clone());
        assert_eq!(same.tick().await.unwrap(), 0);
        assert!(!w.kinds("ACME-1").await.contains(&"sla_warning"));
        assert_eq!(next_checks(w.store()).await, [("ACME-1".to_string(), later)]);
        // A start with other rules (a warning at half the target) sweeps every active ticket,
        // and records them.
        let mut other = enterprise_sla();
        other[0].policy.warn_fraction = 0.5;
        let mut settings = (*w.engine.settings).clone();
        settings.sla_rules = other.clone();
        let changed = Engine::new(w.store().clone(), Arc::new(settings), w.clock.clone());
        assert_eq!(changed.tick().await.unwrap(), 1);
        assert_eq!(w.kinds("ACME-1").await.iter().filter(|k| **k == "sla_warning").count(), 1);
        assert_eq!(w.store().bot_state(crate::sla::RULES_FINGERPRINT_STATE).await.unwrap(), fingerprint(&other));
        assert_ne!(fingerprint(&other), fingerprint(&enterprise_sla()));
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn sla_warning_and_breach_fire_once_each_as_passes_over_due_tickets_run() {
    for db in testing::each_backend().await {
        let mut w = bridge(db, |s| s.sla_rules = enterprise_sla()).await;
        // First response due at t0 + 60 min, its warning at t0 + 45 min.
        w.open_from("shell:acme", "m1", "wile", "Exports fail").await;
        let thread = Destination::Thread { channel: ch("shell:acme"), thread: MessageId::parse("m1").unwrap() };
        for minutes in [1, 30, 44, 45, 46, 50, 59, 60, 61, 75, 120, 121] {
            w.clock.set(t0() + Duration::minutes(minutes));
            w.engine.tick().await.unwrap();
            let kinds = w.kinds("ACME-1").await;
            let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
            assert_eq!(count("sla_warning"), usize::from(minutes >= 45), "at {minutes} min: {kinds:?}");
            assert_eq!(count("sla_breached"), usize::from(minutes >= 60), "at {minutes} min: {kinds:?}");
            let said = w.to(&thread).await;
            assert_eq!(said.iter().filter(|m| m.starts_with('⚠')).count(), usize::from(minutes >= 45), "{said:?}");
            assert_eq!(said.iter().filter(|m| m.starts_with('🔴')).count(), usize::from(minutes >= 60), "{said:?}");
        }
        // Breached and posted: only the resolution clock's warning (Monday 16:00 Stockholm) is left.
        assert_eq!(next_checks(w.store()).await, [("ACME-1".to_string(), Some(t0() + Duration::hours(6)))]);
        w.db.cleanup().await;
    }
}
