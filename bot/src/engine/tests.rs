//! The rules driven directly, on SQLite and PostgreSQL.

use baton_chat::*;
use chrono::Duration;

use super::test_world::*;
use super::*;
use crate::testing::TestDb;

const ACME: &str = "shell:acme";

/// Dana (an agent, also on Slack) and Lee (a lead); Acme, Globex (auto-intake, staff open
/// tickets) and Initech, each on its own shell channel. Anyone may open tickets in Acme.
async fn world(db: TestDb) -> World {
    let mut dana = person("dana", "Dana", Role::Agent);
    dana.handles.insert(Platform::Slack, UserId::parse("UDANA").unwrap());
    let lee = person("lee", "Lee", Role::Lead);
    let accounts = [
        account("acme", "acme", "enterprise", "ACME", &[ACME]),
        account("globex", "globex", "enterprise", "GLX", &["shell:globex"]),
        account("initech", "initech", "enterprise", "INI", &["shell:initech"]),
    ];
    let mut settings = Settings::from_config(&Config::default());
    settings.reopen_window = Duration::days(1);
    settings.channels.insert(
        ch("shell:globex"),
        ChannelSettings { auto_intake: true, who_may_open: WhoMayOpen::Staff, lang: None, private_threads: false },
    );
    settings.channels.insert(ch(ACME), ChannelSettings { auto_intake: false, who_may_open: WhoMayOpen::Anyone, lang: None, private_threads: false });
    settings.close_after = Duration::days(3);
    settings.pending_reminder_after = Duration::days(2);
    settings.pending_solve_after = Duration::days(5);
    World::new(db, &[dana, lee], &accounts, settings).await
}

impl World {
    /// Every message queued so far: its text, then the text of any attached files.
    async fn posted(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in self.outbox().await {
            out.push(r.message.text);
            for a in r.message.attachments {
                out.push(String::from_utf8(a.bytes).unwrap());
            }
        }
        out
    }
}

async fn worlds() -> Vec<World> {
    World::each(world).await
}

#[tokio::test]
async fn reaction_opens_once_and_first_response_uses_message_time() {
    for mut w in worlds().await {
        w.open_from(ACME, "m1", "wile", "Checkout fails with 500").await;
        // A second reaction and a retried event: still one ticket.
        w.send(reaction(ACME, "m1", "🎫", author("lee"), "wile", "Checkout fails with 500", t0() + Duration::minutes(2))).await;
        let all = w.store().tickets(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1);
        let t = w.ticket("ACME-1").await;
        assert_eq!(t.title.as_str(), "Checkout fails with 500");
        assert_eq!(t.requester.user.as_str(), "wile");
        assert_eq!(t.account.as_ref().unwrap().as_str(), "acme");
        assert_eq!(t.origin.thread.as_ref().unwrap().as_str(), "m1");
        // Agent replies 7 min 13 s after the customer's message; arrival time is irrelevant.
        w.say(ACME, "m2", Some("m1"), "wile", "It's all customers", t0() + Duration::minutes(3)).await;
        w.say(ACME, "m3", Some("m1"), "dana", "On it", t0() + Duration::seconds(433)).await;
        let events = w.store().events(t.id).await.unwrap();
        let opened = events.iter().find(|e| e.kind.name() == "opened").unwrap().occurred_at;
        let first_agent = events.iter().find(|e| e.kind.name() == "agent_message").unwrap().occurred_at;
        assert_eq!((first_agent - opened).num_seconds(), 433);
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Open);
        assert_eq!(w.kinds("ACME-1").await, ["opened", "customer_message", "agent_message", "status_changed"]);
        let posted = w.posted().await;
        assert_eq!(posted.iter().filter(|p| p.starts_with("Ticket ACME-1")).count(), 1, "{posted:?}");
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn platform_staff_are_agents_even_when_not_listed() {
    for mut w in worlds().await {
        w.open_from(ACME, "m1", "wile", "Checkout fails with 500").await;
        let staff = |name: &str| Author { staff: true, ..author(name) };
        // Someone the people list does not know, without a staff role: a customer.
        let msg = |id: &str, who: Author, at| message(ACME, id, Some("m1"), who, "hello", at);
        w.send(msg("m2", author("rolf"), t0() + Duration::minutes(2))).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::New, "not a response");
        // The same unknown person with a staff role: an agent, whose message is the response.
        w.send(msg("m3", staff("rolf"), t0() + Duration::minutes(4))).await;
        // A guest from another organisation stays a customer whatever the platform says.
        w.send(msg("m4", Author { external: true, ..staff("gus") }, t0() + Duration::minutes(5))).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Open);
        assert_eq!(
            w.kinds("ACME-1").await,
            ["opened", "customer_message", "agent_message", "status_changed", "customer_message"]
        );
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn every_intake_path_opens_a_ticket() {
    for mut w in worlds().await {
        // Slash command with a priority option.
        w.command(ACME, None, "dana", "open -p high VPN drops every hour", t0()).await;
        let t = w.ticket("ACME-1").await;
        assert_eq!((t.priority, t.title.as_str()), (Priority::High, "VPN drops every hour"));
        // Auto-intake: a customer's top-level message in globex; staff messages don't.
        w.say("shell:globex", "g1", None, "hank", "Invoices are wrong\nmore details", t0()).await;
        w.say("shell:globex", "g2", None, "dana", "FYI maintenance tonight", t0()).await;
        assert_eq!(w.ticket("GLX-1").await.title.as_str(), "Invoices are wrong");
        assert!(w.store().ticket_by_key(&TicketKey::parse("GLX-2").unwrap()).await.unwrap().is_none());
        // Panel form (a submitted modal) by a customer, allowed in acme.
        let fields = [("title".to_string(), "Need SSO help".to_string()), ("priority".to_string(), "low".to_string())].into();
        w.send(Inbound::Action(ActionInvoked { fields, ..action(ACME, None, author("wile"), "ticket.open", None, t0()) })).await;
        let t = w.ticket("ACME-2").await;
        assert_eq!((t.priority, t.requester.user.as_str()), (Priority::Low, "wile"));
        // Message shortcut "Open ticket" on a customer's message, twice: one ticket.
        for _ in 0..2 {
            w.send(shortcut(ACME, "m9", author("dana"), author("wile"), "Webhooks arrive twice", t0() + Duration::minutes(1))).await;
        }
        let t = w.ticket("ACME-3").await;
        assert_eq!((t.title.as_str(), t.opened_at), ("Webhooks arrive twice", t0()));
        assert!(w.store().ticket_by_key(&TicketKey::parse("ACME-4").unwrap()).await.unwrap().is_none());
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn lifecycle_pending_reopen_and_follow_up() {
    for mut w in worlds().await {
        w.say(ACME, "m1", None, "wile", "Export is slow", t0()).await;
        w.send(reaction(ACME, "m1", "ticket", author("dana"), "wile", "Export is slow", t0())).await;
        w.command(ACME, Some("m1"), "dana", "pending", t0() + Duration::minutes(5)).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::PendingOnCustomer);
        w.say(ACME, "m2", Some("m1"), "wile", "Here is the file", t0() + Duration::minutes(30)).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Open, "a customer reply ends pending");
        w.command(ACME, Some("m1"), "dana", "solve", t0() + Duration::hours(1)).await;
        // Within the 1-day window: reopened, and the reopen is recorded.
        w.say(ACME, "m3", Some("m1"), "wile", "Slow again", t0() + Duration::hours(5)).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Open);
        assert!(w.kinds("ACME-1").await.contains(&"reopened"));
        assert!(w.posted().await.iter().any(|p| p == "ACME-1 was reopened because the customer replied."));
        // Solved again, and the customer writes after the window: a new linked ticket.
        w.command(ACME, Some("m1"), "dana", "solve", t0() + Duration::hours(6)).await;
        w.say(ACME, "m4", Some("m1"), "wile", "New problem", t0() + Duration::days(3)).await;
        let old = w.ticket("ACME-1").await;
        assert_eq!(old.status, TicketStatus::Solved);
        let new = w.ticket("ACME-2").await;
        assert_eq!(new.follow_up_of, Some(old.id));
        assert_eq!(new.status, TicketStatus::New);
        assert!(w.kinds("ACME-1").await.contains(&"follow_up_opened"));
        assert!(w.posted().await.iter().any(|p| p.contains("so I opened ACME-2 to follow up")));
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn customers_cannot_change_tickets_and_bad_input_changes_nothing() {
    for mut w in worlds().await {
        w.say(ACME, "m1", None, "wile", "Broken", t0()).await;
        w.send(reaction(ACME, "m1", "ticket", author("dana"), "wile", "Broken", t0())).await;
        let before = w.ticket("ACME-1").await;
        w.command(ACME, Some("m1"), "wile", "solve", t0()).await;
        w.command(ACME, Some("m1"), "wile", "priority urgent", t0()).await;
        w.send(reaction(ACME, "m1", "white_check_mark", author("wile"), "wile", "Broken", t0())).await;
        w.command(ACME, Some("m1"), "dana", "priority asap", t0()).await;
        w.command(ACME, Some("m1"), "dana", "assign @ghost", t0()).await;
        w.command(ACME, None, "dana", "claim", t0()).await;
        let after = w.ticket("ACME-1").await;
        assert_eq!((after.status, after.priority, after.version), (before.status, before.priority, before.version));
        let posted = w.posted().await;
        for expected in [
            "Only the support team can do that. Your message is in the ticket, and an agent will follow up.",
            "“asap” is not a priority. Use one of: low, normal, high, urgent.",
            "I don’t know anyone called “@ghost”. Use their chat mention or their baton id.",
            "Which ticket? Run this in the ticket’s thread or give its key, e.g. /ticket claim ACME-42.",
        ] {
            assert!(posted.iter().any(|p| p == expected), "missing {expected:?} in {posted:?}");
        }
        // Staff can, by emoji on the root message and by key from anywhere.
        w.send(reaction(ACME, "m1", "eyes", author("dana"), "wile", "Broken", t0())).await;
        assert_eq!(w.ticket("ACME-1").await.assignee.unwrap().as_str(), "dana");
        w.command(ACME, None, "lee", "assign ACME-1 <@dana>", t0()).await;
        w.command(ACME, None, "lee", "priority ACME-1 urgent", t0()).await;
        assert_eq!(w.ticket("ACME-1").await.priority, Priority::Urgent);
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn tags_rank_by_distinct_accounts() {
    for mut w in worlds().await {
        for (ch, id) in [("acme", "a1"), ("acme", "a2"), ("globex", "g1"), ("initech", "i1")] {
            w.command(&format!("shell:{ch}"), None, "dana", &format!("open Problem {id}"), t0()).await;
        }
        w.command(ACME, None, "dana", "tag ACME-1 +bug:sso-loop", t0()).await;
        w.command(ACME, None, "dana", "tag ACME-2 +bug:sso-loop +feature:dark-mode", t0()).await;
        w.command(ACME, None, "dana", "tag GLX-1 +bug:sso-loop", t0()).await;
        w.command(ACME, None, "dana", "tag INI-1 +bug:export", t0()).await;
        w.command(ACME, None, "dana", "tags top bug", t0()).await;
        let posted = w.posted().await;
        let top = posted.iter().find(|p| p.starts_with("Tags by accounts affected")).expect("tags top reply");
        assert_eq!(top, "Tags by accounts affected\nbug:sso-loop: 2 accounts\nbug:export: 1 account");
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn csat_is_asked_once_recorded_and_changeable_until_close() {
    for mut w in worlds().await {
        w.say(ACME, "m1", None, "wile", "Report is empty", t0()).await;
        w.send(reaction(ACME, "m1", "ticket", author("dana"), "wile", "Report is empty", t0())).await;
        w.say(ACME, "m2", Some("m1"), "dana", "Fixed the filter", t0() + Duration::minutes(10)).await;
        w.command(ACME, Some("m1"), "dana", "solve", t0() + Duration::minutes(11)).await;
        let posted = w.posted().await;
        assert!(posted.iter().any(|p| p == "How did we do on ACME-1? Rate us from 1 (poor) to 5 (great)."), "{posted:?}");
        // Someone else cannot rate; the requester can, by button or command, and change it.
        w.command(ACME, Some("m1"), "dana", "rate 5", t0()).await;
        let rate = action(ACME, Some("m1"), author("wile"), "csat.rate", Some("ACME-1:2".into()), t0() + Duration::minutes(12));
        w.send(Inbound::Action(rate)).await;
        w.command(ACME, Some("m1"), "wile", "rate 4 quick fix", t0() + Duration::minutes(13)).await;
        let t = w.ticket("ACME-1").await;
        let ratings: Vec<(u8, Option<String>)> = w
            .store()
            .events(t.id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::CsatReceived { rating, comment } => Some((rating.value(), comment)),
                _ => None,
            })
            .collect();
        assert_eq!(ratings, [(2, None), (4, Some("quick fix".into()))], "the latest rating counts");
        let posted = w.posted().await;
        assert!(posted.iter().any(|p| p == "Only the person who asked can rate this ticket."));
        assert!(posted.iter().any(|p| p == "Thank you! You rated ACME-1 2/5."));
        assert!(posted.iter().any(|p| p == "Thanks, your rating for ACME-1 is now 4/5."));
        // Closing posts the transcript and freezes the rating.
        w.command(ACME, Some("m1"), "dana", "close", t0() + Duration::hours(1)).await;
        w.command(ACME, Some("m1"), "wile", "rate 1", t0() + Duration::hours(2)).await;
        let posted = w.posted().await;
        let transcript = posted.iter().find(|p| p.starts_with("Transcript of ACME-1:")).expect("transcript");
        assert_eq!(
            transcript,
            "Transcript of ACME-1: Report is empty\n\
             [Nov 23, 2026, 9:00 AM UTC] wile: Report is empty\n\
             [Nov 23, 2026, 9:10 AM UTC] Dana: Fixed the filter\n"
        );
        assert!(posted.iter().any(|p| p == "Transcript of ACME-1 (2 messages) attached."));
        let files: Vec<String> = w
            .store()
            .outbox(false, 1000)
            .await
            .unwrap()
            .into_iter()
            .flat_map(|r| r.message.attachments)
            .map(|a| format!("{} {}", a.filename, a.content_type))
            .collect();
        assert_eq!(files, ["ACME-1-transcript.txt text/plain; charset=utf-8"]);
        assert!(posted.iter().any(|p| p == "ACME-1 is closed, so its rating can no longer change."));
        // A second ticket by the same requester within the cooldown is not surveyed.
        w.say(ACME, "m5", None, "wile", "Another thing", t0() + Duration::hours(3)).await;
        w.send(reaction(ACME, "m5", "ticket", author("dana"), "wile", "Another thing", t0() + Duration::hours(3))).await;
        w.command(ACME, Some("m5"), "dana", "solve", t0() + Duration::hours(4)).await;
        let asks = w.posted().await.iter().filter(|p| p.starts_with("How did we do")).count();
        assert_eq!(asks, 1, "cooldown: one survey per requester per period");
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn panel_and_close_requests() {
    for mut w in worlds().await {
        w.command(ACME, None, "wile", "panel", t0()).await;
        w.command(ACME, None, "dana", "panel", t0()).await;
        let rows = w.store().outbox(false, 100).await.unwrap();
        let panel = rows.iter().find_map(|r| r.message.card.clone().filter(|c| c.title == "Need help?")).expect("panel");
        let form = panel.buttons[0].form.clone().expect("the button opens a form");
        assert_eq!(form.submit_action, "ticket.open");
        assert_eq!(form.fields.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["title", "description", "priority"]);
        assert_eq!(form.fields[2].options.len(), 4);
        assert!(w.posted().await.iter().any(|p| p.starts_with("Only the support team")), "customers can't post panels");

        w.say(ACME, "m1", None, "wile", "Can't export", t0()).await;
        w.send(reaction(ACME, "m1", "ticket", author("dana"), "wile", "Can't export", t0())).await;
        w.command(ACME, Some("m1"), "dana", "ask-close", t0() + Duration::minutes(1)).await;
        assert!(w.posted().await.iter().any(|p| p.starts_with("Is ACME-1 solved for you?")));
        let click = |who: &str, id: &str| {
            Inbound::Action(action(ACME, Some("m1"), author(who), id, Some("ACME-1".into()), t0() + Duration::minutes(2)))
        };
        w.send(click("hank", "ticket.close_confirm")).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::New, "only the requester answers");
        w.send(click("wile", "ticket.close_decline")).await;
        assert!(w.posted().await.iter().any(|p| p == "The customer still needs help with ACME-1, so it stays open."));
        w.send(click("wile", "ticket.close_confirm")).await;
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Solved);
        assert_eq!(
            w.kinds("ACME-1").await,
            ["opened", "close_requested", "close_declined", "status_changed", "csat_requested"]
        );
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn timers_remind_solve_and_close_once() {
    for mut w in worlds().await {
        w.say(ACME, "m1", None, "wile", "Where is my invoice?", t0()).await;
        w.send(reaction(ACME, "m1", "ticket", author("dana"), "wile", "Where is my invoice?", t0())).await;
        w.command(ACME, Some("m1"), "dana", "pending", t0()).await;
        w.clock.set(t0() + Duration::days(1));
        assert_eq!(w.engine.tick().await.unwrap(), 0, "nothing due after a day");
        w.clock.set(t0() + Duration::days(2) + Duration::hours(1));
        assert_eq!(w.engine.tick().await.unwrap(), 1);
        assert_eq!(w.engine.tick().await.unwrap(), 0, "the reminder is sent once, also across restarts");
        let posted = w.posted().await;
        assert_eq!(
            posted.iter().filter(|p| p.starts_with("ACME-1 is waiting for your answer")).collect::<Vec<_>>(),
            ["ACME-1 is waiting for your answer. If we don’t hear from you, it will be marked solved in 3 days."]
        );
        w.clock.set(t0() + Duration::days(5));
        assert_eq!(w.engine.tick().await.unwrap(), 1);
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Solved);
        // Three days after solving, it closes and the transcript is posted.
        w.clock.set(t0() + Duration::days(8) - Duration::minutes(1));
        assert_eq!(w.engine.tick().await.unwrap(), 0);
        w.clock.set(t0() + Duration::days(8));
        assert_eq!(w.engine.tick().await.unwrap(), 1);
        assert_eq!(w.ticket("ACME-1").await.status, TicketStatus::Closed);
        assert_eq!(w.engine.tick().await.unwrap(), 0);
        let posted = w.posted().await;
        assert!(posted.iter().any(|p| p == "ACME-1 was marked solved because we didn’t hear back. Reply here to reopen it."));
        assert_eq!(posted.iter().filter(|p| p.starts_with("Transcript of ACME-1:")).count(), 1);
        w.db.cleanup().await;
    }
}
