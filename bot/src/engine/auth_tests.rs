//! Authorisation through the engine's real path, on SQLite and PostgreSQL: every command,
//! button and emoji shortcut × every role, and what a customer can see of other accounts.

use baton_chat::*;
use chrono::{DateTime, Duration, Utc};

use super::test_world::*;
use super::*;
use crate::domain::PersonId;
use crate::testing::TestDb;

const ACME: &str = "shell:acme";
const GLOBEX: &str = "shell:globex";
/// Ticket titles that must never reach the other account's channel.
const ACME_SECRET: &str = "Acme payroll export leaks salaries";
const GLOBEX_SECRET: &str = "Globex merger data room is down";

const STAFF_ONLY: &str = "Only the support team can do that. Your message is in the ticket, and an agent will follow up.";
const NOT_REQUESTER: &str = "Only the person who asked can rate this ticket.";
const CUSTOMER_OPEN: &str = "Only the support team can open tickets in this channel.";

/// A caller: a row of the matrix.
#[derive(Clone, Copy, Debug)]
struct Who {
    label: &'static str,
    user: &'static str,
    external: bool,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// The customer who asked (the ticket's requester).
    Requester,
    /// Another customer in the same shared channel, or a guest from another organisation.
    Customer,
    Staff,
}

const CALLERS: &[Who] = &[
    Who { label: "customer (requester)", user: "wile", external: false, kind: Kind::Requester },
    Who { label: "customer (not the requester)", user: "road", external: false, kind: Kind::Customer },
    Who { label: "guest (an agent elsewhere, external here)", user: "gus", external: true, kind: Kind::Customer },
    Who { label: "agent", user: "dana", external: false, kind: Kind::Staff },
    Who { label: "lead", user: "lee", external: false, kind: Kind::Staff },
    Who { label: "csm", user: "casey", external: false, kind: Kind::Staff },
    Who { label: "manager", user: "morgan", external: false, kind: Kind::Staff },
];

/// The intended policy for one column of the matrix.
#[derive(Clone, Copy, Debug)]
enum Policy {
    Anyone,
    Staff,
    /// Staff, and customers only where the channel lets them open tickets (not in acme).
    StaffOpens,
    RequesterOnly,
    StaffOrRequester,
}

impl Policy {
    /// `None`: allowed; otherwise the refusal the caller must be told.
    fn refusal(self, kind: Kind) -> Option<&'static str> {
        match self {
            Policy::Anyone => None,
            Policy::Staff => (kind != Kind::Staff).then_some(STAFF_ONLY),
            Policy::StaffOpens => (kind != Kind::Staff).then_some(CUSTOMER_OPEN),
            Policy::RequesterOnly => (kind != Kind::Requester).then_some(NOT_REQUESTER),
            Policy::StaffOrRequester => (kind == Kind::Customer).then_some(NOT_REQUESTER),
        }
    }
}

/// How the caller asks.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// `/ticket TEXT` typed in the ticket's thread.
    Command(&'static str),
    /// A button on the ticket's card or a message (`{key}` in the value is the ticket's key).
    Button(&'static str, &'static str),
    /// The *Open ticket* form, submitted.
    Form,
    /// The *Open ticket* message shortcut on a customer's message.
    Shortcut,
}

/// One column: how to ask, what must hold before (staff commands run by dana in the
/// ticket's thread), and who may.
struct Case {
    act: Act,
    setup: &'static [&'static str],
    policy: Policy,
    /// Whether an allowed request changes the ticket's event log (else it only posts).
    changes: bool,
}

const fn case(act: Act, setup: &'static [&'static str], policy: Policy, changes: bool) -> Case {
    Case { act, setup, policy, changes }
}

const CASES: &[Case] = &[
    // Staff only: triage and the bridge.
    case(Act::Command("claim"), &[], Policy::Staff, true),
    case(Act::Command("assign lee"), &[], Policy::Staff, true),
    case(Act::Command("priority high"), &[], Policy::Staff, true),
    case(Act::Command("status open"), &[], Policy::Staff, true),
    case(Act::Command("pending"), &[], Policy::Staff, true),
    case(Act::Command("hold"), &[], Policy::Staff, true),
    case(Act::Command("solve"), &[], Policy::Staff, true),
    case(Act::Command("close"), &["solve"], Policy::Staff, true),
    case(Act::Command("reopen"), &["solve"], Policy::Staff, true),
    case(Act::Command("tag bug:payroll"), &[], Policy::Staff, true),
    case(Act::Command("ask-close"), &[], Policy::Staff, true),
    case(Act::Command("escalate customer blocked"), &[], Policy::Staff, true),
    case(Act::Command("deescalate"), &["escalate first"], Policy::Staff, true),
    case(Act::Command("handoff renewal next week"), &[], Policy::Staff, true),
    case(Act::Command("ack"), &["handoff please look"], Policy::Staff, true),
    case(Act::Command("panel"), &[], Policy::Staff, false),
    case(Act::Command("tags top"), &["tag bug:payroll"], Policy::Staff, false),
    case(Act::Button("ticket.claim", "{key}"), &[], Policy::Staff, true),
    case(Act::Button("ticket.urgent", "{key}"), &[], Policy::Staff, true),
    case(Act::Button("ticket.solve", "{key}"), &[], Policy::Staff, true),
    case(Act::Button("ticket.reopen", "{key}"), &["solve"], Policy::Staff, true),
    case(Act::Button("ticket.escalate", "{key}"), &[], Policy::Staff, true),
    case(Act::Button("handoff.ack", "{key}"), &["handoff please look"], Policy::Staff, true),
    // Opening: staff only in acme (`who_may_open = "staff"`, the default).
    case(Act::Command("open Printer on fire"), &[], Policy::StaffOpens, true),
    case(Act::Form, &[], Policy::StaffOpens, true),
    case(Act::Shortcut, &[], Policy::StaffOpens, true),
    // The requester's own answers.
    case(Act::Command("rate 4 quick"), &[], Policy::RequesterOnly, true),
    case(Act::Button("csat.rate", "{key}:5"), &["solve"], Policy::RequesterOnly, true),
    case(Act::Button("ticket.close_confirm", "{key}"), &["ask-close"], Policy::StaffOrRequester, true),
    case(Act::Button("ticket.close_decline", "{key}"), &["ask-close"], Policy::StaffOrRequester, true),
    // Reading a ticket of one's own channel.
    case(Act::Command("show"), &[], Policy::Anyone, false),
    case(Act::Command("transcript"), &[], Policy::Anyone, false),
    case(Act::Command("help"), &[], Policy::Anyone, false),
];

/// Acme (CSM casey) on shell:acme, customers open nothing there; Globex on shell:globex,
/// where customers may open tickets. A one-level escalation chain and a handoff fallback.
async fn world(db: TestDb) -> World {
    let mut wile = person("wile", "wile", Role::Customer);
    wile.account = Some(AccountId::parse("acme").unwrap());
    let mut casey = person("casey", "casey", Role::Csm);
    casey.manager = Some(PersonId::parse("morgan").unwrap());
    let people = [
        wile,
        person("gus", "gus", Role::Agent),
        person("dana", "dana", Role::Agent),
        person("lee", "lee", Role::Lead),
        casey,
        person("morgan", "morgan", Role::Manager),
    ];
    let mut acme = account("acme", "Acme Corp", "enterprise", "ACME", &[ACME]);
    acme.csm = Some(PersonId::parse("casey").unwrap());
    let globex = account("globex", "Globex Inc", "business", "GLX", &[GLOBEX]);
    let mut settings = Settings::from_config(&Config::default());
    settings.escalation_levels =
        vec![EscalationLevel { name: "Tier 2".into(), channel: Some(ch("shell:tier2")), people: vec![] }];
    settings.handoff.fallback = Some(ch("shell:success"));
    settings.csat_sample_rate = 1.0;
    settings.channels.insert(ch(GLOBEX), ChannelSettings { auto_intake: false, who_may_open: WhoMayOpen::Anyone, lang: None, private_threads: false });
    World::new(db, &people, &[acme, globex], settings).await
}

/// When the callers act: five minutes after the ticket was opened.
fn later() -> DateTime<Utc> {
    t0() + Duration::minutes(5)
}

/// The caller as the platform presents them.
fn caller(who: &str, external: bool) -> Author {
    Author { external, ..author(who) }
}

impl World {
    /// `wile` asks in acme (message `root`), dana opens it with 🎫; returns its key.
    async fn open_ticket(&mut self, channel: &str, root: &str, customer: &str, text: &str) -> TicketKey {
        self.open_from(channel, root, customer, text).await;
        let t = self.store().ticket_by_message(&ch(channel), &MessageId::parse(root).unwrap()).await.unwrap();
        t.expect("the ticket was opened").key
    }

    /// A button pressed (`ticket.escalate` and `ticket.open` as forms, with their fields).
    async fn button(&mut self, channel: &str, thread: Option<&str>, who: &str, external: bool, action_id: &str, value: Option<String>) {
        let fields = match action_id {
            "ticket.escalate" => [("reason".to_string(), "customer blocked".to_string())].into(),
            "ticket.open" => [("title".to_string(), "Printer on fire".to_string())].into(),
            _ => Default::default(),
        };
        let pressed = action(channel, thread, caller(who, external), action_id, value, later());
        self.send(Inbound::Action(ActionInvoked { fields, ..pressed })).await
    }

    async fn snapshot(&self, key: &TicketKey, count_tickets: bool) -> Snapshot {
        let ticket = self.store().ticket_by_key(key).await.unwrap().unwrap();
        let events = self.store().events(ticket.id).await.unwrap().len();
        let tickets = if count_tickets { self.store().tickets(&Default::default()).await.unwrap().len() } else { 0 };
        Snapshot { ticket, events, tickets }
    }

    /// What was queued since the last call, as the outbox worker takes it (then marked
    /// delivered, so the next call sees only newer messages).
    async fn drain(&self) -> Vec<crate::store::OutboundRow> {
        let now = t0() + Duration::days(30);
        let rows = self.store().claim_outbound(now, now + Duration::minutes(1), 10_000).await.unwrap();
        for r in &rows {
            self.store().mark_delivered(r.id, None, now).await.unwrap();
        }
        rows
    }
}

struct Snapshot {
    ticket: Ticket,
    events: usize,
    tickets: usize,
}

/// What a ticket looks like to the rules (everything a command could change).
fn state(t: &Ticket) -> impl PartialEq + std::fmt::Debug {
    (t.version, t.status, t.priority, t.assignee.clone(), t.tags.clone(), t.card_message.clone())
}

fn to_caller(row: &crate::store::OutboundRow, user: &str) -> bool {
    matches!(&row.message.destination, Destination::Ephemeral { user: u, .. } if u.as_str() == user)
}

// The matrix, in three parts that run in parallel: every case is in exactly one.
#[tokio::test]
async fn staff_commands_for_every_role() {
    matrix(|c| matches!(c.policy, Policy::Staff) && matches!(c.act, Act::Command(_))).await
}

#[tokio::test]
async fn buttons_for_every_role() {
    matrix(|c| matches!(c.policy, Policy::Staff) && !matches!(c.act, Act::Command(_))).await
}

#[tokio::test]
async fn opening_answering_and_reading_for_every_role() {
    matrix(|c| !matches!(c.policy, Policy::Staff)).await
}

/// Every case `part` selects × every caller: allowed, or refused out loud to the caller
/// alone with nothing changed.
async fn matrix(part: fn(&Case) -> bool) {
    for mut w in worlds().await {
        let mut n = 0;
        let mut table = Vec::new();
        for case in CASES.iter().filter(|c| part(c)) {
            for who in CALLERS {
                n += 1;
                let root = format!("m{n}");
                let key = w.open_ticket(ACME, &root, "wile", &format!("{ACME_SECRET} #{n}")).await;
                for setup in case.setup {
                    w.command(ACME, Some(&root), "dana", setup, later()).await;
                }
                let count_tickets = matches!(case.policy, Policy::StaffOpens);
                w.drain().await;
                let before = w.snapshot(&key, count_tickets).await;
                match case.act {
                    Act::Command(text) => w.send(command(ACME, Some(&root), caller(who.user, who.external), text, later())).await,
                    Act::Button(action, value) => {
                        let value = value.replace("{key}", &key.to_string());
                        w.button(ACME, Some(&root), who.user, who.external, action, Some(value)).await
                    }
                    Act::Form => w.button(ACME, None, who.user, who.external, "ticket.open", None).await,
                    Act::Shortcut => {
                        let msg = format!("s{n}");
                        w.say(ACME, &msg, None, "road", "Printer on fire", t0()).await;
                        w.send(shortcut(ACME, &msg, caller(who.user, who.external), author("road"), "Printer on fire", later())).await
                    }
                }
                let after = w.snapshot(&key, count_tickets).await;
                let posted = w.drain().await;
                let what = format!("{:?} by {} ({})", case.act, who.label, w.db.url);
                let told: Vec<&str> = posted.iter().filter(|r| to_caller(r, who.user)).map(|r| r.message.text.as_str()).collect();
                match case.policy.refusal(who.kind) {
                    Some(refusal) => {
                        // Refused: one private message to the caller, and nothing else at all.
                        assert_eq!(told, [refusal], "{what}: {posted:?}");
                        assert_eq!(posted.len(), 1, "{what}: only the refusal is posted: {posted:?}");
                        assert_eq!(state(&after.ticket), state(&before.ticket), "{what}: the ticket changed");
                        assert_eq!(after.events, before.events, "{what}: events were recorded");
                        assert_eq!(after.tickets, before.tickets, "{what}: a ticket was opened");
                        table.push(format!("{what}: refused"));
                    }
                    None => {
                        for refusal in [STAFF_ONLY, NOT_REQUESTER, CUSTOMER_OPEN] {
                            assert!(!told.contains(&refusal), "{what}: refused: {told:?}");
                        }
                        assert!(
                            !told.iter().any(|t| t.starts_with("There is no") || t.starts_with("Which ticket")),
                            "{what}: {told:?}"
                        );
                        assert!(!posted.is_empty(), "{what}: allowed, but nothing was said");
                        if case.changes {
                            let changed = after.events > before.events || after.tickets > before.tickets;
                            assert!(changed, "{what}: allowed, but nothing changed: {posted:?}");
                        } else {
                            assert_eq!(state(&after.ticket), state(&before.ticket), "{what}: reading changed the ticket");
                        }
                        table.push(format!("{what}: allowed"));
                    }
                }
            }
        }
        assert_eq!(table.len(), CASES.iter().filter(|c| part(c)).count() * CALLERS.len());
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn emoji_shortcuts_act_for_staff_and_are_ignored_for_customers() {
    for mut w in worlds().await {
        let mut n = 0;
        for emoji in ["eyes", "white_check_mark", "rotating_light"] {
            for who in CALLERS {
                n += 1;
                let root = format!("r{n}");
                let key = w.open_ticket(ACME, &root, "wile", ACME_SECRET).await;
                w.drain().await;
                let before = w.snapshot(&key, false).await;
                w.send(reaction(ACME, &root, emoji, caller(who.user, who.external), "wile", ACME_SECRET, later())).await;
                let after = w.snapshot(&key, false).await;
                let what = format!(":{emoji}: by {} ({})", who.label, w.db.url);
                if who.kind == Kind::Staff {
                    assert!(after.events > before.events, "{what}: staff's shortcut did nothing");
                } else {
                    // A customer's reaction is just a reaction: no change, and no refusal
                    // shouted at them for an emoji.
                    assert_eq!(state(&after.ticket), state(&before.ticket), "{what}");
                    assert_eq!(after.events, before.events, "{what}");
                    assert!(w.drain().await.is_empty(), "{what}");
                }
            }
        }
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_customer_never_sees_another_accounts_tickets() {
    for mut w in worlds().await {
        let acme_key = w.open_ticket(ACME, "a1", "wile", ACME_SECRET).await;
        let glx_key = w.open_ticket(GLOBEX, "g1", "hank", GLOBEX_SECRET).await;
        w.command(ACME, Some("a1"), "dana", "tag bug:payroll", later()).await;
        w.command(ACME, Some("a1"), "dana", "handoff renewal at risk", later()).await;
        w.command(ACME, Some("a1"), "dana", "escalate customer blocked", later()).await;
        let everything = w.store().outbox(false, 100_000).await.unwrap();
        w.drain().await;
        let before = w.snapshot(&acme_key, false).await;

        // Hank (Globex) names Acme's ticket from his own channel, every way there is.
        let unknown = format!("There is no ticket {acme_key}.");
        for text in ["{key}", "show {key}", "transcript {key}", "rate {key} 5", "solve {key}", "claim {key}", "ack {key}", "escalate {key}"] {
            w.command(GLOBEX, None, "hank", &text.replace("{key}", &acme_key.to_string()), later()).await;
        }
        for (action, value) in [
            ("csat.rate", format!("{acme_key}:1")),
            ("ticket.close_confirm", acme_key.to_string()),
            ("ticket.close_decline", acme_key.to_string()),
            ("handoff.ack", acme_key.to_string()),
            ("ticket.solve", acme_key.to_string()),
        ] {
            w.button(GLOBEX, None, "hank", false, action, Some(value)).await;
        }
        // …and replies in his channel to the id of Acme's thread root.
        w.say(GLOBEX, "g2", Some("a1"), "hank", "let me in", t0()).await;
        let after = w.snapshot(&acme_key, false).await;
        assert_eq!(state(&after.ticket), state(&before.ticket));
        assert_eq!(after.events, before.events, "nothing reached Acme's ticket");
        let posted = w.drain().await;
        assert_eq!(posted.len(), 13, "one answer per request, and nothing else: {posted:?}");
        for row in &posted {
            assert!(to_caller(row, "hank"), "only hank is answered: {row:?}");
            assert_eq!(row.message.text, unknown, "the same answer as for a ticket that does not exist");
        }

        // Wile (Acme) cannot reach Globex's ticket, nor rank tags across accounts.
        w.command(ACME, None, "wile", &format!("show {glx_key}"), later()).await;
        w.command(ACME, None, "wile", &format!("transcript {glx_key}"), later()).await;
        w.command(ACME, None, "wile", "tags top bug", later()).await;
        let told: Vec<String> = w.drain().await.into_iter().map(|r| r.message.text).collect();
        assert_eq!(told, [format!("There is no ticket {glx_key}."), format!("There is no ticket {glx_key}."), STAFF_ONLY.to_string()]);
        // In his own channel he sees his own ticket; staff see any.
        w.command(ACME, None, "wile", &format!("show {acme_key}"), later()).await;
        w.command(ACME, None, "dana", &format!("show {glx_key}"), later()).await;
        let cards: Vec<String> = w.drain().await.into_iter().map(|r| r.message.text).collect();
        assert_eq!(cards.len(), 2, "{cards:?}");
        assert!(cards[0].contains(ACME_SECRET) && cards[1].contains(GLOBEX_SECRET), "{cards:?}");

        // Whatever was posted so far (cards, notices, the handoff, the escalation summary):
        // nothing for one account's channel mentions the other's tickets or name.
        assert!(everything.iter().any(|r| r.message.text.contains(ACME_SECRET)), "the cards were queued");
        for row in w.store().outbox(false, 100_000).await.unwrap() {
            let channel = match &row.message.destination {
                Destination::Channel { channel } | Destination::Thread { channel, .. } | Destination::Ephemeral { channel, .. } => {
                    channel.to_string()
                }
                // Direct messages go to one person; a mark is an emoji, no text.
                Destination::Direct { .. } | Destination::Mark { .. } => continue,
            };
            let text = format!("{}{:?}", row.message.text, row.message.card);
            let (foreign, name) = match channel.as_str() {
                ACME => (GLOBEX_SECRET, "Globex Inc"),
                GLOBEX => (ACME_SECRET, "Acme Corp"),
                _ => continue,
            };
            if matches!(&row.message.destination, Destination::Ephemeral { user, .. } if user.as_str() == "dana") {
                continue; // staff asked for it
            }
            assert!(!text.contains(foreign) && !text.contains(name), "{channel} was told about another account: {text}");
        }
        // The handoff went to Acme's CSM alone, by direct message.
        let handoffs: Vec<_> = w
            .store()
            .outbox(false, 100_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.message.text.contains(ACME_SECRET) && matches!(r.message.destination, Destination::Direct { .. }))
            .map(|r| r.message.destination)
            .collect();
        assert!(!handoffs.is_empty());
        for d in handoffs {
            assert_eq!(d, Destination::Direct { platform: Platform::Shell, user: UserId::parse("casey").unwrap() });
        }
        w.db.cleanup().await;
    }
}

async fn worlds() -> Vec<World> {
    World::each(world).await
}
