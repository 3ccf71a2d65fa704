//! Block Kit: cards as header, fields, body, buttons and footer blocks; forms as modals.
//!
//! Slack's limits are applied here (text lengths, ten fields per section, 25 buttons per
//! actions block, unique action ids), so a long title or many buttons never make a post
//! fail. Every message keeps a plain `text` for notifications and screen readers.
//!
//! A button that opens a form carries the form in its value (action id `form:<id>`), so a
//! click can open the modal without any state on baton's side; the modal's
//! `private_metadata` carries where the form came from, so its submission becomes an
//! [`ActionInvoked`](baton_chat::ActionInvoked) in the right channel and thread.

use std::collections::BTreeMap;

use baton_chat::{Button, ButtonStyle, Card, Form, OutboundMessage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::text::{escape_fit, fit};

/// Slack truncates message text beyond 40 000 characters; stay below.
pub const MAX_TEXT: usize = 39_000;
const MAX_HEADER: usize = 150;
const MAX_SECTION_TEXT: usize = 3000;
const MAX_FIELD_TEXT: usize = 2000;
const MAX_FIELDS_PER_SECTION: usize = 10;
const MAX_BUTTONS_PER_BLOCK: usize = 25;
const MAX_BUTTON_LABEL: usize = 75;
const MAX_BUTTON_VALUE: usize = 2000;
const MAX_ACTION_ID: usize = 255;
const MAX_BLOCKS: usize = 50;
const MAX_MODAL_TITLE: usize = 24;
const MAX_PRIVATE_METADATA: usize = 3000;
const MAX_OPTION_LABEL: usize = 75;
const MAX_OPTION_VALUE: usize = 150;
const MAX_OPTIONS: usize = 100;
const MAX_INPUT_LENGTH: u32 = 3000;

/// Prefix of the action id of a button that opens a form.
pub const FORM_PREFIX: &str = "form:";

/// The message's plain text (escaped, within Slack's limit) and its blocks, if it has a card.
pub fn render(m: &OutboundMessage) -> (String, Option<Value>) {
    let text = escape_fit(&m.text, MAX_TEXT);
    (text, m.card.as_ref().map(card_blocks))
}

/// A card as blocks.
pub fn card_blocks(card: &Card) -> Value {
    let mut blocks = Vec::new();
    if !card.title.trim().is_empty() {
        blocks.push(json!({ "type": "header", "text": { "type": "plain_text", "text": fit(&card.title, MAX_HEADER), "emoji": true } }));
    }
    for chunk in card.fields.chunks(MAX_FIELDS_PER_SECTION) {
        let fields: Vec<Value> = chunk
            .iter()
            .map(|(label, value)| {
                let label = escape_fit(label, 200);
                let value = if value.trim().is_empty() { "—".to_string() } else { value.clone() };
                let budget = MAX_FIELD_TEXT.saturating_sub(label.chars().count() + 3);
                json!({ "type": "mrkdwn", "text": format!("*{label}*\n{}", escape_fit(&value, budget)) })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    if let Some(body) = card.body.as_deref().filter(|b| !b.trim().is_empty()) {
        blocks.push(
            json!({ "type": "section", "text": { "type": "mrkdwn", "text": escape_fit(body, MAX_SECTION_TEXT) } }),
        );
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let buttons: Vec<Value> = card.buttons.iter().map(|b| button(b, &mut seen)).collect();
    for chunk in buttons.chunks(MAX_BUTTONS_PER_BLOCK) {
        blocks.push(json!({ "type": "actions", "elements": chunk }));
    }
    if let Some(footer) = card.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        blocks.push(json!({ "type": "context", "elements": [ { "type": "mrkdwn", "text": escape_fit(footer, MAX_FIELD_TEXT) } ] }));
    }
    blocks.truncate(MAX_BLOCKS);
    Value::Array(blocks)
}

/// Slack needs action ids unique within a message: the second `csat.rate` button becomes
/// `csat.rate#2`, and [`action_id_from_wire`] undoes it.
fn unique_action_id(id: &str, seen: &mut BTreeMap<String, usize>) -> String {
    let n = seen.entry(id.to_string()).or_insert(0);
    *n += 1;
    if *n == 1 {
        id.to_string()
    } else {
        format!("{id}#{n}")
    }
}

/// The action id baton gave a button, from the one Slack reports.
pub fn action_id_from_wire(id: &str) -> &str {
    match id.rsplit_once('#') {
        Some((base, n)) if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => id,
    }
}

fn button(b: &Button, seen: &mut BTreeMap<String, usize>) -> Value {
    let mut out = json!({
        "type": "button",
        "text": { "type": "plain_text", "text": fit(&b.label, MAX_BUTTON_LABEL), "emoji": true },
    });
    match b.style {
        ButtonStyle::Primary => out["style"] = json!("primary"),
        ButtonStyle::Danger => out["style"] = json!("danger"),
        ButtonStyle::Default => {}
    }
    let form_value = b.form.as_ref().and_then(|form| {
        let token = FormToken { form: form.clone(), value: b.value.clone() };
        let encoded = serde_json::to_string(&token).ok()?;
        if encoded.chars().count() <= MAX_BUTTON_VALUE {
            Some(encoded)
        } else {
            // Too big to carry: the click is reported as a plain action instead, which
            // baton answers with how to do the same by command.
            tracing::warn!(action_id = %b.action_id, "form too large for a Slack button; sending the click instead");
            None
        }
    });
    let (id, value) = match form_value {
        Some(v) => (format!("{FORM_PREFIX}{}", b.action_id), Some(v)),
        None => (b.action_id.clone(), b.value.clone()),
    };
    out["action_id"] = json!(fit(&unique_action_id(&id, seen), MAX_ACTION_ID));
    if let Some(v) = value {
        out["value"] = json!(fit(&v, MAX_BUTTON_VALUE));
    }
    out
}

/// What a form button carries: the form and the button's own value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormToken {
    #[serde(rename = "f")]
    pub form: Form,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Where a modal was opened from, kept in its `private_metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModalContext {
    #[serde(rename = "c")]
    pub channel: String,
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The modal for `form`, opened from `context`. `None` when the context does not fit in
/// `private_metadata` (a value of thousands of characters).
pub fn modal(form: &Form, context: &ModalContext) -> Option<Value> {
    let metadata = serde_json::to_string(context).ok()?;
    if metadata.len() > MAX_PRIVATE_METADATA {
        return None;
    }
    let blocks: Vec<Value> = form
        .fields
        .iter()
        .take(MAX_BLOCKS)
        .map(|f| {
            let element = if f.options.is_empty() {
                let mut e = json!({ "type": "plain_text_input", "action_id": fit(&f.id, MAX_ACTION_ID), "multiline": f.multiline });
                e["max_length"] = json!(f.max_length.unwrap_or(MAX_INPUT_LENGTH).clamp(1, MAX_INPUT_LENGTH));
                e
            } else {
                let options: Vec<Value> = f
                    .options
                    .iter()
                    .take(MAX_OPTIONS)
                    .map(|(value, label)| {
                        json!({ "text": { "type": "plain_text", "text": fit(label, MAX_OPTION_LABEL), "emoji": true }, "value": fit(value, MAX_OPTION_VALUE) })
                    })
                    .collect();
                json!({ "type": "static_select", "action_id": fit(&f.id, MAX_ACTION_ID), "options": options })
            };
            json!({
                "type": "input",
                "block_id": fit(&f.id, MAX_ACTION_ID),
                "optional": !f.required,
                "label": { "type": "plain_text", "text": fit(&f.label, MAX_FIELD_TEXT), "emoji": true },
                "element": element,
            })
        })
        .collect();
    Some(json!({
        "type": "modal",
        "callback_id": fit(&form.submit_action, MAX_ACTION_ID),
        "title": { "type": "plain_text", "text": fit(&form.title, MAX_MODAL_TITLE), "emoji": true },
        "submit": { "type": "plain_text", "text": fit(&form.submit_label, MAX_MODAL_TITLE), "emoji": true },
        "private_metadata": metadata,
        "blocks": blocks,
    }))
}

/// The answers of a submitted modal (`view.state.values`), by field id: text inputs give
/// their text, selects their chosen value; empty answers are left out.
pub fn submitted_fields(values: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(blocks) = values.as_object() else { return out };
    for block in blocks.values() {
        let Some(actions) = block.as_object() else { continue };
        for (id, state) in actions {
            let answer = state
                .get("value")
                .and_then(Value::as_str)
                .or_else(|| state.get("selected_option").and_then(|o| o.get("value")).and_then(Value::as_str));
            if let Some(a) = answer.map(str::trim).filter(|a| !a.is_empty()) {
                out.insert(id.clone(), a.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_chat::{ChannelId, ChannelRef, Destination, FormField, Platform};

    fn form() -> Form {
        Form {
            title: "Open a support ticket with a long title".into(),
            submit_action: "ticket.open".into(),
            submit_label: "Open".into(),
            fields: vec![
                FormField {
                    id: "title".into(),
                    label: "Title".into(),
                    required: true,
                    multiline: false,
                    max_length: Some(150),
                    options: vec![],
                },
                FormField {
                    id: "priority".into(),
                    label: "Priority".into(),
                    required: false,
                    multiline: false,
                    max_length: None,
                    options: vec![("low".into(), "Low".into()), ("high".into(), "High".into())],
                },
            ],
        }
    }

    fn button(id: &str, value: Option<&str>, form: Option<Form>) -> Button {
        Button {
            action_id: id.into(),
            label: format!("Press {id}"),
            value: value.map(str::to_string),
            style: ButtonStyle::Primary,
            fallback_command: None,
            form,
        }
    }

    #[test]
    fn a_card_becomes_header_fields_body_buttons_and_footer() {
        let card = Card {
            title: "ACME-1: Printer <on> fire".into(),
            fields: vec![("Status".into(), "New".into()), ("Account".into(), "Acme & Co".into())],
            body: Some("Details <!channel>".into()),
            buttons: vec![button("ticket.claim", Some("ACME-1"), None), button("ticket.solve", Some("ACME-1"), None)],
            footer: Some("Follow-up of ACME-0".into()),
        };
        let m = OutboundMessage {
            destination: Destination::Channel {
                channel: ChannelRef::new(Platform::Slack, ChannelId::parse("C1").unwrap()),
            },
            text: "ACME-1: Printer <on> fire".into(),
            card: Some(card),
            replaces: None,
            attachments: vec![],
            conversation: Default::default(),
        };
        let (text, blocks) = render(&m);
        assert_eq!(text, "ACME-1: Printer &lt;on&gt; fire");
        let blocks = blocks.unwrap();
        let types: Vec<&str> = blocks.as_array().unwrap().iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["header", "section", "section", "actions", "context"]);
        // Plain text is not parsed by Slack: no escaping in the header.
        assert_eq!(blocks[0]["text"]["text"], "ACME-1: Printer <on> fire");
        assert_eq!(blocks[1]["fields"][1]["text"], "*Account*\nAcme &amp; Co");
        // A customer's `<!channel>` never pings anyone.
        assert_eq!(blocks[2]["text"]["text"], "Details &lt;!channel&gt;");
        assert_eq!(blocks[3]["elements"][0]["action_id"], "ticket.claim");
        assert_eq!(blocks[3]["elements"][0]["value"], "ACME-1");
        assert_eq!(blocks[3]["elements"][0]["style"], "primary");
    }

    #[test]
    fn repeated_action_ids_are_made_unique_and_read_back() {
        let card = Card {
            title: "Rate".into(),
            fields: vec![],
            body: None,
            buttons: (1..=5).map(|n| button("csat.rate", Some(&format!("ACME-1:{n}")), None)).collect(),
            footer: None,
        };
        let blocks = card_blocks(&card);
        let ids: Vec<&str> =
            blocks[1]["elements"].as_array().unwrap().iter().map(|b| b["action_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["csat.rate", "csat.rate#2", "csat.rate#3", "csat.rate#4", "csat.rate#5"]);
        assert!(ids.iter().all(|id| action_id_from_wire(id) == "csat.rate"));
        assert_eq!(action_id_from_wire("ticket.claim"), "ticket.claim");
        assert_eq!(action_id_from_wire("odd#id"), "odd#id");
    }

    #[test]
    fn many_fields_and_buttons_are_split_and_long_texts_cut() {
        let card = Card {
            title: "t".repeat(400),
            fields: (0..23).map(|i| (format!("f{i}"), "v".repeat(5000))).collect(),
            body: None,
            buttons: (0..30).map(|i| button(&format!("b{i}"), None, None)).collect(),
            footer: None,
        };
        let blocks = card_blocks(&card);
        let blocks = blocks.as_array().unwrap();
        assert_eq!(blocks[0]["text"]["text"].as_str().unwrap().chars().count(), MAX_HEADER);
        assert_eq!(blocks.iter().filter(|b| b["type"] == "section").count(), 3);
        assert_eq!(blocks.iter().filter(|b| b["type"] == "actions").count(), 2);
        for b in blocks.iter().filter(|b| b["type"] == "section") {
            for f in b["fields"].as_array().unwrap() {
                assert!(f["text"].as_str().unwrap().chars().count() <= MAX_FIELD_TEXT);
            }
        }
    }

    #[test]
    fn a_form_button_carries_its_form_and_opens_a_modal() {
        let card = Card {
            title: "Panel".into(),
            fields: vec![],
            body: None,
            buttons: vec![button("ticket.panel", None, Some(form()))],
            footer: None,
        };
        let blocks = card_blocks(&card);
        let b = &blocks[1]["elements"][0];
        assert_eq!(b["action_id"], "form:ticket.panel");
        let token: FormToken = serde_json::from_str(b["value"].as_str().unwrap()).unwrap();
        assert_eq!(token.form, form());
        let ctx = ModalContext { channel: "C1".into(), message: Some("1.2".into()), thread: None, value: None };
        let view = modal(&token.form, &ctx).unwrap();
        assert_eq!(view["callback_id"], "ticket.open");
        assert_eq!(view["title"]["text"].as_str().unwrap().chars().count(), MAX_MODAL_TITLE);
        assert_eq!(view["blocks"][0]["element"]["type"], "plain_text_input");
        assert_eq!(view["blocks"][0]["optional"], false);
        assert_eq!(view["blocks"][1]["element"]["type"], "static_select");
        assert_eq!(view["blocks"][1]["element"]["options"][1]["value"], "high");
        let back: ModalContext = serde_json::from_str(view["private_metadata"].as_str().unwrap()).unwrap();
        assert_eq!(back, ctx);
    }

    #[test]
    fn an_oversized_form_degrades_to_a_plain_click() {
        let mut big = form();
        big.fields[1].options = (0..100).map(|i| (format!("v{i}"), "a long option label".repeat(2))).collect();
        let card = Card {
            title: "Panel".into(),
            fields: vec![],
            body: None,
            buttons: vec![button("ticket.panel", None, Some(big))],
            footer: None,
        };
        let blocks = card_blocks(&card);
        assert_eq!(blocks[1]["elements"][0]["action_id"], "ticket.panel");
    }

    #[test]
    fn submitted_values_are_read_from_inputs_and_selects() {
        let values = json!({
            "title": { "title": { "type": "plain_text_input", "value": " VPN drops " } },
            "description": { "description": { "type": "plain_text_input", "value": null } },
            "priority": { "priority": { "type": "static_select", "selected_option": { "value": "high", "text": {} } } },
        });
        let fields = submitted_fields(&values);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields["title"], "VPN drops");
        assert_eq!(fields["priority"], "high");
        assert!(submitted_fields(&json!("garbage")).is_empty());
    }
}
