//! Wiring: the inbox (record, de-duplicate, handle), the engine, the outbox and the timers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use baton_chat::{InboundEvent, Ingest, IngestError, Platform};
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
    inbox_retention: chrono::Duration,
}

/// An event waiting for the inbox's next group commit, and who waits for the answer.
struct PendingRecord {
    event: NewInbound,
    done: oneshot::Sender<Result<bool, StoreError>>,
}

/// An inbound event's identity: its platform and the platform's event id.
type InboxKey = (Platform, String);

/// Inbound events claimed at once.
const CLAIM_BATCH: i64 = 200;

impl App {
    /// Builds the app and starts its inbox writer task (so it must run inside a tokio
    /// runtime); the task ends when the last clone of the app is dropped. The inbox is
    /// claimed with the outbox's lease ([`Outbox::with_lease`]).
    pub fn new(engine: Engine, outbox: Outbox, clock: Arc<dyn Clock>) -> Self {
        let store = engine.store().clone();
        let (inbox_writer, queue) = mpsc::channel(4 * INBOX_BATCH);
        tokio::spawn(write_inbox(store.clone(), clock.clone(), queue));
        let app = Self {
            engine,
            outbox,
            store,
            clock,
            inbox_wake: Arc::new(Notify::new()),
            inbox_writer,
            inbox_retention: chrono::Duration::zero(),
        };
        app.with_inbox_retention(crate::config::DEFAULT_INBOX_RETENTION)
    }

    /// The same app keeping handled inbound events for `retention` (`general.inbox_retention`;
    /// 14 days unless set).
    pub fn with_inbox_retention(mut self, retention: Duration) -> Self {
        self.inbox_retention = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(14));
        self
    }

    /// Deletes inbound events handled longer ago than the retention; returns how many.
    pub async fn prune_inbox(&self) -> Result<u64, StoreError> {
        let pruned = self.store.prune_inbound(self.clock.now() - self.inbox_retention).await?;
        if pruned > 0 {
            tracing::info!(pruned, "handled inbound events past their retention deleted");
        }
        Ok(pruned)
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
        self.handle(event).await?;
        self.store.finish_inbound(event.platform, &event.event_id, self.clock.now(), None).await
    }

    /// Handles a recorded event, without marking it done: until it is, a second handling
    /// (after a crash) finds its writes made and does not repeat them (`store::effects`).
    async fn handle(&self, event: &InboundEvent) -> Result<(), StoreError> {
        use tracing::Instrument;
        // The span follows the work across awaits (entering it would leak into other tasks).
        let span = tracing::info_span!("inbound", platform = %event.platform, event_id = %event.event_id);
        async move {
            let started = std::time::Instant::now();
            // Each write is made once per event, even when a replica died after some of
            // them and before the event was marked processed (`store::effects`).
            let result = crate::store::effects::handling(event.platform, &event.event_id, self.engine.handle(event)).await;
            crate::telemetry::metrics().handler_seconds.observe(started.elapsed().as_secs_f64());
            match result {
                Ok(()) => {
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
    /// Events are claimed in batches for the lease; another replica's unexpired claims are
    /// skipped, and a replica that died holds its claims until they expire.
    ///
    /// A batch is handled in lanes, one per channel: in order within a channel (a thread's
    /// messages, a ticket's commands), up to [`INBOX_LANES`] channels at once. A lane stops
    /// at an event that fails, so nothing after it in that channel overtakes it; the failed
    /// event and the rest of its lane are tried again once their claim runs out. An event is
    /// only started while at least half of its lease is left; the rest of its lane is given
    /// back at once.
    pub async fn drain_inbox(&self) -> Result<usize, StoreError> {
        use futures_util::StreamExt;
        let lease = self.outbox.claim_lease();
        let mut n = 0;
        loop {
            let claimed_at = self.clock.now();
            let lease_until = claimed_at + lease;
            let batch = self.store.claim_inbound(claimed_at, lease_until, CLAIM_BATCH).await?;
            if batch.is_empty() {
                return Ok(n);
            }
            let mut events = Vec::with_capacity(batch.len());
            let mut set_aside = 0;
            for entry in batch {
                match serde_json::from_value::<InboundEvent>(entry.payload) {
                    Ok(event) => events.push(event),
                    Err(e) => {
                        tracing::error!(event_id = %entry.event_id, error = %e, "unreadable inbox entry set aside");
                        let msg = format!("unreadable: {e}");
                        self.store.finish_inbound(entry.platform, &entry.event_id, self.clock.now(), Some(&msg)).await?;
                        set_aside += 1;
                    }
                }
            }
            let lanes = crate::outbox::lanes(events, |e| e.body.channel().clone());
            // Per lane: the events it handled, and how many it gave back (or why it could not).
            let outcomes: Vec<(Vec<InboxKey>, Result<usize, StoreError>)> = futures_util::stream::iter(lanes)
                .map(|lane| async move {
                    let mut handled = Vec::new();
                    for (i, event) in lane.iter().enumerate() {
                        if self.clock.now() - claimed_at >= lease / 2 {
                            let rest: Vec<_> = lane[i..].iter().map(|e| (e.platform, e.event_id.clone())).collect();
                            let released = self.store.release_inbound(&rest, lease_until).await.map(|()| rest.len());
                            return (handled, released);
                        }
                        if self.handle(event).await.is_err() {
                            break;
                        }
                        handled.push((event.platform, event.event_id.clone()));
                    }
                    (handled, Ok(0))
                })
                .buffer_unordered(INBOX_LANES)
                .collect()
                .await;
            // The batch's handled events are marked done together: one transaction instead
            // of one per event. Until then they are handled, not done; a crash in between
            // hands them to the next claim, whose handling repeats none of their writes.
            let mut done = Vec::new();
            let mut progressed = set_aside;
            let mut failure = None;
            for (handled, released) in outcomes {
                progressed += handled.len();
                done.extend(handled);
                match released {
                    Ok(released) => progressed += released,
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
            self.store.finish_inbound_many(&done, self.clock.now(), None).await?;
            n += done.len();
            if let Some(e) = failure {
                return Err(e);
            }
            if progressed == 0 {
                return Ok(n);
            }
        }
    }

    /// Processes the inbox until `shutdown`, waking on new events or every `poll`.
    /// Once `shutdown` turns true it handles what is left (everything acknowledged before
    /// the HTTP server stopped) and returns.
    pub async fn run_inbox(self, poll: Duration, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if let Err(e) = self.drain_inbox().await {
                tracing::error!(error = %e, "inbox pass failed");
            }
            tokio::select! {
                _ = self.inbox_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        // The last pass starts after the stop, so it sees every event recorded before it.
        if let Err(e) = self.drain_inbox().await {
            tracing::error!(error = %e, "final inbox pass failed");
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
            if let Err(e) = self.prune_inbox().await {
                tracing::error!(error = %e, "inbox pruning failed");
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
mod tests;
