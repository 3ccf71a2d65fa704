//! Delivers queued messages through the adapters: oldest first, with exponential backoff and
//! jitter on failure, the platform's Retry-After on rate limits, and a dead letter after
//! [`MAX_ATTEMPTS`] (listed by `baton outbox list --dead`, retried by `baton outbox retry ID`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use baton_chat::{ChatSink, DeliveryError, Platform};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch, Notify};

use crate::clock::Clock;
use crate::store::{Delivery, OutboundRow, Store, StoreError};

/// Attempts before a message is parked as dead.
pub const MAX_ATTEMPTS: i64 = 8;

/// When to try again after `attempts` failed attempts: 2 s doubling to at most 10 minutes,
/// with up to 25 % jitter so that retries from many messages spread out.
pub fn backoff(attempts: i64, jitter_seed: u64) -> Duration {
    let base = 2u64.saturating_pow(attempts.clamp(0, 20) as u32).saturating_mul(1000).min(600_000);
    // A cheap, deterministic spread (no RNG needed): 0..25 % of the base.
    let spread = (jitter_seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % (base / 4 + 1);
    Duration::from_millis(base + spread)
}

/// The adapters' outbound halves, by platform.
#[derive(Clone, Default)]
pub struct Sinks(HashMap<Platform, Arc<dyn ChatSink>>);

impl Sinks {
    pub fn add(&mut self, sink: Arc<dyn ChatSink>) {
        self.0.insert(sink.platform(), sink);
    }
    pub fn get(&self, p: Platform) -> Option<&Arc<dyn ChatSink>> {
        self.0.get(&p)
    }
}

/// How long a replica holds the messages (and inbound events) it claimed, unless configured
/// otherwise (`general.claim_lease`).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// Messages claimed at once.
const CLAIM_BATCH: i64 = 100;

/// How many conversations' messages are delivered at once.
const DELIVERY_LANES: usize = 32;

/// Marks what arrives on `delivered` as delivered until every sender is gone: each batch is
/// what arrived while the previous one was being marked, in one transaction. A batch that
/// fails is logged and the marking goes on; the first failure is returned at the end (those
/// messages are delivered again once their claim expires).
async fn mark_delivered(store: &dyn Store, mut delivered: mpsc::UnboundedReceiver<Delivery>) -> Result<(), StoreError> {
    let mut batch = Vec::new();
    let mut failure = None;
    while delivered.recv_many(&mut batch, CLAIM_BATCH as usize).await > 0 {
        if let Err(e) = store.mark_delivered_many(&batch).await {
            tracing::error!(error = %e, messages = batch.len(), "could not mark delivered messages; they will be delivered again");
            failure = failure.or(Some(e));
        }
        batch.clear();
    }
    failure.map_or(Ok(()), Err)
}

/// Splits `items` into lanes by `key`: one lane per key, in order of first appearance, each
/// keeping the items' order (the inbox's per-channel lanes and the outbox's use it).
pub(crate) fn lanes<T, K: std::hash::Hash + Eq>(items: impl IntoIterator<Item = T>, key: impl Fn(&T) -> K) -> Vec<Vec<T>> {
    let mut lanes: Vec<Vec<T>> = Vec::new();
    let mut lane_of: std::collections::HashMap<K, usize> = Default::default();
    for item in items {
        let lane = *lane_of.entry(key(&item)).or_insert_with(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[lane].push(item);
    }
    lanes
}

/// What orders deliveries: one channel (its posts, threads, edits, marks and private
/// replies) or one person's direct messages.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Lane {
    Channel(baton_chat::ChannelRef),
    Direct(baton_chat::Platform, baton_chat::UserId),
}

impl Lane {
    fn of(d: &baton_chat::Destination) -> Lane {
        use baton_chat::Destination as D;
        match d {
            D::Channel { channel } | D::Thread { channel, .. } | D::Ephemeral { channel, .. } => Lane::Channel(channel.clone()),
            D::Mark { target, .. } => Lane::Channel(target.channel.clone()),
            D::Direct { platform, user } => Lane::Direct(*platform, user.clone()),
        }
    }
}

/// The delivery worker.
///
/// Messages are claimed in batches for a lease. A message is only attempted while at least
/// half of its lease is left, and each attempt is cut off after half a lease, so an attempt
/// always ends before another replica may take the message over; messages the batch did
/// not get to are given back at once. A replica that dies holds its claims until the lease
/// ends; then another replica delivers them.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    sinks: Sinks,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    lease: Duration,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, sinks: Sinks, clock: Arc<dyn Clock>) -> Self {
        Self { store, sinks, clock, wake: Arc::new(Notify::new()), lease: DEFAULT_LEASE }
    }

    /// The same worker with another claim lease (`general.claim_lease`).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// The claim lease, as a span of the clock's time (the inbox claims with it too).
    pub fn claim_lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60))
    }

    /// Tells the worker there is something new to deliver.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers everything due now; returns how many were delivered.
    ///
    /// A claimed batch is delivered in lanes, one per channel or per person's DMs: in order
    /// within a lane (a card before the replies in its thread, an edit after the post it
    /// edits, a thread's archiving after its last notice), up to [`DELIVERY_LANES`] lanes at
    /// once, so one slow or rate-limited channel does not hold up the others.
    ///
    /// What the lanes deliver is marked delivered as it goes, in batches (one transaction each
    /// for what was delivered while the previous batch was being marked), and every delivery
    /// of a claimed batch is marked before the next claim. A crash before a mark leaves the
    /// message to be delivered again once its claim expires, as a crash just before marking
    /// one message at a time did.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        use futures_util::StreamExt;
        let mut delivered = 0;
        let lease = self.claim_lease();
        loop {
            let claimed_at = self.clock.now();
            let lease_until = claimed_at + lease;
            // Another replica skips these until `lease_until`.
            let batch = self.store.claim_outbound(claimed_at, lease_until, CLAIM_BATCH).await?;
            if batch.is_empty() {
                return Ok(delivered);
            }
            let lanes = lanes(batch, |row| Lane::of(&row.message.destination));
            let (marks, to_mark) = mpsc::unbounded_channel();
            let delivering = async move {
                let outcomes: Vec<Result<(usize, bool), StoreError>> = futures_util::stream::iter(lanes)
                    .map(|lane| {
                        let marks = marks.clone();
                        async move {
                            let (mut sent, mut progressed) = (0, false);
                            let mut rows = lane.into_iter();
                            while let Some(row) = rows.next() {
                                if self.clock.now() - claimed_at >= lease / 2 {
                                    // Not enough of the lease left for an attempt: give the rest back.
                                    let rest: Vec<i64> = std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
                                    self.store.release_outbound(&rest, lease_until).await?;
                                    return Ok((sent, true));
                                }
                                if self.deliver_one(&row, &marks).await? {
                                    sent += 1;
                                    progressed = true;
                                }
                            }
                            Ok((sent, progressed))
                        }
                    })
                    .buffer_unordered(DELIVERY_LANES)
                    .collect()
                    .await;
                // The last sender goes with the lanes: the marking below ends after their marks.
                drop(marks);
                outcomes
            };
            let (outcomes, marked) = tokio::join!(delivering, mark_delivered(&*self.store, to_mark));
            let mut progressed = false;
            for outcome in outcomes {
                let (sent, moved) = outcome?;
                delivered += sent;
                progressed |= moved;
            }
            marked?;
            if !progressed {
                return Ok(delivered);
            }
        }
    }

    /// Attempts one message; `true` when it was delivered (and sent to `marks`).
    async fn deliver_one(&self, row: &OutboundRow, marks: &mpsc::UnboundedSender<Delivery>) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let Some(sink) = self.sinks.get(row.platform) else {
            let error = format!("no adapter for {} is running", row.platform);
            crate::telemetry::metrics().delivery_failures.get_or_create(&crate::telemetry::reason("no_adapter")).inc();
            tracing::warn!(outbox_id = row.id, %error, "cannot deliver");
            self.store.mark_failed(row.id, &error, Some(now + chrono::Duration::minutes(5))).await?;
            return Ok(false);
        };
        // Cut off at half a lease, so no other replica can be attempting this message too.
        let attempt = match tokio::time::timeout(self.lease / 2, sink.deliver(&row.message)).await {
            Ok(result) => result,
            Err(_) => Err(DeliveryError::Transient(format!("no answer within {:?}", self.lease / 2))),
        };
        match attempt {
            Ok(d) => {
                // Marked by the batch's marking (`deliver_due`), which outlives the lanes.
                let _ = marks.send(Delivery { id: row.id, message: d.message, at: now });
                crate::telemetry::metrics().messages_delivered.get_or_create(&crate::telemetry::platform(row.platform)).inc();
                Ok(true)
            }
            Err(e) => {
                let reason = match &e {
                    DeliveryError::RateLimited(_) => "rate_limited",
                    DeliveryError::Transient(_) => "transient",
                    DeliveryError::Permanent(_) => "permanent",
                };
                crate::telemetry::metrics().delivery_failures.get_or_create(&crate::telemetry::reason(reason)).inc();
                let attempts = row.attempts + 1;
                let next: Option<DateTime<Utc>> = match &e {
                    DeliveryError::Permanent(_) => None,
                    _ if attempts >= MAX_ATTEMPTS => None,
                    DeliveryError::RateLimited(d) => Some(now + chrono::Duration::from_std(*d).unwrap_or_default()),
                    DeliveryError::Transient(_) => {
                        let wait = backoff(attempts, row.id as u64 ^ attempts as u64);
                        Some(now + chrono::Duration::from_std(wait).unwrap_or_default())
                    }
                };
                tracing::warn!(outbox_id = row.id, attempts, error = %e, dead = next.is_none(), "delivery failed");
                self.store.mark_failed(row.id, &e.to_string(), next).await?;
                Ok(false)
            }
        }
    }

    /// Delivers until `shutdown` turns true, waking on [`Outbox::wake`] or every `poll`
    /// (for retries that come due), and flushes once more before returning.
    pub async fn run(self, poll: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = %e, "outbox pass failed");
            }
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        if let Err(e) = self.deliver_due().await {
            tracing::error!(error = %e, "final outbox flush failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use baton_chat::{ChannelRef, Destination, OutboundMessage};
    use chrono::TimeZone;

    use crate::clock::ManualClock;
    use crate::store::NewOutbound;

    /// A Slack Web API on loopback that answers from a script: (HTTP status, Retry-After).
    async fn scripted_slack(script: Vec<(u16, Option<u64>)>) -> (String, Arc<Mutex<VecDeque<(u16, Option<u64>)>>>) {
        use axum::response::IntoResponse;
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let answers = script.clone();
        let app = axum::Router::new().route(
            "/api/{method}",
            axum::routing::post(move || {
                let answers = answers.clone();
                async move {
                    let next = answers.lock().unwrap().pop_front();
                    match next {
                        None | Some((200, _)) => axum::Json(serde_json::json!({
                            "ok": true, "channel": "C0OUTBOX", "ts": "1764493200.000100"
                        }))
                        .into_response(),
                        Some((status, retry_after)) => {
                            let mut r = (axum::http::StatusCode::from_u16(status).unwrap(), "{}").into_response();
                            if let Some(secs) = retry_after {
                                r.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
                            }
                            r
                        }
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, script)
    }

    fn to_slack(text: &str) -> NewOutbound {
        NewOutbound::message(OutboundMessage {
            destination: Destination::Channel { channel: ChannelRef::parse("slack:C0OUTBOX").unwrap() },
            text: text.into(),
            card: None,
            replaces: None,
            attachments: vec![],
            conversation: Default::default(),
        })
    }

    /// The real Slack sink against a platform that fails: 500s back off exponentially (with
    /// jitter), a 429 waits exactly its Retry-After, success records Slack's ts, and a
    /// message that keeps failing is parked as dead after [`MAX_ATTEMPTS`] with its error.
    #[tokio::test]
    async fn server_errors_back_off_rate_limits_wait_retry_after_and_repeated_failure_is_dead() {
        for db in crate::testing::each_backend().await {
            let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
            let clock = Arc::new(ManualClock::new(t0));
            let (url, script) = scripted_slack(vec![(500, None), (500, None), (429, Some(7)), (200, None)]).await;
            let slack = baton_slack::Slack::new(&url, &secrecy::SecretString::from("xoxb-outbox-test")).unwrap();
            let mut sinks = Sinks::default();
            sinks.add(Arc::new(slack.sink()));
            let outbox = Outbox::new(db.store.clone(), sinks, clock.clone());
            db.store.enqueue(&[to_slack("hello")], t0).await.unwrap();
            let due_at = |at: DateTime<Utc>| {
                let store = db.store.clone();
                async move { store.due_outbound(at, 10).await.unwrap().len() }
            };
            let row = |store: Arc<dyn Store>| async move { store.outbox(false, 10).await.unwrap().remove(0) };

            // 500: the first retry after 2 s plus up to 25 % jitter.
            assert_eq!(outbox.deliver_due().await.unwrap(), 0);
            let r = row(db.store.clone()).await;
            assert_eq!(r.attempts, 1);
            assert!(r.last_error.as_deref().unwrap().contains("HTTP 500"), "{:?}", r.last_error);
            let now = clock.now();
            assert_eq!(due_at(now + chrono::Duration::milliseconds(1999)).await, 0);
            assert_eq!(due_at(now + chrono::Duration::milliseconds(2501)).await, 1);

            // Another 500: the wait doubles.
            clock.advance(chrono::Duration::milliseconds(2501));
            assert_eq!(outbox.deliver_due().await.unwrap(), 0);
            let now = clock.now();
            assert_eq!(row(db.store.clone()).await.attempts, 2);
            assert_eq!(due_at(now + chrono::Duration::milliseconds(3999)).await, 0);
            assert_eq!(due_at(now + chrono::Duration::milliseconds(5001)).await, 1);

            // 429 with Retry-After: 7: exactly seven seconds.
            clock.advance(chrono::Duration::milliseconds(5001));
            assert_eq!(outbox.deliver_due().await.unwrap(), 0);
            let now = clock.now();
            assert_eq!(row(db.store.clone()).await.attempts, 3);
            assert_eq!(due_at(now + chrono::Duration::milliseconds(6999)).await, 0);
            assert_eq!(due_at(now + chrono::Duration::seconds(7)).await, 1);

            // Then Slack takes it.
            clock.advance(chrono::Duration::seconds(7));
            assert_eq!(outbox.deliver_due().await.unwrap(), 1);
            let r = row(db.store.clone()).await;
            assert_eq!(r.delivered_message.unwrap().as_str(), "1764493200.000100");
            assert!(script.lock().unwrap().is_empty());

            // A message Slack never takes is dead after MAX_ATTEMPTS, with the last error.
            *script.lock().unwrap() = std::iter::repeat_n((500, None), MAX_ATTEMPTS as usize).collect();
            db.store.enqueue(&[to_slack("doomed")], clock.now()).await.unwrap();
            for attempt in 1..=MAX_ATTEMPTS {
                assert_eq!(outbox.deliver_due().await.unwrap(), 0, "attempt {attempt}");
                clock.advance(chrono::Duration::minutes(11));
            }
            let dead = db.store.outbox(true, 10).await.unwrap();
            assert_eq!(dead.len(), 1);
            assert_eq!((dead[0].message.text.as_str(), dead[0].attempts), ("doomed", MAX_ATTEMPTS));
            assert!(dead[0].last_error.as_deref().unwrap().contains("HTTP 500"));
            assert_eq!(outbox.deliver_due().await.unwrap(), 0, "the dead are not retried");
            assert_eq!(due_at(clock.now() + chrono::Duration::days(1)).await, 0);
            db.cleanup().await;
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1, 7) >= Duration::from_secs(2) && backoff(1, 7) <= Duration::from_millis(2500));
        assert!(backoff(3, 7) >= Duration::from_secs(8));
        assert!(backoff(30, 7) <= Duration::from_secs(750));
        assert_ne!(backoff(5, 1), backoff(5, 2), "jitter spreads retries");
    }
}
