//! Discord's wire shapes as baton writes and reads them: snowflake times, component custom
//! ids, message payloads for cards (embeds and button rows), and modals for forms.
//!
//! Everything here is pure (no I/O), so the limits Discord enforces (2000 characters of
//! content, 256 of an embed title, 100 of a custom id, five buttons a row…) are unit-tested
//! rather than discovered as HTTP 400s in production.

use baton_chat::{Button, ButtonStyle, Card, Form, OutboundMessage};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// Milliseconds from the Unix epoch to Discord's (2015-01-01T00:00:00Z).
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Discord's limits on what a message, embed, component or modal may hold.
pub mod limits {
    pub const CONTENT: usize = 2000;
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const EMBED_FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
    pub const BUTTON_LABEL: usize = 80;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const ROWS: usize = 5;
    pub const CUSTOM_ID: usize = 100;
    pub const THREAD_NAME: usize = 100;
    pub const MODAL_TITLE: usize = 45;
    pub const MODAL_INPUTS: usize = 5;
    pub const INPUT_LABEL: usize = 45;
    pub const INPUT_PLACEHOLDER: usize = 100;
    pub const INPUT_MAX_LENGTH: u32 = 4000;
}

/// Message flag: only the interaction's user sees the message.
pub const EPHEMERAL: u64 = 1 << 6;

/// The creation time encoded in a snowflake id (message, interaction, user…).
pub fn snowflake_time(id: u64) -> Option<DateTime<Utc>> {
    let ms = (id >> 22).checked_add(DISCORD_EPOCH_MS)?;
    DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)
}

/// Parses a snowflake as Discord writes it (a decimal string); zero is not an id.
pub fn snowflake(s: &str) -> Option<u64> {
    match s.trim().parse::<u64>() {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

/// At most `max` characters of `s`; a cut is marked with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A thread name from a message: its first line, 1 to 100 characters.
pub fn thread_name(m: &OutboundMessage) -> String {
    let source = m.card.as_ref().map(|c| c.title.as_str()).unwrap_or(m.text.as_str());
    let line = source.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let name = clip(line, limits::THREAD_NAME);
    if name.is_empty() {
        "ticket".to_string()
    } else {
        name
    }
}

// ----- custom ids ------------------------------------------------------------------------

/// What a component's or modal's custom id says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomId {
    /// A button that reports a click.
    Button { action: String, value: Option<String> },
    /// A button that opens the form registered under `form`.
    FormButton { form: String, action: String, value: Option<String> },
    /// A submitted modal.
    Modal { action: String, value: Option<String> },
}

fn none_if_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn fits(id: String) -> Option<String> {
    (id.chars().count() <= limits::CUSTOM_ID).then_some(id)
}

impl CustomId {
    /// The custom id for a button: `b|ACTION|VALUE`, or `f|FORM|ACTION|VALUE` when it opens a
    /// form. `dup` numbers repeated buttons (Discord wants ids unique within a message).
    /// `None` when it does not fit Discord's 100 characters or the action id contains `|`.
    pub fn for_button(b: &Button, form: Option<&str>, dup: usize) -> Option<String> {
        if b.action_id.is_empty() || b.action_id.contains('|') {
            return None;
        }
        let value = b.value.as_deref().unwrap_or("");
        let tag = if dup == 0 { String::new() } else { dup.to_string() };
        fits(match form {
            Some(key) => format!("f{tag}|{key}|{}|{value}", b.action_id),
            None => format!("b{tag}|{}|{value}", b.action_id),
        })
    }

    /// The custom id of the modal a form opens: `m|SUBMIT_ACTION|VALUE`.
    pub fn for_modal(form: &Form, value: Option<&str>) -> Option<String> {
        if form.submit_action.is_empty() || form.submit_action.contains('|') {
            return None;
        }
        fits(format!("m|{}|{}", form.submit_action, value.unwrap_or("")))
    }

    /// Reads a custom id. Ids baton did not write are reported as a button whose action id is
    /// the whole custom id.
    pub fn parse(s: &str) -> CustomId {
        let foreign = || CustomId::Button { action: s.to_string(), value: None };
        let Some((head, rest)) = s.split_once('|') else { return foreign() };
        let numbered = |prefix: char| {
            head.strip_prefix(prefix).is_some_and(|n| n.is_empty() || n.chars().all(|c| c.is_ascii_digit()))
        };
        if numbered('b') {
            let (action, value) = rest.split_once('|').unwrap_or((rest, ""));
            if action.is_empty() {
                return foreign();
            }
            CustomId::Button { action: action.to_string(), value: none_if_empty(value) }
        } else if numbered('f') {
            let mut parts = rest.splitn(3, '|');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(form), Some(action), value) if !form.is_empty() && !action.is_empty() => CustomId::FormButton {
                    form: form.to_string(),
                    action: action.to_string(),
                    value: value.and_then(none_if_empty),
                },
                _ => foreign(),
            }
        } else if head == "m" {
            let (action, value) = rest.split_once('|').unwrap_or((rest, ""));
            if action.is_empty() {
                return foreign();
            }
            CustomId::Modal { action: action.to_string(), value: none_if_empty(value) }
        } else {
            foreign()
        }
    }
}

/// A stable key for a form (FNV-1a over its JSON): the same form rendered by another process
/// or after a restart gets the same key, so buttons posted long ago still find it.
pub fn form_key(form: &Form) -> String {
    let text = serde_json::to_string(form).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

// ----- messages --------------------------------------------------------------------------

/// The JSON body of a message create/edit (and of interaction follow-ups), plus the forms
/// its buttons open, which the adapter must remember to answer a click with a modal.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageBody {
    pub json: Value,
    pub forms: Vec<(String, Form)>,
}

fn button_style(s: ButtonStyle) -> u8 {
    match s {
        ButtonStyle::Primary => 1,
        ButtonStyle::Default => 2,
        ButtonStyle::Danger => 4,
    }
}

fn non_blank(s: String, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

/// Characters left for an embed (Discord caps the sum of its texts at 6000).
struct Budget(usize);

impl Budget {
    fn take(&mut self, s: &str, max: usize) -> String {
        let out = clip(s, max.min(self.0));
        self.0 = self.0.saturating_sub(out.chars().count());
        out
    }
}

/// An embed for a card, within Discord's per-field and 6000-character total limits.
pub fn embed(card: &Card) -> Value {
    let mut budget = Budget(limits::EMBED_TOTAL);
    let mut e = Map::new();
    e.insert("title".into(), Value::String(budget.take(&non_blank(card.title.clone(), "—"), limits::EMBED_TITLE)));
    if let Some(footer) = card.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        e.insert("footer".into(), json!({ "text": budget.take(footer, limits::FOOTER) }));
    }
    let mut fields = Vec::new();
    for (name, value) in card.fields.iter().take(limits::EMBED_FIELDS) {
        let (name, value) = (non_blank(name.clone(), "—"), non_blank(value.clone(), "—"));
        let needed = name.chars().count().min(limits::FIELD_NAME) + value.chars().count().min(limits::FIELD_VALUE);
        if needed > budget.0 {
            break;
        }
        let name = budget.take(&name, limits::FIELD_NAME);
        let value = budget.take(&value, limits::FIELD_VALUE);
        fields.push(json!({ "name": name, "value": value, "inline": true }));
    }
    if !fields.is_empty() {
        e.insert("fields".into(), Value::Array(fields));
    }
    if let Some(body) = card.body.as_deref().filter(|b| !b.trim().is_empty()) {
        if budget.0 > 1 {
            e.insert("description".into(), Value::String(budget.take(body, limits::EMBED_DESCRIPTION)));
        }
    }
    Value::Object(e)
}

/// Action rows of buttons (five a row, five rows). Buttons that cannot be encoded are left
/// out with a warning; the card still posts.
pub fn components(buttons: &[Button], forms: &mut Vec<(String, Form)>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for b in buttons {
        let key = b.form.as_ref().map(form_key);
        let mut dup = 0;
        let id = loop {
            match CustomId::for_button(b, key.as_deref(), dup) {
                Some(id) if seen.contains(&id) => dup += 1,
                other => break other,
            }
        };
        let Some(id) = id else {
            tracing::warn!(action_id = %b.action_id, "button left out: its action and value do not fit a Discord custom id");
            continue;
        };
        seen.insert(id.clone());
        if let (Some(key), Some(form)) = (key, &b.form) {
            forms.push((key, form.clone()));
        }
        out.push(json!({
            "type": 2,
            "style": button_style(b.style),
            "label": clip(&non_blank(b.label.clone(), "•"), limits::BUTTON_LABEL),
            "custom_id": id,
        }));
    }
    let max = limits::BUTTONS_PER_ROW * limits::ROWS;
    if out.len() > max {
        tracing::warn!(buttons = out.len(), "Discord shows at most 25 buttons; the rest are left out");
        out.truncate(max);
    }
    out.chunks(limits::BUTTONS_PER_ROW)
        .map(|row| json!({ "type": 1, "components": row }))
        .collect()
}

/// The body for posting (or, with `edit`, replacing) `m`. A card becomes an embed with
/// button rows and no content; plain text becomes content. Mentions never ping: customer
/// text could hold `@everyone`.
pub fn message_body(m: &OutboundMessage, edit: bool) -> MessageBody {
    let mut forms = Vec::new();
    let mut body = Map::new();
    match &m.card {
        Some(card) => {
            if edit {
                body.insert("content".into(), Value::String(String::new()));
            }
            body.insert("embeds".into(), json!([embed(card)]));
            body.insert("components".into(), Value::Array(components(&card.buttons, &mut forms)));
        }
        None => {
            body.insert("content".into(), Value::String(clip(&non_blank(m.text.clone(), "…"), limits::CONTENT)));
            if edit {
                body.insert("embeds".into(), json!([]));
                body.insert("components".into(), json!([]));
            }
        }
    }
    body.insert("allowed_mentions".into(), json!({ "parse": [] }));
    MessageBody { json: Value::Object(body), forms }
}

// ----- modals ----------------------------------------------------------------------------

/// The interaction response (type 9) that opens `form` as a modal; `None` when the form
/// cannot be shown (no fields, or ids too long).
pub fn modal_response(form: &Form, value: Option<&str>) -> Option<Value> {
    let custom_id = CustomId::for_modal(form, value)?;
    if form.fields.len() > limits::MODAL_INPUTS {
        tracing::warn!(form = %form.title, fields = form.fields.len(), "a Discord modal holds five fields; the rest are left out");
    }
    let mut rows = Vec::new();
    for f in form.fields.iter().take(limits::MODAL_INPUTS) {
        if f.id.is_empty() || f.id.chars().count() > limits::CUSTOM_ID {
            return None;
        }
        let label = non_blank(f.label.clone(), &f.id);
        let mut input = Map::new();
        input.insert("type".into(), json!(4));
        input.insert("custom_id".into(), json!(f.id));
        input.insert("label".into(), json!(clip(&label, limits::INPUT_LABEL)));
        input.insert("style".into(), json!(if f.multiline { 2 } else { 1 }));
        input.insert("required".into(), json!(f.required));
        let max = f.max_length.unwrap_or(limits::INPUT_MAX_LENGTH).clamp(1, limits::INPUT_MAX_LENGTH);
        if f.options.is_empty() {
            input.insert("max_length".into(), json!(max));
            if label.chars().count() > limits::INPUT_LABEL {
                // The whole question stays readable as the placeholder.
                input.insert("placeholder".into(), json!(clip(&label, limits::INPUT_PLACEHOLDER)));
            }
        } else {
            // Modals here hold text inputs only: a choice is typed, its values listed.
            let values: Vec<&str> = f.options.iter().map(|(v, _)| v.as_str()).collect();
            let longest = f.options.iter().map(|(v, l)| v.chars().count().max(l.chars().count())).max().unwrap_or(1);
            input.insert("max_length".into(), json!(u32::try_from(longest).unwrap_or(max).clamp(1, limits::INPUT_MAX_LENGTH)));
            input.insert("placeholder".into(), json!(clip(&values.join(" / "), limits::INPUT_PLACEHOLDER)));
        }
        rows.push(json!({ "type": 1, "components": [Value::Object(input)] }));
    }
    if rows.is_empty() {
        return None;
    }
    Some(json!({
        "type": 9,
        "data": {
            "custom_id": custom_id,
            "title": clip(&non_blank(form.title.clone(), "—"), limits::MODAL_TITLE),
            "components": rows,
        }
    }))
}

/// A typed answer to a choice field, as the option's value: matches values and labels
/// without regard to case; anything else is passed on for the core to refuse.
pub fn choice_value(form: Option<&Form>, field: &str, typed: &str) -> String {
    let typed = typed.trim();
    let options = form.and_then(|f| f.fields.iter().find(|x| x.id == field)).map(|f| f.options.as_slice());
    options
        .unwrap_or(&[])
        .iter()
        .find(|(v, l)| v.eq_ignore_ascii_case(typed) || l.to_lowercase() == typed.to_lowercase())
        .map(|(v, _)| v.clone())
        .unwrap_or_else(|| typed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_chat::{ChannelRef, Destination, FormField, Platform};

    fn button(action: &str, value: Option<&str>) -> Button {
        Button {
            action_id: action.into(),
            label: "Claim".into(),
            value: value.map(str::to_string),
            style: ButtonStyle::Primary,
            fallback_command: None,
            form: None,
        }
    }

    fn form() -> Form {
        let field = |id: &str, label: &str, options: Vec<(String, String)>| FormField {
            id: id.into(),
            label: label.into(),
            required: id == "title",
            multiline: id == "description",
            max_length: Some(if id == "description" { 3000 } else { 150 }),
            options,
        };
        Form {
            title: "Open a ticket".into(),
            submit_action: "ticket.open".into(),
            submit_label: "Open".into(),
            fields: vec![
                field("title", "What is the problem, in a few words?", vec![]),
                field("description", "Details (what you expected, what happened, since when)", vec![]),
                field(
                    "priority",
                    "How urgent?",
                    vec![("low".into(), "Low".into()), ("urgent".into(), "Urgent".into())],
                ),
            ],
        }
    }

    fn message(card: Option<Card>, text: &str) -> OutboundMessage {
        OutboundMessage {
            destination: Destination::Channel {
                channel: ChannelRef::new(Platform::Discord, baton_chat::ChannelId::parse("1").unwrap()),
            },
            text: text.into(),
            card,
            replaces: None,
            attachments: vec![],
            conversation: Default::default(),
        }
    }

    #[test]
    fn snowflakes_carry_their_time() {
        // Discord's documented example: 175928847299117063 is 2016-04-30 11:18:25.796 UTC.
        let t = snowflake_time(175_928_847_299_117_063).unwrap();
        assert_eq!(t.to_rfc3339(), "2016-04-30T11:18:25.796+00:00");
        assert_eq!(snowflake("0"), None);
        assert_eq!(snowflake("-3"), None);
        assert_eq!(snowflake("abc"), None);
        assert_eq!(snowflake("42"), Some(42));
    }

    #[test]
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip("héllo wörld", 5), "héll…");
        assert_eq!(clip("🎫🎫🎫", 2), "🎫…");
    }

    #[test]
    fn custom_ids_round_trip() {
        let b = button("ticket.claim", Some("ACME-4"));
        let id = CustomId::for_button(&b, None, 0).unwrap();
        assert_eq!(id, "b|ticket.claim|ACME-4");
        assert_eq!(CustomId::parse(&id), CustomId::Button { action: "ticket.claim".into(), value: Some("ACME-4".into()) });
        let id = CustomId::for_button(&button("csat.rate", Some("A-1:5")), None, 2).unwrap();
        assert_eq!(CustomId::parse(&id), CustomId::Button { action: "csat.rate".into(), value: Some("A-1:5".into()) });
        let id = CustomId::for_button(&button("ticket.panel", None), Some("00ff"), 0).unwrap();
        assert_eq!(
            CustomId::parse(&id),
            CustomId::FormButton { form: "00ff".into(), action: "ticket.panel".into(), value: None }
        );
        let id = CustomId::for_modal(&form(), Some("X|Y")).unwrap();
        assert_eq!(CustomId::parse(&id), CustomId::Modal { action: "ticket.open".into(), value: Some("X|Y".into()) });
        // Ids baton did not write, and hostile ones, never panic.
        for foreign in ["", "|", "b|", "f||", "m|", "zz|a|b", "plain", "b|a|b|c"] {
            let _ = CustomId::parse(foreign);
        }
        assert_eq!(CustomId::parse("plain"), CustomId::Button { action: "plain".into(), value: None });
        // Too long for Discord: refused, not truncated into another id.
        assert_eq!(CustomId::for_button(&button("a", Some(&"x".repeat(100))), None, 0), None);
        assert_eq!(CustomId::for_button(&button("a|b", None), None, 0), None);
    }

    #[test]
    fn form_keys_are_stable_and_distinct() {
        assert_eq!(form_key(&form()), form_key(&form()));
        let mut other = form();
        other.title = "Ouvrir un ticket".into();
        assert_ne!(form_key(&form()), form_key(&other));
        assert_eq!(form_key(&form()).len(), 16);
    }

    #[test]
    fn cards_become_embeds_with_button_rows() {
        let card = Card {
            title: "ACME-1: Login loops".into(),
            fields: vec![("Status".into(), "New".into()), ("Assignee".into(), "".into())],
            body: Some("x".repeat(5000)),
            buttons: (0..7).map(|i| button("ticket.claim", Some(&format!("A-{i}")))).collect(),
            footer: Some("Follow-up of ACME-0".into()),
        };
        let body = message_body(&message(Some(card), "fallback"), false).json;
        assert!(body.get("content").is_none(), "a card carries no content: {body}");
        let e = &body["embeds"][0];
        assert_eq!(e["title"], "ACME-1: Login loops");
        assert_eq!(e["fields"][1]["value"], "—", "Discord rejects empty field values");
        assert_eq!(e["description"].as_str().unwrap().chars().count(), limits::EMBED_DESCRIPTION);
        let rows = body["components"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["components"].as_array().unwrap().len(), 5);
        assert_eq!(rows[0]["components"][0]["custom_id"], "b|ticket.claim|A-0");
        assert_eq!(body["allowed_mentions"], json!({ "parse": [] }));
    }

    #[test]
    fn embeds_stay_within_the_total_limit() {
        let card = Card {
            title: "t".repeat(300),
            fields: (0..30).map(|i| (format!("f{i}"), "v".repeat(1100))).collect(),
            body: Some("b".repeat(5000)),
            buttons: vec![],
            footer: Some("z".repeat(3000)),
        };
        let e = embed(&card);
        let mut total = e["title"].as_str().unwrap().chars().count();
        total += e["footer"]["text"].as_str().unwrap().chars().count();
        total += e.get("description").and_then(Value::as_str).map_or(0, |d| d.chars().count());
        for f in e["fields"].as_array().unwrap() {
            total += f["name"].as_str().unwrap().chars().count() + f["value"].as_str().unwrap().chars().count();
        }
        assert!(total <= limits::EMBED_TOTAL, "{total}");
        assert!(e["fields"].as_array().unwrap().len() <= limits::EMBED_FIELDS);
    }

    #[test]
    fn duplicate_buttons_get_distinct_ids() {
        let mut forms = Vec::new();
        let rows = components(&[button("x", Some("1")), button("x", Some("1"))], &mut forms);
        let ids: Vec<&str> = rows[0]["components"].as_array().unwrap().iter().map(|b| b["custom_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["b|x|1", "b1|x|1"]);
    }

    #[test]
    fn plain_text_is_content_and_edits_clear_the_card() {
        let body = message_body(&message(None, &"y".repeat(2500)), true).json;
        assert_eq!(body["content"].as_str().unwrap().chars().count(), limits::CONTENT);
        assert_eq!(body["embeds"], json!([]));
        assert_eq!(body["components"], json!([]));
    }

    #[test]
    fn forms_become_modals_and_are_remembered() {
        let mut b = button("ticket.panel", None);
        b.form = Some(form());
        let card = Card { title: "Need help?".into(), fields: vec![], body: None, buttons: vec![b], footer: None };
        let body = message_body(&message(Some(card), "x"), false);
        assert_eq!(body.forms.len(), 1);
        let id = body.json["components"][0]["components"][0]["custom_id"].as_str().unwrap();
        let CustomId::FormButton { form: key, .. } = CustomId::parse(id) else { panic!("{id}") };
        assert_eq!(key, body.forms[0].0);

        let modal = modal_response(&form(), None).unwrap();
        assert_eq!(modal["type"], 9);
        assert_eq!(modal["data"]["custom_id"], "m|ticket.open|");
        let inputs: Vec<&Value> =
            modal["data"]["components"].as_array().unwrap().iter().map(|r| &r["components"][0]).collect();
        assert_eq!(inputs.len(), 3);
        assert_eq!(inputs[0]["style"], 1);
        assert_eq!(inputs[1]["style"], 2);
        assert!(inputs[1]["label"].as_str().unwrap().chars().count() <= limits::INPUT_LABEL);
        assert_eq!(inputs[1]["placeholder"], "Details (what you expected, what happened, since when)");
        assert_eq!(inputs[2]["placeholder"], "low / urgent");
        assert_eq!(inputs[2]["required"], false);
    }

    #[test]
    fn typed_choices_map_to_option_values() {
        let f = form();
        assert_eq!(choice_value(Some(&f), "priority", " URGENT "), "urgent");
        assert_eq!(choice_value(Some(&f), "priority", "Low"), "low");
        assert_eq!(choice_value(Some(&f), "priority", "asap"), "asap");
        assert_eq!(choice_value(None, "priority", "high"), "high");
    }

    #[test]
    fn thread_names_are_one_short_line() {
        let m = message(None, "\n  First line here\nsecond");
        assert_eq!(thread_name(&m), "First line here");
        assert_eq!(thread_name(&message(None, "   ")), "ticket");
        assert_eq!(thread_name(&message(None, &"n".repeat(300))).chars().count(), limits::THREAD_NAME);
    }
}
