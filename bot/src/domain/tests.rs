use super::*;

fn err_text<T: std::fmt::Debug>(r: Result<T, DomainError>) -> String {
    r.expect_err("should be rejected").to_string()
}

#[test]
fn ids_are_slugs() {
    assert_eq!(AccountId::parse("acme-corp").unwrap().as_str(), "acme-corp");
    assert!(err_text(AccountId::parse("Acme Corp")).contains("not a valid account id"));
    assert!(err_text(PersonId::parse("")).contains("person id"));
    assert!(PersonId::parse("-dana").is_err());
    assert!(PersonId::parse(&"a".repeat(65)).is_err());
    assert!(Tier::parse("Enterprise").is_err());
    assert!(SignalName::parse("usage trend").is_err());
}

#[test]
fn ticket_keys_parse_and_print() {
    let k = TicketKey::parse("acme-42").unwrap();
    assert_eq!(k.to_string(), "ACME-42");
    assert_eq!(k.number(), 42);
    for bad in ["ACME", "ACME-", "-42", "ACME-0", "ACME-4x", "1AB-2", "ACME-99999999999"] {
        assert!(err_text(TicketKey::parse(bad)).contains("not a ticket key"), "{bad}");
    }
    assert!(err_text(KeyPrefix::parse("acme")).contains("uppercase"));
}

#[test]
fn names_and_titles() {
    assert_eq!(Name::parse("  Acme Corp ").unwrap().as_str(), "Acme Corp");
    assert_eq!(err_text(Name::parse("   ")), "the name must not be blank");
    assert!(err_text(Title::parse(&"x".repeat(151))).contains("longer than 150"));
    assert!(err_text(Title::parse("a\u{7}b")).contains("control"));
    let long = "å".repeat(400);
    let t = Title::from_message(&format!("\n\n{long}\nsecond line")).unwrap();
    assert_eq!(t.as_str().chars().count(), Title::MAX_CHARS);
    assert!(t.as_str().ends_with('…'));
    assert_eq!(Title::from_message("  \n \t").map(|t| t.to_string()), None);
    assert_eq!(Title::from_message("Login broken\nsince 9am").unwrap().as_str(), "Login broken");
}

#[test]
fn emails_tags_currency_locale() {
    assert!(Email::parse("dana@example.com").is_ok());
    for bad in ["dana", "dana@", "@x.com", "da na@x.com", "a@b", "a@b@c.com", "a@.com"] {
        assert!(err_text(Email::parse(bad)).contains("not an e-mail"), "{bad}");
    }
    assert_eq!(Tag::parse("Bug:Login Loop").unwrap().as_str(), "bug:login-loop");
    assert_eq!(Tag::parse("bug:login").unwrap().namespace(), Some("bug"));
    assert_eq!(Tag::parse("ระบบล่ม").unwrap().as_str(), "ระบบล่ม");
    assert!(err_text(Tag::parse("what?")).contains("not a valid tag"));
    assert!(Tag::parse(":x").is_err());
    assert_eq!(Currency::parse("sek").unwrap().as_str(), "SEK");
    assert!(err_text(Currency::parse("KRONA")).contains("ISO 4217"));
    assert!(Locale::parse("sv_SE").is_ok());
    assert!(err_text(Locale::parse("not a locale!")).contains("language tag"));
    assert!(matches!(Arr::from_signed(-5, Currency::USD), Err(DomainError::NegativeArr(-5))));
}

#[test]
fn enums_parse_with_clear_errors() {
    assert_eq!("URGENT".parse::<Priority>().unwrap(), Priority::Urgent);
    let e = err_text("asap".parse::<Priority>());
    assert!(e.contains("`asap` is not a priority") && e.contains("urgent"), "{e}");
    assert_eq!("pending".parse::<TicketStatus>().unwrap(), TicketStatus::PendingOnCustomer);
    assert_eq!("on-hold".parse::<TicketStatus>().unwrap(), TicketStatus::OnHold);
    assert!(err_text("boss".parse::<Role>()).contains("not a role"));
    assert!(Role::Agent.is_staff() && !Role::Customer.is_staff());
    assert!(Rating::new(0).is_err() && Rating::new(6).is_err() && Rating::new(5).is_ok());
}

#[test]
fn status_transitions() {
    use TicketStatus::*;
    assert!(New.check_transition(Open).is_ok());
    assert!(Solved.check_transition(Open).is_ok());
    assert!(Open.check_transition(New).is_err());
    assert!(Closed.check_transition(Open).is_err());
    assert_eq!(
        err_text(Open.check_transition(Open)),
        "a ticket cannot go from open to open"
    );
}

#[test]
fn accounts_refuse_a_channel_twice() {
    let c = ChannelRef::parse("slack:C1").unwrap();
    let a = Account::new(AccountId::parse("acme").unwrap(), Name::parse("Acme").unwrap(), Tier::parse("enterprise").unwrap());
    let e = a.with_channels([c.clone(), c]).unwrap_err();
    assert_eq!(e.to_string(), "channel slack:C1 is listed twice");
}

#[test]
fn event_kinds_round_trip_as_json() {
    let k = EventKind::CsatReceived { rating: Rating::new(4).unwrap(), comment: Some("quick".into()) };
    let j = serde_json::to_value(&k).unwrap();
    assert_eq!(j["type"], "csat_received");
    assert_eq!(serde_json::from_value::<EventKind>(j).unwrap(), k);
    let bad = serde_json::json!({"type": "csat_received", "rating": 9, "comment": null});
    assert!(serde_json::from_value::<EventKind>(bad).is_err());
}

proptest::proptest! {
    /// Arbitrary input never panics a parser; what parses prints back to something that
    /// parses to the same value.
    #[test]
    fn value_parsers_never_panic(s in "\\PC{0,80}") {
        if let Ok(k) = TicketKey::parse(&s) {
            proptest::prop_assert_eq!(TicketKey::parse(&k.to_string()).unwrap(), k);
        }
        if let Ok(t) = Tag::parse(&s) {
            proptest::prop_assert_eq!(Tag::parse(t.as_str()).unwrap(), t);
        }
        let _ = AccountId::parse(&s);
        let _ = Email::parse(&s);
        let _ = Locale::parse(&s);
        let _ = Currency::parse(&s);
        let _ = Name::parse(&s);
        let _ = s.parse::<Priority>();
        let _ = s.parse::<TicketStatus>();
        if let Some(t) = Title::from_message(&s) {
            proptest::prop_assert!(t.as_str().chars().count() <= Title::MAX_CHARS);
            proptest::prop_assert!(Title::parse(t.as_str()).is_ok());
        }
    }
}

/// An event kind from a small code: the kinds that move [`LogFacts`] and one that does not.
fn fact_kind(code: u8) -> EventKind {
    let message = MessageId::parse(format!("m{code}")).unwrap();
    match code % 5 {
        0 => EventKind::CustomerMessage { message, text: "help".into() },
        1 => EventKind::AgentMessage { message, text: "on it".into() },
        2 => EventKind::Escalated { level: u32::from(code % 3) + 1, reason: None },
        3 => EventKind::Deescalated { level: u32::from(code % 2) },
        _ => EventKind::Note { text: "internal".into() },
    }
}

#[test]
fn log_facts_count_unanswered_messages_and_follow_the_escalation_level() {
    let kinds: Vec<EventKind> = [0, 0, 1, 0, 7, 0, 4, 13].into_iter().map(fact_kind).collect();
    // customer, customer, agent, customer, escalated to 2, customer, note, de-escalated to 1.
    assert_eq!(LogFacts::default().after(&kinds), LogFacts { unanswered: 2, escalation_level: 1 });
    let change = LogFactsChange::of(&kinds[..3]);
    assert_eq!(change, LogFactsChange { answered: true, unanswered_added: 0, escalation_level: None });
    assert_eq!(change.apply(LogFacts { unanswered: 5, escalation_level: 3 }), LogFacts { unanswered: 0, escalation_level: 3 });
    // A note changes nothing; a customer message does.
    assert_eq!(LogFactsChange::of(&[fact_kind(4)]), LogFactsChange::default());
    assert_ne!(LogFactsChange::of(&[fact_kind(0)]), LogFactsChange::default());
}

proptest::proptest! {
    /// However a log is cut into appends, applying each append's change gives the facts of
    /// the whole log: what the store keeps on the row is what a fold of the log says.
    #[test]
    fn log_facts_kept_append_by_append_equal_the_whole_log(codes in proptest::collection::vec(0u8..40, 0..30), cuts in proptest::collection::vec(0usize..30, 0..6)) {
        let kinds: Vec<EventKind> = codes.into_iter().map(fact_kind).collect();
        let whole = LogFacts::default().after(&kinds);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(kinds.len())).collect();
        cuts.push(0);
        cuts.push(kinds.len());
        cuts.sort_unstable();
        let mut kept = LogFacts::default();
        for w in cuts.windows(2) {
            kept = LogFactsChange::of(&kinds[w[0]..w[1]]).apply(kept);
        }
        proptest::prop_assert_eq!(kept, whole);
    }
}
