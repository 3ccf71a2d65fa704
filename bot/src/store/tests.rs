//! The store's contract, checked on every backend: each test body runs on SQLite and, when it
//! is reachable, on PostgreSQL (see [`crate::testing`]). Timestamps carry microseconds, like
//! Slack's `ts`, and must come back exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use baton_chat::{Button, ButtonStyle, Card, ChannelRef, Destination, MessageId, OutboundMessage, Platform, UserId};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::{
    connect, Backend, Delivery, LogQuery, NewOutbound, OutboundPurpose, OutboundRow, Store, StoreError, TicketChange, TicketFilter,
};
use crate::domain::{
    Account, AccountId, Actor, Arr, Currency, EventKind, IntakeVia, KeyPrefix, Locale, Name, NewEvent, NewTicket,
    Origin, Person, PersonId, Priority, Rating, Requester, Role, SignalName, SlaTarget, Tag, Ticket, TicketEvent, TicketId,
    TicketKey, TicketStatus, Tier, Title,
};
use crate::testing::each_backend;

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Runs `body` on every backend, each with a fresh database.
async fn on_each<F, Fut>(body: F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    for db in each_backend().await {
        // Shown with the failure, to tell which backend failed.
        eprintln!("--- on {:?}", db.backend);
        body(db.store.clone()).await;
        db.cleanup().await;
    }
}

/// 2026-11-23 09:30:00.123456 UTC plus `secs` seconds: microseconds, like a Slack `ts`.
fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap() + Duration::microseconds(123_456) + Duration::seconds(secs)
}

fn aid(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}
fn pid(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn ch(s: &str) -> ChannelRef {
    ChannelRef::parse(s).unwrap()
}
fn mid(s: &str) -> MessageId {
    MessageId::parse(s).unwrap()
}
fn uid(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}
fn tag(s: &str) -> Tag {
    Tag::parse(s).unwrap()
}
fn tags(list: &[&str]) -> BTreeSet<Tag> {
    list.iter().map(|t| tag(t)).collect()
}
fn signal(s: &str) -> SignalName {
    SignalName::parse(s).unwrap()
}
fn key(s: &str) -> TicketKey {
    TicketKey::parse(s).unwrap()
}

/// A bare account: no ARR, CSM, prefix, signals or locale.
fn plain_account(id: &str, channels: &[&str]) -> Account {
    Account::new(aid(id), Name::parse(&id.to_uppercase()).unwrap(), Tier::parse("standard").unwrap())
        .with_channels(channels.iter().map(|c| ch(c)))
        .unwrap()
}

/// An account with every field set.
fn acme() -> Account {
    let mut a = Account::new(aid("acme"), Name::parse("Acme Corp ÅÄÖ").unwrap(), Tier::parse("enterprise").unwrap())
        .with_channels([ch("slack:C0ACME"), ch("discord:110000000000000001"), ch("shell:acme")])
        .unwrap();
    a.arr = Some(Arr::new(250_000, Currency::parse("SEK").unwrap()));
    a.renewal_date = NaiveDate::from_ymd_opt(2027, 2, 28);
    a.csm = Some(pid("dana"));
    a.key_prefix = Some(KeyPrefix::parse("ACME").unwrap());
    a.signals = BTreeMap::from([
        (signal("usage_trend"), -0.125),
        (signal("nps"), 42.0),
        (signal("seats"), 1_250.0),
        (signal("health"), 0.1),
    ]);
    a.locale = Some(Locale::parse("sv-SE").unwrap());
    a
}

/// A person with every field set.
fn dana() -> Person {
    let mut p = Person::new(pid("dana"), Name::parse("Dana Scully").unwrap(), Role::Csm);
    p.email = Some(crate::domain::Email::parse("dana@example.com").unwrap());
    p.handles = BTreeMap::from([(Platform::Slack, uid("U0DANA")), (Platform::Discord, uid("220000000000000002"))]);
    p.account = None;
    p.manager = Some(pid("mia"));
    p.locale = Some(Locale::parse("en-GB").unwrap());
    p.time_zone = Some(chrono_tz::Europe::Stockholm);
    p
}

fn new_ticket(prefix: &str, account: Option<&str>, channel: &str, message: Option<&str>) -> NewTicket {
    let channel = ch(channel);
    NewTicket {
        account: account.map(aid),
        key_prefix: KeyPrefix::parse(prefix).unwrap(),
        requester: Requester {
            platform: channel.platform,
            user: uid("U0CASEY"),
            display_name: "Casey “Customer” Ng".into(),
            person: Some(pid("casey")),
        },
        title: Title::parse("Login loops forever").unwrap(),
        priority: Priority::High,
        assignee: Some(pid("dana")),
        tags: tags(&["sso", "bug:login-loop"]),
        origin: Origin { channel, message: message.map(mid), thread: None },
        opened_at: at(-60),
        follow_up_of: None,
        via: IntakeVia::Reaction,
        opened_by: Actor::ChatUser { platform: Platform::Slack, user: uid("U0CASEY"), display_name: "Casey".into() },
        description: Some("It keeps redirecting to /login.\nSince 9am.".into()),
    }
}

fn nothing(_: &Ticket) -> Vec<NewOutbound> {
    Vec::new()
}

fn text_to(channel: &ChannelRef, text: &str) -> OutboundMessage {
    OutboundMessage {
        destination: Destination::Channel { channel: channel.clone() },
        text: text.into(),
        card: None,
        replaces: None,
        attachments: vec![],
        conversation: Default::default(),
    }
}

/// What the engine posts when a ticket opens: its card, and a reply in the origin thread.
fn card_and_reply(t: &Ticket) -> Vec<NewOutbound> {
    let card = OutboundMessage {
        destination: Destination::Channel { channel: t.origin.channel.clone() },
        text: format!("{} {}", t.key, t.title),
        card: Some(Card {
            title: format!("{} · {}", t.key, t.title),
            fields: vec![("Status".into(), t.status.to_string()), ("Priority".into(), t.priority.to_string())],
            body: Some("It keeps redirecting".into()),
            buttons: vec![Button {
                action_id: "ticket.claim".into(),
                label: "Claim".into(),
                value: Some(t.id.to_string()),
                style: ButtonStyle::Primary,
                fallback_command: Some(format!("/ticket claim {}", t.key)),
                form: None,
            }],
            footer: None,
        }),
        replaces: None,
        attachments: vec![],
        conversation: Default::default(),
    };
    let mut out = vec![NewOutbound { message: card, ticket: Some(t.id), purpose: OutboundPurpose::TicketCard }];
    if let Some(m) = &t.origin.message {
        out.push(NewOutbound {
            message: OutboundMessage {
                destination: Destination::Thread { channel: t.origin.channel.clone(), thread: m.clone() },
                text: format!("Opened {}", t.key),
                card: None,
                replaces: None,
        attachments: vec![],
        conversation: Default::default(),
            },
            ticket: Some(t.id),
            purpose: OutboundPurpose::Message,
        });
    }
    out
}

async fn open(store: &dyn Store, t: &NewTicket, now: DateTime<Utc>) -> Ticket {
    let (ticket, created) = store.open_ticket(t, now, &nothing).await.unwrap();
    assert!(created, "expected a new ticket for {:?}", t.origin);
    ticket
}

/// Saves `ticket` as changed by the caller, with one note event.
async fn save(store: &dyn Store, ticket: Ticket, now: DateTime<Utc>) -> Ticket {
    let change = TicketChange {
        ticket,
        events: vec![NewEvent {
            kind: EventKind::Note { text: "saved".into() },
            actor: Actor::System,
            occurred_at: now,
        }],
        outbox: vec![],
    };
    store.apply(change, now).await.unwrap()
}

/// Every event kind, once. `kind_index` below fails to compile when a kind is added, so this
/// list cannot silently fall behind.
fn every_event_kind() -> Vec<EventKind> {
    vec![
        EventKind::Opened {
            via: IntakeVia::Shortcut,
            title: Title::parse("Ünïcode title — with “quotes”").unwrap(),
            description: None,
        },
        EventKind::CustomerMessage {
            message: mid("1732354200.123456"),
            text: "Still broken 😞\n\"quoted\" \\ backslash\ttab".into(),
        },
        EventKind::AgentMessage { message: mid("1732354300.000100"), text: "Looking now".into() },
        EventKind::Note { text: "internal: customer on trial".into() },
        EventKind::Assigned { from: None, to: Some(pid("dana")) },
        EventKind::StatusChanged { from: TicketStatus::New, to: TicketStatus::PendingOnCustomer },
        EventKind::PriorityChanged { from: Priority::Normal, to: Priority::Urgent },
        EventKind::TagsChanged { added: tags(&["bug:login-loop", "sso"]), removed: tags(&["triage"]) },
        EventKind::Reopened,
        EventKind::FollowUpOpened { ticket: TicketId(9_000_000_001), key: key("ACME-7") },
        EventKind::Escalated { level: 2, reason: Some("VIP customer".into()) },
        EventKind::Deescalated { level: 1 },
        EventKind::HandedOff { csm: Some(pid("dana")), reason: "renewal risk".into(), note: None },
        EventKind::HandoffAcknowledged { by: pid("dana") },
        EventKind::CsatRequested,
        EventKind::CloseRequested,
        EventKind::CloseDeclined,
        EventKind::PendingReminderSent,
        EventKind::HandoffRepinged { to: Some(pid("dana")), manager: true },
        EventKind::CsatReceived { rating: Rating::new(4).unwrap(), comment: Some("thanks!".into()) },
        EventKind::SlaWarning { target: SlaTarget::FirstResponse, due: at(3_600) },
        EventKind::SlaBreached { target: SlaTarget::Resolution, due: at(86_400) + Duration::microseconds(1) },
    ]
}

fn kind_index(k: &EventKind) -> usize {
    match k {
        EventKind::Opened { .. } => 0,
        EventKind::CustomerMessage { .. } => 1,
        EventKind::AgentMessage { .. } => 2,
        EventKind::Note { .. } => 3,
        EventKind::Assigned { .. } => 4,
        EventKind::StatusChanged { .. } => 5,
        EventKind::PriorityChanged { .. } => 6,
        EventKind::TagsChanged { .. } => 7,
        EventKind::Reopened => 8,
        EventKind::FollowUpOpened { .. } => 9,
        EventKind::Escalated { .. } => 10,
        EventKind::Deescalated { .. } => 11,
        EventKind::HandedOff { .. } => 12,
        EventKind::HandoffAcknowledged { .. } => 13,
        EventKind::CsatRequested => 14,
        EventKind::CsatReceived { .. } => 15,
        EventKind::SlaWarning { .. } => 16,
        EventKind::SlaBreached { .. } => 17,
        EventKind::CloseRequested => 18,
        EventKind::CloseDeclined => 19,
        EventKind::PendingReminderSent => 20,
        EventKind::HandoffRepinged { .. } => 21,
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[tokio::test]
async fn accounts_round_trip_every_field() {
    on_each(|s| async move {
        let full = acme();
        let bare = plain_account("globex", &[]);
        s.upsert_accounts(&[full.clone(), bare.clone()]).await.unwrap();

        assert_eq!(s.account(&aid("acme")).await.unwrap(), Some(full.clone()));
        assert_eq!(s.account(&aid("globex")).await.unwrap(), Some(bare.clone()));
        assert_eq!(s.account(&aid("initech")).await.unwrap(), None);
        // Ordered by id.
        assert_eq!(s.accounts().await.unwrap(), vec![full.clone(), bare]);

        for c in &full.channels {
            assert_eq!(s.account_for_channel(c).await.unwrap(), Some(full.clone()), "{c}");
        }
        // Same channel id on another platform, and an unknown channel, belong to no one.
        assert_eq!(s.account_for_channel(&ch("discord:C0ACME")).await.unwrap(), None);
        assert_eq!(s.account_for_channel(&ch("slack:C0NOPE")).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn account_arr_extremes_round_trip() {
    on_each(|s| async move {
        let mut a = plain_account("big", &[]);
        a.arr = Some(Arr::new(i64::MAX as u64, Currency::parse("usd").unwrap()));
        let mut z = plain_account("zero", &[]);
        z.arr = Some(Arr::new(0, Currency::parse("JPY").unwrap()));
        s.upsert_accounts(&[a.clone(), z.clone()]).await.unwrap();
        assert_eq!(s.accounts().await.unwrap(), vec![a, z]);
    })
    .await;
}

#[tokio::test]
async fn upsert_updates_an_existing_account() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme(), plain_account("globex", &["slack:C0GLOBEX"])]).await.unwrap();

        let mut changed = acme();
        changed.name = Name::parse("Acme Inc").unwrap();
        changed.tier = Tier::parse("growth").unwrap();
        changed.arr = Some(Arr::new(90_000, Currency::USD));
        changed.renewal_date = None;
        changed.csm = None;
        changed.key_prefix = Some(KeyPrefix::parse("AC").unwrap());
        changed.signals = BTreeMap::from([(signal("nps"), -10.0)]);
        changed.locale = None;
        changed.channels = [ch("slack:C0ACME"), ch("slack:C0ACME2")].into();
        s.upsert_accounts(&[changed.clone()]).await.unwrap();

        assert_eq!(s.account(&aid("acme")).await.unwrap(), Some(changed.clone()));
        assert_eq!(s.accounts().await.unwrap().len(), 2);
        // The dropped channels are free, the new one maps to the account.
        assert_eq!(s.account_for_channel(&ch("discord:110000000000000001")).await.unwrap(), None);
        assert_eq!(s.account_for_channel(&ch("shell:acme")).await.unwrap(), None);
        assert_eq!(s.account_for_channel(&ch("slack:C0ACME2")).await.unwrap(), Some(changed));
        // The other account is untouched.
        assert_eq!(s.account(&aid("globex")).await.unwrap(), Some(plain_account("globex", &["slack:C0GLOBEX"])));
    })
    .await;
}

#[tokio::test]
async fn upsert_refuses_a_channel_of_another_account_and_applies_nothing() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme()]).await.unwrap();
        let before = s.accounts().await.unwrap();

        // A new account, an update, and an account claiming acme's channel: all refused.
        let mut renamed = acme();
        renamed.name = Name::parse("Renamed").unwrap();
        let batch = [
            plain_account("globex", &["slack:C0GLOBEX"]),
            renamed,
            plain_account("initech", &["slack:C0INITECH", "slack:C0ACME"]),
        ];
        match s.upsert_accounts(&batch).await {
            Err(StoreError::ChannelTaken { channel, owner }) => {
                assert_eq!(channel, ch("slack:C0ACME"));
                assert_eq!(owner, aid("acme"));
            }
            other => panic!("expected ChannelTaken, got {other:?}"),
        }
        assert_eq!(s.accounts().await.unwrap(), before);
        assert_eq!(s.account_for_channel(&ch("slack:C0GLOBEX")).await.unwrap(), None);
        assert_eq!(s.account_for_channel(&ch("slack:C0INITECH")).await.unwrap(), None);

        // Two new accounts listing the same channel in one batch: refused, nothing written.
        let batch = [plain_account("b1", &["discord:9"]), plain_account("b2", &["discord:9"])];
        match s.upsert_accounts(&batch).await {
            Err(StoreError::ChannelTaken { channel, owner }) => {
                assert_eq!(channel, ch("discord:9"));
                assert_eq!(owner, aid("b1"));
            }
            other => panic!("expected ChannelTaken, got {other:?}"),
        }
        assert_eq!(s.accounts().await.unwrap(), before);
    })
    .await;
}

#[tokio::test]
async fn upsert_refuses_what_cannot_be_stored_faithfully() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme()]).await.unwrap();
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut a = plain_account("globex", &[]);
            a.signals.insert(signal("nps"), bad);
            match s.upsert_accounts(&[plain_account("initech", &[]), a]).await {
                Err(StoreError::Invalid(why)) => assert!(why.contains("nps") && why.contains("globex"), "{why}"),
                other => panic!("expected Invalid for {bad}, got {other:?}"),
            }
        }
        let mut huge = plain_account("huge", &[]);
        huge.arr = Some(Arr::new(u64::MAX, Currency::USD));
        assert!(matches!(s.upsert_accounts(&[huge]).await, Err(StoreError::Invalid(_))));
        // Nothing was written, and the accounts still load.
        assert_eq!(s.accounts().await.unwrap(), vec![acme()]);
    })
    .await;
}

#[tokio::test]
async fn an_account_listed_twice_in_a_batch_takes_its_last_listing() {
    on_each(|s| async move {
        let first = plain_account("acme", &["slack:C1", "slack:C2"]);
        let mut last = plain_account("acme", &["slack:C2", "slack:C3"]);
        last.name = Name::parse("Acme, last").unwrap();
        s.upsert_accounts(&[first, last.clone()]).await.unwrap();
        assert_eq!(s.accounts().await.unwrap(), vec![last]);
        assert_eq!(s.account_for_channel(&ch("slack:C1")).await.unwrap(), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batches_claiming_one_channel_give_it_to_one() {
    for db in each_backend().await {
        eprintln!("--- on {:?}", db.backend);
        // Open the pool's connections first, so the batches really overlap.
        let pings: Vec<_> =
            (0..8).map(|_| db.store.clone()).map(|s| tokio::spawn(async move { s.ping().await })).collect();
        for p in pings {
            p.await.unwrap().unwrap();
        }
        for round in 0..5 {
            let channel = format!("slack:CSHARED{round}");
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..8 {
                let (store, channel) = (db.store.clone(), channel.clone());
                tasks.spawn(async move {
                    store.upsert_accounts(&[plain_account(&format!("r{round}-a{i}"), &[&channel])]).await
                });
            }
            let (mut ok, mut taken) = (0, 0);
            while let Some(r) = tasks.join_next().await {
                match r.unwrap() {
                    Ok(()) => ok += 1,
                    Err(StoreError::ChannelTaken { channel: c, .. }) if c == ch(&channel) => taken += 1,
                    Err(e) => panic!("{:?}: unexpected error {e:?}", db.backend),
                }
            }
            assert_eq!((ok, taken), (1, 7), "{:?}", db.backend);
            let owner = db.store.account_for_channel(&ch(&channel)).await.unwrap().expect("one owner");
            assert!(owner.id.as_str().starts_with(&format!("r{round}-")));
        }
        assert_eq!(db.store.accounts().await.unwrap().len(), 5, "the refused batches wrote nothing");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_may_move_a_channel_between_accounts_in_any_order() {
    on_each(|s| async move {
        s.upsert_accounts(&[plain_account("a1", &["slack:C1"]), plain_account("a2", &["slack:C2"])]).await.unwrap();
        // a2 takes C1 and a1 gives it up: listed taker first, then giver.
        let batch = [plain_account("a2", &["slack:C2", "slack:C1"]), plain_account("a1", &[])];
        s.upsert_accounts(&batch).await.unwrap();
        assert_eq!(s.account_for_channel(&ch("slack:C1")).await.unwrap().map(|a| a.id), Some(aid("a2")));
        // And back, giver first.
        let batch = [plain_account("a2", &["slack:C2"]), plain_account("a1", &["slack:C1"])];
        s.upsert_accounts(&batch).await.unwrap();
        assert_eq!(s.account_for_channel(&ch("slack:C1")).await.unwrap().map(|a| a.id), Some(aid("a1")));
        assert_eq!(s.account_for_channel(&ch("slack:C2")).await.unwrap().map(|a| a.id), Some(aid("a2")));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// People

#[tokio::test]
async fn people_round_trip_every_field() {
    on_each(|s| async move {
        let full = dana();
        let mut casey = Person::new(pid("casey"), Name::parse("Casey Ng").unwrap(), Role::Customer);
        casey.account = Some(aid("acme"));
        let mia = Person::new(pid("mia"), Name::parse("Mia Wallace").unwrap(), Role::Manager);
        s.upsert_people(&[mia.clone(), full.clone(), casey.clone()]).await.unwrap();

        assert_eq!(s.person(&pid("dana")).await.unwrap(), Some(full.clone()));
        assert_eq!(s.person(&pid("casey")).await.unwrap(), Some(casey.clone()));
        assert_eq!(s.person(&pid("nobody")).await.unwrap(), None);
        assert_eq!(s.people().await.unwrap(), vec![casey, full, mia]);
    })
    .await;
}

#[tokio::test]
async fn person_by_handle_with_shell_fallback() {
    on_each(|s| async move {
        let mut sam = Person::new(pid("sam"), Name::parse("Sam").unwrap(), Role::Agent);
        sam.handles.insert(Platform::Shell, uid("sammy"));
        s.upsert_people(&[dana(), sam.clone()]).await.unwrap();

        assert_eq!(s.person_by_handle(Platform::Slack, &uid("U0DANA")).await.unwrap(), Some(dana()));
        assert_eq!(s.person_by_handle(Platform::Discord, &uid("220000000000000002")).await.unwrap(), Some(dana()));
        // A handle is scoped by platform.
        assert_eq!(s.person_by_handle(Platform::Discord, &uid("U0DANA")).await.unwrap(), None);
        assert_eq!(s.person_by_handle(Platform::Slack, &uid("U0OTHER")).await.unwrap(), None);
        // On the shell, a person's id is their handle...
        assert_eq!(s.person_by_handle(Platform::Shell, &uid("dana")).await.unwrap(), Some(dana()));
        // ...unless a shell handle is recorded.
        assert_eq!(s.person_by_handle(Platform::Shell, &uid("sammy")).await.unwrap(), Some(sam));
        // The fallback is for the shell only, and needs a known person with a valid id.
        assert_eq!(s.person_by_handle(Platform::Slack, &uid("dana")).await.unwrap(), None);
        assert_eq!(s.person_by_handle(Platform::Shell, &uid("ghost")).await.unwrap(), None);
        assert_eq!(s.person_by_handle(Platform::Shell, &uid("Dana!")).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn upsert_updates_an_existing_person_and_replaces_handles() {
    on_each(|s| async move {
        s.upsert_people(&[dana()]).await.unwrap();
        let mut changed = dana();
        changed.name = Name::parse("Dana K. Scully").unwrap();
        changed.role = Role::Lead;
        changed.email = None;
        changed.manager = None;
        changed.locale = Some(Locale::parse("fa").unwrap());
        changed.time_zone = Some(chrono_tz::Asia::Kolkata);
        changed.handles = BTreeMap::from([(Platform::Slack, uid("U0DANA2"))]);
        s.upsert_people(&[changed.clone()]).await.unwrap();

        assert_eq!(s.people().await.unwrap(), vec![changed.clone()]);
        assert_eq!(s.person_by_handle(Platform::Slack, &uid("U0DANA2")).await.unwrap(), Some(changed));
        assert_eq!(s.person_by_handle(Platform::Slack, &uid("U0DANA")).await.unwrap(), None);
        assert_eq!(s.person_by_handle(Platform::Discord, &uid("220000000000000002")).await.unwrap(), None);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Opening tickets

#[tokio::test]
async fn ticket_keys_count_per_prefix() {
    on_each(|s| async move {
        let mut keys = Vec::new();
        for (i, prefix) in ["ACME", "ACME", "GLOBEX", "ACME", "T", "GLOBEX"].into_iter().enumerate() {
            let t = open(&*s, &new_ticket(prefix, None, "slack:C1", None), at(i as i64)).await;
            keys.push(t.key.to_string());
        }
        assert_eq!(keys, ["ACME-1", "ACME-2", "GLOBEX-1", "ACME-3", "T-1", "GLOBEX-2"]);
    })
    .await;
}

#[tokio::test]
async fn opened_ticket_round_trips() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme()]).await.unwrap();
        let nt = new_ticket("ACME", Some("acme"), "slack:C0ACME", Some("1732354200.123456"));
        let (t, created) = s.open_ticket(&nt, at(0), &nothing).await.unwrap();
        assert!(created);
        assert_eq!(t.key, key("ACME-1"));
        assert_eq!(t.account, Some(aid("acme")));
        assert_eq!(t.requester, nt.requester);
        assert_eq!(t.title, nt.title);
        assert_eq!(t.status, TicketStatus::New);
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.assignee, Some(pid("dana")));
        assert_eq!(t.tags, tags(&["bug:login-loop", "sso"]));
        assert_eq!(t.origin, nt.origin);
        assert_eq!(t.card_message, None);
        assert_eq!((t.opened_at, t.created_at, t.updated_at), (at(-60), at(0), at(0)));
        assert_eq!(t.version, 0);

        // What open_ticket returned is exactly what is stored.
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(t.clone()));
        assert_eq!(s.ticket_by_key(&key("ACME-1")).await.unwrap(), Some(t.clone()));
        assert_eq!(s.ticket_by_key(&key("acme-1")).await.unwrap(), Some(t.clone()));
        assert_eq!(s.ticket_by_key(&key("ACME-2")).await.unwrap(), None);
        assert_eq!(s.ticket(TicketId(t.id.0 + 1000)).await.unwrap(), None);

        // The `opened` event.
        let events = s.events(t.id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].ticket, t.id);
        assert_eq!(
            events[0].kind,
            EventKind::Opened {
                via: IntakeVia::Reaction,
                title: nt.title.clone(),
                description: nt.description.clone()
            }
        );
        assert_eq!(events[0].actor, nt.opened_by);
        assert_eq!((events[0].occurred_at, events[0].recorded_at), (at(-60), at(0)));

        // A follow-up of it, with no account, requester person, assignee or tags.
        let mut follow = new_ticket("T", None, "discord:42", None);
        follow.follow_up_of = Some(t.id);
        follow.requester.person = None;
        follow.assignee = None;
        follow.tags.clear();
        follow.description = None;
        follow.origin.thread = Some(mid("777"));
        let f = open(&*s, &follow, at(5)).await;
        assert_eq!(f.follow_up_of, Some(t.id));
        assert_eq!(s.ticket(f.id).await.unwrap(), Some(f));
    })
    .await;
}

#[tokio::test]
async fn opening_twice_from_one_message_returns_the_first_ticket() {
    on_each(|s| async move {
        let renders = AtomicUsize::new(0);
        let render = |t: &Ticket| {
            renders.fetch_add(1, Ordering::SeqCst);
            card_and_reply(t)
        };
        let nt = new_ticket("ACME", None, "slack:C0ACME", Some("1732354200.000001"));
        let (first, created) = s.open_ticket(&nt, at(0), &render).await.unwrap();
        assert!(created);

        // Again, later, with a different title: same ticket, untouched, `false`.
        let mut again = nt.clone();
        again.title = Title::parse("Something else").unwrap();
        let (second, created) = s.open_ticket(&again, at(30), &render).await.unwrap();
        assert!(!created);
        assert_eq!(second, first);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert_eq!(s.events(first.id).await.unwrap().len(), 1, "only one `opened` event");
        assert_eq!(s.outbox(false, 100).await.unwrap().len(), 2, "only the first render's messages");
        assert_eq!(s.tickets(&TicketFilter::default()).await.unwrap(), vec![first.clone()]);

        // The refused open did not use up a number.
        let next = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", Some("1732354200.000002")), at(40)).await;
        assert_eq!(next.key, key("ACME-2"));
        // The same message id in another channel is another message.
        let other = open(&*s, &new_ticket("ACME", None, "slack:C0OTHER", Some("1732354200.000001")), at(50)).await;
        assert_eq!(other.key, key("ACME-3"));
        // Tickets without an origin message never collide.
        let a = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(60)).await;
        let b = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(60)).await;
        assert_ne!(a.id, b.id);
    })
    .await;
}

#[tokio::test]
async fn render_on_open_queues_its_messages() {
    on_each(|s| async move {
        let nt = new_ticket("ACME", None, "slack:C0ACME", Some("1732354200.123456"));
        let (t, _) = s.open_ticket(&nt, at(0), &card_and_reply).await.unwrap();
        let expected = card_and_reply(&t);
        assert_eq!(expected.len(), 2);
        // The render saw the ticket with its id and key.
        assert!(expected[0].message.text.starts_with("ACME-1 "));

        let rows = s.outbox(false, 100).await.unwrap();
        assert_eq!(rows.len(), 2);
        for (row, want) in rows.iter().zip(&expected) {
            assert_eq!(row.platform, Platform::Slack);
            assert_eq!(row.message, want.message);
            assert_eq!(row.ticket, Some(t.id));
            assert_eq!(row.purpose, want.purpose);
            assert_eq!(row.attempts, 0);
            assert_eq!(row.created_at, at(0));
            assert_eq!(
                (row.delivered_at, &row.delivered_message, &row.last_error, row.dead),
                (None, &None, &None, false)
            );
        }
        assert!(rows[0].id < rows[1].id);
        assert_eq!(s.due_outbound(at(0), 100).await.unwrap(), rows);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_from_one_message_make_one_ticket() {
    for db in each_backend().await {
        eprintln!("--- on {:?}", db.backend);
        let nt = Arc::new(new_ticket("ACME", None, "slack:C0ACME", Some("1732354200.424242")));
        let renders = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let (store, nt, renders) = (db.store.clone(), nt.clone(), renders.clone());
            tasks.spawn(async move {
                let render = move |t: &Ticket| {
                    renders.fetch_add(1, Ordering::SeqCst);
                    card_and_reply(t)
                };
                store.open_ticket(&nt, at(i), &render).await
            });
        }
        let mut results = Vec::new();
        while let Some(r) = tasks.join_next().await {
            results.push(r.unwrap().unwrap_or_else(|e| panic!("{:?}: open_ticket failed: {e}", db.backend)));
        }
        assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1, "{:?}", db.backend);
        let winner = results.iter().find(|(_, created)| *created).unwrap().0.clone();
        assert!(results.iter().all(|(t, _)| *t == winner), "{:?}: everyone sees the one ticket", db.backend);
        assert_eq!(winner.key, key("ACME-1"));
        assert_eq!(db.store.tickets(&TicketFilter::default()).await.unwrap(), vec![winner.clone()]);
        assert_eq!(db.store.events(winner.id).await.unwrap().len(), 1);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert_eq!(db.store.outbox(false, 100).await.unwrap().len(), 2);
        // No number was lost to the losers.
        let next = open(&*db.store, &new_ticket("ACME", None, "slack:C0ACME", None), at(100)).await;
        assert_eq!(next.key, key("ACME-2"));
        db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_get_distinct_consecutive_keys() {
    for db in each_backend().await {
        eprintln!("--- on {:?}", db.backend);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let store = db.store.clone();
            tasks.spawn(async move {
                let nt = new_ticket("ACME", None, "slack:C0ACME", Some(&format!("1732354200.{i:06}")));
                store.open_ticket(&nt, at(i), &nothing).await
            });
        }
        let mut numbers = Vec::new();
        while let Some(r) = tasks.join_next().await {
            let (t, created) = r.unwrap().unwrap_or_else(|e| panic!("{:?}: open_ticket failed: {e}", db.backend));
            assert!(created);
            numbers.push(t.key.number());
        }
        numbers.sort();
        assert_eq!(numbers, (1..=20).collect::<Vec<u32>>(), "{:?}", db.backend);
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Changing tickets

#[tokio::test]
async fn apply_saves_the_ticket_with_its_events_and_messages() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme(), plain_account("globex", &[])]).await.unwrap();
        let t = open(&*s, &new_ticket("ACME", Some("acme"), "slack:C0ACME", Some("1.000001")), at(0)).await;

        let mut changed = t.clone();
        changed.status = TicketStatus::PendingOnCustomer;
        changed.priority = Priority::Urgent;
        changed.assignee = Some(pid("sam"));
        changed.title = Title::parse("SSO login loop").unwrap();
        changed.account = Some(aid("globex"));
        changed.tags = tags(&["bug:login-loop", "vip"]);
        changed.follow_up_of = Some(TicketId(t.id.0));
        // The card and thread are set by delivering the card only: apply leaves them alone.
        changed.card_message = Some(mid("1.000002"));
        changed.origin.thread = Some(mid("1.000001"));
        let events = vec![
            NewEvent {
                kind: EventKind::StatusChanged { from: TicketStatus::New, to: TicketStatus::PendingOnCustomer },
                actor: Actor::Person { id: pid("sam") },
                occurred_at: at(10),
            },
            NewEvent {
                kind: EventKind::TagsChanged { added: tags(&["vip"]), removed: tags(&["sso"]) },
                actor: Actor::Person { id: pid("sam") },
                occurred_at: at(11),
            },
        ];
        let reply = NewOutbound::message(text_to(&t.origin.channel, "Waiting on you"));
        let change = TicketChange { ticket: changed.clone(), events: events.clone(), outbox: vec![reply.clone()] };
        let saved = s.apply(change, at(12)).await.unwrap();

        let mut want = changed.clone();
        want.version = 1;
        want.updated_at = at(12);
        want.card_message = None;
        want.origin.thread = None;
        assert_eq!(saved, want);
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(want.clone()));

        let stored = s.events(t.id).await.unwrap();
        assert_eq!(stored.len(), 3);
        for (e, n) in stored[1..].iter().zip(&events) {
            assert_eq!((&e.kind, &e.actor, e.occurred_at, e.recorded_at), (&n.kind, &n.actor, n.occurred_at, at(12)));
        }
        let rows = s.outbox(false, 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (&rows[0].message, rows[0].ticket, rows[0].purpose),
            (&reply.message, None, OutboundPurpose::Message)
        );

        // The tag index follows the ticket's tags: `sso` is gone, `vip` counts for globex.
        let reach = s.tag_reach(None, 10).await.unwrap();
        assert_eq!(reach, vec![(tag("bug:login-loop"), 1), (tag("vip"), 1)]);

        // A second change from the saved ticket works and bumps the version again.
        let mut again = saved.clone();
        again.status = TicketStatus::Solved;
        let again = save(&*s, again, at(20)).await;
        assert_eq!(again.version, 2);
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(again));
    })
    .await;
}

#[tokio::test]
async fn apply_with_a_stale_version_conflicts_and_changes_nothing() {
    on_each(|s| async move {
        let t = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        let mut first = t.clone();
        first.status = TicketStatus::Open;
        let current = save(&*s, first, at(1)).await;
        let events_before = s.events(t.id).await.unwrap();

        // A change made from the ticket as read before the save.
        let mut stale = t.clone();
        stale.status = TicketStatus::Closed;
        stale.tags = tags(&["stale"]);
        let change = TicketChange {
            ticket: stale,
            events: vec![NewEvent { kind: EventKind::Reopened, actor: Actor::System, occurred_at: at(2) }],
            outbox: vec![NewOutbound::message(text_to(&t.origin.channel, "stale"))],
        };
        assert!(matches!(s.apply(change.clone(), at(2)).await, Err(StoreError::Conflict)));

        assert_eq!(s.ticket(t.id).await.unwrap(), Some(current));
        assert_eq!(s.events(t.id).await.unwrap(), events_before);
        assert!(s.outbox(false, 10).await.unwrap().is_empty());
        assert!(s.tag_reach(None, 10).await.unwrap().iter().all(|(t, _)| t.as_str() != "stale"));

        // A ticket that does not exist is a conflict too.
        let mut ghost = change;
        ghost.ticket.id = TicketId(t.id.0 + 1000);
        assert!(matches!(s.apply(ghost, at(3)).await, Err(StoreError::Conflict)));
    })
    .await;
}

#[tokio::test]
async fn every_event_kind_round_trips() {
    on_each(|s| async move {
        let kinds = every_event_kind();
        let covered: BTreeSet<usize> = kinds.iter().map(kind_index).collect();
        assert_eq!(covered, (0..22).collect(), "one of each event kind");

        let t = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        let actors = [
            Actor::Person { id: pid("dana") },
            Actor::ChatUser {
                platform: Platform::Discord,
                user: uid("330000000000000003"),
                display_name: "Ωmega".into(),
            },
            Actor::System,
        ];
        let new: Vec<NewEvent> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| NewEvent {
                kind: k.clone(),
                actor: actors[i % actors.len()].clone(),
                occurred_at: at(i as i64) + Duration::microseconds(i as i64),
            })
            .collect();
        s.append_events(t.id, &new, at(100)).await.unwrap();

        let stored = s.events(t.id).await.unwrap();
        assert_eq!(stored.len(), 1 + new.len());
        assert!(stored.windows(2).all(|w| w[0].id < w[1].id), "in order of recording");
        for (e, n) in stored[1..].iter().zip(&new) {
            assert_eq!(e.ticket, t.id);
            assert_eq!(e.kind, n.kind);
            assert_eq!(e.actor, n.actor);
            assert_eq!(e.occurred_at, n.occurred_at);
            assert_eq!(e.recorded_at, at(100));
        }
        // Appending events leaves the ticket alone.
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(t.clone()));
        // Events are per ticket.
        let other = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        assert_eq!(s.events(other.id).await.unwrap().len(), 1);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Finding tickets

#[tokio::test]
async fn tickets_are_found_by_message_and_by_thread() {
    on_each(|s| async move {
        let c = "slack:C0ACME";
        // Opened from a top-level message: found by it.
        let a = open(&*s, &new_ticket("ACME", None, c, Some("100.000001")), at(0)).await;
        // Opened from a reply in a thread: found by the message and by the thread.
        let mut nb = new_ticket("ACME", None, c, Some("200.000002"));
        nb.origin.thread = Some(mid("200.000001"));
        let b = open(&*s, &nb, at(1)).await;
        // Opened by a command (no message): found by its card once posted.
        let cmd = open(&*s, &new_ticket("ACME", None, c, None), at(2)).await;

        let find = |m: &'static str| {
            let s = s.clone();
            async move { s.ticket_by_message(&ch(c), &mid(m)).await.unwrap().map(|t| t.key.to_string()) }
        };
        assert_eq!(find("100.000001").await, Some(a.key.to_string()));
        assert_eq!(find("200.000002").await, Some(b.key.to_string()));
        assert_eq!(find("200.000001").await, Some(b.key.to_string()));
        assert_eq!(find("300.000001").await, None);
        // The same message id in another channel is not the same message.
        assert_eq!(s.ticket_by_message(&ch("slack:C0OTHER"), &mid("100.000001")).await.unwrap(), None);
        assert_eq!(s.ticket_by_message(&ch("discord:C0ACME"), &mid("100.000001")).await.unwrap(), None);

        s.enqueue(&card_and_reply(&cmd), at(3)).await.unwrap();
        let card_row = s.due_outbound(at(3), 10).await.unwrap().remove(0);
        s.mark_delivered(card_row.id, Some(&mid("300.000001")), at(4)).await.unwrap();
        assert_eq!(find("300.000001").await, Some(cmd.key.to_string()));
    })
    .await;
}

#[tokio::test]
async fn ticket_lists_filter_by_account_status_and_channel() {
    on_each(|s| async move {
        s.upsert_accounts(&[acme(), plain_account("globex", &["slack:C0GLOBEX"])]).await.unwrap();
        let a1 = open(&*s, &new_ticket("ACME", Some("acme"), "slack:C0ACME", None), at(0)).await;
        let a2 = open(&*s, &new_ticket("ACME", Some("acme"), "discord:110000000000000001", None), at(1)).await;
        let a3 = open(&*s, &new_ticket("ACME", Some("acme"), "slack:C0ACME", None), at(2)).await;
        let g1 = open(&*s, &new_ticket("GLOBEX", Some("globex"), "slack:C0GLOBEX", None), at(3)).await;
        let n1 = open(&*s, &new_ticket("T", None, "slack:C0ACME", None), at(4)).await;

        let mut solved = a1.clone();
        solved.status = TicketStatus::Solved;
        let a1 = save(&*s, solved, at(5)).await;
        let mut closed = g1.clone();
        closed.status = TicketStatus::Closed;
        let g1 = save(&*s, closed, at(6)).await;
        let mut held = a3.clone();
        held.status = TicketStatus::OnHold;
        let a3 = save(&*s, held, at(7)).await;

        let list = |f: TicketFilter| {
            let s = s.clone();
            async move { s.tickets(&f).await.unwrap() }
        };
        assert_eq!(
            list(TicketFilter::default()).await,
            vec![a1.clone(), a2.clone(), a3.clone(), g1.clone(), n1.clone()]
        );
        assert_eq!(
            list(TicketFilter { account: Some(aid("acme")), ..Default::default() }).await,
            vec![a1.clone(), a2.clone(), a3.clone()]
        );
        assert_eq!(
            list(TicketFilter { active_only: true, ..Default::default() }).await,
            vec![a2.clone(), a3.clone(), n1.clone()]
        );
        assert_eq!(
            list(TicketFilter { account: Some(aid("acme")), active_only: true, ..Default::default() }).await,
            vec![a2.clone(), a3.clone()]
        );
        assert_eq!(
            list(TicketFilter { channel: Some(ch("slack:C0ACME")), ..Default::default() }).await,
            vec![a1.clone(), a3.clone(), n1.clone()]
        );
        assert_eq!(
            list(TicketFilter {
                channel: Some(ch("slack:C0ACME")),
                active_only: true,
                limit: Some(1),
                ..Default::default()
            })
            .await,
            vec![a3.clone()]
        );
        assert_eq!(list(TicketFilter { limit: Some(2), ..Default::default() }).await, vec![a1, a2]);
        assert_eq!(list(TicketFilter { account: Some(aid("initech")), ..Default::default() }).await, vec![]);
        assert_eq!(list(TicketFilter { channel: Some(ch("discord:C0ACME")), ..Default::default() }).await, vec![]);
    })
    .await;
}

#[tokio::test]
async fn tag_reach_counts_distinct_accounts() {
    on_each(|s| async move {
        let accounts = ["acme", "globex", "initech"].map(|a| plain_account(a, &[]));
        s.upsert_accounts(&accounts).await.unwrap();
        let with = |account: Option<&'static str>, list: &'static [&'static str]| {
            let s = s.clone();
            async move {
                let mut nt = new_ticket("T", account, "slack:C1", None);
                nt.tags = tags(list);
                open(&*s, &nt, at(0)).await
            }
        };
        with(Some("acme"), &["bug:x", "sso"]).await;
        with(Some("acme"), &["bug:x"]).await; // the same account again: counts once
        with(Some("globex"), &["bug:x", "bug:y", "feature:dark-mode"]).await;
        with(Some("initech"), &["bug:y", "bugs:z", "sso"]).await;
        with(None, &["bug:x", "bug:w"]).await; // no account: counts for none

        assert_eq!(
            s.tag_reach(None, 10).await.unwrap(),
            vec![
                (tag("bug:x"), 2),
                (tag("bug:y"), 2),
                (tag("sso"), 2),
                (tag("bugs:z"), 1),
                (tag("feature:dark-mode"), 1),
            ]
        );
        // A namespace is matched whole: `bug` is not `bugs`.
        assert_eq!(s.tag_reach(Some("bug"), 10).await.unwrap(), vec![(tag("bug:x"), 2), (tag("bug:y"), 2)]);
        assert_eq!(s.tag_reach(Some("bug"), 1).await.unwrap(), vec![(tag("bug:x"), 2)]);
        assert_eq!(s.tag_reach(Some("bugs"), 10).await.unwrap(), vec![(tag("bugs:z"), 1)]);
        assert_eq!(s.tag_reach(Some("sso"), 10).await.unwrap(), vec![]);
        assert_eq!(s.tag_reach(None, 2).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn tag_reach_handles_non_ascii_namespaces() {
    on_each(|s| async move {
        s.upsert_accounts(&[plain_account("acme", &[]), plain_account("globex", &[])]).await.unwrap();
        for account in ["acme", "globex"] {
            let mut nt = new_ticket("T", Some(account), "slack:C1", None);
            nt.tags = tags(&["ошибка:вход", "ошибкаx:y"]);
            open(&*s, &nt, at(0)).await;
        }
        assert_eq!(s.tag_reach(Some("ошибка"), 10).await.unwrap(), vec![(tag("ошибка:вход"), 2)]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Inbox

#[tokio::test]
async fn inbox_deduplicates_and_tracks_processing() {
    on_each(|s| async move {
        let p1 = serde_json::json!({"type": "message", "text": "héllo \"world\"", "n": 1.5, "list": [1, null, true]});
        let p2 = serde_json::json!({"type": "reaction", "emoji": "ticket"});
        assert!(s.record_inbound(Platform::Slack, "Ev01", &p1, at(0)).await.unwrap());
        assert!(s.record_inbound(Platform::Slack, "Ev02", &p2, at(1)).await.unwrap());
        // The same id again: seen before; the first payload stays.
        assert!(!s.record_inbound(Platform::Slack, "Ev01", &p2, at(2)).await.unwrap());
        // The same id on another platform is another event.
        assert!(s.record_inbound(Platform::Discord, "Ev01", &p2, at(3)).await.unwrap());

        let pending = s.unprocessed_inbound(10).await.unwrap();
        let summary: Vec<_> =
            pending.iter().map(|e| (e.platform, e.event_id.as_str(), &e.payload, e.received_at)).collect();
        assert_eq!(
            summary,
            vec![
                (Platform::Slack, "Ev01", &p1, at(0)),
                (Platform::Slack, "Ev02", &p2, at(1)),
                (Platform::Discord, "Ev01", &p2, at(3)),
            ]
        );
        assert_eq!(s.unprocessed_inbound(1).await.unwrap().len(), 1);

        s.finish_inbound(Platform::Slack, "Ev01", at(4), None).await.unwrap();
        s.finish_inbound(Platform::Discord, "Ev01", at(5), Some("unknown channel")).await.unwrap();
        let pending = s.unprocessed_inbound(10).await.unwrap();
        assert_eq!(pending.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["Ev02"]);
        assert_eq!(pending[0].platform, Platform::Slack);
        // Processed events still de-duplicate.
        assert!(!s.record_inbound(Platform::Slack, "Ev01", &p1, at(6)).await.unwrap());
        assert_eq!(s.unprocessed_inbound(10).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn inbox_batches_commit_together_and_deduplicate() {
    on_each(|s| async move {
        let ev = |p: Platform, id: &str, n: i64| crate::store::NewInbound {
            platform: p,
            event_id: id.into(),
            payload: serde_json::json!({"n": n}),
        };
        assert!(s.record_inbound(Platform::Slack, "Ev00", &serde_json::json!({"n": 0}), at(0)).await.unwrap());
        assert_eq!(s.record_inbound_batch(&[], at(1)).await.unwrap(), Vec::<bool>::new());
        let batch = [
            ev(Platform::Slack, "Ev01", 1),
            ev(Platform::Slack, "Ev00", 2),   // recorded before
            ev(Platform::Slack, "Ev01", 3),   // repeats an event earlier in this batch
            ev(Platform::Discord, "Ev01", 4), // same id, other platform: another event
        ];
        assert_eq!(s.record_inbound_batch(&batch, at(2)).await.unwrap(), [true, false, false, true]);
        let pending = s.unprocessed_inbound(10).await.unwrap();
        let mut summary: Vec<_> =
            pending.iter().map(|e| (e.event_id.as_str(), e.platform.as_str(), e.payload["n"].as_i64())).collect();
        summary.sort();
        assert_eq!(summary, [("Ev00", "slack", Some(0)), ("Ev01", "discord", Some(4)), ("Ev01", "slack", Some(1))]);
        assert!(pending[1..].iter().all(|e| e.received_at == at(2)));
    })
    .await;
}

/// Only the inbox's commits wait for the disk: every pooled connection is back in the fast
/// commit mode after an inbox batch, and a recorded event is there on the next connection.
#[tokio::test]
async fn inbox_commits_are_synced_and_the_connection_mode_is_restored() {
    use sqlx::postgres::PgConnectOptions;
    use std::str::FromStr;
    for db in each_backend().await {
        let event = crate::store::NewInbound {
            platform: Platform::Slack,
            event_id: "EvSYNC".into(),
            payload: serde_json::json!({ "n": 1 }),
        };
        match db.backend {
            super::Backend::Sqlite => {
                let s = super::SqliteStore::connect(&db.url).await.unwrap();
                assert_eq!(s.record_inbound_batch(std::slice::from_ref(&event), at(0)).await.unwrap(), [true]);
                let mut held = Vec::new();
                for _ in 0..4 {
                    held.push(s.pool().acquire().await.unwrap());
                }
                for c in &mut held {
                    let (mode,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut **c).await.unwrap();
                    assert_eq!(mode, 1, "NORMAL between inbox commits");
                }
            }
            super::Backend::Postgres => {
                let s = super::PgStore::connect_with(PgConnectOptions::from_str(&db.url).unwrap()).await.unwrap();
                assert_eq!(s.record_inbound_batch(std::slice::from_ref(&event), at(0)).await.unwrap(), [true]);
                let mut held = Vec::new();
                for _ in 0..10 {
                    held.push(s.pool().acquire().await.unwrap());
                }
                for c in &mut held {
                    let (mode,): (String,) = sqlx::query_as("SHOW synchronous_commit").fetch_one(&mut **c).await.unwrap();
                    assert_eq!(mode, "off", "asynchronous between inbox commits");
                }
            }
        }
        assert_eq!(db.store.unprocessed_inbound(10).await.unwrap().len(), 1);
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Outbox

#[tokio::test]
async fn outbox_delivers_in_order() {
    on_each(|s| async move {
        let c = ch("slack:C0ACME");
        let dm = OutboundMessage {
            destination: Destination::Direct { platform: Platform::Discord, user: uid("220000000000000002") },
            text: "You have a handoff".into(),
            card: None,
            replaces: None,
        attachments: vec![],
        conversation: Default::default(),
        };
        let ephemeral = OutboundMessage {
            destination: Destination::Ephemeral {
                channel: c.clone(),
                thread: Some(mid("1.000001")),
                user: uid("U0DANA"),
            },
            text: "Only you can see this".into(),
            card: None,
            replaces: Some(mid("1.000009")),
            attachments: vec![],
            conversation: Default::default(),
        };
        let msgs = [
            NewOutbound::message(text_to(&c, "first")),
            NewOutbound::message(dm.clone()),
            NewOutbound::message(ephemeral.clone()),
        ];
        s.enqueue(&msgs, at(0)).await.unwrap();
        assert!(s.due_outbound(at(0) - Duration::microseconds(1), 10).await.unwrap().is_empty(), "not due before");
        let due = s.due_outbound(at(0), 10).await.unwrap();
        assert_eq!(due.iter().map(|r| r.message.clone()).collect::<Vec<_>>(), msgs.map(|m| m.message));
        assert_eq!(
            due.iter().map(|r| r.platform).collect::<Vec<_>>(),
            [Platform::Slack, Platform::Discord, Platform::Slack]
        );
        assert_eq!(s.due_outbound(at(0), 2).await.unwrap(), due[..2].to_vec());

        s.mark_delivered(due[0].id, Some(&mid("1.000010")), at(1)).await.unwrap();
        s.mark_delivered(due[1].id, None, at(2)).await.unwrap();
        let due_now = s.due_outbound(at(3), 10).await.unwrap();
        assert_eq!(due_now.iter().map(|r| r.id).collect::<Vec<_>>(), [due[2].id]);

        let all = s.outbox(false, 10).await.unwrap();
        let want0 = OutboundRow {
            attempts: 1,
            delivered_at: Some(at(1)),
            delivered_message: Some(mid("1.000010")),
            ..due[0].clone()
        };
        assert_eq!(all[0], want0);
        assert_eq!((all[1].attempts, all[1].delivered_at, &all[1].delivered_message), (1, Some(at(2)), &None));
        assert_eq!(all[2], due[2]);
        assert!(s.outbox(true, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn failed_messages_retry_later_or_die() {
    on_each(|s| async move {
        let c = ch("slack:C0ACME");
        s.enqueue(&[NewOutbound::message(text_to(&c, "retry me")), NewOutbound::message(text_to(&c, "doomed"))], at(0))
            .await
            .unwrap();
        let rows = s.due_outbound(at(0), 10).await.unwrap();
        let (retry, doomed) = (rows[0].id, rows[1].id);

        // Retry at a whole second: not due a microsecond before, due from then on.
        let next = Utc.with_ymd_and_hms(2026, 11, 23, 9, 31, 0).unwrap();
        s.mark_failed(retry, "rate limited", Some(next)).await.unwrap();
        s.mark_failed(doomed, "channel_not_found", None).await.unwrap();

        assert!(s.due_outbound(next - Duration::microseconds(1), 10).await.unwrap().is_empty());
        let due = s.due_outbound(next, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(
            (due[0].id, due[0].attempts, due[0].last_error.as_deref(), due[0].dead),
            (retry, 1, Some("rate limited"), false)
        );
        assert_eq!(s.due_outbound(next + Duration::days(365), 10).await.unwrap().len(), 1, "the dead never come due");

        // Failing again moves the next attempt and counts it.
        let later = next + Duration::milliseconds(1_500);
        s.mark_failed(retry, "rate limited again", Some(later)).await.unwrap();
        assert!(s.due_outbound(later - Duration::microseconds(1), 10).await.unwrap().is_empty());
        let due = s.due_outbound(later, 10).await.unwrap();
        assert_eq!((due[0].attempts, due[0].last_error.as_deref()), (2, Some("rate limited again")));

        let dead = s.outbox(true, 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (dead[0].id, dead[0].dead, dead[0].attempts, dead[0].last_error.as_deref(), dead[0].delivered_at),
            (doomed, true, 1, Some("channel_not_found"), None)
        );
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 2);
        assert_eq!(s.outbox(false, 1).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_delivered_card_becomes_the_tickets_card_and_thread() {
    on_each(|s| async move {
        // Opened by a command: no message, no thread. Its card becomes both.
        let cmd = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        // Opened from a message in a thread: keeps its thread, gets a card.
        let mut nt = new_ticket("ACME", None, "slack:C0ACME", Some("5.000002"));
        nt.origin.thread = Some(mid("5.000001"));
        let msg = open(&*s, &nt, at(1)).await;

        s.enqueue(&card_and_reply(&cmd), at(2)).await.unwrap();
        s.enqueue(&card_and_reply(&msg), at(2)).await.unwrap();
        let rows = s.due_outbound(at(2), 10).await.unwrap();
        let purposes: Vec<_> = rows.iter().map(|r| (r.ticket, r.purpose)).collect();
        assert_eq!(
            purposes,
            [
                (Some(cmd.id), OutboundPurpose::TicketCard),
                (Some(msg.id), OutboundPurpose::TicketCard),
                (Some(msg.id), OutboundPurpose::Message),
            ]
        );

        // A reply tied to the ticket does not touch it.
        s.mark_delivered(rows[2].id, Some(&mid("5.000099")), at(3)).await.unwrap();
        assert_eq!(s.ticket(msg.id).await.unwrap(), Some(msg.clone()));

        s.mark_delivered(rows[0].id, Some(&mid("6.000001")), at(3)).await.unwrap();
        s.mark_delivered(rows[1].id, Some(&mid("6.000002")), at(3)).await.unwrap();
        let cmd_now = s.ticket(cmd.id).await.unwrap().unwrap();
        assert_eq!(cmd_now.card_message, Some(mid("6.000001")));
        assert_eq!(cmd_now.origin.thread, Some(mid("6.000001")));
        let msg_now = s.ticket(msg.id).await.unwrap().unwrap();
        assert_eq!(msg_now.card_message, Some(mid("6.000002")));
        assert_eq!(msg_now.origin.thread, Some(mid("5.000001")), "an existing thread is kept");
        // Only the card fields changed.
        assert_eq!(
            Ticket { card_message: None, origin: cmd.origin.clone(), version: cmd.version, ..cmd_now.clone() },
            cmd
        );

        // A card delivered without a message id leaves the ticket alone.
        s.enqueue(&card_and_reply(&cmd_now)[..1], at(4)).await.unwrap();
        let row = s.due_outbound(at(4), 10).await.unwrap().remove(0);
        s.mark_delivered(row.id, None, at(5)).await.unwrap();
        assert_eq!(s.ticket(cmd.id).await.unwrap(), Some(cmd_now));
    })
    .await;
}

#[tokio::test]
async fn deliveries_marked_together_are_each_marked_and_the_first_card_is_the_thread() {
    on_each(|s| async move {
        let a = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", Some("8.000010")), at(0)).await;
        let mut nb = new_ticket("ACME", None, "slack:C0ACME", Some("8.000002"));
        nb.origin.thread = Some(mid("8.000001"));
        let b = open(&*s, &nb, at(0)).await;
        let c = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        // `a`: a card and its reply, then a second card. `b`: a card (its thread is kept).
        // `c`: a card delivered without a message id, then one with.
        s.enqueue(&card_and_reply(&a), at(1)).await.unwrap();
        s.enqueue(&card_and_reply(&a)[..1], at(1)).await.unwrap();
        s.enqueue(&card_and_reply(&b)[..1], at(1)).await.unwrap();
        s.enqueue(&card_and_reply(&c)[..1], at(1)).await.unwrap();
        s.enqueue(&card_and_reply(&c)[..1], at(1)).await.unwrap();
        let rows = s.due_outbound(at(1), 10).await.unwrap();
        assert_eq!(rows.len(), 6);
        let message = |k: usize| (k != 4).then(|| mid(&format!("9.00000{k}")));
        // Marked in another order than queued, as lanes finish.
        let deliveries: Vec<Delivery> =
            [3, 1, 5, 0, 2, 4].iter().map(|&k| Delivery { id: rows[k].id, message: message(k), at: at(2) + Duration::seconds(k as i64) }).collect();
        s.mark_delivered_many(&deliveries).await.unwrap();

        assert!(s.due_outbound(at(9), 10).await.unwrap().is_empty(), "every delivery is marked");
        let marked = s.outbox(false, 10).await.unwrap();
        for (k, row) in rows.iter().enumerate() {
            let now = marked.iter().find(|m| m.id == row.id).unwrap();
            assert_eq!(now.delivered_at, Some(at(2) + Duration::seconds(k as i64)));
            assert_eq!(now.delivered_message, message(k));
            assert_eq!(now.attempts, 1);
        }
        let a_now = s.ticket(a.id).await.unwrap().unwrap();
        assert_eq!((a_now.card_message, a_now.origin.thread), (Some(mid("9.000000")), Some(mid("9.000000"))), "the first card, not the reply or the second card");
        let b_now = s.ticket(b.id).await.unwrap().unwrap();
        assert_eq!((b_now.card_message, b_now.origin.thread), (Some(mid("9.000003")), Some(mid("8.000001"))));
        let c_now = s.ticket(c.id).await.unwrap().unwrap();
        assert_eq!((c_now.card_message, c_now.origin.thread), (Some(mid("9.000005")), Some(mid("9.000005"))), "the first card that has an id");
        assert_eq!(c_now.version, c.version, "marking is not a change of the ticket");

        // Marked again (a second delivery after a lost mark): the card stays the first one's.
        s.mark_delivered_many(&[Delivery { id: rows[2].id, message: Some(mid("9.000099")), at: at(8) }]).await.unwrap();
        assert_eq!(s.ticket(a.id).await.unwrap().unwrap().card_message, Some(mid("9.000000")));
        s.mark_delivered_many(&[]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn delivering_a_card_is_not_lost_to_a_change_made_before_it() {
    on_each(|s| async move {
        let t = open(&*s, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        s.enqueue(&card_and_reply(&t), at(1)).await.unwrap();
        // The engine reads the ticket, the outbox delivers its card, the engine saves.
        let read = s.ticket(t.id).await.unwrap().unwrap();
        let row = s.due_outbound(at(1), 10).await.unwrap().remove(0);
        s.mark_delivered(row.id, Some(&mid("7.000001")), at(2)).await.unwrap();
        let mut change = read;
        change.status = TicketStatus::Open;
        let saved = s.apply(TicketChange { ticket: change, events: vec![], outbox: vec![] }, at(3)).await.unwrap();
        // The card and thread survive, and the saved ticket returned says so.
        assert_eq!((&saved.card_message, &saved.origin.thread), (&Some(mid("7.000001")), &Some(mid("7.000001"))));
        assert_eq!(saved.status, TicketStatus::Open);
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(saved));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_from_one_version_let_exactly_one_win() {
    for db in each_backend().await {
        eprintln!("--- on {:?}", db.backend);
        let t = open(&*db.store, &new_ticket("ACME", None, "slack:C0ACME", None), at(0)).await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let (store, mut change) = (db.store.clone(), t.clone());
            tasks.spawn(async move {
                change.assignee = Some(pid(&format!("agent{i}")));
                let note = NewEvent {
                    kind: EventKind::Note { text: format!("by {i}") },
                    actor: Actor::System,
                    occurred_at: at(i),
                };
                store.apply(TicketChange { ticket: change, events: vec![note], outbox: vec![] }, at(i)).await
            });
        }
        let (mut won, mut conflicts) = (Vec::new(), 0);
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Ok(t) => won.push(t),
                Err(StoreError::Conflict) => conflicts += 1,
                Err(e) => panic!("{:?}: unexpected error {e}", db.backend),
            }
        }
        assert_eq!((won.len(), conflicts), (1, 9), "{:?}", db.backend);
        let stored = db.store.ticket(t.id).await.unwrap().unwrap();
        assert_eq!(stored, won[0]);
        assert_eq!(stored.version, 1);
        // Only the winner's event was written.
        let events = db.store.events(t.id).await.unwrap();
        assert_eq!(events.len(), 2);
        let winner = stored.assignee.unwrap().as_str().trim_start_matches("agent").to_string();
        assert_eq!(events[1].kind, EventKind::Note { text: format!("by {winner}") });
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Time and connections

#[tokio::test]
async fn timestamps_round_trip_exactly() {
    on_each(|s| async move {
        let base = Utc.with_ymd_and_hms(2026, 11, 23, 23, 59, 59).unwrap();
        let times = [
            base,
            base + Duration::microseconds(1),
            base + Duration::microseconds(999_999),
            base + Duration::milliseconds(500),
            base + Duration::microseconds(120_000),
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap() + Duration::microseconds(424_242),
        ];
        for (i, &t) in times.iter().enumerate() {
            let mut nt = new_ticket("T", None, "slack:C1", Some(&format!("m{i}")));
            nt.opened_at = t;
            let ticket = open(&*s, &nt, t).await;
            let stored = s.ticket(ticket.id).await.unwrap().unwrap();
            assert_eq!((stored.opened_at, stored.created_at, stored.updated_at), (t, t, t), "{t:?}");
            let e = s.events(ticket.id).await.unwrap().remove(0);
            assert_eq!((e.occurred_at, e.recorded_at), (t, t));
            assert!(s.record_inbound(Platform::Slack, &format!("e{i}"), &serde_json::json!({}), t).await.unwrap());
            s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "x"))], t).await.unwrap();
        }
        let received: Vec<_> = s.unprocessed_inbound(100).await.unwrap().iter().map(|e| e.received_at).collect();
        let mut sorted = times.to_vec();
        sorted.sort();
        assert_eq!(received, sorted, "oldest first, exact");
        let created: Vec<_> = s.outbox(false, 100).await.unwrap().iter().map(|r| r.created_at).collect();
        assert_eq!(created, times);
        // Due exactly at the creation time, whatever the number of fraction digits.
        for (i, &t) in times.iter().enumerate() {
            let due = s.due_outbound(t, 100).await.unwrap().len();
            let want = times.iter().filter(|&&x| x <= t).count();
            assert_eq!(due, want, "due at {i}: {t:?}");
            let before = s.due_outbound(t - Duration::microseconds(1), 100).await.unwrap().len();
            assert_eq!(before, want - 1, "due just before {i}: {t:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn times_are_kept_to_the_microsecond_on_every_backend() {
    on_each(|s| async move {
        // As `Utc::now()` gives them: nanoseconds.
        let now = at(0) + Duration::nanoseconds(789);
        let micro = at(0);
        let mut nt = new_ticket("T", None, "slack:C1", Some("1.1"));
        nt.opened_at = at(-1) + Duration::nanoseconds(999);
        let (t, _) = s.open_ticket(&nt, now, &card_and_reply).await.unwrap();
        assert_eq!((t.opened_at, t.created_at, t.updated_at), (at(-1), micro, micro));
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(t.clone()), "returned as stored");
        let mut change = t.clone();
        change.status = TicketStatus::Open;
        let event =
            NewEvent { kind: EventKind::Reopened, actor: Actor::System, occurred_at: at(5) + Duration::nanoseconds(1) };
        let saved = s
            .apply(
                TicketChange { ticket: change, events: vec![event], outbox: vec![] },
                at(6) + Duration::nanoseconds(5),
            )
            .await
            .unwrap();
        assert_eq!(saved.updated_at, at(6));
        assert_eq!(s.ticket(t.id).await.unwrap(), Some(saved));
        let events = s.events(t.id).await.unwrap();
        assert_eq!((events[0].occurred_at, events[0].recorded_at), (at(-1), micro));
        assert_eq!((events[1].occurred_at, events[1].recorded_at), (at(5), at(6)));
        assert!(s.record_inbound(Platform::Slack, "e", &serde_json::json!({}), now).await.unwrap());
        assert_eq!(s.unprocessed_inbound(1).await.unwrap()[0].received_at, micro);
        let row = s.outbox(false, 1).await.unwrap().remove(0);
        assert_eq!(row.created_at, micro);
        s.mark_failed(row.id, "later", Some(at(10) + Duration::nanoseconds(1))).await.unwrap();
        let due_ids = |t: DateTime<Utc>| {
            let s = s.clone();
            async move { s.due_outbound(t, 10).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>() }
        };
        assert!(!due_ids(at(10) - Duration::microseconds(1)).await.contains(&row.id));
        assert!(due_ids(at(10)).await.contains(&row.id));
        s.mark_delivered(row.id, None, at(11) + Duration::nanoseconds(1)).await.unwrap();
        assert_eq!(s.outbox(false, 1).await.unwrap()[0].delivered_at, Some(at(11)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_records_of_one_inbound_event_keep_one() {
    for db in each_backend().await {
        eprintln!("--- on {:?}", db.backend);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let store = db.store.clone();
            tasks.spawn(async move {
                store.record_inbound(Platform::Slack, "Ev0DUP", &serde_json::json!({ "copy": i }), at(i)).await
            });
        }
        let mut firsts = 0;
        while let Some(r) = tasks.join_next().await {
            firsts += usize::from(r.unwrap().unwrap());
        }
        assert_eq!(firsts, 1, "{:?}", db.backend);
        assert_eq!(db.store.unprocessed_inbound(10).await.unwrap().len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_url_reaches_the_same_database() {
    for db in each_backend().await {
        db.store.upsert_accounts(&[acme()]).await.unwrap();
        let other = connect(&db.url).await.unwrap_or_else(|e| panic!("{:?}: connect {}: {e}", db.backend, db.url));
        assert_eq!(other.backend(), db.backend);
        other.ping().await.unwrap();
        assert_eq!(other.accounts().await.unwrap(), vec![acme()], "{:?}", db.backend);
        // And writes through it are seen by the test's store.
        other.upsert_accounts(&[plain_account("globex", &[])]).await.unwrap();
        assert_eq!(db.store.accounts().await.unwrap().len(), 2);
        drop(other);
        db.cleanup().await;
    }
    // Test databases are separate.
    let (a, b) = (crate::testing::sqlite().await, crate::testing::sqlite().await);
    a.store.upsert_accounts(&[acme()]).await.unwrap();
    assert!(b.store.accounts().await.unwrap().is_empty());
    if let (Some(a), Some(b)) = (crate::testing::postgres().await, crate::testing::postgres().await) {
        a.store.upsert_accounts(&[acme()]).await.unwrap();
        assert!(b.store.accounts().await.unwrap().is_empty());
        assert_ne!(a.url, b.url);
        a.cleanup().await;
        b.cleanup().await;
    }
}

#[tokio::test]
async fn backends_are_reported() {
    let dbs = each_backend().await;
    assert_eq!(dbs[0].store.backend(), Backend::Sqlite);
    if let Some(pg) = dbs.get(1) {
        assert_eq!(pg.store.backend(), Backend::Postgres);
    }
    for db in dbs {
        db.store.ping().await.unwrap();
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Claims: several replicas never take the same row at once

#[tokio::test]
async fn concurrent_claims_take_disjoint_rows_and_expire() {
    on_each(|s| async move {
        let c = ChannelRef::parse("slack:C0ACME").unwrap();
        let msgs: Vec<NewOutbound> = (0..40).map(|i| NewOutbound::message(text_to(&c, &format!("m{i}")))).collect();
        s.enqueue(&msgs, at(0)).await.unwrap();
        for i in 0..40 {
            s.record_inbound(Platform::Slack, &format!("Ev{i}"), &serde_json::json!({ "i": i }), at(0)).await.unwrap();
        }
        let lease = at(60);
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move {
                    let out = s.claim_outbound(at(1), lease, 15).await.unwrap();
                    let inb = s.claim_inbound(at(1), lease, 15).await.unwrap();
                    (out.into_iter().map(|r| r.id).collect::<Vec<_>>(), inb.into_iter().map(|e| e.event_id).collect::<Vec<_>>())
                })
            })
            .collect();
        let mut out_ids = Vec::new();
        let mut in_ids = Vec::new();
        for t in tasks {
            let (o, i) = t.await.unwrap();
            out_ids.extend(o);
            in_ids.extend(i);
        }
        let unique_out: BTreeSet<i64> = out_ids.iter().copied().collect();
        let unique_in: BTreeSet<String> = in_ids.iter().cloned().collect();
        assert_eq!((out_ids.len(), unique_out.len()), (40, 40), "every message claimed exactly once");
        assert_eq!((in_ids.len(), unique_in.len()), (40, 40), "every event claimed exactly once");
        // Held: nothing more to claim until the lease ends; then claimable again.
        assert!(s.claim_outbound(at(30), at(90), 100).await.unwrap().is_empty());
        assert!(s.claim_inbound(at(30), at(90), 100).await.unwrap().is_empty());
        assert_eq!(s.claim_outbound(at(61), at(120), 100).await.unwrap().len(), 40);
        assert_eq!(s.claim_inbound(at(61), at(120), 100).await.unwrap().len(), 40);
        // A failed delivery releases its claim; the message comes back at its retry time.
        let first = s.claim_outbound(at(121), at(180), 1).await.unwrap();
        assert_eq!(first.len(), 1, "the lease ended at 120");
        s.mark_failed(first[0].id, "HTTP 500", Some(at(300))).await.unwrap();
        let ids = |rows: Vec<OutboundRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert!(!ids(s.claim_outbound(at(200), at(260), 100).await.unwrap()).contains(&first[0].id));
        assert!(ids(s.claim_outbound(at(301), at(360), 100).await.unwrap()).contains(&first[0].id));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Bulk reads and writes for passes over the whole history (issue #10)

#[tokio::test]
async fn bot_state_keeps_one_value_per_name_and_replaces_it() {
    on_each(|store| async move {
        assert_eq!(store.bot_state("sla_rules").await.unwrap(), None);
        store.set_bot_state("sla_rules", "abc").await.unwrap();
        store.set_bot_state("other", "x").await.unwrap();
        store.set_bot_state("sla_rules", "def").await.unwrap();
        assert_eq!(store.bot_state("sla_rules").await.unwrap().as_deref(), Some("def"));
        assert_eq!(store.bot_state("other").await.unwrap().as_deref(), Some("x"));
    })
    .await;
}

#[tokio::test]
async fn sla_candidates_are_the_active_tickets_due_and_every_change_makes_one_due() {
    on_each(|store| async move {
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        let a = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000001")), at(0)).await;
        let b = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000002")), at(0)).await;
        let due = |by: Option<DateTime<Utc>>| {
            let store = store.clone();
            async move { store.sla_candidates(by).await.unwrap() }
        };
        let ids = |cs: Vec<super::SlaCandidate>| cs.into_iter().map(|c| c.ticket.id).collect::<Vec<_>>();
        // New tickets are due at once.
        let fresh = due(Some(at(0))).await;
        assert_eq!(ids(fresh.clone()), vec![a.id, b.id]);
        assert!(fresh.iter().all(|c| c.next_check == Some(at(0))), "{fresh:?}");
        assert!(due(Some(at(-1))).await.is_empty());

        // A sweep stores their next checks, without changing their versions.
        let checks: Vec<super::SlaNextCheck> = fresh
            .iter()
            .zip([Some(at(3600)), None])
            .map(|(c, at)| super::SlaNextCheck { ticket: c.ticket.id, version: c.ticket.version, stamp: c.stamp, at })
            .collect();
        assert_eq!(store.set_sla_next_checks(&checks).await.unwrap(), 2);
        assert_eq!(store.ticket(a.id).await.unwrap().unwrap().version, a.version);
        assert!(due(Some(at(3599))).await.is_empty());
        assert_eq!(ids(due(Some(at(3600))).await), vec![a.id]);
        let all = due(None).await;
        assert_eq!(all.iter().map(|c| (c.ticket.id, c.next_check)).collect::<Vec<_>>(), vec![(a.id, Some(at(3600))), (b.id, None)]);

        // A save makes A due at its time; a write from before it (its version) is refused.
        let saved = save(&*store, a.clone(), at(20)).await;
        let now_due = due(Some(at(20))).await;
        assert_eq!(ids(now_due.clone()), vec![a.id]);
        assert_eq!(now_due[0].next_check, Some(at(20)));
        assert_eq!(store.set_sla_next_checks(&checks[..1]).await.unwrap(), 0);
        assert_eq!(due(Some(at(20))).await[0].next_check, Some(at(20)));

        // Appended events make B due; a write from before them (its stamp) is refused, although
        // the version did not move.
        let before = due(None).await.into_iter().find(|c| c.ticket.id == b.id).unwrap();
        let note = NewEvent { kind: EventKind::Note { text: "later".into() }, actor: Actor::System, occurred_at: at(30) };
        store.append_events(b.id, &[note], at(30)).await.unwrap();
        assert_eq!(store.ticket(b.id).await.unwrap().unwrap().version, b.version);
        assert_eq!(ids(due(Some(at(30))).await), vec![a.id, b.id]);
        let stale = super::SlaNextCheck { ticket: b.id, version: b.version, stamp: before.stamp, at: None };
        assert_eq!(store.set_sla_next_checks(&[stale]).await.unwrap(), 0);
        assert_eq!(due(Some(at(30))).await[1].next_check, Some(at(30)));

        // Both checked again: nothing due. A new tier (another SLA policy, maybe) makes the
        // account's active tickets due; the same tier again does not.
        let checks: Vec<super::SlaNextCheck> = due(None)
            .await
            .iter()
            .map(|c| super::SlaNextCheck { ticket: c.ticket.id, version: c.ticket.version, stamp: c.stamp, at: None })
            .collect();
        assert_eq!(store.set_sla_next_checks(&checks).await.unwrap(), 2);
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        assert!(due(Some(Utc::now())).await.is_empty());
        let mut enterprise = plain_account("acme", &["slack:C1"]);
        enterprise.tier = Tier::parse("enterprise").unwrap();
        store.upsert_accounts(&[enterprise]).await.unwrap();
        assert_eq!(ids(due(Some(Utc::now())).await), vec![a.id, b.id]);

        // Solved: no longer a candidate, due or not.
        let mut solved = saved.clone();
        solved.status = TicketStatus::Solved;
        store.apply(TicketChange { ticket: solved, events: vec![], outbox: vec![] }, at(40)).await.unwrap();
        assert_eq!(ids(due(None).await), vec![b.id]);
    })
    .await;
}

#[tokio::test]
async fn ticket_logs_select_tickets_and_load_only_the_kinds_asked_for() {
    on_each(|store| async move {
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        let ev = |kind: EventKind, t: i64| NewEvent { kind, actor: Actor::System, occurred_at: at(t) };
        let agent = |t: i64| ev(EventKind::AgentMessage { message: MessageId::parse(format!("a{t}")).unwrap(), text: "hi".into() }, t);
        let solve = |t: i64| ev(EventKind::StatusChanged { from: TicketStatus::New, to: TicketStatus::Solved }, t);
        let solve_ticket = |t: &Ticket| {
            let mut s = t.clone();
            s.status = TicketStatus::Solved;
            s
        };
        // Opened and solved long ago, an agent message then.
        let old = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000001")), at(-1000)).await;
        store.apply(TicketChange { ticket: solve_ticket(&old), events: vec![agent(-990), solve(-900)], outbox: vec![] }, at(-900)).await.unwrap();
        // Opened long ago, solved, a note since.
        let noted = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000002")), at(-1000)).await;
        store.apply(TicketChange { ticket: solve_ticket(&noted), events: vec![solve(-900)], outbox: vec![] }, at(-900)).await.unwrap();
        store.append_events(noted.id, &[ev(EventKind::Note { text: "later".into() }, 10)], at(10)).await.unwrap();
        // Opened since, solved with an answer since.
        let recent = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000003")), at(5)).await;
        store.apply(TicketChange { ticket: solve_ticket(&recent), events: vec![agent(6), solve(7)], outbox: vec![] }, at(7)).await.unwrap();
        // Active, opened long ago, no event since.
        let active = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000004")), at(-1000)).await;

        let logs = |q: LogQuery<'static>| {
            let store = store.clone();
            async move { store.ticket_logs(&q).await.unwrap() }
        };
        let ids = |ls: &[(Ticket, Vec<TicketEvent>)]| ls.iter().map(|(t, _)| t.id).collect::<Vec<_>>();
        let kinds = |ls: &[(Ticket, Vec<TicketEvent>)]| {
            ls.iter().map(|(_, e)| e.iter().map(|e| e.kind.name()).collect::<Vec<_>>()).collect::<Vec<_>>()
        };

        // Nothing selected, nothing loaded.
        assert!(logs(LogQuery::default()).await.is_empty());
        // Whole logs, exactly as `events` reads them, and the tickets as `ticket` does.
        let all = logs(LogQuery { opened_since: Some(at(-1000)), ..Default::default() }).await;
        assert_eq!(ids(&all), vec![old.id, noted.id, recent.id, active.id]);
        for (t, e) in &all {
            assert_eq!(Some(t.clone()), store.ticket(t.id).await.unwrap());
            assert_eq!(e, &store.events(t.id).await.unwrap());
        }
        // Opened or touched since a time, and the active ones.
        let touched = LogQuery { opened_since: Some(at(0)), touched_since: Some((at(0), &[])), ..Default::default() };
        assert_eq!(ids(&logs(touched).await), vec![noted.id, recent.id]);
        assert_eq!(ids(&logs(LogQuery { active: true, ..touched }).await), vec![noted.id, recent.id, active.id]);
        assert_eq!(ids(&logs(LogQuery { active: true, ..Default::default() }).await), vec![active.id]);
        // Only the active ones of a selection.
        let opened = LogQuery { opened_since: Some(at(-1000)), ..Default::default() };
        assert_eq!(ids(&logs(LogQuery { only_active: true, ..opened }).await), vec![active.id]);
        assert!(logs(LogQuery { only_active: true, ..touched }).await.is_empty());
        assert!(logs(LogQuery { only_active: true, ..Default::default() }).await.is_empty());
        // Touched by given kinds only: the note does not count; the exact instant does.
        let answered = LogQuery { touched_since: Some((at(6), &["agent_message"])), ..Default::default() };
        assert_eq!(ids(&logs(answered).await), vec![recent.id]);
        assert!(logs(LogQuery { touched_since: Some((at(7), &["agent_message"])), ..Default::default() }).await.is_empty());
        // Only the kinds asked for, in log order; tickets without any keep an empty log.
        let some = logs(LogQuery { kinds: Some(&["agent_message", "status_changed"]), ..answered }).await;
        assert_eq!(kinds(&some), vec![vec!["agent_message", "status_changed"]]);
        let some = logs(LogQuery { opened_since: Some(at(-1000)), kinds: Some(&["agent_message"]), ..Default::default() }).await;
        assert_eq!(kinds(&some), vec![vec!["agent_message"], vec![], vec!["agent_message"], vec![]]);
        let none = logs(LogQuery { opened_since: Some(at(-1000)), kinds: Some(&[]), ..Default::default() }).await;
        assert_eq!(ids(&none), vec![old.id, noted.id, recent.id, active.id]);
        assert!(none.iter().all(|(_, e)| e.is_empty()));

        // The active tickets checked by a time (the SLA digest's cut), by their stored SLA next
        // checks (none: never); a ticket touched since is selected by that, whatever its check.
        let busy = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000005")), at(-1000)).await;
        let quiet = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000006")), at(-1000)).await;
        store.append_events(busy.id, &[ev(EventKind::Note { text: "since".into() }, 20)], at(20)).await.unwrap();
        let candidates = store.sla_candidates(None).await.unwrap();
        let check = |t: &Ticket, next: Option<DateTime<Utc>>| {
            let c = candidates.iter().find(|c| c.ticket.id == t.id).unwrap();
            super::SlaNextCheck { ticket: t.id, version: c.ticket.version, stamp: c.stamp, at: next }
        };
        let checks = [check(&active, Some(at(500))), check(&busy, Some(at(5000))), check(&quiet, None)];
        assert_eq!(store.set_sla_next_checks(&checks).await.unwrap(), 3);
        let checked = |by: i64| LogQuery { active: true, active_checked_by: Some(at(by)), ..touched };
        assert_eq!(ids(&logs(LogQuery { active: true, ..touched }).await), vec![noted.id, recent.id, active.id, busy.id, quiet.id]);
        assert_eq!(ids(&logs(checked(500)).await), vec![noted.id, recent.id, active.id, busy.id]);
        assert_eq!(ids(&logs(checked(499)).await), vec![noted.id, recent.id, busy.id]);
        // Checked by the time and touched: read once.
        assert_eq!(ids(&logs(checked(5000)).await), vec![noted.id, recent.id, active.id, busy.id]);
        let only_checked = LogQuery { active: true, active_checked_by: Some(at(5000)), ..Default::default() };
        assert_eq!(ids(&logs(only_checked).await), vec![active.id, busy.id]);
    })
    .await;
}

#[tokio::test]
async fn bulk_reads_carry_any_text_as_the_row_reads_do() {
    // The bulk reads join values into JSON text in SQL (`pack_sql`): quotes, backslashes,
    // control characters, separators and non-ASCII text must come back unchanged.
    let awkward = "He said \"it's broken\" \\ C:\\path\n\ttab ],[ {\"x\":1} ÅÄÖ 🎫 \u{1}";
    on_each(|store| async move {
        let mut a = acme();
        a.name = Name::parse(awkward.replace(['\n', '\t', '\u{1}'], " ").trim()).unwrap();
        store.upsert_accounts(&[a]).await.unwrap();
        let mut nt = new_ticket("ACME", Some("acme"), "slack:C0ACME", Some("9.000001"));
        nt.title = Title::parse(awkward.replace(['\n', '\t', '\u{1}'], " ").trim()).unwrap();
        nt.description = Some(awkward.to_string());
        nt.requester.display_name = awkward.to_string();
        nt.tags = tags(&["sso", "bug:login-loop"]);
        let t = open(&*store, &nt, at(1)).await;
        let note = NewEvent { kind: EventKind::Note { text: awkward.to_string() }, actor: Actor::System, occurred_at: at(2) };
        store.append_events(t.id, &[note], at(2)).await.unwrap();
        let logs = store.ticket_logs(&LogQuery { active: true, ..Default::default() }).await.unwrap();
        assert_eq!(logs.len(), 1);
        assert_eq!(Some(logs[0].0.clone()), store.ticket(t.id).await.unwrap());
        assert_eq!(logs[0].1, store.events(t.id).await.unwrap());
        assert!(matches!(&logs[0].1[1].kind, EventKind::Note { text } if text == awkward));
        assert_eq!(store.accounts().await.unwrap(), vec![store.account(&aid("acme")).await.unwrap().unwrap()]);
    })
    .await;
}

#[tokio::test]
async fn health_snapshots_in_bulk_match_the_one_account_forms() {
    use crate::health::{Health, Reason};
    on_each(|store| async move {
        store.upsert_accounts(&[plain_account("acme", &[]), plain_account("globex", &[]), plain_account("initech", &[])]).await.unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let h = |score: u8| Health { score, reasons: vec![Reason::OpenTickets { count: u32::from(100 - score) }] };
        store.save_health_many(day(1), &[(aid("acme"), h(90)), (aid("globex"), h(80))]).await.unwrap();
        store.save_health_many(day(5), &[(aid("acme"), h(70))]).await.unwrap();
        // Saving a day again replaces it.
        store.save_health_many(day(5), &[(aid("acme"), h(60))]).await.unwrap();
        store.save_health(&aid("initech"), day(9), &h(50)).await.unwrap();

        for on in [day(1), day(4), day(5), day(30)] {
            let all = store.health_on_or_before_all(on).await.unwrap();
            for a in ["acme", "globex", "initech"] {
                assert_eq!(all.get(&aid(a)).cloned(), store.health_on_or_before(&aid(a), on).await.unwrap(), "{a} on {on}");
            }
        }
        let all = store.health_on_or_before_all(day(6)).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[&aid("acme")], (day(5), h(60)));
        assert_eq!(all[&aid("globex")], (day(1), h(80)));
        assert_eq!(
            store.account_tiers().await.unwrap(),
            ["acme", "globex", "initech"].iter().map(|a| (aid(a), Tier::parse("standard").unwrap())).collect()
        );
        assert_eq!(
            store.account_tiers_of(&[aid("globex"), aid("nobody"), aid("acme")]).await.unwrap(),
            ["acme", "globex"].iter().map(|a| (aid(a), Tier::parse("standard").unwrap())).collect()
        );
    })
    .await;
}

#[tokio::test]
async fn writes_of_an_event_handled_again_are_made_once() {
    use crate::store::effects::{handling, restart};
    on_each(|s| async move {
        s.upsert_accounts(&[acme()]).await.unwrap();
        // The first handling of Ev9 (no origin message: `/ticket open`): open, change, reply.
        let first = |s: Arc<dyn Store>| async move {
            let (t, created) = s.open_ticket(&new_ticket("ACME", Some("acme"), "slack:C1", None), at(1), &nothing).await.unwrap();
            let t = save(&*s, t, at(2)).await;
            s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "done"))], at(3)).await.unwrap();
            (t, created)
        };
        let (t1, created1) = handling(Platform::Slack, "Ev9", first(s.clone())).await;
        assert!(created1);
        // A second handling (the replica died before `finish_inbound`) finds every write made.
        let (t2, created2) = handling(Platform::Slack, "Ev9", first(s.clone())).await;
        assert_eq!((t2.id, t2.version, created2), (t1.id, t1.version, true));
        assert_eq!(s.tickets(&TicketFilter::default()).await.unwrap().len(), 1);
        let notes = s.events(t1.id).await.unwrap().iter().filter(|e| matches!(e.kind, EventKind::Note { .. })).count();
        assert_eq!(notes, 1);
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 1);
        // A restarted attempt (after a conflict) skips what the failed attempt committed and
        // makes the write it had not reached.
        handling(Platform::Slack, "Ev10", async {
            s.append_events(t1.id, &[NewEvent { kind: EventKind::Note { text: "a".into() }, actor: Actor::System, occurred_at: at(4) }], at(4))
                .await
                .unwrap();
            restart();
            s.append_events(t1.id, &[NewEvent { kind: EventKind::Note { text: "a".into() }, actor: Actor::System, occurred_at: at(4) }], at(4))
                .await
                .unwrap();
            s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "second"))], at(5)).await.unwrap();
        })
        .await;
        let notes = s.events(t1.id).await.unwrap().iter().filter(|e| matches!(e.kind, EventKind::Note { .. })).count();
        assert_eq!(notes, 2);
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 2);
        // Outside a handling (timers, CLI) every call writes.
        s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "again"))], at(6)).await.unwrap();
        s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "again"))], at(6)).await.unwrap();
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 4);
        // Once the event is processed its steps are forgotten: the same id handled anew writes.
        s.record_inbound(Platform::Slack, "Ev9", &serde_json::json!({}), at(7)).await.unwrap();
        s.finish_inbound(Platform::Slack, "Ev9", at(7), None).await.unwrap();
        handling(Platform::Slack, "Ev9", s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "x"))], at(8))).await.unwrap();
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 5);
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_handled_events_is_finished_at_once() {
    use crate::store::effects::handling;
    on_each(|s| async move {
        let ids = ["Ev1", "Ev2", "Ev3", "Ev4"];
        for (i, id) in ids.iter().enumerate() {
            s.record_inbound(Platform::Slack, id, &serde_json::json!({ "n": i }), at(0)).await.unwrap();
        }
        s.record_inbound(Platform::Discord, "Ev1", &serde_json::json!({}), at(0)).await.unwrap();
        // Each handled, each with a write recorded as its step.
        for id in ids {
            handling(Platform::Slack, id, s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), id))], at(1))).await.unwrap();
        }
        let done: Vec<_> = ["Ev1", "Ev2", "Ev4"].iter().map(|id| (Platform::Slack, id.to_string())).collect();
        s.finish_inbound_many(&done, at(2), None).await.unwrap();
        let pending: Vec<_> = s.unprocessed_inbound(10).await.unwrap().into_iter().map(|e| (e.platform, e.event_id)).collect();
        assert_eq!(pending, [(Platform::Discord, "Ev1".to_string()), (Platform::Slack, "Ev3".to_string())]);
        // The finished events' steps are forgotten: handled anew, they write again…
        handling(Platform::Slack, "Ev2", s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "Ev2"))], at(3))).await.unwrap();
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 5);
        // …while the unfinished one's step still holds its write back.
        handling(Platform::Slack, "Ev3", s.enqueue(&[NewOutbound::message(text_to(&ch("slack:C1"), "Ev3"))], at(3))).await.unwrap();
        assert_eq!(s.outbox(false, 10).await.unwrap().len(), 5);
        // Nothing to finish: nothing happens.
        s.finish_inbound_many(&[], at(4), None).await.unwrap();
        assert_eq!(s.unprocessed_inbound(10).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn signal_values_reads_one_signal_of_every_account_that_has_it() {
    on_each(|store| async move {
        let mut globex = plain_account("globex", &[]);
        globex.signals = BTreeMap::from([(signal("nps"), 7.0), (signal("usage-trend"), -0.5)]);
        let mut initech = plain_account("initech", &[]);
        initech.signals = BTreeMap::from([(signal("seats"), 3.0)]);
        let mut hooli = plain_account("hooli", &[]);
        hooli.signals = BTreeMap::from([(signal("nps"), 9.5)]);
        store.upsert_accounts(&[acme(), globex, initech, hooli]).await.unwrap();
        let sorted = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v
        };
        assert_eq!(sorted(store.signal_values(&signal("nps")).await.unwrap()), [7.0, 9.5, 42.0]);
        // Whole and fractional numbers alike, names with a hyphen, no account at all.
        assert_eq!(sorted(store.signal_values(&signal("seats")).await.unwrap()), [3.0, 1_250.0]);
        assert_eq!(store.signal_values(&signal("usage-trend")).await.unwrap(), [-0.5]);
        assert!(store.signal_values(&signal("churn_risk")).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_sqlite_writer_checkpoints_its_log_less_often_than_readers_would() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store = super::SqliteStore::connect(&url).await.unwrap();
    let pages = |pool: sqlx::SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("PRAGMA wal_autocheckpoint").fetch_one(&pool).await.unwrap()
    };
    assert_eq!(pages(store.writer().clone()).await, i64::from(super::WAL_CHECKPOINT_PAGES));
    assert_eq!(pages(store.pool().clone()).await, 1000, "readers never write, and keep SQLite's default");
    assert_eq!(
        sqlx::query_scalar::<_, String>("PRAGMA journal_mode").fetch_one(store.writer()).await.unwrap(),
        "wal"
    );
}

/// PostgreSQL connections are handed out unchecked while in steady use (see
/// `PgStore::connect_with`): when the server cuts them all (a restart), each costs at most one
/// failed operation, and then the pool opens new ones.
#[tokio::test]
async fn postgres_connections_cut_by_the_server_cost_one_failure_each_at_most() {
    use sqlx::postgres::PgConnectOptions;
    use sqlx::Connection;
    use std::str::FromStr;
    let Some(db) = crate::testing::postgres().await else { return };
    let name = db.schema().expect("a PostgreSQL test database has a schema").to_string();
    let s = super::PgStore::connect_with(PgConnectOptions::from_str(&db.url).unwrap().application_name(&name)).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(s.pool().acquire().await.unwrap());
    }
    drop(held);
    // The connections go back to the pool in tasks of their own; on a busy machine some may
    // still be on their way back when the server cuts them, which changes nothing below: the
    // pool holds them either way.
    for _ in 0..1000 {
        if s.pool().num_idle() == 4 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let open = s.pool().size() as usize;
    assert!(open >= 1, "the pool holds the connections");

    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
        .bind(&name)
        .fetch_all(&mut admin)
        .await
        .unwrap();
    assert!(cut.len() >= open && cut.iter().all(|c| *c), "every connection of the store is cut: {cut:?}");

    let (mut failures, mut answered) = (0, 0);
    for _ in 0..20 {
        match s.ping().await {
            Ok(()) => answered += 1,
            Err(_) => failures += 1,
        }
        if answered == 3 {
            break;
        }
    }
    assert_eq!(answered, 3, "the store works again ({failures} failures)");
    assert!(failures <= cut.len(), "{failures} failures for {} cut connections", cut.len());
    admin.close().await.unwrap();
    s.pool().close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_read_apart_dropped_before_it_answers_is_stopped() {
    let store = connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let (running, stopped) = tokio::sync::oneshot::channel::<()>();
    let (started, has_started) = tokio::sync::oneshot::channel::<()>();
    let read = super::read_apart(&store, move |_| async move {
        let _running = running;
        let _ = started.send(());
        std::future::pending::<()>().await;
        Ok(())
    });
    has_started.await.unwrap();
    drop(read);
    // The task is gone: its end of the channel was dropped with it.
    let gone = tokio::time::timeout(std::time::Duration::from_secs(10), stopped).await;
    assert!(matches!(gone, Ok(Err(_))), "the read was left running");

    // One that is waited for answers as before.
    let read = super::read_apart(&store, |s| async move { s.accounts().await });
    assert_eq!(super::answer(read).await.unwrap(), vec![]);
}

/// A ticket's log facts as the store keeps them on its row are what a fold of its log says,
/// whichever write appended the events (a change, or events alone); `health_tickets` reads
/// them with the health window's events of the tickets that count.
#[tokio::test]
async fn health_tickets_read_the_facts_every_append_kept_and_the_window_events() {
    on_each(|store| async move {
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        let ev = |kind: EventKind, t: i64| NewEvent { kind, actor: Actor::System, occurred_at: at(t) };
        let customer = |t: i64| ev(EventKind::CustomerMessage { message: MessageId::parse(format!("c{t}")).unwrap(), text: "help".into() }, t);
        let agent = |t: i64| ev(EventKind::AgentMessage { message: MessageId::parse(format!("a{t}")).unwrap(), text: "on it".into() }, t);
        let escalated = |level: u32, t: i64| ev(EventKind::Escalated { level, reason: None }, t);
        let status = |s: &Ticket, to: TicketStatus| {
            let mut s = s.clone();
            s.status = to;
            s
        };
        // Active: answered once, then three customer messages; escalated to 2, down to 1.
        let active = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000001")), at(-1000)).await;
        let change = vec![customer(-990), agent(-980), customer(-970), customer(-960), escalated(2, -950)];
        let active = store.apply(TicketChange { ticket: status(&active, TicketStatus::Open), events: change, outbox: vec![] }, at(-950)).await.unwrap();
        store
            .append_events(active.id, &[customer(-940), ev(EventKind::Deescalated { level: 1 }, -930), ev(EventKind::Note { text: "x".into() }, -920)], at(-920))
            .await
            .unwrap();
        // Solved in the window, escalated and rated then.
        let recent = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000002")), at(-1000)).await;
        let rated = ev(EventKind::CsatReceived { rating: Rating::new(2).unwrap(), comment: None }, 6);
        let change = vec![customer(1), escalated(1, 2), agent(3), ev(EventKind::Reopened, -900), rated];
        store.apply(TicketChange { ticket: status(&recent, TicketStatus::Solved), events: change, outbox: vec![] }, at(6)).await.unwrap();
        // Solved before the window, escalated then: counts for nothing.
        let old = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some("1.000003")), at(-1000)).await;
        store.apply(TicketChange { ticket: status(&old, TicketStatus::Solved), events: vec![escalated(1, -900)], outbox: vec![] }, at(-900)).await.unwrap();

        let got = store.health_tickets(at(0)).await.unwrap();
        assert_eq!(got.iter().map(|t| t.id).collect::<Vec<_>>(), vec![active.id, recent.id]);
        assert_eq!(got[0].facts, crate::domain::LogFacts { unanswered: 3, escalation_level: 1 });
        assert_eq!(got[1].facts, crate::domain::LogFacts { unanswered: 0, escalation_level: 1 });
        for t in &got {
            let stored = store.ticket(t.id).await.unwrap().unwrap();
            assert_eq!((&t.account, t.status), (&stored.account, stored.status));
            let log = store.events(t.id).await.unwrap();
            assert_eq!(t.facts, crate::domain::LogFacts::of(&log), "the row's facts are the log's");
            // The window's events of the kinds health counts, in log order.
            let window: Vec<_> = log
                .into_iter()
                .filter(|e| e.occurred_at >= at(0) && crate::health::HEALTH_WINDOW_KINDS.contains(&e.kind.name()))
                .collect();
            assert_eq!(t.events, window);
        }
        assert_eq!(got[1].events.iter().map(|e| e.kind.name()).collect::<Vec<_>>(), vec!["escalated", "csat_received"]);
        // The old ticket's facts are kept too, though nothing selects it now.
        let all = store.health_tickets(at(-2000)).await.unwrap();
        assert_eq!(all.iter().map(|t| (t.id, t.facts.escalation_level)).collect::<Vec<_>>(), vec![(active.id, 1), (recent.id, 1), (old.id, 1)]);
    })
    .await;
}

/// The migration that added the log facts computes them from the logs already there: a
/// database whose tickets were written before it gets what a fold of each log says.
#[tokio::test]
async fn the_log_facts_migration_computes_the_facts_of_existing_logs() {
    use sqlx::Connection;
    const VERSION: i64 = 20261123000013;
    for db in each_backend().await {
        let store = db.store.clone();
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        let ev = |kind: EventKind, t: i64| NewEvent { kind, actor: Actor::System, occurred_at: at(t) };
        let customer = |t: i64| ev(EventKind::CustomerMessage { message: MessageId::parse(format!("c{t}")).unwrap(), text: "help".into() }, t);
        let agent = |t: i64| ev(EventKind::AgentMessage { message: MessageId::parse(format!("a{t}")).unwrap(), text: "on it".into() }, t);
        let logs = [
            vec![customer(1), customer(2)],
            vec![customer(1), agent(2), customer(3), ev(EventKind::Escalated { level: 2, reason: None }, 4)],
            vec![ev(EventKind::Escalated { level: 1, reason: None }, 1), ev(EventKind::Deescalated { level: 0 }, 2), agent(3)],
            vec![],
        ];
        let mut ids = Vec::new();
        for (i, log) in logs.iter().enumerate() {
            let t = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some(&format!("1.00000{i}"))), at(0)).await;
            store.append_events(t.id, log, at(5)).await.unwrap();
            ids.push(t.id);
        }
        // Back to the schema before the migration, the events left in place.
        let undo = [
            "ALTER TABLE tickets DROP COLUMN unanswered".to_string(),
            "ALTER TABLE tickets DROP COLUMN escalation_level".to_string(),
            format!("DELETE FROM _sqlx_migrations WHERE version = {VERSION}"),
        ];
        match db.backend {
            super::Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                for sql in &undo {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
            super::Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                for sql in &undo {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
        }
        store.migrate().await.unwrap();
        let got = store.health_tickets(at(-10)).await.unwrap();
        assert_eq!(got.iter().map(|t| t.id).collect::<Vec<_>>(), ids, "{:?}", db.backend);
        for t in &got {
            let log = store.events(t.id).await.unwrap();
            assert_eq!(t.facts, crate::domain::LogFacts::of(&log), "{:?}: ticket {}", db.backend, t.id.0);
        }
        let facts: Vec<(u32, u32)> = got.iter().map(|t| (t.facts.unanswered, t.facts.escalation_level)).collect();
        assert_eq!(facts, vec![(2, 0), (1, 2), (0, 0), (0, 0)], "{:?}", db.backend);
        db.cleanup().await;
    }
}

/// Logs read for more tickets than one statement's list takes (SQLite 500, PostgreSQL 1,000
/// ids: `ListBind`) come whole and only once, of the kinds asked for.
#[tokio::test]
async fn events_of_many_tickets_are_read_in_lists_and_come_back_whole() {
    on_each(|store| async move {
        store.upsert_accounts(&[plain_account("acme", &["slack:C1"])]).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..1_100 {
            let t = open(&*store, &new_ticket("ACME", Some("acme"), "slack:C1", Some(&format!("2.{i:06}"))), at(0)).await;
            if i % 2 == 0 {
                let reply = NewEvent {
                    kind: EventKind::AgentMessage { message: MessageId::parse(format!("r{i}")).unwrap(), text: "on it".into() },
                    actor: Actor::System,
                    occurred_at: at(1),
                };
                store.append_events(t.id, &[reply], at(1)).await.unwrap();
            }
            ids.push(t.id);
        }
        let all = store.events_of(&ids, None).await.unwrap();
        assert_eq!(all.len(), ids.len());
        for (i, id) in ids.iter().enumerate() {
            let want: Vec<&str> = if i % 2 == 0 { vec!["opened", "agent_message"] } else { vec!["opened"] };
            assert_eq!(all[id].iter().map(|e| e.kind.name()).collect::<Vec<_>>(), want, "ticket {i}");
            assert!(all[id].iter().all(|e| e.ticket == *id));
        }
        let replies = store.events_of(&ids, Some(&["agent_message"])).await.unwrap();
        assert_eq!(replies.values().map(Vec::len).sum::<usize>(), 550);
        assert!(replies.values().flatten().all(|e| e.kind.name() == "agent_message"));
    })
    .await;
}
