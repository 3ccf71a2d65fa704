//! The SLA digest's outlook from the SLA clocks: targets due to breach soon, and compliance
//! per policy and target kind for the digest's period.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::content::{DueSoon, History, Period, PolicyCompliance, SlaOutlook};
use super::SlaOutlookSource;
use crate::domain::SlaTarget;
use crate::metrics::Ratio;
use crate::sla::{self, ClockState, SlaRule};

/// Computes the outlook with the configured SLA rules.
#[derive(Clone, Debug)]
pub struct SlaClocksOutlook {
    pub rules: Vec<SlaRule>,
    /// How far ahead "due soon" looks.
    pub horizon: Duration,
}

impl SlaOutlookSource for SlaClocksOutlook {
    fn outlook(&self, h: &History, period: Period, now: DateTime<Utc>) -> Option<SlaOutlook> {
        if self.rules.is_empty() {
            return None;
        }
        let mut due_soon = Vec::new();
        let mut tallies: BTreeMap<(String, &'static str), (SlaTarget, u64, u64)> = BTreeMap::new();
        let tiers: BTreeMap<_, _> = h.accounts.iter().map(|a| (&a.id, &a.tier)).collect();
        for (t, events) in &h.tickets {
            let tier = t.account.as_ref().and_then(|a| tiers.get(a).copied());
            let Some(policy) = sla::select(&self.rules, tier, t.priority) else { continue };
            // Compliance counts clocks settled in the period, computed as of its end.
            let settled = sla::clocks(policy, t.opened_at, events, period.to.min(now));
            let c = sla::compliance(&settled, (period.from, period.to));
            for kind in [SlaTarget::FirstResponse, SlaTarget::NextResponse, SlaTarget::Resolution] {
                let tally = c.get(kind);
                if tally.due > 0 {
                    let e = tallies.entry((policy.name.clone(), kind.as_str())).or_insert((kind, 0, 0));
                    e.1 += tally.met;
                    e.2 += tally.due;
                }
            }
            if !t.status.is_active() {
                continue;
            }
            for clock in sla::clocks(policy, t.opened_at, events, now) {
                let Some(due) = clock.due_at else { continue };
                if clock.state == ClockState::Running && due > now && due <= now + self.horizon {
                    due_soon.push(DueSoon {
                        key: t.key.clone(),
                        title: t.title.to_string(),
                        target: clock.kind,
                        due,
                        owner: t.assignee.as_ref().map(|p| h.name_of(p)),
                    });
                }
            }
        }
        due_soon.sort_by(|a, b| (a.due, &a.key).cmp(&(b.due, &b.key)));
        let compliance = tallies
            .into_iter()
            .map(|((policy, _), (target, met, due))| PolicyCompliance {
                policy,
                target,
                met: Ratio { part: met as u32, whole: due as u32 },
            })
            .collect();
        Some(SlaOutlook { horizon: self.horizon, due_soon, compliance })
    }

    /// What [`sla::clocks`] reads.
    fn event_kinds(&self) -> Option<&'static [&'static str]> {
        Some(&["agent_message", "customer_message", "status_changed"])
    }

    fn next_check_cut(&self) -> Option<(String, Duration)> {
        Some((sla::rules_fingerprint(&self.rules), self.horizon))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use baton_chat::{ChannelRef, MessageId, Platform, UserId};
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn ticket(n: u32, opened: i64, status: TicketStatus) -> Ticket {
        Ticket {
            id: TicketId(i64::from(n)),
            key: TicketKey::new(KeyPrefix::parse("ACME").unwrap(), n),
            account: Some(AccountId::parse("acme").unwrap()),
            requester: Requester {
                platform: Platform::Shell,
                user: UserId::parse("wile").unwrap(),
                display_name: "wile".into(),
                person: None,
            },
            title: Title::parse("Broken").unwrap(),
            status,
            priority: Priority::Normal,
            assignee: Some(PersonId::parse("dana").unwrap()),
            tags: Default::default(),
            origin: Origin { channel: ChannelRef::parse("shell:acme").unwrap(), message: None, thread: None },
            card_message: None,
            opened_at: at(opened),
            created_at: at(opened),
            updated_at: at(opened),
            follow_up_of: None,
            version: 0,
        }
    }

    fn reply(id: i64, h: i64) -> TicketEvent {
        TicketEvent {
            id: 0,
            ticket: TicketId(id),
            kind: EventKind::AgentMessage { message: MessageId::parse(format!("a{h}")).unwrap(), text: "hi".into() },
            actor: Actor::System,
            occurred_at: at(h),
            recorded_at: at(h),
        }
    }

    #[test]
    fn due_soon_and_compliance_per_policy() {
        let mut policy = sla::SlaPolicy::new("enterprise", sla::Calendar::always());
        policy.first_response = Some(Duration::hours(4));
        let rules = vec![SlaRule { tiers: vec![], priorities: vec![], policy }];
        let acme = Account::new(AccountId::parse("acme").unwrap(), Name::parse("Acme").unwrap(), Tier::parse("enterprise").unwrap());
        let dana = Person::new(PersonId::parse("dana").unwrap(), Name::parse("Dana").unwrap(), Role::Agent);
        // ACME-1 opened 00:00, answered 02:00: met (settled 02:00).
        // ACME-2 opened 01:00, unanswered: due 05:00, breached at 05:00.
        // ACME-3 opened 08:00, unanswered: due 12:00, within 4 h of now (09:00).
        let h = History {
            accounts: vec![acme],
            people: vec![dana],
            tickets: vec![
                (ticket(1, 0, TicketStatus::Open), vec![reply(1, 2)]),
                (ticket(2, 1, TicketStatus::Open), vec![]),
                (ticket(3, 8, TicketStatus::New), vec![]),
            ],
        };
        let source = SlaClocksOutlook { rules, horizon: Duration::hours(4) };
        let o = source.outlook(&h, Period { from: at(0), to: at(9) }, at(9)).unwrap();
        assert_eq!(o.due_soon.len(), 1);
        assert_eq!((o.due_soon[0].key.to_string(), o.due_soon[0].due, o.due_soon[0].owner.as_deref()), ("ACME-3".into(), at(12), Some("Dana")));
        assert_eq!(o.compliance.len(), 1);
        let c = &o.compliance[0];
        assert_eq!((c.policy.as_str(), c.target, c.met), ("enterprise", SlaTarget::FirstResponse, Ratio { part: 1, whole: 2 }));
        assert_eq!(SlaClocksOutlook { rules: vec![], horizon: Duration::hours(1) }.outlook(&h, Period { from: at(0), to: at(9) }, at(9)), None);
    }
}
