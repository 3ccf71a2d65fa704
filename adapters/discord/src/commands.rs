//! The application commands baton registers (`/ticket` with its subcommands, and the
//! "Open ticket" message command), and the translation of an invoked `/ticket` into the
//! text form the core parses (`claim ACME-4`, `open --priority high Title`…).
//!
//! The translation always writes the subcommand's own word first, so no option value (a
//! title, a tag list) can turn into another subcommand.

use serenity::all::{CommandDataOption, CommandDataOptionValue};
use serde_json::{json, Value};

/// The chat-input command's name.
pub const TICKET: &str = "ticket";
/// The message command's name, as shown in the message context menu.
pub const OPEN_TICKET: &str = "Open ticket";
/// The action id the core expects from the "Open ticket" message command.
pub const OPEN_FROM_MESSAGE: &str = "ticket.open_from_message";

const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const STATUSES: [&str; 5] = ["open", "pending", "hold", "solved", "closed"];

fn choices(values: &[&str]) -> Value {
    Value::Array(values.iter().map(|v| json!({ "name": v, "value": v })).collect())
}

fn key_option() -> Value {
    json!({
        "type": 3, "name": "key", "required": false, "max_length": 40,
        "description": "Ticket key, e.g. ACME-42 (default: the ticket of this thread)"
    })
}

fn sub(name: &str, description: &str, mut options: Vec<Value>, with_key: bool) -> Value {
    if with_key {
        options.push(key_option());
    }
    json!({ "type": 1, "name": name, "description": description, "options": options })
}

/// The commands to register (a bulk overwrite: `PUT …/commands`). Guild-only; Discord shows
/// them to members who can use application commands in the channel.
pub fn definitions() -> Value {
    let string = |name: &str, description: &str, required: bool, max: u32| {
        json!({ "type": 3, "name": name, "description": description, "required": required, "max_length": max })
    };
    let subcommands = vec![
        sub(
            "open",
            "Open a ticket in this channel",
            vec![
                string("title", "What is the problem, in a few words?", true, 150),
                json!({ "type": 3, "name": "priority", "description": "Priority (default: normal)", "required": false, "choices": choices(&PRIORITIES) }),
            ],
            false,
        ),
        sub("show", "Show a ticket's card", vec![], true),
        sub("claim", "Assign a ticket to yourself", vec![], true),
        sub(
            "assign",
            "Assign a ticket to someone",
            vec![json!({ "type": 6, "name": "person", "description": "Who takes it", "required": true })],
            true,
        ),
        sub(
            "priority",
            "Set a ticket's priority",
            vec![json!({ "type": 3, "name": "level", "description": "New priority", "required": true, "choices": choices(&PRIORITIES) })],
            true,
        ),
        sub(
            "status",
            "Set a ticket's status",
            vec![json!({ "type": 3, "name": "status", "description": "New status", "required": true, "choices": choices(&STATUSES) })],
            true,
        ),
        sub("solve", "Mark a ticket solved", vec![], true),
        sub("tag", "Add or remove tags (+bug:login -old)", vec![string("tags", "Tags, e.g. +bug:login -old", true, 200)], true),
        sub(
            "tags",
            "Tags by the number of accounts they affect",
            vec![string("namespace", "Only this namespace, e.g. bug or feature", false, 40)],
            false,
        ),
        sub("transcript", "Post the ticket's conversation as a file", vec![], true),
        sub(
            "rate",
            "Rate how your ticket was handled",
            vec![
                json!({ "type": 4, "name": "rating", "description": "1 (bad) to 5 (great)", "required": true, "min_value": 1, "max_value": 5 }),
                string("comment", "Anything to add?", false, 500),
            ],
            true,
        ),
        sub("escalate", "Escalate a ticket", vec![string("reason", "Why", false, 500)], true),
        sub("deescalate", "Move a ticket back down one escalation level", vec![], true),
        sub("handoff", "Hand a ticket off to the account's CSM", vec![string("note", "Context for the CSM", false, 500)], true),
        sub("ack", "Acknowledge a handoff", vec![], true),
        sub("panel", "Post an \"Open ticket\" panel in this channel", vec![], false),
        sub("help", "What baton can do", vec![], false),
    ];
    json!([
        {
            "type": 1,
            "name": TICKET,
            "description": "Support tickets",
            "options": subcommands,
            "contexts": [0],
        },
        { "type": 3, "name": OPEN_TICKET, "description": "", "contexts": [0] },
    ])
}

/// One option value as command text: whitespace collapsed, users as mentions.
fn word(v: &CommandDataOptionValue) -> Option<String> {
    let s = match v {
        CommandDataOptionValue::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        CommandDataOptionValue::Integer(i) => i.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => b.to_string(),
        CommandDataOptionValue::User(u) => format!("<@{u}>"),
        CommandDataOptionValue::Role(r) => format!("<@&{r}>"),
        CommandDataOptionValue::Channel(c) => format!("<#{c}>"),
        CommandDataOptionValue::Mentionable(m) => format!("<@{m}>"),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// The text after `/ticket` for an invoked chat-input command: the subcommand, then the
/// ticket key if given, then the subcommand's arguments in the order the core reads them.
pub fn ticket_text(options: &[CommandDataOption]) -> String {
    let Some(first) = options.first() else { return String::new() };
    let CommandDataOptionValue::SubCommand(args) = &first.value else {
        // Not a subcommand (an older registration): pass the words on.
        return options.iter().filter_map(|o| word(&o.value)).collect::<Vec<_>>().join(" ");
    };
    let get = |name: &str| args.iter().find(|o| o.name == name).and_then(|o| word(&o.value));
    // A key is one word; anything after a space is not part of it.
    let key = get("key").and_then(|k| k.split_whitespace().next().map(str::to_string));
    let name = first.name.as_str();
    let mut out = vec![name.to_string()];
    match name {
        "open" => {
            if let Some(p) = get("priority") {
                out.extend(["--priority".to_string(), p]);
            }
            out.extend(get("title"));
        }
        "tags" => match get("namespace") {
            Some(ns) => out.extend(["top".to_string(), ns]),
            None => out.push("top".to_string()),
        },
        "panel" | "help" => {}
        _ => {
            out.extend(key);
            let args: &[&str] = match name {
                "assign" => &["person"],
                "priority" => &["level"],
                "status" => &["status"],
                "tag" => &["tags"],
                "rate" => &["rating", "comment"],
                "escalate" => &["reason"],
                "handoff" => &["note"],
                _ => &[],
            };
            out.extend(args.iter().filter_map(|a| get(a)));
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: Value) -> Vec<CommandDataOption> {
        serde_json::from_value(json).expect("options as Discord sends them")
    }

    #[test]
    fn subcommands_become_the_text_the_core_parses() {
        let cases = [
            (
                json!([{ "name": "open", "type": 1, "options": [
                    { "name": "title", "type": 3, "value": "Printer  on\nfire" },
                    { "name": "priority", "type": 3, "value": "high" } ] }]),
                "open --priority high Printer on fire",
            ),
            (json!([{ "name": "claim", "type": 1, "options": [{ "name": "key", "type": 3, "value": "ACME-4" }] }]), "claim ACME-4"),
            (json!([{ "name": "claim", "type": 1, "options": [] }]), "claim"),
            (
                json!([{ "name": "priority", "type": 1, "options": [
                    { "name": "level", "type": 3, "value": "urgent" }, { "name": "key", "type": 3, "value": "ACME-4 junk" } ] }]),
                "priority ACME-4 urgent",
            ),
            (
                json!([{ "name": "assign", "type": 1, "options": [{ "name": "person", "type": 6, "value": "80351110224678912" }] }]),
                "assign <@80351110224678912>",
            ),
            (
                json!([{ "name": "rate", "type": 1, "options": [
                    { "name": "rating", "type": 4, "value": 5 }, { "name": "comment", "type": 3, "value": "quick" } ] }]),
                "rate 5 quick",
            ),
            (json!([{ "name": "tags", "type": 1, "options": [{ "name": "namespace", "type": 3, "value": "bug" }] }]), "tags top bug"),
            (json!([{ "name": "tags", "type": 1, "options": [] }]), "tags top"),
            (json!([{ "name": "tag", "type": 1, "options": [{ "name": "tags", "type": 3, "value": "+bug:sso -old" }] }]), "tag +bug:sso -old"),
            (
                json!([{ "name": "escalate", "type": 1, "options": [{ "name": "reason", "type": 3, "value": "VIP down" }] }]),
                "escalate VIP down",
            ),
            (json!([{ "name": "status", "type": 1, "options": [{ "name": "status", "type": 3, "value": "pending" }] }]), "status pending"),
            (json!([{ "name": "panel", "type": 1, "options": [] }]), "panel"),
            (json!([]), ""),
        ];
        for (json, text) in cases {
            assert_eq!(ticket_text(&options(json.clone())), text, "{json}");
        }
    }

    #[test]
    fn a_title_cannot_become_another_subcommand() {
        let o = options(json!([{ "name": "open", "type": 1, "options": [{ "name": "title", "type": 3, "value": "claim ACME-1" }] }]));
        assert_eq!(ticket_text(&o), "open claim ACME-1");
    }

    #[test]
    fn definitions_fit_discord_limits() {
        let defs = definitions();
        let ticket = &defs[0];
        assert_eq!(ticket["name"], TICKET);
        let subs = ticket["options"].as_array().unwrap();
        assert!(subs.len() <= 25);
        for s in subs {
            let name = s["name"].as_str().unwrap();
            assert!(name.len() <= 32 && name.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_'), "{name}");
            assert!(s["description"].as_str().unwrap().chars().count() <= 100, "{name}");
            for o in s["options"].as_array().unwrap() {
                assert!(o["description"].as_str().unwrap().chars().count() <= 100, "{o}");
            }
            // Required options come first, as Discord demands.
            let req: Vec<bool> = s["options"].as_array().unwrap().iter().map(|o| o["required"] == true).collect();
            assert!(req.windows(2).all(|w| w[0] || !w[1]), "{name}: {req:?}");
        }
        for name in ["open", "claim", "assign", "priority", "status", "escalate", "deescalate", "handoff", "ack", "tags", "panel"] {
            assert!(subs.iter().any(|s| s["name"] == name), "{name}");
        }
        assert_eq!(defs[1]["type"], 3);
        assert_eq!(defs[1]["name"], OPEN_TICKET);
    }
}
