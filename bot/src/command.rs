//! The neutral [`Command`]: every `/ticket` subcommand, button and emoji shortcut becomes one
//! of these, whatever platform it came from (mini-redis style: parse here, apply in the engine).

use crate::domain::{Priority, Rating, Tag, TicketKey, TicketStatus};

/// Something a person asked baton to do with a ticket.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open a ticket in the current channel. `title` `None` means "from the message" (shortcut).
    Open { title: Option<String>, priority: Option<Priority> },
    Show { key: Option<TicketKey> },
    Claim { key: Option<TicketKey> },
    Assign { key: Option<TicketKey>, to: String },
    SetPriority { key: Option<TicketKey>, priority: Priority },
    SetStatus { key: Option<TicketKey>, status: TicketStatus },
    Tag { key: Option<TicketKey>, add: Vec<Tag>, remove: Vec<Tag> },
    TagsTop { namespace: Option<String> },
    /// The requester's CSAT rating (1-5) with an optional comment.
    Rate { key: Option<TicketKey>, rating: Rating, comment: Option<String> },
    /// The conversation so far, as text.
    Transcript { key: Option<TicketKey> },
    /// Ask the requester to confirm the ticket can be closed.
    AskClose { key: Option<TicketKey> },
    /// The requester answers a close request.
    AnswerClose { key: Option<TicketKey>, confirmed: bool },
    /// Post the intake panel in this channel.
    Panel,
    /// Move the ticket up the escalation chain.
    Escalate { key: Option<TicketKey>, reason: Option<String> },
    /// Move it back down one level.
    Deescalate { key: Option<TicketKey> },
    /// Send the account's CSM the ticket's context.
    Handoff { key: Option<TicketKey>, note: Option<String> },
    /// A CSM acknowledges a handoff.
    Ack { key: Option<TicketKey> },
    Help,
}

impl Command {
    /// The subcommand's name, as typed, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Open { .. } => "open",
            Command::Show { .. } => "show",
            Command::Claim { .. } => "claim",
            Command::Assign { .. } => "assign",
            Command::SetPriority { .. } => "priority",
            Command::SetStatus { .. } => "status",
            Command::Tag { .. } => "tag",
            Command::TagsTop { .. } => "tags",
            Command::Rate { .. } => "rate",
            Command::Transcript { .. } => "transcript",
            Command::AskClose { .. } => "ask-close",
            Command::AnswerClose { .. } => "close",
            Command::Panel => "panel",
            Command::Escalate { .. } => "escalate",
            Command::Deescalate { .. } => "deescalate",
            Command::Handoff { .. } => "handoff",
            Command::Ack { .. } => "ack",
            Command::Help => "help",
        }
    }

    /// The ticket key given explicitly, if any.
    pub fn key(&self) -> Option<&TicketKey> {
        match self {
            Command::Show { key }
            | Command::Claim { key }
            | Command::Assign { key, .. }
            | Command::SetPriority { key, .. }
            | Command::SetStatus { key, .. }
            | Command::Tag { key, .. }
            | Command::Rate { key, .. }
            | Command::Transcript { key }
            | Command::AskClose { key }
            | Command::AnswerClose { key, .. }
            | Command::Escalate { key, .. }
            | Command::Deescalate { key }
            | Command::Handoff { key, .. }
            | Command::Ack { key } => key.as_ref(),
            _ => None,
        }
    }
}

/// Why a command could not be understood. Each becomes a message to the sender.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown subcommand `{0}`")]
    UnknownSubcommand(String),
    #[error("unknown priority `{0}`")]
    UnknownPriority(String),
    #[error("unknown status `{0}`")]
    UnknownStatus(String),
    #[error("`{0}` is not a ticket key")]
    BadKey(String),
    #[error("bad tag `{0}`")]
    BadTag(String),
    #[error("`/ticket {command}` needs {what}")]
    Missing { command: &'static str, what: &'static str },
    #[error("missing title")]
    MissingTitle,
    #[error("`{0}` is not a rating from 1 to 5")]
    BadRating(String),
}

const SUBCOMMANDS: &[&str] = &[
    "open", "new", "show", "claim", "assign", "priority", "status", "solve", "close", "reopen", "pending",
    "hold", "tag", "tags", "help", "rate", "transcript", "ask-close", "panel", "escalate", "deescalate", "handoff", "ack",
];

/// Parses the text after `/ticket`.
///
/// `/ticket` alone shows the ticket of the current thread; `/ticket Some title` (first word
/// not a subcommand) opens a ticket with that title.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        return Ok(Command::Show { key: None });
    };
    let sub = first.to_lowercase();
    if rest.is_empty() && looks_like_key(first) {
        // `/ticket ACME-42` shows that ticket.
        return take_key(&words).map(|(key, _)| Command::Show { key });
    }
    if !SUBCOMMANDS.contains(&sub.as_str()) {
        return parse_open(&words);
    }
    let (key, rest) = take_key(rest)?;
    let status = |status| Ok(Command::SetStatus { key: key.clone(), status });
    match sub.as_str() {
        "open" | "new" => parse_open(rest),
        "show" => Ok(Command::Show { key }),
        "claim" => Ok(Command::Claim { key }),
        "help" => Ok(Command::Help),
        "assign" => match rest {
            [] => Err(ParseError::Missing { command: "assign", what: "person" }),
            [who, ..] => Ok(Command::Assign { key, to: who.to_string() }),
        },
        "priority" => match rest {
            [] => Err(ParseError::Missing { command: "priority", what: "priority" }),
            [p, ..] => p
                .parse()
                .map(|priority| Command::SetPriority { key, priority })
                .map_err(|_| ParseError::UnknownPriority(p.to_string())),
        },
        "status" => match rest {
            [] => Err(ParseError::Missing { command: "status", what: "status" }),
            [s, ..] => match s.parse::<TicketStatus>() {
                Ok(TicketStatus::New) | Err(_) => Err(ParseError::UnknownStatus(s.to_string())),
                Ok(st) => status(st),
            },
        },
        "solve" => status(TicketStatus::Solved),
        "close" => status(TicketStatus::Closed),
        "reopen" => status(TicketStatus::Open),
        "pending" => status(TicketStatus::PendingOnCustomer),
        "hold" => status(TicketStatus::OnHold),
        "tag" => parse_tags(key, rest),
        "transcript" => Ok(Command::Transcript { key }),
        "ask-close" => Ok(Command::AskClose { key }),
        "panel" => Ok(Command::Panel),
        "escalate" => Ok(Command::Escalate { key, reason: (!rest.is_empty()).then(|| rest.join(" ")) }),
        "deescalate" => Ok(Command::Deescalate { key }),
        "handoff" => Ok(Command::Handoff { key, note: (!rest.is_empty()).then(|| rest.join(" ")) }),
        "ack" => Ok(Command::Ack { key }),
        "rate" => match rest {
            [] => Err(ParseError::Missing { command: "rate", what: "rating" }),
            [n, comment @ ..] => {
                let rating = n
                    .parse::<u8>()
                    .ok()
                    .and_then(|v| Rating::new(v).ok())
                    .ok_or_else(|| ParseError::BadRating(n.to_string()))?;
                let comment = (!comment.is_empty()).then(|| comment.join(" "));
                Ok(Command::Rate { key, rating, comment })
            }
        },
        "tags" => match (key, rest) {
            (None, [top, ns @ ..]) if top.eq_ignore_ascii_case("top") => {
                Ok(Command::TagsTop { namespace: ns.first().map(|s| s.trim_end_matches(':').to_lowercase()) })
            }
            (key, rest) => parse_tags(key, rest),
        },
        _ => Err(ParseError::UnknownSubcommand(sub)),
    }
}

/// A leading `ACME-42` is the ticket key; a leading word that looks like a key but is not
/// valid is an error, so `/ticket solve ACME-0` does not silently act on the thread.
fn take_key<'a, 'b>(rest: &'a [&'b str]) -> Result<(Option<TicketKey>, &'a [&'b str]), ParseError> {
    match rest.split_first() {
        Some((w, tail)) if looks_like_key(w) => match TicketKey::parse(w) {
            Ok(k) => Ok((Some(k), tail)),
            Err(_) => Err(ParseError::BadKey(w.to_string())),
        },
        _ => Ok((None, rest)),
    }
}

fn looks_like_key(w: &str) -> bool {
    match w.rsplit_once('-') {
        Some((p, n)) => {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_alphanumeric())
                && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && !n.is_empty()
                && n.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn parse_open(words: &[&str]) -> Result<Command, ParseError> {
    let mut priority = None;
    let mut title = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let value = if *w == "--priority" || *w == "-p" {
            Some(it.next().ok_or(ParseError::Missing { command: "open", what: "priority" })?.to_string())
        } else {
            w.strip_prefix("--priority=").or_else(|| w.strip_prefix("priority:")).map(str::to_string)
        };
        match value {
            Some(v) => priority = Some(v.parse().map_err(|_| ParseError::UnknownPriority(v.clone()))?),
            None => title.push(*w),
        }
    }
    if title.is_empty() {
        return Err(ParseError::MissingTitle);
    }
    Ok(Command::Open { title: Some(title.join(" ")), priority })
}

fn parse_tags(key: Option<TicketKey>, rest: &[&str]) -> Result<Command, ParseError> {
    if rest.is_empty() {
        return Err(ParseError::Missing { command: "tag", what: "tags" });
    }
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for w in rest {
        let (list, raw) = match w.strip_prefix('-') {
            Some(r) => (&mut remove, r),
            None => (&mut add, w.strip_prefix('+').unwrap_or(w)),
        };
        list.push(Tag::parse(raw).map_err(|_| ParseError::BadTag(w.to_string()))?);
    }
    Ok(Command::Tag { key, add, remove })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Option<TicketKey> {
        Some(TicketKey::parse(s).unwrap())
    }

    #[test]
    fn parses_subcommands() {
        assert_eq!(parse("").unwrap(), Command::Show { key: None });
        assert_eq!(parse("show acme-4").unwrap(), Command::Show { key: key("ACME-4") });
        assert_eq!(parse("ACME-4").unwrap(), Command::Show { key: key("ACME-4") });
        assert_eq!(
            parse("Login fails on SSO").unwrap(),
            Command::Open { title: Some("Login fails on SSO".into()), priority: None }
        );
        assert_eq!(
            parse("open -p urgent Site down").unwrap(),
            Command::Open { title: Some("Site down".into()), priority: Some(Priority::Urgent) }
        );
        assert_eq!(
            parse("open Site down --priority=high").unwrap(),
            Command::Open { title: Some("Site down".into()), priority: Some(Priority::High) }
        );
        assert_eq!(parse("assign ACME-2 @dana").unwrap(), Command::Assign { key: key("ACME-2"), to: "@dana".into() });
        assert_eq!(parse("priority high").unwrap(), Command::SetPriority { key: None, priority: Priority::High });
        assert_eq!(
            parse("status T-9 pending").unwrap(),
            Command::SetStatus { key: key("T-9"), status: TicketStatus::PendingOnCustomer }
        );
        assert_eq!(parse("solve").unwrap(), Command::SetStatus { key: None, status: TicketStatus::Solved });
        assert_eq!(parse("tags top bug").unwrap(), Command::TagsTop { namespace: Some("bug".into()) });
        assert_eq!(parse("tags top").unwrap(), Command::TagsTop { namespace: None });
        assert_eq!(
            parse("escalate ACME-42 customer blocked").unwrap(),
            Command::Escalate { key: key("ACME-42"), reason: Some("customer blocked".into()) }
        );
        assert_eq!(parse("escalate").unwrap(), Command::Escalate { key: None, reason: None });
        assert_eq!(parse("handoff renewal at risk").unwrap(), Command::Handoff { key: None, note: Some("renewal at risk".into()) });
        assert_eq!(parse("ack ACME-1").unwrap(), Command::Ack { key: key("ACME-1") });
        let Command::Tag { add, remove, .. } = parse("tag +bug:login -old feature:sso").unwrap() else { panic!() };
        assert_eq!(add.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["bug:login", "feature:sso"]);
        assert_eq!(remove[0].as_str(), "old");
    }

    proptest::proptest! {
        /// Whatever people type after `/ticket`, parsing answers (a command or a clear
        /// error) and never panics.
        #[test]
        fn parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn parsing_words_never_panics(words in proptest::collection::vec("[a-zA-Z0-9:+\\-@<>|_]{0,12}", 0..8)) {
            let _ = parse(&words.join(" "));
        }
    }

    #[test]
    fn rejects_bad_input_clearly() {
        assert_eq!(parse("priority asap"), Err(ParseError::UnknownPriority("asap".into())));
        assert_eq!(parse("open -p asap x"), Err(ParseError::UnknownPriority("asap".into())));
        assert_eq!(parse("status new"), Err(ParseError::UnknownStatus("new".into())));
        assert_eq!(parse("assign"), Err(ParseError::Missing { command: "assign", what: "person" }));
        assert_eq!(parse("solve ACME-0"), Err(ParseError::BadKey("ACME-0".into())));
        assert_eq!(parse("open --priority high"), Err(ParseError::MissingTitle));
        assert_eq!(parse("tag what?"), Err(ParseError::BadTag("what?".into())));
        assert_eq!(parse("rate 6"), Err(ParseError::BadRating("6".into())));
        assert_eq!(
            parse("rate ACME-1 4 quick and kind").unwrap(),
            Command::Rate { key: key("ACME-1"), rating: Rating::new(4).unwrap(), comment: Some("quick and kind".into()) }
        );
    }
}
