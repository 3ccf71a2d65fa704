//! Wiring: the inbox (record, de-duplicate, handle), the engine, the outbox and the timers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use baton_chat::{InboundEvent, Ingest, IngestError};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::clock::Clock;
use crate::engine::Engine;
use crate::outbox::Outbox;
use crate::store::{NewInbound, Store, StoreError};

/// The most events one inbox commit takes; more wait for the next commit.
const INBOX_BATCH: usize = 512;

/// How many channels' events are handled at once.
const INBOX_LANES: usize = 8;

/// The running bot, minus its transports.
#[derive(Clone)]
pub struct App {
    pub engine: Engine,
    pub outbox: Outbox,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    inbox_wake: Arc<Notify>,
    inbox_writer: mpsc::Sender<PendingRecord>,
}

/// An event waiting for the inbox's next group commit, and who waits for the answer.
struct PendingRecord {
    event: NewInbound,
    done: oneshot::Sender<Result<bool, StoreError>>,
}

impl App {
    /// Builds the app and starts its inbox writer task (so it must run inside a tokio
    /// runtime); the task ends when the last clone of the app is dropped.
    pub fn new(engine: Engine, outbox: Outbox, clock: Arc<dyn Clock>) -> Self {
        let store = engine.store().clone();
        let (inbox_writer, queue) = mpsc::channel(4 * INBOX_BATCH);
        tokio::spawn(write_inbox(store.clone(), clock.clone(), queue));
        Self { engine, outbox, store, clock, inbox_wake: Arc::new(Notify::new()), inbox_writer }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Records an inbound event durably; `false` for an event seen before.
    pub async fn record(&self, event: &InboundEvent) -> Result<bool, StoreError> {
        let payload = serde_json::to_value(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (done, answer) = oneshot::channel();
        let pending = PendingRecord {
            event: NewInbound { platform: event.platform, event_id: event.event_id.clone(), payload },
            done,
        };
        let gone = || StoreError::Unavailable("the inbox writer has stopped".into());
        self.inbox_writer.send(pending).await.map_err(|_| gone())?;
        let new = answer.await.map_err(|_| gone())??;
        let m = crate::telemetry::metrics();
        if new {
            m.events_received.get_or_create(&crate::telemetry::platform(event.platform)).inc();
        } else {
            m.events_duplicate.get_or_create(&crate::telemetry::platform(event.platform)).inc();
            tracing::debug!(event_id = %event.event_id, "duplicate inbound event ignored");
        }
        Ok(new)
    }

    /// Records and handles an event at once (the shell, tests). Returns `false` for an event
    /// seen before, which is not handled again.
    pub async fn ingest_now(&self, event: &InboundEvent) -> Result<bool, StoreError> {
        if !self.record(event).await? {
            return Ok(false);
        }
        self.process(event).await?;
        Ok(true)
    }

    /// Handles a recorded event and marks it done. A failure leaves it in the inbox for
    /// the next [`App::drain_inbox`].
    async fn process(&self, event: &InboundEvent) -> Result<(), StoreError> {
        use tracing::Instrument;
        // The span follows the work across awaits (entering it would leak into other tasks).
        let span = tracing::info_span!("inbound", platform = %event.platform, event_id = %event.event_id);
        async move {
            let started = std::time::Instant::now();
            let result = self.engine.handle(event).await;
            crate::telemetry::metrics().handler_seconds.observe(started.elapsed().as_secs_f64());
            match result {
                Ok(()) => {
                    self.store.finish_inbound(event.platform, &event.event_id, self.clock.now(), None).await?;
                    self.outbox.wake();
                    Ok(())
                }
                Err(e) => {
                    tracing::error!(error = %e, "handling failed; the event stays in the inbox");
                    Err(match e {
                        crate::engine::EngineError::Store(s) => s,
                    })
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Handles every recorded, unprocessed event, oldest first (after a crash or restart
    /// too). Returns how many were handled.
    ///
    /// Events are handled in lanes, one per channel: in order within a channel (a thread's
    /// messages, a ticket's commands), up to [`INBOX_LANES`] channels at once. A lane stops at
    /// an event that fails, so nothing after it in that channel overtakes it; the failed
    /// event and the rest of its lane are tried again once their claim runs out.
    pub async fn drain_inbox(&self) -> Result<usize, StoreError> {
        use futures_util::StreamExt;
        let mut n = 0;
        loop {
            let now = self.clock.now();
            let batch = self.store.claim_inbound(now, now + chrono::Duration::seconds(60), 200).await?;
            if batch.is_empty() {
                return Ok(n);
            }
            let mut lanes: Vec<Vec<InboundEvent>> = Vec::new();
            let mut lane_of: std::collections::HashMap<baton_chat::ChannelRef, usize> = Default::default();
            let mut set_aside = 0;
            for entry in batch {
                match serde_json::from_value::<InboundEvent>(entry.payload) {
                    Ok(event) => {
                        let lane = *lane_of.entry(event.body.channel().clone()).or_insert_with(|| {
                            lanes.push(Vec::new());
                            lanes.len() - 1
                        });
                        lanes[lane].push(event);
                    }
                    Err(e) => {
                        tracing::error!(event_id = %entry.event_id, error = %e, "unreadable inbox entry set aside");
                        let msg = format!("unreadable: {e}");
                        self.store.finish_inbound(entry.platform, &entry.event_id, self.clock.now(), Some(&msg)).await?;
                        set_aside += 1;
                    }
                }
            }
            let handled: usize = futures_util::stream::iter(lanes)
                .map(|lane| async move {
                    let mut handled = 0;
                    for event in &lane {
                        if self.process(event).await.is_err() {
                            break;
                        }
                        handled += 1;
                    }
                    handled
                })
                .buffer_unordered(INBOX_LANES)
                .fold(0, |sum, h| async move { sum + h })
                .await;
            n += handled;
            if handled + set_aside == 0 {
                return Ok(n);
            }
        }
    }

    /// Processes the inbox until `shutdown`, waking on new events or every `poll`.
    pub async fn run_inbox(self, poll: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.drain_inbox().await {
                tracing::error!(error = %e, "inbox pass failed");
            }
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                _ = self.inbox_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Runs the lifecycle timers every `every` until `shutdown`.
    pub async fn run_timers(self, every: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            match self.engine.tick().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(changed = n, "lifecycle timers ran");
                    self.outbox.wake();
                }
                Err(e) => tracing::error!(error = %e, "timers failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}

/// The inbox's group commit. Events queue up while a commit runs; the next commit takes
/// all of them (up to [`INBOX_BATCH`]) in one transaction, so a burst costs one fsync per
/// batch instead of one per event, and nobody is answered before their event is durable.
async fn write_inbox(store: Arc<dyn Store>, clock: Arc<dyn Clock>, mut queue: mpsc::Receiver<PendingRecord>) {
    let mut batch = Vec::with_capacity(INBOX_BATCH);
    while queue.recv_many(&mut batch, INBOX_BATCH).await > 0 {
        let (events, waiting): (Vec<NewInbound>, Vec<_>) = batch.drain(..).map(|p| (p.event, p.done)).unzip();
        crate::telemetry::metrics().inbox_batch_events.observe(events.len() as f64);
        match store.record_inbound_batch(&events, clock.now()).await {
            Ok(fresh) => {
                for (done, new) in waiting.into_iter().zip(fresh) {
                    let _ = done.send(Ok(new));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, events = events.len(), "inbox commit failed; nothing in it is acknowledged");
                let message = e.to_string();
                for done in waiting {
                    let _ = done.send(Err(StoreError::Unavailable(message.clone())));
                }
            }
        }
    }
}

/// Adapters hand events to the app through this: record durably, then acknowledge; the
/// inbox worker does the work.
#[async_trait]
impl Ingest for App {
    async fn ingest(&self, event: InboundEvent) -> Result<bool, IngestError> {
        match self.record(&event).await {
            Ok(new) => {
                if new {
                    self.inbox_wake.notify_one();
                }
                Ok(new)
            }
            Err(e) => {
                tracing::error!(event_id = %event.event_id, error = %e, "could not record inbound event");
                Err(IngestError(e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::config::{Config, WhoMayOpen};
    use crate::domain::{Account, AccountId, Name, Tier};
    use crate::engine::{ChannelSettings, Settings};
    use crate::outbox::Sinks;
    use crate::store::TicketFilter;
    use baton_chat::*;
    use chrono::{TimeZone, Utc};

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
                .insert(channel.clone(), ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Anyone, lang: None });
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
                    .insert(channel(a), ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Anyone, lang: None });
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
}
