//! Wiring: the inbox (record, de-duplicate, handle), the engine and the outbox.

use std::sync::Arc;

use baton_chat::InboundEvent;

use crate::clock::Clock;
use crate::engine::Engine;
use crate::outbox::Outbox;
use crate::store::{Store, StoreError};

/// The running bot, minus its transports.
#[derive(Clone)]
pub struct App {
    pub engine: Engine,
    pub outbox: Outbox,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl App {
    pub fn new(engine: Engine, outbox: Outbox, clock: Arc<dyn Clock>) -> Self {
        let store = engine.store().clone();
        Self { engine, outbox, store, clock }
    }

    /// Records an inbound event durably (this is when a platform may be acknowledged),
    /// then handles it. Returns `false` for an event seen before, which is not handled again.
    pub async fn ingest(&self, event: &InboundEvent) -> Result<bool, StoreError> {
        let payload = serde_json::to_value(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if !self.store.record_inbound(event.platform, &event.event_id, &payload, self.clock.now()).await? {
            tracing::debug!(event_id = %event.event_id, "duplicate inbound event ignored");
            return Ok(false);
        }
        self.process(event).await?;
        Ok(true)
    }

    /// Handles a recorded event and marks it done. A failure leaves it in the inbox for
    /// [`App::recover`].
    async fn process(&self, event: &InboundEvent) -> Result<(), StoreError> {
        let span = tracing::info_span!("inbound", platform = %event.platform, event_id = %event.event_id);
        let _g = span.enter();
        match self.engine.handle(event).await {
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

    /// Handles events recorded but not processed before a crash or restart.
    pub async fn recover(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for entry in self.store.unprocessed_inbound(1000).await? {
            match serde_json::from_value::<InboundEvent>(entry.payload) {
                Ok(event) => {
                    if self.process(&event).await.is_ok() {
                        n += 1;
                    }
                }
                Err(e) => {
                    tracing::error!(event_id = %entry.event_id, error = %e, "unreadable inbox entry set aside");
                    let msg = format!("unreadable: {e}");
                    self.store.finish_inbound(entry.platform, &entry.event_id, self.clock.now(), Some(&msg)).await?;
                }
            }
        }
        Ok(n)
    }
}
