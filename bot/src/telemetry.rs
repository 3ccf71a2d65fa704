//! Operational metrics, exposed at `GET /metrics` in the OpenMetrics text format that
//! Prometheus scrapes. One process-wide registry; counters are cheap atomics.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// A label set with one `platform` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PlatformLabel {
    pub platform: String,
}

/// A label set with one `reason` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

/// Everything baton counts.
pub struct Metrics {
    registry: Registry,
    /// Inbound events recorded, by platform.
    pub events_received: Family<PlatformLabel, Counter>,
    /// Inbound events seen before (platform retries), by platform.
    pub events_duplicate: Family<PlatformLabel, Counter>,
    /// Requests refused before becoming events, by reason (bad_signature, stale, oversized…).
    pub events_rejected: Family<ReasonLabel, Counter>,
    pub tickets_opened: Counter,
    pub messages_delivered: Family<PlatformLabel, Counter>,
    /// Failed delivery attempts, by reason (rate_limited, transient, permanent, no_adapter).
    pub delivery_failures: Family<ReasonLabel, Counter>,
    pub digest_runs: Counter,
    pub sla_breaches: Counter,
    /// Time to handle one inbound event, in seconds.
    pub handler_seconds: Histogram,
    /// Events written per inbox commit (the group commit's batch size).
    pub inbox_batch_events: Histogram,
    /// Messages waiting in the outbox, and the age of the oldest, set when scraped.
    pub outbox_depth: Gauge,
    pub outbox_oldest_seconds: Gauge,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("baton");
        let m = Metrics {
            events_received: Family::default(),
            events_duplicate: Family::default(),
            events_rejected: Family::default(),
            tickets_opened: Counter::default(),
            messages_delivered: Family::default(),
            delivery_failures: Family::default(),
            digest_runs: Counter::default(),
            sla_breaches: Counter::default(),
            handler_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
            inbox_batch_events: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            outbox_depth: Gauge::default(),
            outbox_oldest_seconds: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register("events_received", "Inbound events recorded", m.events_received.clone());
        registry.register("events_duplicate", "Inbound events seen before and ignored", m.events_duplicate.clone());
        registry.register("events_rejected", "Inbound requests refused, by reason", m.events_rejected.clone());
        registry.register("tickets_opened", "Tickets opened", m.tickets_opened.clone());
        registry.register("messages_delivered", "Messages delivered to a platform", m.messages_delivered.clone());
        registry.register("delivery_failures", "Failed delivery attempts, by reason", m.delivery_failures.clone());
        registry.register("digest_runs", "Digests posted", m.digest_runs.clone());
        registry.register("sla_breaches", "SLA targets breached", m.sla_breaches.clone());
        registry.register("handler_seconds", "Time to handle one inbound event", m.handler_seconds.clone());
        registry.register("inbox_batch_events", "Events made durable per inbox commit", m.inbox_batch_events.clone());
        registry.register("outbox_depth", "Messages waiting to be delivered", m.outbox_depth.clone());
        registry.register("outbox_oldest_seconds", "Age of the oldest waiting message", m.outbox_oldest_seconds.clone());
        Metrics { registry, ..m }
    }

    /// The registry in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Shorthand for a platform label.
pub fn platform(p: baton_chat::Platform) -> PlatformLabel {
    PlatformLabel { platform: p.as_str().to_string() }
}

/// Shorthand for a reason label.
pub fn reason(r: &str) -> ReasonLabel {
    ReasonLabel { reason: r.to_string() }
}
