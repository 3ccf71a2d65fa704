//! Digest content against values computed by hand for a small fixed history, on the pure
//! functions and through the store on SQLite and PostgreSQL.
//!
//! The history (times UTC; B = 2026-11-02 09:00, the digest's slot is B + 1 day, so the
//! period P is [B, B+1d) and the previous period Q is [B−1d, B)):
//!
//! | ticket | account | assignee | opened | what happens |
//! |---|---|---|---|---|
//! | ACME-1 | acme | dana | B+1h (10:00) | agent 10:15 (FRT 15 min), solved 12:00 (resolution 2 h), CSAT 5 at 12:30 |
//! | ACME-2 | acme | dana | B+2h (11:00) | agent 11:45 (FRT 45 min), solved 13:00, customer 14:00 reopens, agent 14:10, solved 15:00 (resolution 4 h), CSAT 2 at 15:30 |
//! | GLX-1 | globex | erin | B+3h (12:00) | agent 12:05 (FRT 5 min), escalated 12:10, resolution SLA breached 16:00; still open |
//! | ACME-3 | acme | none | B−20h (11-01 13:00) | agent 13:30 (FRT 30 min), solved 17:00 (resolution 4 h), CSAT 4 at 18:00 — all in Q |
//! | ACME-4 | acme | dana | B+20h (11-03 05:00) | first-response SLA breached 06:00; unanswered, new |
//!
//! Accounts: acme (USD 120,000, renews 2026-11-20, CSM casey, nps 9), globex (USD 50,000,
//! renews 2027-06-01, CSM morgan, nps 6), initech (no tickets, CSM pat, nps 10), hooli (nps
//! 42: not on the 0–10 scale, left out). Health snapshots on 2026-10-27: acme 92, globex 98.

use std::collections::{BTreeMap, BTreeSet};

use baton_chat::{ChannelRef, Destination, MessageId, Platform, UserId};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use unic_langid::LanguageIdentifier;

use super::content::{self, AtRiskAccount, DueSoon, History, Period, PolicyCompliance, SlaOutlook};
use super::text::{self, Audience, LateNote, Lateness, Style};
use super::*;
use crate::domain::{
    Account, AccountId, Actor, Arr, Currency, EventKind, IntakeVia, KeyPrefix, Name, NewEvent, NewTicket, Origin, Person,
    PersonId, Priority, Rating, Requester, Role, SignalName, SlaTarget, Ticket, TicketEvent, TicketId, TicketKey, TicketStatus,
    Tier, Title,
};
use crate::health::{AtRiskRules, Health, HealthWeights, Reason, RiskFlag};
use crate::metrics::{Csat, Nps, Ratio};
use crate::store::{Store, TicketChange};

fn b() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}
fn at(minutes: i64) -> DateTime<Utc> {
    b() + Duration::minutes(minutes)
}
fn en() -> LanguageIdentifier {
    crate::i18n::fallback()
}
fn pid(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn aid(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}
fn sig(s: &str) -> SignalName {
    SignalName::parse(s).unwrap()
}
fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}
fn period() -> Period {
    Period { from: b(), to: b() + Duration::days(1) }
}

/// One ticket of the fixture.
struct Spec {
    key: &'static str,
    account: &'static str,
    assignee: Option<&'static str>,
    status: TicketStatus,
    opened: DateTime<Utc>,
    events: Vec<(DateTime<Utc>, EventKind)>,
}

fn msg(kind: &str, at: DateTime<Utc>) -> EventKind {
    let message = MessageId::parse(format!("{kind}{}", at.timestamp())).unwrap();
    if kind == "a" {
        EventKind::AgentMessage { message, text: "on it".into() }
    } else {
        EventKind::CustomerMessage { message, text: "help".into() }
    }
}
fn status(from: TicketStatus, to: TicketStatus) -> EventKind {
    EventKind::StatusChanged { from, to }
}
fn csat(r: u8) -> EventKind {
    EventKind::CsatReceived { rating: Rating::new(r).unwrap(), comment: None }
}
fn assigned(to: &str) -> EventKind {
    EventKind::Assigned { from: None, to: Some(pid(to)) }
}

fn specs() -> Vec<Spec> {
    use TicketStatus::*;
    vec![
        Spec {
            key: "ACME-1",
            account: "acme",
            assignee: Some("dana"),
            status: Solved,
            opened: at(60),
            events: vec![
                (at(75), assigned("dana")),
                (at(75), msg("a", at(75))),
                (at(75), status(New, Open)),
                (at(180), status(Open, Solved)),
                (at(210), csat(5)),
            ],
        },
        Spec {
            key: "ACME-2",
            account: "acme",
            assignee: Some("dana"),
            status: Solved,
            opened: at(120),
            events: vec![
                (at(165), assigned("dana")),
                (at(165), msg("a", at(165))),
                (at(165), status(New, Open)),
                (at(240), status(Open, Solved)),
                (at(300), msg("c", at(300))),
                (at(300), status(Solved, Open)),
                (at(300), EventKind::Reopened),
                (at(310), msg("a", at(310))),
                (at(360), status(Open, Solved)),
                (at(390), csat(2)),
            ],
        },
        Spec {
            key: "GLX-1",
            account: "globex",
            assignee: Some("erin"),
            status: Open,
            opened: at(180),
            events: vec![
                (at(185), assigned("erin")),
                (at(185), msg("a", at(185))),
                (at(185), status(New, Open)),
                (at(190), EventKind::Escalated { level: 1, reason: None }),
                (at(420), EventKind::SlaBreached { target: SlaTarget::Resolution, due: at(420) }),
            ],
        },
        Spec {
            key: "ACME-3",
            account: "acme",
            assignee: None,
            status: Solved,
            opened: at(-20 * 60),
            events: vec![
                (at(-20 * 60 + 30), msg("a", at(-20 * 60 + 30))),
                (at(-20 * 60 + 30), status(New, Open)),
                (at(-16 * 60), status(Open, Solved)),
                (at(-15 * 60), csat(4)),
            ],
        },
        Spec {
            key: "ACME-4",
            account: "acme",
            assignee: Some("dana"),
            status: New,
            opened: at(20 * 60),
            events: vec![
                (at(20 * 60), assigned("dana")),
                (at(21 * 60), EventKind::SlaBreached { target: SlaTarget::FirstResponse, due: at(21 * 60) }),
            ],
        },
    ]
}

fn accounts() -> Vec<Account> {
    let account = |id: &str, name: &str, arr: Option<u64>, renewal: Option<(i32, u32, u32)>, csm: &str, nps: f64| {
        let mut a = Account::new(aid(id), Name::parse(name).unwrap(), Tier::parse("enterprise").unwrap());
        a.arr = arr.map(|n| Arr::new(n, Currency::USD));
        a.renewal_date = renewal.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
        a.csm = Some(pid(csm));
        a.signals.insert(sig("nps"), nps);
        if id != "initech" && id != "hooli" {
            a.key_prefix = Some(KeyPrefix::parse(if id == "acme" { "ACME" } else { "GLX" }).unwrap());
            a = a.with_channels([ChannelRef::parse(&format!("shell:{id}")).unwrap()]).unwrap();
        }
        a
    };
    vec![
        account("acme", "Acme Corp", Some(120_000), Some((2026, 11, 20)), "casey", 9.0),
        account("globex", "Globex", Some(50_000), Some((2027, 6, 1)), "morgan", 6.0),
        account("hooli", "Hooli", None, None, "pat", 42.0),
        account("initech", "Initech", None, None, "pat", 10.0),
    ]
}

fn people() -> Vec<Person> {
    let person = |id: &str, name: &str, role: Role| {
        let mut p = Person::new(pid(id), Name::parse(name).unwrap(), role);
        p.handles.insert(Platform::Slack, UserId::parse(format!("U{}", id.to_uppercase())).unwrap());
        p
    };
    vec![
        person("casey", "Casey CSM", Role::Csm),
        person("dana", "Dana Agent", Role::Agent),
        person("erin", "Erin Agent", Role::Agent),
        person("morgan", "Morgan CSM", Role::Csm),
        person("pat", "Pat CSM", Role::Csm),
    ]
}

/// The fixture as plain values (what [`Digests::history`] loads from a store).
fn pure_history() -> History {
    let tickets = specs()
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let id = TicketId(i as i64 + 1);
            let t = Ticket {
                id,
                key: TicketKey::parse(s.key).unwrap(),
                account: Some(aid(s.account)),
                requester: Requester {
                    platform: Platform::Shell,
                    user: UserId::parse("wile").unwrap(),
                    display_name: "Wile E.".into(),
                    person: None,
                },
                title: Title::parse(&format!("Problem {}", s.key)).unwrap(),
                status: s.status,
                priority: Priority::Normal,
                assignee: s.assignee.map(pid),
                tags: Default::default(),
                origin: Origin { channel: ChannelRef::parse(&format!("shell:{}", s.account)).unwrap(), message: None, thread: None },
                card_message: None,
                opened_at: s.opened,
                created_at: s.opened,
                updated_at: s.opened,
                follow_up_of: None,
                version: 0,
            };
            let mut events = vec![TicketEvent {
                id: 0,
                ticket: id,
                kind: EventKind::Opened { via: IntakeVia::Command, title: t.title.clone(), description: None },
                actor: Actor::System,
                occurred_at: s.opened,
                recorded_at: s.opened,
            }];
            events.extend(s.events.into_iter().map(|(when, kind)| TicketEvent {
                id: 0,
                ticket: id,
                kind,
                actor: Actor::System,
                occurred_at: when,
                recorded_at: when,
            }));
            (t, events)
        })
        .collect();
    History { accounts: accounts(), people: people(), tickets }
}

/// A ticket opened by command in `account`'s shell channel (key prefix `prefix`) at `opened`.
fn shell_ticket(account: &str, prefix: &str, title: &str, opened: DateTime<Utc>) -> NewTicket {
    NewTicket {
        account: Some(aid(account)),
        key_prefix: KeyPrefix::parse(prefix).unwrap(),
        requester: Requester { platform: Platform::Shell, user: UserId::parse("wile").unwrap(), display_name: "Wile E.".into(), person: None },
        title: Title::parse(title).unwrap(),
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        origin: Origin { channel: ChannelRef::parse(&format!("shell:{account}")).unwrap(), message: None, thread: None },
        opened_at: opened,
        follow_up_of: None,
        via: IntakeVia::Command,
        opened_by: Actor::System,
        description: None,
    }
}

/// Writes the fixture into a store the way the engine would: open, events, then the
/// ticket's status and assignee.
async fn store_history(store: &dyn Store) {
    store.upsert_people(&people()).await.unwrap();
    store.upsert_accounts(&accounts()).await.unwrap();
    for s in specs() {
        let new = shell_ticket(s.account, s.key.split('-').next().unwrap(), &format!("Problem {}", s.key), s.opened);
        let (mut t, _) = store.open_ticket(&new, s.opened, &|_| vec![]).await.unwrap();
        assert_eq!(t.key.to_string(), s.key);
        let events: Vec<NewEvent> =
            s.events.into_iter().map(|(when, kind)| NewEvent { kind, actor: Actor::System, occurred_at: when }).collect();
        store.append_events(t.id, &events, s.opened).await.unwrap();
        t.status = s.status;
        t.assignee = s.assignee.map(pid);
        store.apply(TicketChange { ticket: t, events: vec![], outbox: vec![] }, s.opened).await.unwrap();
    }
    let snapshot = |score| Health { score, reasons: vec![] };
    let day = NaiveDate::from_ymd_opt(2026, 10, 27).unwrap();
    store.save_health(&aid("acme"), day, &snapshot(92)).await.unwrap();
    store.save_health(&aid("globex"), day, &snapshot(98)).await.unwrap();
}

fn earlier() -> BTreeMap<AccountId, (NaiveDate, u8)> {
    let day = NaiveDate::from_ymd_opt(2026, 10, 27).unwrap();
    [(aid("acme"), (day, 92)), (aid("globex"), (day, 98))].into()
}

fn style(late: Option<LateNote>) -> Style<'static> {
    static EN: std::sync::OnceLock<LanguageIdentifier> = std::sync::OnceLock::new();
    Style { lang: EN.get_or_init(en), tz: chrono_tz::UTC, late, name: "daily" }
}

fn field<'a>(card: &'a baton_chat::Card, label: &str) -> &'a str {
    card.fields.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no field {label}: {card:#?}"))
}

fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    (info.width, info.height)
}

#[test]
fn team_metrics_match_hand_computed_values() {
    let h = pure_history();
    let m = content::team_metrics(&h, period(), chrono_tz::UTC, 14);
    assert_eq!(m.previous, Period { from: b() - Duration::days(1), to: b() });
    // P: opened ACME-1, ACME-2, GLX-1, ACME-4 (05:00 next day, before the slot) = 4;
    // solved ACME-1 and ACME-2 = 2 (ACME-2's two solves count once).
    assert_eq!((m.team.opened, m.team.solved), (4, 2));
    // First responses in P: 5, 15, 45 min. Nearest rank: p50 = ⌈0.5×3⌉ = 2nd = 15 min,
    // p90 = ⌈0.9×3⌉ = 3rd = 45 min.
    assert_eq!(m.team.frt, vec![mins(15), mins(45), mins(5)]);
    assert_eq!((m.team.frt_p50(), m.team.frt_p90()), (Some(mins(15)), Some(mins(45))));
    // Resolutions (to the last solve): ACME-1 10:00→12:00 = 2 h, ACME-2 11:00→15:00 = 4 h.
    // p50 = ⌈0.5×2⌉ = 1st = 2 h, p90 = ⌈0.9×2⌉ = 2nd = 4 h.
    assert_eq!((m.team.resolution_p50(), m.team.resolution_p90()), (Some(mins(120)), Some(mins(240))));
    // Reopen rate: of the 2 solved in P, ACME-2 was reopened: 1 ÷ 2.
    assert_eq!(m.team.reopen, Some(Ratio { part: 1, whole: 2 }));
    // CSAT in P: 5 and 2: mean 3.5, one of two is 4–5.
    assert_eq!(m.team.csat, Some(Csat { mean: 3.5, satisfied: Ratio { part: 1, whole: 2 }, count: 2 }));
    // Q: ACME-3 only: opened 1, solved 1, FRT 30 min, resolution 13:00→17:00 = 4 h, not
    // reopened (0 ÷ 1), CSAT 4.
    let q = &m.team_before;
    assert_eq!((q.opened, q.solved, q.frt.clone(), q.resolution.clone()), (1, 1, vec![mins(30)], vec![mins(240)]));
    assert_eq!(q.reopen, Some(Ratio { part: 0, whole: 1 }));
    assert_eq!(q.csat, Some(Csat { mean: 4.0, satisfied: Ratio { part: 1, whole: 1 }, count: 1 }));
    // NPS over the 0–10 answers 9, 6, 10 (hooli's 42 is off the scale): promoters 2,
    // detractors 1, (2 − 1) ÷ 3 = 33.3…%.
    assert_eq!(m.nps, Some(Nps { score: 100.0 / 3.0, count: 3 }));
    // By assignee at the end of each period: Dana (ACME-1, ACME-2, ACME-4), Erin (GLX-1),
    // unassigned (ACME-3, active in Q only).
    let names: Vec<_> = m.by_assignee.iter().map(|a| a.name.clone()).collect();
    assert_eq!(names, [Some("Dana Agent".to_string()), Some("Erin Agent".to_string()), None]);
    let dana = &m.by_assignee[0];
    // Dana: opened 3, solved 2, FRT 15 and 45 (p50 = 1st of 2 = 15 min), resolution 2 h
    // and 4 h (p50 2 h), CSAT 3.5 on 2; nothing in Q.
    assert_eq!((dana.now.opened, dana.now.solved, dana.now.frt_p50(), dana.now.resolution_p50()), (3, 2, Some(mins(15)), Some(mins(120))));
    assert!(dana.before.is_empty());
    let erin = &m.by_assignee[1];
    assert_eq!((erin.now.opened, erin.now.solved, erin.now.frt.clone()), (1, 0, vec![mins(5)]));
    let nobody = &m.by_assignee[2];
    assert!(nobody.now.is_empty());
    assert_eq!((nobody.before.solved, nobody.before.frt_p50()), (1, Some(mins(30))));
    // The chart: 14 days ending 2026-11-03; FRT on 11-01 (30) and 11-02 (15/45) only.
    assert_eq!(m.daily_frt.len(), 14);
    assert_eq!(m.daily_frt[0].day, NaiveDate::from_ymd_opt(2026, 10, 21).unwrap());
    assert_eq!(m.daily_frt[11].p50, Some(mins(30)));
    assert_eq!((m.daily_frt[12].p50, m.daily_frt[12].p90), (Some(mins(15)), Some(mins(45))));
    assert_eq!(m.daily_frt[13].p50, None);
    assert_eq!(m.daily_frt.iter().filter(|d| d.p50.is_some()).count(), 2);

    let r = text::team(&style(None), &m);
    let card = r.card.expect("a card");
    assert_eq!(card.title, "Team metrics, Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC");
    assert_eq!(field(&card, "Tickets opened"), "4 (previous period: 1)");
    assert_eq!(field(&card, "Tickets solved"), "2 (previous period: 1)");
    assert_eq!(field(&card, "First response time"), "median 15m, p90 45m (previous period: median 30m, p90 30m)");
    assert_eq!(field(&card, "Resolution time"), "median 2h, p90 4h (previous period: median 4h, p90 4h)");
    assert_eq!(field(&card, "Reopen rate"), "50% (1 of 2) (previous period: 0% (0 of 1))");
    assert_eq!(field(&card, "CSAT"), "3.5 average, 50% 4–5 (2 ratings) (previous period: 4 average, 100% 4–5 (1 rating))");
    assert_eq!(field(&card, "NPS"), "33.3 (3 accounts; imported, not compared)");
    let body = card.body.unwrap();
    assert!(body.contains("Dana Agent: 2 solved (previously 0) · FRT 15m (previously no data) · resolution 2h (previously no data) · CSAT 3.5 average, 50% 4–5 (2 ratings) (previously no data)"), "{body}");
    assert!(body.contains("Unassigned: 0 solved (previously 1)"), "{body}");
    assert_eq!(r.text, "Team metrics for Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC: 4 opened, 2 solved.");
    // The chart's scale is the p90 maximum (45) rounded up to 50 minutes.
    assert!(card.footer.unwrap().contains("on a scale of 0–50m"));
    let chart = r.chart.expect("a chart");
    assert_eq!((chart.content_type.as_str(), chart.filename.as_str()), ("image/png", "daily-frt.png"));
    assert_eq!(decode_png(&chart.bytes), (super::chart::WIDTH, super::chart::HEIGHT));
}

#[test]
fn sla_digest_lists_breaches_with_owners_and_takes_the_clocks_outlook() {
    let h = pure_history();
    let d = content::sla_digest(&h, period(), None, chrono_tz::UTC, 14);
    // Breaches recorded in P: GLX-1 (16:00, resolution, Erin) then ACME-4 (06:00 next day,
    // first response, Dana).
    let got: Vec<_> = d.breaches.iter().map(|b| (b.key.to_string(), b.target, b.breached_at, b.owner.clone())).collect();
    assert_eq!(
        got,
        [
            ("GLX-1".to_string(), SlaTarget::Resolution, at(420), Some("Erin Agent".to_string())),
            ("ACME-4".to_string(), SlaTarget::FirstResponse, at(21 * 60), Some("Dana Agent".to_string())),
        ]
    );
    assert_eq!(&d.daily_breaches[12..], &[(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), 1), (NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), 1)]);
    let r = text::sla(&style(None), &d);
    assert_eq!(r.text, "2 SLA breaches in Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC.");
    let body = r.card.unwrap().body.unwrap();
    assert_eq!(
        body,
        "Breached:\n\
         GLX-1 Problem GLX-1 (Globex): resolution was due Nov 2, 2026, 4:00 PM UTC; owner: Erin Agent\n\
         ACME-4 Problem ACME-4 (Acme Corp): first response was due Nov 3, 2026, 6:00 AM UTC; owner: Dana Agent\n\
         Targets due soon and compliance per policy are not available: no SLA clocks are configured."
    );
    assert_eq!(decode_png(&r.chart.unwrap().bytes), (super::chart::WIDTH, super::chart::HEIGHT));

    // The hook: what SLA clocks would provide is shown as given.
    let outlook = SlaOutlook {
        horizon: Duration::hours(4),
        due_soon: vec![DueSoon {
            key: TicketKey::parse("ACME-4").unwrap(),
            title: "Problem ACME-4".into(),
            target: SlaTarget::Resolution,
            due: at(26 * 60),
            owner: None,
        }],
        compliance: vec![PolicyCompliance { policy: "premium".into(), target: SlaTarget::FirstResponse, met: Ratio { part: 3, whole: 4 } }],
    };
    let with = content::sla_digest(&h, period(), Some(outlook), chrono_tz::UTC, 14);
    let body = text::sla(&style(None), &with).card.unwrap().body.unwrap();
    assert!(body.ends_with(
        "Due to breach in the next 4 hours:\n\
         ACME-4 Problem ACME-4: resolution due Nov 3, 2026, 11:00 AM UTC; owner: Unassigned\n\
         Compliance by policy:\n\
         premium, first response: 75% (3 of 4)"
    ), "{body}");
}

#[test]
fn at_risk_accounts_match_hand_computed_values() {
    let h = pure_history();
    let now = b() + Duration::days(1);
    let rules = AtRiskRules::default();
    let rows = content::at_risk_accounts(&h.accounts, &h.health_tickets(), &earlier(), &HealthWeights::default(), &rules, now);
    // acme (default weights, 30-day window): 1 breach (ACME-4) −10, 1 reopen (ACME-2) −5,
    // CSAT latest per ticket 5, 2, 4 → average 3.67, (4 − 3.67) × 10 = −3.33, 1 open ticket
    // (ACME-4) −3: 100 − 21.33 = 78.67 → 79. Not under 60; 92 → 79 is a drop of 13, not
    // more than 15; but it renews in 17 days (2026-11-03 → 11-20) after a breach: at risk.
    // globex: 1 breach −10, 1 escalation −8, 1 open −3: 79; 98 → 79 drops 19 > 15: at risk.
    // initech and hooli: no tickets, 100, not at risk. By ARR: acme 120,000, globex 50,000.
    let expected = vec![
        AtRiskAccount {
            id: aid("acme"),
            name: "Acme Corp".into(),
            tier: "enterprise".into(),
            csm: Some(pid("casey")),
            arr: Some(Arr::new(120_000, Currency::USD)),
            renewal_date: NaiveDate::from_ymd_opt(2026, 11, 20),
            days_to_renewal: Some(17),
            health: Health {
                score: 79,
                reasons: vec![
                    Reason::Breaches { count: 1, days: 30 },
                    Reason::Reopens { count: 1, days: 30 },
                    Reason::LowCsat { average: 3.7, ratings: 3 },
                    Reason::OpenTickets { count: 1 },
                    Reason::RenewalSoon { days: 17 },
                ],
            },
            trend: Some((NaiveDate::from_ymd_opt(2026, 10, 27).unwrap(), -13)),
            flags: vec![RiskFlag::RenewalWithTrouble { days: 17 }],
            open_tickets: 1,
            escalated_tickets: 0,
        },
        AtRiskAccount {
            id: aid("globex"),
            name: "Globex".into(),
            tier: "enterprise".into(),
            csm: Some(pid("morgan")),
            arr: Some(Arr::new(50_000, Currency::USD)),
            renewal_date: NaiveDate::from_ymd_opt(2027, 6, 1),
            days_to_renewal: Some(210),
            health: Health {
                score: 79,
                reasons: vec![
                    Reason::Breaches { count: 1, days: 30 },
                    Reason::Escalations { count: 1, days: 30 },
                    Reason::OpenTickets { count: 1 },
                ],
            },
            trend: Some((NaiveDate::from_ymd_opt(2026, 10, 27).unwrap(), -19)),
            flags: vec![RiskFlag::Dropped { from: 98, to: 79 }],
            open_tickets: 1,
            escalated_tickets: 1,
        },
    ];
    assert_eq!(rows, expected);

    let r = text::at_risk(&style(None), &rows, &Audience::Everyone, &rules);
    assert_eq!(r.text, "2 accounts are at risk, $170,000 ARR.");
    let card = r.card.unwrap();
    assert_eq!(card.title, "At-risk accounts");
    assert_eq!(card.fields[0].0, "Acme Corp (enterprise)");
    assert_eq!(
        card.fields[0].1,
        "Health 79/100 (-13 points since Oct 27, 2026) · ARR $120,000 · renewal Nov 20, 2026 (in 17 days) · 1 open ticket, 0 escalated\n\
         Why: 1 SLA breach in 30 days; 1 reopened ticket in 30 days; CSAT 3.7 on the last 3 ratings; 1 open ticket; renewal in 17 days\n\
         At risk: renews in 17 days after breaches or escalations"
    );
    assert_eq!(card.fields[1].0, "Globex (enterprise)");
    assert!(card.fields[1].1.ends_with("At risk: down from 98 to 79 against 7 days ago"), "{}", card.fields[1].1);
    assert_eq!(decode_png(&r.chart.unwrap().bytes), (super::chart::WIDTH, super::chart::HEIGHT));
}

#[test]
fn empty_digests_say_so_in_one_line_and_late_ones_say_why() {
    let empty = History { accounts: accounts(), people: people(), tickets: vec![] };
    let p = period();
    let team = text::team(&style(None), &content::team_metrics(&empty, p, chrono_tz::UTC, 14));
    assert_eq!(team.text, "No tickets were opened, answered, solved or rated in Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC.");
    assert_eq!((team.card, team.chart), (None, None));
    let sla = text::sla(&style(None), &content::sla_digest(&empty, p, Some(SlaOutlook::default()), chrono_tz::UTC, 14));
    assert_eq!(sla.text, "No SLA breaches in Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC.");
    assert_eq!((sla.card, sla.chart), (None, None));
    let rules = AtRiskRules::default();
    let none = text::at_risk(&style(None), &[], &Audience::Everyone, &rules);
    assert_eq!((none.text.as_str(), none.card, none.chart), ("No accounts are at risk.", None, None));
    let csm = text::at_risk(&style(None), &[], &Audience::Csm { name: "Pat CSM".into() }, &rules);
    assert_eq!(csm.text, "None of your accounts is at risk, Pat CSM.");
    assert_eq!(team.text.lines().count(), 1);

    let late = LateNote { lateness: Lateness::NotRunning, slot: p.to, skipped: 2 };
    let r = text::team(&style(Some(late)), &content::team_metrics(&pure_history(), p, chrono_tz::UTC, 14));
    let note = "Posted late: baton was not running at Nov 3, 2026, 9:00 AM UTC. 2 earlier runs were missed too and are not posted separately.";
    assert!(r.text.starts_with(&format!("{note}\n")), "{}", r.text);
    assert!(r.card.unwrap().footer.unwrap().starts_with(note));
    let delayed = LateNote { lateness: Lateness::Delayed, slot: p.to, skipped: 0 };
    let r = text::at_risk(&style(Some(delayed)), &[], &Audience::Everyone, &rules);
    assert_eq!(r.text, "Posted late: this digest was due at Nov 3, 2026, 9:00 AM UTC.\nNo accounts are at risk.");
}

fn spec(kind: DigestKind, targets: Vec<Target>) -> DigestSpec {
    DigestSpec {
        name: "daily".into(),
        kind,
        cron: crate::config::parse_cron("0 9 * * *").unwrap(),
        time_zone: chrono_tz::UTC,
        targets,
        lang: en(),
    }
}

/// The same history through the store on each backend gives the same digests, and the
/// health computed here is the engine's.
#[tokio::test]
async fn digests_from_the_store_match_the_hand_computed_ones_on_each_backend() {
    let leads = ChannelRef::parse("shell:leads").unwrap();
    let settings = std::sync::Arc::new(crate::engine::Settings::from_config(&crate::config::Config::default()));
    for db in crate::testing::each_backend().await {
        store_history(db.store.as_ref()).await;
        let digests = Digests::new(db.store.clone(), settings.clone());
        let now = b() + Duration::days(1);
        let team_spec = spec(DigestKind::TeamMetrics, vec![Target::Channel(leads.clone())]);
        let occasion = Occasion::slot(&team_spec, now, None);
        assert_eq!(occasion.period, period(), "since the previous slot");
        let want = text::team(&style(None), &content::team_metrics(&pure_history(), period(), chrono_tz::UTC, CHART_DAYS));
        let got = digests.render(&team_spec, &occasion, now).await.unwrap();
        assert_eq!(got.len(), 1, "{:?}", db.backend);
        assert_eq!(got[0].destination, Destination::Channel { channel: leads.clone() });
        assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "{:?}", db.backend);
        assert_eq!(got[0].attachments, want.chart.into_iter().collect::<Vec<_>>());

        let sla_spec = spec(DigestKind::Sla, vec![Target::Channel(leads.clone())]);
        let want = text::sla(&style(None), &content::sla_digest(&pure_history(), period(), None, chrono_tz::UTC, CHART_DAYS));
        let got = digests.render(&sla_spec, &occasion, now).await.unwrap();
        assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "{:?}", db.backend);

        let risk_spec = spec(DigestKind::AtRisk, vec![Target::Channel(leads.clone()), Target::CsmDm]);
        let got = digests.render(&risk_spec, &occasion, now).await.unwrap();
        let rules = AtRiskRules::default();
        let h = pure_history();
        let rows = content::at_risk_accounts(&h.accounts, &h.health_tickets(), &earlier(), &HealthWeights::default(), &rules, now);
        let want = text::at_risk(&style(None), &rows, &Audience::Everyone, &rules);
        assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "{:?}", db.backend);
        // Each CSM by DM, their own accounts: Casey acme, Morgan globex, Pat none. The
        // digest's channels are on the shell, so the DMs are too (`engine::reach`).
        let dms: Vec<(String, String)> = got[1..]
            .iter()
            .map(|m| match &m.destination {
                Destination::Direct { user, .. } => (user.to_string(), m.text.clone()),
                other => panic!("not a DM: {other:?}"),
            })
            .collect();
        assert_eq!(
            dms,
            [
                ("casey".to_string(), "1 account is at risk, $120,000 ARR.".to_string()),
                ("morgan".to_string(), "1 account is at risk, $50,000 ARR.".to_string()),
                ("pat".to_string(), "None of your accounts is at risk, Pat CSM.".to_string()),
            ]
        );
        assert_eq!(got[1].card.as_ref().unwrap().title, "Your at-risk accounts, Casey CSM");
        assert_eq!(got[1].card.as_ref().unwrap().fields.len(), 1);

        // The health here is the engine's own.
        let clock: std::sync::Arc<dyn crate::clock::Clock> = std::sync::Arc::new(crate::clock::ManualClock::new(now));
        let engine = crate::engine::Engine::new(db.store.clone(), settings.clone(), clock);
        let history = digests.history().await.unwrap();
        for a in &history.accounts {
            let (engine_health, _) = engine.account_health(a, now).await.unwrap();
            let tickets = history.tickets.iter().filter(|(t, _)| t.account.as_ref() == Some(&a.id));
            let tickets: Vec<_> = tickets.map(|(t, e)| crate::health::HealthTicket::from_log(t, e.clone())).collect();
            let (ours, _) = content::account_health(a, &tickets, &settings.health, now);
            assert_eq!(ours, engine_health, "{}", a.id);
        }
        db.cleanup().await;
    }
}

#[test]
fn dry_run_text_shows_destination_card_and_attachment() {
    let h = pure_history();
    let m = content::team_metrics(&h, period(), chrono_tz::UTC, 14);
    let r = text::team(&style(None), &m);
    let msg = baton_chat::OutboundMessage {
        destination: Destination::Channel { channel: ChannelRef::parse("shell:leads").unwrap() },
        text: r.text.clone(),
        card: r.card.clone(),
        replaces: None,
        attachments: r.chart.iter().cloned().collect(),
        conversation: Default::default(),
    };
    let out = plain_text(&en(), &msg);
    assert!(out.starts_with("── channel shell:leads ──\nTeam metrics for"), "{out}");
    assert!(out.contains("\n  Tickets opened: 4 (previous period: 1)\n"), "{out}");
    assert!(out.contains("[attachment daily-frt.png: image/png, "), "{out}");
}

#[test]
fn every_message_id_used_by_digests_exists() {
    let sources = [include_str!("text.rs"), include_str!("../digest.rs")];
    let mut checked = 0;
    for src in sources {
        for id in src.split('"').skip(1).step_by(2) {
            let looks_like_id = id.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                && ["digest-", "health-", "handoff-", "sla-", "card-", "money", "unknown", "duration"].iter().any(|p| id.starts_with(p));
            if looks_like_id {
                assert!(crate::i18n::has(id), "message id `{id}` is missing from the catalogue");
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "expected to find the digests' message ids, found {checked}");
}

#[test]
fn digests_are_written_in_the_readers_language_and_formats() {
    let m = content::team_metrics(&pure_history(), period(), chrono_tz::UTC, 14);
    let sv: LanguageIdentifier = "sv-SE".parse().unwrap();
    let r = text::team(&Style { lang: &sv, ..style(None) }, &m);
    let card = r.card.unwrap();
    assert_eq!(field(&card, "Tid till första svar"), "median 15 min, p90 45 min (föregående period: median 30 min, p90 30 min)");
    assert_eq!(field(&card, "Andel återöppnade"), "50\u{a0}% (1 av 2) (föregående period: 0\u{a0}% (0 av 1))");
    assert!(field(&card, "CSAT").starts_with("snitt 3,5, 50\u{a0}% gav 4–5 (2 betyg)"), "{card:#?}");
    assert!(card.title.contains("2 nov. 2026"), "{}", card.title);

    let fa: LanguageIdentifier = "fa".parse().unwrap();
    let r = text::team(&Style { lang: &fa, ..style(None) }, &m);
    let card = r.card.unwrap();
    assert!(field(&card, "نرخ بازگشایی").starts_with("۵۰٪ (۱ از ۲)"), "{card:#?}");
    assert!(field(&card, "CSAT").starts_with("میانگین ۳٫۵،"), "{card:#?}");
    assert!(!r.text.chars().any(|c| c.is_ascii_digit()), "Persian digits only: {}", r.text);
}

/// With the Swedish and Persian test above: the team digest in all five languages.
#[test]
fn team_digest_in_english_russian_and_thai() {
    let m = content::team_metrics(&pure_history(), period(), chrono_tz::UTC, 14);
    let card = |tag: &str| {
        let lang: LanguageIdentifier = tag.parse().unwrap();
        text::team(&Style { lang: &lang, ..style(None) }, &m).card.unwrap()
    };
    let en = card("en-US");
    assert_eq!(en.title, "Team metrics, Nov 2, 2026, 9:00 AM UTC – Nov 3, 2026, 9:00 AM UTC");
    assert_eq!(field(&en, "First response time"), "median 15m, p90 45m (previous period: median 30m, p90 30m)");
    assert_eq!(field(&en, "Reopen rate"), "50% (1 of 2) (previous period: 0% (0 of 1))");
    let ru = card("ru");
    assert!(ru.title.contains("2 нояб. 2026 г., 09:00 UTC"), "{}", ru.title);
    assert_eq!(field(&ru, "Время первого ответа"), "медиана 15 мин, p90 45 мин (в прошлом периоде: медиана 30 мин, p90 30 мин)");
    assert_eq!(
        field(&ru, "CSAT"),
        "в среднем 3,5, 50\u{a0}% оценок 4–5 (2 оценки) (в прошлом периоде: в среднем 4, 100\u{a0}% оценок 4–5 (1 оценка))"
    );
    let th = card("th");
    assert!(th.title.contains("2569"), "Buddhist-era year: {}", th.title);
    assert_eq!(
        th.fields[2].1,
        "ม\u{e31}ธยฐาน 15 นาท\u{e35}, p90 45 นาท\u{e35} (ช\u{e48}วงก\u{e48}อนหน\u{e49}า: ม\u{e31}ธยฐาน 30 นาท\u{e35}, p90 30 นาท\u{e35})"
    );
    assert_eq!(th.fields[4].1, "50% (1 จาก 2) (ช\u{e48}วงก\u{e48}อนหน\u{e49}า: 0% (0 จาก 1))");
}

/// Once a sweep with the outlook's rules stored the active tickets' next checks, the SLA
/// digest reads only those checked by its horizon (besides those touched in the period), and
/// misses nothing: a target due within the horizon and one that came due in the period with no
/// sweep since are in it, as whole logs say.
#[tokio::test]
async fn the_sla_digest_reads_the_active_tickets_checked_by_its_horizon_and_misses_nothing() {
    let now = b() + Duration::days(1);
    let leads = Target::Channel(ChannelRef::parse("shell:leads").unwrap());
    let mut policy = crate::sla::SlaPolicy::new("standard", crate::sla::Calendar::always());
    policy.resolution = Some(Duration::hours(100));
    // No warning: a swept ticket's next check is its due time.
    policy.warn_fraction = 1.0;
    let rules = vec![crate::sla::SlaRule { tiers: vec![], priorities: vec![], policy }];
    let outlook = SlaClocksOutlook { rules: rules.clone(), horizon: Duration::hours(6) };
    let mut settings = crate::engine::Settings::from_config(&crate::config::Config::default());
    settings.sla_rules = rules;
    let settings = std::sync::Arc::new(settings);
    for db in crate::testing::each_backend().await {
        let store = db.store.clone();
        store.upsert_people(&people()).await.unwrap();
        store.upsert_accounts(&accounts()).await.unwrap();
        // Resolution due 4 h after now (due soon), 10 h after (beyond the horizon), 1 h before
        // (came due in the period, breached): ACME-1, ACME-2, ACME-3.
        for (i, hours_before) in [96, 90, 101].into_iter().enumerate() {
            let opened = now - Duration::hours(hours_before);
            let new = shell_ticket("acme", "ACME", &format!("Problem {i}"), opened);
            store.open_ticket(&new, opened, &|_| vec![]).await.unwrap();
        }
        // Swept three days ago: nothing to post, each next check its due time.
        let swept_at = now - Duration::days(3);
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(swept_at));
        let engine = crate::engine::Engine::new(store.clone(), settings.clone(), clock);
        assert_eq!(engine.sla_sweep(swept_at).await.unwrap(), 0);
        let checks: Vec<_> = store.sla_candidates(None).await.unwrap().into_iter().map(|c| c.next_check).collect();
        assert_eq!(checks, [96, 90, 101].map(|h| Some(now - Duration::hours(h) + Duration::hours(100))));

        let digests = Digests::new(store.clone(), settings.clone()).with_sla(std::sync::Arc::new(outlook.clone()));
        let s = spec(DigestKind::Sla, vec![leads.clone()]);
        let occasion = Occasion::now(&s, now);
        let whole = digests.history().await.unwrap();
        let o = outlook.outlook(&whole, occasion.period, now).unwrap();
        assert_eq!(o.due_soon.iter().map(|d| d.key.to_string()).collect::<Vec<_>>(), ["ACME-1"]);
        let breached = PolicyCompliance { policy: "standard".into(), target: SlaTarget::Resolution, met: Ratio { part: 0, whole: 1 } };
        assert_eq!(o.compliance, [breached]);
        let want = text::sla(&style(None), &content::sla_digest(&whole, occasion.period, Some(o), chrono_tz::UTC, CHART_DAYS));
        let got = digests.render(&s, &occasion, now).await.unwrap();
        assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "{:?}", db.backend);

        // Rules other than the sweep's: its next checks say nothing, every active ticket is
        // read. Resolution in 94 h: ACME-2 is due soon although its check is beyond the horizon.
        let mut sooner = outlook.clone();
        sooner.rules[0].policy.resolution = Some(Duration::hours(94));
        let digests = Digests::new(store.clone(), settings.clone()).with_sla(std::sync::Arc::new(sooner.clone()));
        let o = sooner.outlook(&whole, occasion.period, now).unwrap();
        assert_eq!(o.due_soon.iter().map(|d| d.key.to_string()).collect::<Vec<_>>(), ["ACME-2"]);
        let want = text::sla(&style(None), &content::sla_digest(&whole, occasion.period, Some(o), chrono_tz::UTC, CHART_DAYS));
        let got = digests.render(&s, &occasion, now).await.unwrap();
        assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "other rules, {:?}", db.backend);
        db.cleanup().await;
    }
}

/// A varied generated history (every event kind the figures read and others, times out of
/// log order now and then, tickets in every status over 40 days): each digest rendered from
/// what [`Digests::render`] loads (some tickets, some event kinds) says exactly what the same
/// digest computed from every ticket's whole log says, on each backend.
#[tokio::test]
async fn digests_from_their_partial_loads_match_the_whole_history_on_each_backend() {
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }
    let now = b() + Duration::days(1);
    let leads = Target::Channel(ChannelRef::parse("shell:leads").unwrap());
    let mut policy = crate::sla::SlaPolicy::new("standard", crate::sla::Calendar::always());
    policy.first_response = Some(Duration::hours(2));
    policy.next_response = Some(Duration::hours(4));
    policy.resolution = Some(Duration::hours(30));
    let rules = vec![crate::sla::SlaRule { tiers: vec![], priorities: vec![], policy }];
    let outlook = SlaClocksOutlook { rules, horizon: Duration::hours(6) };
    let mut settings = crate::engine::Settings::from_config(&crate::config::Config::default());
    settings.health.window = Duration::days(10);
    let settings = std::sync::Arc::new(settings);
    for db in crate::testing::each_backend().await {
        let store = db.store.clone();
        store.upsert_people(&people()).await.unwrap();
        store.upsert_accounts(&accounts()).await.unwrap();
        let mut rng = Rng(7);
        for i in 0..80u64 {
            let account = if rng.below(3) == 0 { "globex" } else { "acme" };
            let opened = now - Duration::minutes(rng.below(40 * 24 * 60) as i64);
            let new = shell_ticket(account, if account == "acme" { "ACME" } else { "GLX" }, &format!("Problem {i}"), opened);
            let (mut t, _) = store.open_ticket(&new, opened, &|_| vec![]).await.unwrap();
            let (mut when, mut state, mut assignee, mut events) = (opened, TicketStatus::New, None, Vec::new());
            for n in 0..rng.below(12) {
                // Mostly forward in time; now and then recorded out of order.
                when = if rng.below(10) == 0 { when - Duration::minutes(rng.below(300) as i64) } else { when + Duration::minutes(rng.below(36 * 60) as i64) };
                if when > now {
                    break;
                }
                let kind = match rng.below(12) {
                    0 | 1 => msg(if rng.below(2) == 0 { "a" } else { "c" }, when),
                    2 => {
                        let to = [TicketStatus::Open, TicketStatus::PendingOnCustomer, TicketStatus::OnHold, TicketStatus::Solved, TicketStatus::Closed][rng.below(5) as usize];
                        let from = std::mem::replace(&mut state, to);
                        status(from, to)
                    }
                    3 => {
                        let who = ["dana", "erin"][rng.below(2) as usize];
                        assignee = Some(pid(who));
                        assigned(who)
                    }
                    4 => EventKind::Reopened,
                    5 => csat(1 + rng.below(5) as u8),
                    6 => EventKind::Escalated { level: 1 + rng.below(2) as u32, reason: None },
                    7 => EventKind::Deescalated { level: rng.below(2) as u32 },
                    8 => EventKind::SlaBreached { target: SlaTarget::FirstResponse, due: when },
                    9 => EventKind::SlaWarning { target: SlaTarget::Resolution, due: when + Duration::hours(1) },
                    10 => EventKind::Note { text: format!("note {n}") },
                    _ => EventKind::CsatRequested,
                };
                events.push(NewEvent { kind, actor: Actor::System, occurred_at: when });
            }
            store.append_events(t.id, &events, opened).await.unwrap();
            t.status = state;
            t.assignee = assignee;
            store.apply(TicketChange { ticket: t, events: vec![], outbox: vec![] }, opened).await.unwrap();
        }
        let earlier_day = NaiveDate::from_ymd_opt(2026, 10, 27).unwrap();
        store.save_health(&aid("acme"), earlier_day, &Health { score: 99, reasons: vec![] }).await.unwrap();

        let digests = Digests::new(store.clone(), settings.clone()).with_sla(std::sync::Arc::new(outlook.clone()));
        let whole = digests.history().await.unwrap();
        for kind in [DigestKind::TeamMetrics, DigestKind::Sla, DigestKind::AtRisk] {
            let s = spec(kind, vec![leads.clone()]);
            for occasion in [Occasion::slot(&s, now, None), Occasion::now(&s, now - Duration::hours(5))] {
                let at = occasion.period.to;
                let want = match kind {
                    DigestKind::TeamMetrics => text::team(&style(None), &content::team_metrics(&whole, occasion.period, chrono_tz::UTC, CHART_DAYS)),
                    DigestKind::Sla => {
                        let o = outlook.outlook(&whole, occasion.period, at);
                        text::sla(&style(None), &content::sla_digest(&whole, occasion.period, o, chrono_tz::UTC, CHART_DAYS))
                    }
                    DigestKind::AtRisk => {
                        let rules = &settings.at_risk;
                        let day = at.date_naive() - Duration::days(rules.drop_days);
                        let earlier: BTreeMap<_, _> =
                            store.health_on_or_before_all(day).await.unwrap().into_iter().map(|(a, (d, h))| (a, (d, h.score))).collect();
                        let rows = content::at_risk_accounts(&whole.accounts, &whole.health_tickets(), &earlier, &settings.health, rules, at);
                        assert!(!rows.is_empty(), "the fixture has accounts at risk");
                        text::at_risk(&style(None), &rows, &Audience::Everyone, rules)
                    }
                };
                let got = digests.render(&s, &occasion, at).await.unwrap();
                assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "{kind:?} {:?}", db.backend);
                assert_eq!(got[0].attachments, want.chart.into_iter().collect::<Vec<_>>(), "{kind:?} {:?}", db.backend);
            }
        }
        // Once a sweep with the outlook's rules has stored every active ticket's next check
        // (and recorded the rules), the SLA digest reads only the active tickets checked by its
        // horizon besides those touched in the period: the same digest as from whole logs.
        // Swept days ago (what it posts then is no event of the periods), not since.
        let swept_at = now - Duration::days(3);
        let mut sweeping = (*settings).clone();
        sweeping.sla_rules = outlook.rules.clone();
        let sweeper = crate::engine::Engine::new(store.clone(), std::sync::Arc::new(sweeping), std::sync::Arc::new(crate::clock::ManualClock::new(swept_at)));
        // The first pass posts what the generated logs missed; those tickets are due again at
        // once, and the next passes store their next checks.
        for minutes in 0..3 {
            sweeper.sla_sweep(swept_at + Duration::minutes(minutes)).await.unwrap();
        }
        let whole = digests.history().await.unwrap();
        let s = spec(DigestKind::Sla, vec![leads.clone()]);
        for occasion in [Occasion::slot(&s, now, None), Occasion::now(&s, now - Duration::hours(5))] {
            let at = occasion.period.to;
            // Not a vacuous cut: some active tickets are left out, untouched in the period
            // and not checked before the horizon.
            let touched: BTreeSet<_> = whole
                .tickets
                .iter()
                .filter(|(t, log)| t.opened_at >= occasion.period.from || log.iter().any(|e| e.occurred_at >= occasion.period.from))
                .map(|(t, _)| t.id)
                .collect();
            let left_out = store
                .sla_candidates(None)
                .await
                .unwrap()
                .into_iter()
                .filter(|c| c.next_check.is_none_or(|n| n > at + outlook.horizon) && !touched.contains(&c.ticket.id))
                .count();
            assert!(left_out > 0, "the cut leaves out some active tickets at {at} on {:?}", db.backend);
            let o = outlook.outlook(&whole, occasion.period, at);
            let want = text::sla(&style(None), &content::sla_digest(&whole, occasion.period, o, chrono_tz::UTC, CHART_DAYS));
            let got = digests.render(&s, &occasion, at).await.unwrap();
            assert_eq!((&got[0].text, &got[0].card), (&want.text, &want.card), "swept, {:?}", db.backend);
        }
        // The daily health pass reads the same facts and window events
        // (`Store::health_tickets`): each account's snapshot is its health from whole logs.
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(now));
        let engine = crate::engine::Engine::new(store.clone(), settings.clone(), clock);
        for at in [now, now - Duration::days(3)] {
            assert_eq!(engine.snapshot_health(at).await.unwrap(), accounts().len());
            for a in accounts() {
                let saved = store.health_on_or_before(&a.id, at.date_naive()).await.unwrap().map(|(_, h)| h);
                let whole = engine.account_health(&a, at).await.unwrap().0;
                assert_eq!(saved, Some(whole), "{} at {at} on {:?}", a.id, db.backend);
            }
        }
        db.cleanup().await;
    }
}
