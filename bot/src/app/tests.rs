//! The inbox and outbox workers: group-committed, de-duplicated ingest; and replicas and
//! crashes: work claimed by a replica that died is done by another once the claim's lease
//! ends, exactly once; a batch that outlives half its lease gives the rest back; a delivery
//! that hangs is cut off before its lease ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use baton_chat::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::clock::ManualClock;
use crate::config::{Config, WhoMayOpen};
use crate::domain::{Account, AccountId, KeyPrefix, Name, Tier};
use crate::engine::{ChannelSettings, Settings};
use crate::outbox::Sinks;
use crate::store::{NewOutbound, TicketFilter};
use crate::testing::{self, TestDb};

const LEASE: StdDuration = StdDuration::from_secs(10);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
}

fn intake() -> ChannelRef {
    ChannelRef::parse("shell:globex").unwrap()
}

/// A platform that records what it was given; each delivery optionally moves the clock on
/// (a slow platform) or never answers.
#[derive(Default)]
struct Recorder {
    delivered: Mutex<Vec<String>>,
    n: AtomicU64,
    slow: Option<(Arc<ManualClock>, Duration)>,
    hang: bool,
}

#[async_trait]
impl ChatSink for Recorder {
    fn platform(&self) -> Platform {
        Platform::Shell
    }
    async fn deliver(&self, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        if self.hang {
            std::future::pending::<()>().await;
        }
        self.delivered.lock().unwrap().push(m.text.clone());
        if let Some((clock, d)) = &self.slow {
            clock.advance(*d);
        }
        let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Delivered { message: Some(MessageId::parse(format!("posted{n}")).unwrap()) })
    }
}

/// A replica: its own connection pool on the test database, an engine with an auto-intake
/// channel, and the recorder as its only platform.
async fn replica(db: &TestDb, clock: Arc<ManualClock>, sink: Arc<Recorder>) -> App {
    let store = crate::store::connect(&db.url).await.unwrap();
    let mut settings = Settings::from_config(&Config::default());
    settings.channels.insert(intake(), ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Anyone, ..Default::default() });
    let engine = Engine::new(store.clone(), Arc::new(settings), clock.clone());
    let mut sinks = Sinks::default();
    sinks.add(sink);
    let outbox = Outbox::new(store, sinks, clock.clone()).with_lease(LEASE);
    App::new(engine, outbox, clock)
}

async fn seed(db: &TestDb) {
    let mut globex = Account::new(AccountId::parse("globex").unwrap(), Name::parse("Globex").unwrap(), Tier::parse("business").unwrap())
        .with_channels([intake()])
        .unwrap();
    globex.key_prefix = Some(KeyPrefix::parse("GLX").unwrap());
    db.store.upsert_accounts(&[globex]).await.unwrap();
}

fn customer_message(id: &str, text: &str) -> InboundEvent {
    InboundEvent {
        event_id: format!("ev-{id}"),
        platform: Platform::Shell,
        body: Inbound::Message(IncomingMessage {
            channel: intake(),
            message: MessageId::parse(id).unwrap(),
            thread: None,
            author: Author::human(UserId::parse("wile").unwrap(), "Wile"),
            text: text.into(),
            sent_at: t0(),
            edited: false,
        }),
    }
}

fn text(n: usize) -> NewOutbound {
    NewOutbound::message(OutboundMessage {
        destination: Destination::Channel { channel: intake() },
        text: format!("m{n}"),
        card: None,
        replaces: None,
        attachments: vec![],
        conversation: Conversation::Continues,
    })
}

#[tokio::test]
async fn an_event_claimed_by_a_replica_that_died_is_handled_by_another_once_its_lease_ends() {
    for db in testing::each_backend().await {
        seed(&db).await;
        let clock = Arc::new(ManualClock::new(t0()));
        let b = replica(&db, clock.clone(), Arc::default()).await;
        // Replica A recorded and acknowledged the event, claimed it, and was killed.
        b.record(&customer_message("m1", "Exports time out")).await.unwrap();
        let claimed = db.store.claim_inbound(t0(), t0() + Duration::from_std(LEASE).unwrap(), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        // B leaves it alone while A's claim lasts…
        clock.advance(Duration::seconds(9));
        assert_eq!(b.drain_inbox().await.unwrap(), 0, "{:?}", db.backend);
        assert_eq!(db.store.tickets(&TicketFilter::default()).await.unwrap().len(), 0);
        // …and handles it once the claim has expired, once.
        clock.advance(Duration::seconds(2));
        assert_eq!(b.drain_inbox().await.unwrap(), 1);
        assert_eq!(b.drain_inbox().await.unwrap(), 0);
        let tickets = db.store.tickets(&TicketFilter::default()).await.unwrap();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].title.as_str(), "Exports time out");
        assert!(db.store.unprocessed_inbound(10).await.unwrap().is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_message_claimed_by_a_replica_that_died_is_delivered_by_another_once_its_lease_ends() {
    for db in testing::each_backend().await {
        let clock = Arc::new(ManualClock::new(t0()));
        let sink = Arc::new(Recorder::default());
        let b = replica(&db, clock.clone(), sink.clone()).await;
        db.store.enqueue(&[text(1)], t0()).await.unwrap();
        // Replica A claimed it and died before (or while) posting it.
        assert_eq!(db.store.claim_outbound(t0(), t0() + Duration::from_std(LEASE).unwrap(), 10).await.unwrap().len(), 1);
        clock.advance(Duration::seconds(9));
        assert_eq!(b.outbox.deliver_due().await.unwrap(), 0, "{:?}", db.backend);
        assert!(sink.delivered.lock().unwrap().is_empty());
        clock.advance(Duration::seconds(2));
        assert_eq!(b.outbox.deliver_due().await.unwrap(), 1);
        assert_eq!(b.outbox.deliver_due().await.unwrap(), 0);
        assert_eq!(*sink.delivered.lock().unwrap(), ["m1"]);
        let rows = db.store.outbox(false, 10).await.unwrap();
        assert_eq!(rows[0].delivered_message.as_ref().map(|m| m.as_str()), Some("posted1"));
        assert_eq!(db.store.outbox_backlog().await.unwrap().0, 0);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_that_outlives_half_its_lease_gives_the_rest_back() {
    for db in testing::each_backend().await {
        let clock = Arc::new(ManualClock::new(t0()));
        // Every delivery takes 3 s of a 10 s lease: after two, the rest go back.
        let sink = Arc::new(Recorder { slow: Some((clock.clone(), Duration::seconds(3))), ..Default::default() });
        let a = replica(&db, clock.clone(), sink.clone()).await;
        let other = crate::store::connect(&db.url).await.unwrap();
        db.store.enqueue(&(1..=5).map(text).collect::<Vec<_>>(), t0()).await.unwrap();
        let claimed_at = clock.now();
        let lease_until = claimed_at + Duration::from_std(LEASE).unwrap();
        let batch = db.store.claim_outbound(claimed_at, lease_until, 100).await.unwrap();
        assert_eq!(batch.len(), 5);
        // What `deliver_due` does with a batch, by hand: two attempts, then the give-back.
        for row in &batch[..2] {
            sink.deliver(&row.message).await.unwrap();
            db.store.mark_delivered(row.id, None, clock.now()).await.unwrap();
        }
        let rest: Vec<i64> = batch[2..].iter().map(|r| r.id).collect();
        // A release with the wrong lease changes nothing (someone else's claim).
        db.store.release_outbound(&rest, lease_until + Duration::seconds(1)).await.unwrap();
        assert!(other.claim_outbound(clock.now(), clock.now() + Duration::seconds(10), 100).await.unwrap().is_empty());
        db.store.release_outbound(&rest, lease_until).await.unwrap();
        let taken = other.claim_outbound(clock.now(), clock.now() + Duration::seconds(10), 100).await.unwrap();
        assert_eq!(taken.iter().map(|r| r.id).collect::<Vec<_>>(), rest, "{:?}", db.backend);
        // The worker itself: a fresh set, delivered in one pass, each once.
        clock.advance(Duration::seconds(11));
        sink.delivered.lock().unwrap().clear();
        db.store.enqueue(&(6..=10).map(text).collect::<Vec<_>>(), clock.now()).await.unwrap();
        assert_eq!(a.outbox.deliver_due().await.unwrap(), 8, "the three taken back and the five new");
        let mut got = sink.delivered.lock().unwrap().clone();
        got.sort();
        assert_eq!(got, ["m10", "m3", "m4", "m5", "m6", "m7", "m8", "m9"]);
        drop(other);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_delivery_that_hangs_is_cut_off_at_half_the_lease_and_retried_later() {
    for db in testing::each_backend().await {
        let clock = Arc::new(ManualClock::new(t0()));
        let sink = Arc::new(Recorder { hang: true, ..Default::default() });
        let a = replica(&db, clock.clone(), sink).await;
        let a = App { outbox: a.outbox.clone().with_lease(StdDuration::from_secs(2)), ..a };
        db.store.enqueue(&[text(1)], t0()).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(a.outbox.deliver_due().await.unwrap(), 0);
        let took = started.elapsed();
        assert!(took >= StdDuration::from_secs(1) && took < StdDuration::from_secs(10), "{took:?}");
        let row = db.store.outbox(false, 10).await.unwrap().remove(0);
        assert_eq!((row.attempts, row.dead, row.delivered_at), (1, false, None), "{:?}", db.backend);
        assert!(row.last_error.unwrap().contains("no answer within 1s"));
        db.cleanup().await;
    }
}

/// A burst of concurrent deliveries, each event delivered three times (platform
/// retries racing each other): every caller learns correctly whether its copy was new,
/// everything answered is in the inbox, and each event is handled once.
#[tokio::test]
async fn concurrent_ingest_is_group_committed_and_deduplicated() {
    for db in crate::testing::each_backend().await {
        let store = db.store.clone();
        let channel = ChannelRef::parse("shell:acme").unwrap();
        let account = Account::new(AccountId::parse("acme").unwrap(), Name::parse("Acme").unwrap(), Tier::parse("enterprise").unwrap())
            .with_channels([channel.clone()])
            .unwrap();
        store.upsert_accounts(&[account]).await.unwrap();
        let mut settings = Settings::from_config(&Config::default());
        settings
            .channels
            .insert(channel.clone(), ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Anyone, lang: None, private_threads: false });
        let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0));
        let engine = Engine::new(store.clone(), Arc::new(settings), clock.clone());
        let app = App::new(engine, Outbox::new(store.clone(), Sinks::default(), clock.clone()), clock);

        let events: usize = 60;
        let mut calls = tokio::task::JoinSet::new();
        for _copy in 0..3 {
            for n in 0..events {
                let app = app.clone();
                let user = UserId::parse(format!("cust{n}")).unwrap();
                let event = InboundEvent {
                    event_id: format!("Ev{n:03}"),
                    platform: Platform::Shell,
                    body: Inbound::Message(IncomingMessage {
                        channel: channel.clone(),
                        message: MessageId::parse(format!("{n}.0001")).unwrap(),
                        thread: None,
                        author: Author::human(user, format!("Customer {n}")),
                        text: format!("Login is broken for user {n}"),
                        sent_at: t0,
                        edited: false,
                    }),
                };
                calls.spawn(async move { (n, app.ingest(event).await.unwrap()) });
            }
        }
        let mut new_per_event = vec![0; events];
        while let Some(joined) = calls.join_next().await {
            let (n, new) = joined.unwrap();
            new_per_event[n] += usize::from(new);
        }
        assert_eq!(new_per_event, vec![1; events], "each event is new to exactly one caller");
        assert_eq!(app.store().unprocessed_inbound(1000).await.unwrap().len(), events);

        assert_eq!(app.drain_inbox().await.unwrap(), events);
        assert_eq!(app.drain_inbox().await.unwrap(), 0);
        let tickets = app.store().tickets(&TicketFilter::default()).await.unwrap();
        assert_eq!(tickets.len(), events, "one ticket per event, none doubled");
    }
}

/// Channels are handled side by side, each in the order its events arrived: the k-th
/// message in a channel becomes that account's k-th ticket.
#[tokio::test]
async fn each_channel_is_handled_in_order_while_channels_run_side_by_side() {
    for db in crate::testing::each_backend().await {
        let store = db.store.clone();
        let names = ["acme", "globex", "initech", "umbrella", "hooli", "wonka"];
        let channel = |a: &str| ChannelRef::parse(&format!("shell:{a}")).unwrap();
        let mut settings = Settings::from_config(&Config::default());
        let mut accounts = Vec::new();
        for a in names {
            let mut account =
                Account::new(AccountId::parse(a).unwrap(), Name::parse(a).unwrap(), Tier::parse("enterprise").unwrap())
                    .with_channels([channel(a)])
                    .unwrap();
            account.key_prefix = Some(crate::domain::KeyPrefix::parse(&a[..3].to_uppercase()).unwrap());
            accounts.push(account);
            settings
                .channels
                .insert(channel(a), ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Anyone, lang: None, private_threads: false });
        }
        store.upsert_accounts(&accounts).await.unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0));
        let engine = Engine::new(store.clone(), Arc::new(settings), clock.clone());
        let app = App::new(engine, Outbox::new(store.clone(), Sinks::default(), clock.clone()), clock);

        let per_channel = 12;
        for k in 0..per_channel {
            for (c, a) in names.iter().enumerate() {
                let event = InboundEvent {
                    event_id: format!("Ev{k:03}-{c}"),
                    platform: Platform::Shell,
                    body: Inbound::Message(IncomingMessage {
                        channel: channel(a),
                        message: MessageId::parse(format!("{a}-{k}")).unwrap(),
                        thread: None,
                        author: Author::human(UserId::parse(format!("{a}-cust{k}")).unwrap(), "Customer"),
                        text: format!("Problem number {k}"),
                        sent_at: t0,
                        edited: false,
                    }),
                };
                assert!(app.ingest(event).await.unwrap());
            }
        }
        assert_eq!(app.drain_inbox().await.unwrap(), per_channel * names.len());
        for a in names {
            let prefix = a[..3].to_uppercase();
            for k in 0..per_channel {
                let key = crate::domain::TicketKey::parse(&format!("{prefix}-{}", k + 1)).unwrap();
                let t = store.ticket_by_key(&key).await.unwrap().unwrap();
                assert_eq!(t.origin.message.unwrap().as_str(), format!("{a}-{k}"), "{key} in arrival order");
            }
        }
    }
}

#[tokio::test]
async fn an_event_handled_by_a_replica_that_died_before_marking_it_done_is_not_applied_twice() {
    for db in testing::each_backend().await {
        seed(&db).await;
        let clock = Arc::new(ManualClock::new(t0()));
        let sink = Arc::new(Recorder::default());
        let b = replica(&db, clock.clone(), sink.clone()).await;
        assert!(b.ingest_now(&customer_message("m1", "Exports time out")).await.unwrap());
        let ticket = db.store.tickets(&TicketFilter::default()).await.unwrap().remove(0);
        // Two events replica A acknowledged, claimed and handled, committing everything,
        // before it was killed and could mark them processed: a reply in the ticket's thread
        // and a `/ticket open` (no message of origin to de-duplicate by).
        let mut reply = customer_message("m2", "Still failing since 9:00");
        if let Inbound::Message(m) = &mut reply.body {
            m.thread = Some(MessageId::parse("m1").unwrap());
        }
        let open = InboundEvent {
            event_id: "ev-cmd".into(),
            platform: Platform::Shell,
            body: Inbound::Command(SlashCommand {
                channel: intake(),
                thread: None,
                user: Author::human(UserId::parse("wile").unwrap(), "Wile"),
                command: "ticket".into(),
                text: "open Printer on fire".into(),
                issued_at: t0(),
            }),
        };
        let a = replica(&db, clock.clone(), Arc::default()).await;
        for event in [&reply, &open] {
            assert!(a.record(event).await.unwrap());
        }
        let claimed = db.store.claim_inbound(t0(), t0() + Duration::from_std(LEASE).unwrap(), 10).await.unwrap();
        assert_eq!(claimed.len(), 2);
        for event in [&reply, &open] {
            crate::store::effects::handling(event.platform, &event.event_id, a.engine.handle(event)).await.unwrap();
        }
        drop(a);
        let tickets_before = db.store.tickets(&TicketFilter::default()).await.unwrap();
        let events_before = db.store.events(ticket.id).await.unwrap();
        let outbox_before = db.store.outbox(false, 100).await.unwrap().len();
        assert_eq!(tickets_before.len(), 2, "{:?}: the command opened a ticket", db.backend);
        // B handles both again once A's claim has expired: nothing is applied twice.
        clock.advance(Duration::seconds(11));
        assert_eq!(b.drain_inbox().await.unwrap(), 2);
        assert!(db.store.unprocessed_inbound(10).await.unwrap().is_empty());
        assert_eq!(db.store.tickets(&TicketFilter::default()).await.unwrap(), tickets_before, "{:?}", db.backend);
        let events_after = db.store.events(ticket.id).await.unwrap();
        assert_eq!(events_after, events_before);
        let replies = events_after.iter().filter(|e| matches!(e.kind, crate::domain::EventKind::CustomerMessage { .. })).count();
        assert_eq!(replies, 1);
        assert_eq!(db.store.outbox(false, 100).await.unwrap().len(), outbox_before);
        db.cleanup().await;
    }
}

/// A platform where a post to `#slow` waits until `b2` (another channel's) is delivered.
struct Gate {
    delivered: Mutex<Vec<String>>,
    b2_done: watch::Sender<bool>,
}

#[async_trait]
impl ChatSink for Gate {
    fn platform(&self) -> Platform {
        Platform::Shell
    }
    async fn deliver(&self, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        if matches!(&m.destination, Destination::Channel { channel } if channel.channel.as_str() == "slow") {
            // Bounded: delivered one at a time, this would give up and fail the test.
            let mut b2 = self.b2_done.subscribe();
            let waited = tokio::time::timeout(StdDuration::from_secs(10), b2.wait_for(|done| *done)).await;
            if !matches!(waited, Ok(Ok(_))) {
                return Err(DeliveryError::Transient("b2 was never delivered".into()));
            }
        }
        self.delivered.lock().unwrap().push(m.text.clone());
        if m.text == "b2" {
            self.b2_done.send_replace(true);
        }
        Ok(Delivered { message: None })
    }
}

#[tokio::test]
async fn a_slow_conversation_does_not_hold_up_the_others_and_each_keeps_its_order() {
    for db in testing::each_backend().await {
        let clock = Arc::new(ManualClock::new(t0()));
        let gate = Arc::new(Gate { delivered: Mutex::default(), b2_done: watch::channel(false).0 });
        let mut sinks = Sinks::default();
        sinks.add(gate.clone());
        let outbox = Outbox::new(db.store.clone(), sinks, clock.clone()).with_lease(LEASE);
        let to = |channel: &str, text: &str| {
            NewOutbound::message(OutboundMessage {
                destination: Destination::Channel { channel: ChannelRef::parse(&format!("shell:{channel}")).unwrap() },
                text: text.into(),
                card: None,
                replaces: None,
                attachments: vec![],
                conversation: Conversation::Continues,
            })
        };
        db.store.enqueue(&[to("slow", "a1"), to("fast", "b1"), to("fast", "b2"), to("slow", "a2")], t0()).await.unwrap();
        assert_eq!(outbox.deliver_due().await.unwrap(), 4, "{:?}", db.backend);
        assert_eq!(*gate.delivered.lock().unwrap(), ["b1", "b2", "a1", "a2"]);
        assert_eq!(db.store.outbox_backlog().await.unwrap().0, 0);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn handled_events_are_pruned_after_the_retention_and_unhandled_ones_never() {
    for db in testing::each_backend().await {
        seed(&db).await;
        let clock = Arc::new(ManualClock::new(t0()));
        let app = replica(&db, clock.clone(), Arc::default()).await.with_inbox_retention(StdDuration::from_secs(3 * 86_400));
        assert!(app.ingest_now(&customer_message("m1", "Exports time out")).await.unwrap());
        clock.advance(Duration::days(2));
        assert!(app.ingest_now(&customer_message("m2", "SSO loops")).await.unwrap());
        // Recorded, never handled (the bot stopped before getting to it).
        assert!(app.record(&customer_message("m3", "Billing page blank")).await.unwrap());
        clock.advance(Duration::days(2));
        assert_eq!(app.prune_inbox().await.unwrap(), 1, "{:?}: only m1 is past 3 days", db.backend);
        // m1 is forgotten (a late retry of it would be recorded again); m2 still de-duplicates.
        assert!(!app.record(&customer_message("m2", "SSO loops")).await.unwrap());
        clock.advance(Duration::days(30));
        assert_eq!(app.prune_inbox().await.unwrap(), 1);
        let left = db.store.unprocessed_inbound(10).await.unwrap();
        assert_eq!(left.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["ev-m3"]);
        db.cleanup().await;
    }
}
