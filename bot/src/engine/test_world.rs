//! The engine driven directly, for its tests (`tests.rs`, `bridge_tests.rs`,
//! `auth_tests.rs`): a store holding the people and accounts a test needs, the engine on a
//! manual clock at [`t0`], and the inbound events the tests send it.

use std::future::Future;
use std::sync::Arc;

use baton_chat::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::clock::ManualClock;
use crate::domain::{Account, AccountId, KeyPrefix, Name, PersonId, Tier};
use crate::store::{OutboundRow, Store};
use crate::testing::{self, TestDb};

/// Monday 2026-11-23 09:00 UTC: where every test's clock starts.
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

pub(super) fn ch(s: &str) -> ChannelRef {
    ChannelRef::parse(s).unwrap()
}

fn mid(id: &str) -> MessageId {
    MessageId::parse(id).unwrap()
}

/// A person on the platform, by user id (also the display name).
pub(super) fn author(name: &str) -> Author {
    Author::human(UserId::parse(name).unwrap(), name)
}

pub(super) fn person(id: &str, name: &str, role: Role) -> Person {
    Person::new(PersonId::parse(id).unwrap(), Name::parse(name).unwrap(), role)
}

/// An account with its ticket key prefix, on `channels`.
pub(super) fn account(id: &str, name: &str, tier: &str, prefix: &str, channels: &[&str]) -> Account {
    let mut a = Account::new(AccountId::parse(id).unwrap(), Name::parse(name).unwrap(), Tier::parse(tier).unwrap())
        .with_channels(channels.iter().map(|c| ch(c)))
        .unwrap();
    a.key_prefix = Some(KeyPrefix::parse(prefix).unwrap());
    a
}

/// A message posted in `channel` (a reply in `thread`, if given).
pub(super) fn message(channel: &str, id: &str, thread: Option<&str>, user: Author, text: &str, at: DateTime<Utc>) -> Inbound {
    Inbound::Message(IncomingMessage {
        channel: ch(channel),
        message: mid(id),
        thread: thread.map(mid),
        author: user,
        text: text.into(),
        sent_at: at,
        edited: false,
    })
}

/// `/ticket TEXT`.
pub(super) fn command(channel: &str, thread: Option<&str>, user: Author, text: &str, at: DateTime<Utc>) -> Inbound {
    Inbound::Command(SlashCommand {
        channel: ch(channel),
        thread: thread.map(mid),
        user,
        command: "ticket".into(),
        text: text.into(),
        issued_at: at,
    })
}

/// `user` reacts with `emoji` to message `id`, which `message_author` wrote at [`t0`].
pub(super) fn reaction(
    channel: &str,
    id: &str,
    emoji: &str,
    user: Author,
    message_author: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Inbound {
    Inbound::Reaction(ReactionAdded {
        target: MessageRef { channel: ch(channel), message: mid(id) },
        thread: None,
        emoji: emoji.into(),
        user,
        message_author: Some(author(message_author)),
        message_text: Some(text.into()),
        message_sent_at: Some(t0()),
        reacted_at: at,
    })
}

/// A button pressed (or a form submitted: set `fields`) in `channel`.
pub(super) fn action(
    channel: &str,
    thread: Option<&str>,
    user: Author,
    action_id: &str,
    value: Option<String>,
    at: DateTime<Utc>,
) -> ActionInvoked {
    ActionInvoked {
        channel: ch(channel),
        message: None,
        thread: thread.map(mid),
        user,
        action_id: action_id.into(),
        value,
        fields: Default::default(),
        target: None,
        invoked_at: at,
    }
}

/// The *Open ticket* message shortcut on message `id`, which `message_author` wrote at [`t0`].
pub(super) fn shortcut(channel: &str, id: &str, user: Author, message_author: Author, text: &str, at: DateTime<Utc>) -> Inbound {
    Inbound::Action(ActionInvoked {
        message: Some(mid(id)),
        target: Some(TargetMessage { message: mid(id), thread: None, author: message_author, text: text.into(), sent_at: t0() }),
        ..action(channel, None, user, "ticket.open_from_message", None, at)
    })
}

pub(super) struct World {
    pub(super) db: TestDb,
    pub(super) engine: Engine,
    pub(super) clock: Arc<ManualClock>,
    /// Events sent so far (their ids are `e1`, `e2`, …).
    n: u64,
}

impl World {
    /// `people` and `accounts` stored; the engine on `settings`, its clock at [`t0`].
    pub(super) async fn new(db: TestDb, people: &[Person], accounts: &[Account], settings: Settings) -> Self {
        let store = db.store.clone();
        store.upsert_people(people).await.unwrap();
        store.upsert_accounts(accounts).await.unwrap();
        let clock = Arc::new(ManualClock::new(t0()));
        let engine = Engine::new(store, Arc::new(settings), clock.clone());
        Self { db, engine, clock, n: 0 }
    }

    /// One world per database backend, each made by `build`.
    pub(super) async fn each<F, Fut>(build: F) -> Vec<World>
    where
        F: Fn(TestDb) -> Fut,
        Fut: Future<Output = World>,
    {
        let mut out = Vec::new();
        for db in testing::each_backend().await {
            out.push(build(db).await);
        }
        out
    }

    pub(super) fn store(&self) -> &Arc<dyn Store> {
        &self.db.store
    }

    /// Handles `body` as an event from its channel's platform.
    pub(super) async fn send(&mut self, body: Inbound) {
        self.n += 1;
        let ev = InboundEvent { event_id: format!("e{}", self.n), platform: body.channel().platform, body };
        self.engine.handle(&ev).await.unwrap();
    }

    pub(super) async fn say(&mut self, channel: &str, id: &str, thread: Option<&str>, who: &str, text: &str, at: DateTime<Utc>) {
        self.send(message(channel, id, thread, author(who), text, at)).await
    }

    pub(super) async fn command(&mut self, channel: &str, thread: Option<&str>, who: &str, text: &str, at: DateTime<Utc>) {
        self.send(command(channel, thread, author(who), text, at)).await
    }

    /// `customer` asks at [`t0`] (message `id`); dana opens a ticket with 🎫 a minute later.
    pub(super) async fn open_from(&mut self, channel: &str, id: &str, customer: &str, text: &str) {
        self.say(channel, id, None, customer, text, t0()).await;
        self.send(reaction(channel, id, "ticket", author("dana"), customer, text, t0() + Duration::minutes(1))).await
    }

    pub(super) async fn ticket(&self, key: &str) -> Ticket {
        self.store().ticket_by_key(&TicketKey::parse(key).unwrap()).await.unwrap().expect(key)
    }

    /// The names of the ticket's events, oldest first.
    pub(super) async fn kinds(&self, key: &str) -> Vec<&'static str> {
        let t = self.ticket(key).await;
        self.store().events(t.id).await.unwrap().iter().map(|e| e.kind.name()).collect()
    }

    /// Every message queued so far.
    pub(super) async fn outbox(&self) -> Vec<OutboundRow> {
        self.store().outbox(false, 1000).await.unwrap()
    }
}
