//! The scheduler: slots in a time zone across DST, once per slot, catch-up after downtime,
//! and two replicas racing for one slot. Time is a `ManualClock`; nothing sleeps.

use std::sync::Arc;

use baton_chat::ChannelRef;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use chrono_tz::Tz;

use super::*;
use crate::clock::ManualClock;
use crate::config::{parse_cron, DigestKind};
use crate::digest::{DigestSpec, Digests, Target};
use crate::engine::Settings;
use crate::store::Store;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// Runs the pure decision every `step` from `from` to `to`, claiming what it posts the way
/// the database would, and returns the posted slots.
fn simulate(cron: &str, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>, step: Duration) -> Vec<DateTime<Utc>> {
    let spec = parse_cron(cron).unwrap();
    let mut last = None;
    let mut posted = Vec::new();
    let mut now = from;
    while now <= to {
        match decide(&spec, tz, last, now, from) {
            Decision::Idle => {}
            Decision::Baseline { slot } => last = Some(slot),
            Decision::Post { slot, late } => {
                assert_eq!(late, None, "running all along, checked every {step}: never late");
                posted.push(slot);
                last = Some(slot);
            }
        }
        now += step;
    }
    posted
}

#[test]
fn first_sight_passes_over_the_latest_slot_then_posts_each_slot_once() {
    let spec = parse_cron("0 9 * * 1-5").unwrap();
    // Monday 2026-11-02 10:00 in Stockholm (CET, UTC+1) = 09:00Z: today's 09:00 is past.
    let now = utc(2026, 11, 2, 9, 0);
    assert_eq!(decide(&spec, Stockholm, None, now, now), Decision::Baseline { slot: utc(2026, 11, 2, 8, 0) });
    let last = Some(utc(2026, 11, 2, 8, 0));
    assert_eq!(decide(&spec, Stockholm, last, utc(2026, 11, 3, 7, 59), now), Decision::Idle);
    assert_eq!(
        decide(&spec, Stockholm, last, utc(2026, 11, 3, 8, 0), now),
        Decision::Post { slot: utc(2026, 11, 3, 8, 0), late: None }
    );
    // Friday's slot, then nothing over the weekend, then Monday's.
    let friday = Some(utc(2026, 11, 6, 8, 0));
    assert_eq!(decide(&spec, Stockholm, friday, utc(2026, 11, 8, 23, 0), now), Decision::Idle);
    assert_eq!(
        decide(&spec, Stockholm, friday, utc(2026, 11, 9, 8, 1), now),
        Decision::Post { slot: utc(2026, 11, 9, 8, 0), late: None }
    );
    // Every 5 minutes for a fortnight: the ten weekdays, each once.
    let posted = simulate("0 9 * * 1-5", Stockholm, utc(2026, 11, 2, 9, 0), utc(2026, 11, 16, 7, 0), Duration::minutes(5));
    assert_eq!(posted.len(), 9, "Tue 3rd to Fri 13th: {posted:?}");
    assert!(posted.iter().all(|s| s.with_timezone(&Stockholm).format("%H:%M").to_string() == "09:00"));
}

#[test]
fn catch_up_posts_only_the_latest_missed_slot_with_a_note() {
    let spec = parse_cron("0 9 * * *").unwrap();
    let monday = Some(utc(2026, 11, 2, 8, 0));
    // Down from Monday until Thursday 11:00 Stockholm: Tue, Wed and Thu were missed; only
    // Thursday's is posted, saying it is late and that two more were missed.
    let started = utc(2026, 11, 5, 10, 0);
    let d = decide(&spec, Stockholm, monday, started, started);
    let thursday = utc(2026, 11, 5, 8, 0);
    assert_eq!(
        d,
        Decision::Post { slot: thursday, late: Some(LateNote { lateness: Lateness::NotRunning, slot: thursday, skipped: 2 }) }
    );
    // Once Thursday's is claimed, nothing more until Friday.
    assert_eq!(decide(&spec, Stockholm, Some(thursday), started + Duration::minutes(1), started), Decision::Idle);
    // Running, but the pass came more than five minutes after the slot (say the database
    // was down): posted, and marked late.
    let d = decide(&spec, Stockholm, monday, utc(2026, 11, 3, 8, 30), utc(2026, 11, 1, 0, 0));
    let tuesday = utc(2026, 11, 3, 8, 0);
    assert_eq!(
        d,
        Decision::Post { slot: tuesday, late: Some(LateNote { lateness: Lateness::Delayed, slot: tuesday, skipped: 0 }) }
    );
    // Within five minutes is on time, also for a replica that started after the slot
    // (another one may have been about to post it).
    assert_eq!(
        decide(&spec, Stockholm, monday, utc(2026, 11, 3, 8, 4), utc(2026, 11, 1, 0, 0)),
        Decision::Post { slot: tuesday, late: None }
    );
    assert_eq!(
        decide(&spec, Stockholm, monday, utc(2026, 11, 3, 8, 2), utc(2026, 11, 3, 8, 1)),
        Decision::Post { slot: tuesday, late: None }
    );
}

#[test]
fn slots_in_a_time_zone_across_dst() {
    // Clocks go back in Stockholm on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET: 02:30
    // happens twice (00:30Z and 01:30Z). Checked every minute through the night: one post.
    let posted = simulate("30 2 * * *", Stockholm, utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 12, 0), Duration::minutes(1));
    assert_eq!(posted, [utc(2026, 10, 25, 0, 30)]);
    // A daily 09:00 stays 09:00 local on both sides: 07:00Z in summer, 08:00Z in winter.
    let posted = simulate("0 9 * * *", Stockholm, utc(2026, 10, 23, 12, 0), utc(2026, 10, 26, 12, 0), Duration::minutes(5));
    assert_eq!(posted, [utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)]);
    // Every 15 minutes: each local quarter-hour once, the repeated hour not again.
    let posted = simulate("*/15 * * * *", Stockholm, utc(2026, 10, 24, 23, 50), utc(2026, 10, 25, 2, 0), Duration::minutes(1));
    let hm: Vec<String> = posted.iter().map(|t| t.format("%H:%M").to_string()).collect();
    assert_eq!(hm, ["00:00", "00:15", "00:30", "00:45", "02:00"]);
    // Clocks go forward on 2026-03-29 at 02:00 CET to 03:00 CEST: 02:30 does not exist, so
    // nothing that night; the next night it fires as usual.
    let posted = simulate("30 2 * * *", Stockholm, utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 12, 0), Duration::minutes(1));
    assert_eq!(posted, [utc(2026, 3, 30, 0, 30)]);
    // Previous slots (the digest's period) step back across the change too.
    let daily = parse_cron("0 9 * * *").unwrap();
    assert_eq!(previous_slot(&daily, Stockholm, utc(2026, 10, 25, 8, 0)), Some(utc(2026, 10, 24, 7, 0)));
    assert_eq!(latest_at_or_before(&daily, Stockholm, utc(2026, 10, 25, 8, 0)), Some(utc(2026, 10, 25, 8, 0)));
}

fn digest(name: &str, cron: &str, tz: Tz) -> DigestSpec {
    DigestSpec {
        name: name.into(),
        kind: DigestKind::TeamMetrics,
        cron: parse_cron(cron).unwrap(),
        time_zone: tz,
        targets: vec![Target::Channel(ChannelRef::parse("shell:leads").unwrap())],
        lang: crate::i18n::fallback(),
    }
}

fn scheduler(store: Arc<dyn Store>, clock: Arc<ManualClock>, specs: Vec<DigestSpec>) -> Scheduler {
    let settings = Arc::new(Settings::from_config(&crate::config::Config::default()));
    let clock: Arc<dyn crate::clock::Clock> = clock;
    Scheduler::new(store.clone(), Digests::new(store, settings), specs, clock)
}

async fn queued(store: &dyn Store) -> Vec<String> {
    store.outbox(false, 100).await.unwrap().into_iter().map(|r| r.message.text).collect()
}

#[tokio::test]
async fn posts_once_per_slot_and_catches_up_once_after_downtime() {
    for db in crate::testing::each_backend().await {
        let specs = || vec![digest("daily", "0 9 * * *", chrono_tz::UTC)];
        let clock = Arc::new(ManualClock::new(utc(2026, 11, 2, 8, 0)));
        let first = scheduler(db.store.clone(), clock.clone(), specs());
        // First sight: yesterday's 09:00 is passed over, nothing posted.
        assert_eq!(first.tick().await, [("daily".to_string(), Outcome::Baseline { slot: utc(2026, 11, 1, 9, 0) })]);
        assert!(queued(db.store.as_ref()).await.is_empty());
        clock.set(utc(2026, 11, 2, 8, 59));
        assert_eq!(first.tick().await[0].1, Outcome::Idle);
        clock.set(utc(2026, 11, 2, 9, 0));
        assert_eq!(first.tick().await[0].1, Outcome::Posted { slot: utc(2026, 11, 2, 9, 0), messages: 1, late: false });
        clock.set(utc(2026, 11, 2, 9, 1));
        assert_eq!(first.tick().await[0].1, Outcome::Idle, "once per slot");
        let texts = queued(db.store.as_ref()).await;
        assert_eq!(texts.len(), 1);
        assert!(texts[0].starts_with("No tickets were opened"), "empty digests say so: {texts:?}");

        // Down from Monday 09:01 to Thursday 11:30: started again, it posts Thursday's 09:00
        // once, late, and not Tuesday's or Wednesday's.
        drop(first);
        clock.set(utc(2026, 11, 5, 11, 30));
        let second = scheduler(db.store.clone(), clock.clone(), specs());
        assert_eq!(second.tick().await[0].1, Outcome::Posted { slot: utc(2026, 11, 5, 9, 0), messages: 1, late: true });
        assert_eq!(second.tick().await[0].1, Outcome::Idle);
        // A third start (or a replica) right after does not post it again.
        let third = scheduler(db.store.clone(), clock.clone(), specs());
        assert_eq!(third.tick().await[0].1, Outcome::Idle);
        let texts = queued(db.store.as_ref()).await;
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[1].starts_with(
                "Posted late: baton was not running at Nov 5, 2026, 9:00 AM UTC. 2 earlier runs were missed too and are not posted separately.\n"
            ),
            "{}",
            texts[1]
        );
        let runs = db.store.digest_runs("daily", 10).await.unwrap();
        let rows: Vec<_> = runs.iter().map(|r| (r.slot, r.posted_at.is_some(), r.late, r.messages)).collect();
        assert_eq!(
            rows,
            [
                (utc(2026, 11, 5, 9, 0), true, true, 1),
                (utc(2026, 11, 2, 9, 0), true, false, 1),
                (utc(2026, 11, 1, 9, 0), false, false, 0),
            ]
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_repeated_local_hour_posts_once() {
    for db in crate::testing::each_backend().await {
        let clock = Arc::new(ManualClock::new(utc(2026, 10, 24, 12, 0)));
        let s = scheduler(db.store.clone(), clock.clone(), vec![digest("night", "30 2 * * *", Stockholm)]);
        let mut posted = Vec::new();
        while clock.now() <= utc(2026, 10, 25, 4, 0) {
            for (_, o) in s.tick().await {
                if let Outcome::Posted { slot, .. } = o {
                    posted.push(slot);
                }
            }
            clock.advance(Duration::minutes(5));
        }
        assert_eq!(posted, [utc(2026, 10, 25, 0, 30)], "{:?}", db.backend);
        assert_eq!(queued(db.store.as_ref()).await.len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_racing_for_a_slot_post_it_once() {
    for db in crate::testing::each_backend().await {
        // Two replicas: separate connection pools on the same database.
        let other = crate::store::connect(&db.url).await.unwrap();
        let clock = Arc::new(ManualClock::new(utc(2026, 11, 1, 12, 0)));
        let specs = || vec![digest("daily", "0 9 * * *", chrono_tz::UTC), digest("hourly", "0 * * * *", chrono_tz::UTC)];
        let a = scheduler(db.store.clone(), clock.clone(), specs());
        let b = scheduler(other.clone(), clock.clone(), specs());
        a.tick().await; // baselines
        let mut wins = 0;
        let mut losses = 0;
        // Ten days of slots, both replicas tick at each one at the same time.
        for day in 2..12 {
            clock.set(utc(2026, 11, day, 9, 0));
            let (ra, rb) = tokio::join!(tokio::spawn({
                let a = a.clone();
                async move { a.tick().await }
            }), tokio::spawn({
                let b = b.clone();
                async move { b.tick().await }
            }));
            for (_, o) in ra.unwrap().into_iter().chain(rb.unwrap()) {
                match o {
                    Outcome::Posted { .. } => wins += 1,
                    Outcome::AlreadyClaimed { .. } | Outcome::Idle => losses += 1,
                    Outcome::Baseline { .. } => panic!("no baseline after the first pass"),
                }
            }
        }
        // Each of 10 slots of each of 2 digests: one post, one refusal.
        assert_eq!((wins, losses), (20, 20), "{:?}", db.backend);
        assert_eq!(queued(db.store.as_ref()).await.len(), 20);
        for name in ["daily", "hourly"] {
            let runs = db.store.digest_runs(name, 100).await.unwrap();
            assert_eq!(runs.iter().filter(|r| r.posted_at.is_some()).count(), 10, "{name}");
        }
        drop((a, b, other));
        db.cleanup().await;
    }
}
