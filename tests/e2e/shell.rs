//! The shell adapter end to end: scripts in, what the bot posts out, the database after.

use baton::domain::{EventKind, TicketKey, TicketStatus};
use baton::testing;

use crate::{run_script, write_config};

#[tokio::test]
async fn a_script_posts_a_message_and_the_bot_answers_in_its_thread() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let out = run_script(
            &config,
            "/at 2026-11-23T09:00:00Z\n\
             /as wile\n\
             Our SSO login loops forever since this morning\n\
             /as dana\n\
             /wait 2m\n\
             /react ticket m1\n\
             /thread m1\n\
             /wait 3m\n\
             Looking into it now\n",
        );
        // The message as posted, and the bot's card in its thread.
        assert!(out.contains("[#acme] m1 wile: Our SSO login loops forever since this morning"), "{out}");
        assert!(out.contains("[#acme › m1] m2 baton: ACME-1: Our SSO login loops forever since this morning"), "{out}");
        assert!(out.contains("Account: Acme Corp"), "{out}");
        assert!(out.contains("[#acme › m1] m3 dana: Looking into it now"), "{out}");

        // What the database holds afterwards.
        let t = db.store.ticket_by_key(&TicketKey::parse("ACME-1").unwrap()).await.unwrap().expect("ticket");
        assert_eq!(t.status, TicketStatus::Open, "the first agent reply opens the ticket");
        assert_eq!(t.requester.user.as_str(), "wile");
        assert!(t.card_message.is_some(), "the delivered card is remembered for updates");
        let events = db.store.events(t.id).await.unwrap();
        let opened = events.iter().find(|e| matches!(e.kind, EventKind::Opened { .. })).unwrap();
        let reply = events.iter().find(|e| matches!(e.kind, EventKind::AgentMessage { .. })).unwrap();
        // FRT from platform timestamps: customer message 09:00:00, agent reply 09:05:00.
        assert_eq!((reply.occurred_at - opened.occurred_at).num_seconds(), 300);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_commands_get_a_private_answer_and_change_nothing() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), &db.url);
        let out = run_script(
            &config,
            "/as dana\n\
             /ticket open --priority asap Printer on fire\n\
             /ticket claim\n\
             /ticket assign ACME-7 @nobody-here\n\
             /react\n\
             /react ticket\n",
        );
        assert!(out.contains("only dana sees] baton: “asap” is not a priority. Use one of: low, normal, high, urgent."), "{out}");
        assert!(out.contains("only dana sees] baton: Which ticket?"), "{out}");
        assert!(out.contains("There is no ticket ACME-7."), "{out}");
        assert!(out.contains("! usage: /react EMOJI [MESSAGE]"), "{out}");
        assert!(out.contains("! nothing to react to yet"), "{out}");
        let all = db.store.tickets(&Default::default()).await.unwrap();
        assert!(all.is_empty(), "no ticket was created: {all:?}");
        db.cleanup().await;
    }
}
