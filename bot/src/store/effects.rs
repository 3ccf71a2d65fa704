//! Exactly-once effects of an inbound event's handling.
//!
//! Handling an event may commit several writes (a ticket change, a follow-up ticket, a
//! private reply), and the event is marked processed after them. A replica that dies in
//! between leaves the event to be handled again once its claim expires. So that the second
//! handling does not repeat what the first committed, every write made while handling an
//! event ([`handling`]) takes the next step number of that event and records
//! `(event, step)` in its own transaction; a write whose step is already recorded is not
//! made again (it answers as it did the first time). The steps go when the event is marked
//! processed ([`super::Store::finish_inbound`]).
//!
//! Handling is deterministic enough for this: a second handling sees the first one's
//! committed writes and reaches the same writes in the same order, and the writes it skips
//! are exactly those that were committed.

use std::future::Future;
use std::sync::atomic::{AtomicI32, Ordering};

use baton_chat::Platform;

tokio::task_local! {
    static HANDLING: Handling;
}

struct Handling {
    platform: Platform,
    event_id: String,
    step: AtomicI32,
}

/// One write of an inbound event's handling: the event and the write's place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub platform: Platform,
    pub event_id: String,
    pub step: i32,
}

/// Runs `f` (an event's handling) so that the store's writes inside it are made once per
/// event, however many times it runs.
pub async fn handling<F: Future>(platform: Platform, event_id: &str, f: F) -> F::Output {
    HANDLING.scope(Handling { platform, event_id: event_id.to_string(), step: AtomicI32::new(0) }, f).await
}

/// Starts the current handling's steps again from the first (a new attempt after a
/// conflict: the writes the previous attempt committed are found and not repeated).
pub fn restart() {
    let _ = HANDLING.try_with(|h| h.step.store(0, Ordering::SeqCst));
}

/// The next write's step, outside a handling `None` (timers, the CLI, imports).
pub(crate) fn next() -> Option<Step> {
    HANDLING
        .try_with(|h| Step { platform: h.platform, event_id: h.event_id.clone(), step: h.step.fetch_add(1, Ordering::SeqCst) })
        .ok()
}
