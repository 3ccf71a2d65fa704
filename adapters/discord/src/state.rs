//! What the adapter remembers between events, in memory: which channels are threads (and of
//! which channel), DM channels, the forms its buttons open, and interactions still waiting
//! for an answer from the core.
//!
//! Nothing here is needed for correctness after a restart: threads are looked up again over
//! HTTP, forms are registered again at start, and an interaction lives 15 minutes anyway.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use baton_chat::Form;

use crate::rest::ChannelKind;

/// Discord keeps an interaction token valid for 15 minutes; stop using it a bit earlier.
pub const INTERACTION_TTL: Duration = Duration::from_secs(14 * 60);

/// Cached channels, at most; then the cache starts over (lookups are cheap and rare).
const MAX_CHANNELS: usize = 50_000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How an interaction was acknowledged, and what its first answer is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Deferred with a private "thinking…" message the first reply replaces.
    Deferred,
    /// Acknowledged without a message (a button click): replies are follow-ups.
    Acknowledged,
    /// The first reply replaced the deferred message: further replies are follow-ups.
    Answered,
    /// Nothing came in time and the "thinking…" message was removed.
    Cleared,
}

#[derive(Clone, Debug)]
struct Pending {
    token: String,
    user: u64,
    /// The channel the core knows the interaction by (a thread's parent).
    channel: u64,
    answer: Answer,
    at: Instant,
}

/// How to deliver a private reply to someone who just interacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyRoute {
    EditOriginal { token: String },
    Followup { token: String },
}

/// The adapter's memory.
#[derive(Default)]
pub struct State {
    channels: Mutex<HashMap<u64, ChannelKind>>,
    /// Thread root message → thread channel (the same id on Discord, but not assumed).
    threads: Mutex<HashMap<u64, u64>>,
    /// Thread channel → root message, where they differ.
    roots: Mutex<HashMap<u64, u64>>,
    dms: Mutex<HashMap<u64, u64>>,
    forms: Mutex<HashMap<String, Form>>,
    pending: Mutex<HashMap<u64, Pending>>,
    /// Private thread → the ticket card in it (a private thread has no root message).
    cards: Mutex<HashMap<u64, u64>>,
    /// The bot's own user id (from READY); 0 while unknown.
    bot_user: std::sync::atomic::AtomicU64,
}

impl State {
    pub fn channel(&self, id: u64) -> Option<ChannelKind> {
        lock(&self.channels).get(&id).copied()
    }

    pub fn remember_channel(&self, id: u64, kind: ChannelKind) {
        let mut c = lock(&self.channels);
        if c.len() >= MAX_CHANNELS {
            c.clear();
        }
        c.insert(id, kind);
    }

    /// The thread channel started on `root`, if baton knows one.
    pub fn thread_of(&self, root: u64) -> Option<u64> {
        lock(&self.threads).get(&root).copied()
    }

    /// The root message of the thread `channel` in `parent`.
    pub fn root_of(&self, channel: u64) -> u64 {
        lock(&self.roots).get(&channel).copied().unwrap_or(channel)
    }

    pub fn remember_thread(&self, parent: u64, root: u64, thread: u64) {
        {
            let mut t = lock(&self.threads);
            if t.len() >= MAX_CHANNELS {
                t.clear();
            }
            t.insert(root, thread);
        }
        if root != thread {
            let mut r = lock(&self.roots);
            if r.len() >= MAX_CHANNELS {
                r.clear();
            }
            r.insert(thread, root);
        }
        self.remember_channel(thread, ChannelKind::Thread { parent });
    }

    /// The ticket card in a private thread, if known.
    pub fn card_in(&self, thread: u64) -> Option<u64> {
        lock(&self.cards).get(&thread).copied()
    }

    pub fn remember_card(&self, thread: u64, card: u64) {
        let mut c = lock(&self.cards);
        if c.len() >= MAX_CHANNELS {
            c.clear();
        }
        c.insert(thread, card);
    }

    pub fn bot_user(&self) -> Option<u64> {
        Some(self.bot_user.load(std::sync::atomic::Ordering::Relaxed)).filter(|id| *id != 0)
    }

    pub fn set_bot_user(&self, id: u64) {
        self.bot_user.store(id, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn dm(&self, user: u64) -> Option<u64> {
        lock(&self.dms).get(&user).copied()
    }

    pub fn remember_dm(&self, user: u64, channel: u64) {
        let mut d = lock(&self.dms);
        if d.len() >= MAX_CHANNELS {
            d.clear();
        }
        d.insert(user, channel);
    }

    pub fn register_form(&self, key: String, form: Form) {
        lock(&self.forms).insert(key, form);
    }

    pub fn form(&self, key: &str) -> Option<Form> {
        lock(&self.forms).get(key).cloned()
    }

    /// Any registered form submitted with `action` (to read its choice fields).
    pub fn form_for_submit(&self, action: &str) -> Option<Form> {
        lock(&self.forms).values().find(|f| f.submit_action == action).cloned()
    }

    /// Remembers an acknowledged interaction; the same id again (a replayed event) changes
    /// nothing.
    pub fn interaction(&self, id: u64, token: &str, user: u64, channel: u64, answer: Answer) {
        let mut p = lock(&self.pending);
        p.retain(|_, v| v.at.elapsed() < INTERACTION_TTL);
        p.entry(id).or_insert(Pending { token: token.to_string(), user, channel, answer, at: Instant::now() });
    }

    /// How to reply privately to `user` in `channel`: through their latest interaction there
    /// while its token is valid. The first reply to a deferred interaction replaces its
    /// "thinking…" message.
    pub fn reply_route(&self, user: u64, channel: u64) -> Option<ReplyRoute> {
        let mut p = lock(&self.pending);
        let (_, latest) = p
            .iter_mut()
            .filter(|(_, v)| v.user == user && v.channel == channel && v.at.elapsed() < INTERACTION_TTL)
            .max_by_key(|(id, v)| (v.at, **id))?;
        let token = latest.token.clone();
        Some(match latest.answer {
            Answer::Deferred => {
                latest.answer = Answer::Answered;
                ReplyRoute::EditOriginal { token }
            }
            _ => ReplyRoute::Followup { token },
        })
    }

    /// If the interaction is still only deferred, marks it cleared and returns its token so
    /// the caller can remove the "thinking…" message.
    pub fn clear_if_unanswered(&self, id: u64) -> Option<String> {
        let mut p = lock(&self.pending);
        let v = p.get_mut(&id)?;
        (v.answer == Answer::Deferred).then(|| {
            v.answer = Answer::Cleared;
            v.token.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_private_reply_replaces_the_deferred_message_then_follow_ups() {
        let s = State::default();
        s.interaction(1, "tok1", 7, 100, Answer::Deferred);
        assert_eq!(s.reply_route(7, 100), Some(ReplyRoute::EditOriginal { token: "tok1".into() }));
        assert_eq!(s.reply_route(7, 100), Some(ReplyRoute::Followup { token: "tok1".into() }));
        assert_eq!(s.clear_if_unanswered(1), None, "already answered");
        // Someone else, or elsewhere: no route (the sink falls back to a DM).
        assert_eq!(s.reply_route(8, 100), None);
        assert_eq!(s.reply_route(7, 101), None);
    }

    #[test]
    fn unanswered_deferrals_are_cleared_once_and_replays_change_nothing() {
        let s = State::default();
        s.interaction(2, "tok2", 7, 100, Answer::Deferred);
        s.interaction(2, "other", 7, 100, Answer::Acknowledged);
        assert_eq!(s.clear_if_unanswered(2).as_deref(), Some("tok2"));
        assert_eq!(s.clear_if_unanswered(2), None);
        assert_eq!(s.reply_route(7, 100), Some(ReplyRoute::Followup { token: "tok2".into() }));
    }

    #[test]
    fn the_latest_interaction_answers() {
        let s = State::default();
        s.interaction(3, "old", 7, 100, Answer::Acknowledged);
        std::thread::sleep(Duration::from_millis(2));
        s.interaction(4, "new", 7, 100, Answer::Acknowledged);
        assert_eq!(s.reply_route(7, 100), Some(ReplyRoute::Followup { token: "new".into() }));
    }

    #[test]
    fn threads_map_both_ways() {
        let s = State::default();
        s.remember_thread(100, 555, 555);
        assert_eq!(s.thread_of(555), Some(555));
        assert_eq!(s.root_of(555), 555);
        assert_eq!(s.channel(555), Some(ChannelKind::Thread { parent: 100 }));
        s.remember_thread(100, 600, 601);
        assert_eq!(s.root_of(601), 600);
        assert_eq!(s.root_of(999), 999);
    }
}
