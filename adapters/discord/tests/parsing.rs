//! Discord payloads baton reads, from any input: gateway dispatches (decoded by serenity),
//! the `/ticket` options inside a command interaction, and component custom ids. None may
//! panic; the ids baton writes read back as written.

use baton_discord::commands::ticket_text;
use baton_discord::wire::CustomId;
use proptest::prelude::*;
use serde_json::{json, Value};
use serenity::all::{Event, GatewayEvent, Interaction};

/// Reads a gateway payload as the adapter does, and what baton takes from an interaction.
fn read(text: &str) {
    let _ = CustomId::parse(text);
    let Ok(GatewayEvent::Dispatch(_, Event::InteractionCreate(e))) = serde_json::from_str::<GatewayEvent>(text) else {
        return;
    };
    match e.interaction {
        Interaction::Command(c) => {
            let _ = ticket_text(&c.data.options);
        }
        Interaction::Component(c) => {
            let _ = CustomId::parse(&c.data.custom_id);
        }
        Interaction::Modal(m) => {
            let _ = CustomId::parse(&m.data.custom_id);
        }
        _ => {}
    }
}

const WORDS: &[&str] = &[
    "id", "type", "data", "name", "options", "value", "custom_id", "components", "channel_id", "guild_id", "member",
    "user", "token", "application_id", "version", "content", "author", "timestamp", "emoji", "message_id", "user_id",
    "username", "discriminator", "global_name", "nick", "locale", "open", "claim", "rate", "key", "title", "priority",
    "ACME-1", "b|ticket.claim|ACME-1", "f|abc|ticket.open|", "m|ticket.open|", "123456789012345678", "0", "-1",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![3 => proptest::sample::select(WORDS).prop_map(str::to_string), 1 => "\\PC{0,16}"]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        word().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(word(), inner, 0..7).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A command option: a subcommand (type 1) holding options, or a value of any type.
fn option() -> impl Strategy<Value = Value> {
    let value = (word(), prop_oneof![Just(3), Just(4), Just(5), Just(6), Just(10), 0..20u8], any_json())
        .prop_map(|(name, kind, value)| json!({ "name": name, "type": kind, "value": value }));
    value.prop_recursive(2, 12, 5, |inner| {
        (word(), proptest::collection::vec(inner, 0..5))
            .prop_map(|(name, options)| json!({ "name": name, "type": 1, "options": options }))
    })
}

/// A well-formed `/ticket` command interaction, as serenity expects it, with any options.
fn command_interaction() -> impl Strategy<Value = String> {
    proptest::collection::vec(option(), 0..3).prop_map(|options| {
        json!({ "op": 0, "s": 1, "t": "INTERACTION_CREATE", "d": {
            "id": "1100000000000000001", "application_id": "1100000000000000002", "type": 2,
            "token": "t", "version": 1, "channel_id": "1100000000000000003", "locale": "en-US", "entitlements": [], "attachment_size_limit": 8388608,
            "user": { "id": "1100000000000000004", "username": "wile", "discriminator": "0", "global_name": null, "avatar": null },
            "data": { "id": "1100000000000000005", "name": "ticket", "type": 1, "options": options },
        }})
        .to_string()
    })
}

fn dispatch() -> impl Strategy<Value = String> {
    let kinds = proptest::sample::select(&["INTERACTION_CREATE", "MESSAGE_CREATE", "MESSAGE_REACTION_ADD", "READY", "X"][..]);
    (kinds, any_json()).prop_map(|(t, d)| json!({ "op": 0, "s": 1, "t": t, "d": d }).to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_gateway_payload_is_read_without_a_panic(text in prop_oneof![2 => dispatch(), 2 => command_interaction(), 1 => "\\PC{0,300}"]) {
        read(&text);
    }

    #[test]
    fn any_custom_id_is_read_without_a_panic(id in prop_oneof![word(), "[bfm0-9|]{0,6}\\PC{0,40}"]) {
        let _ = CustomId::parse(&id);
    }
}

#[test]
fn a_command_interaction_with_options_reads_as_ticket_text() {
    // The generator's well-formed interactions do decode (else the property above would
    // test nothing but serde's refusals).
    let text = json!({ "op": 0, "s": 1, "t": "INTERACTION_CREATE", "d": {
        "id": "1100000000000000001", "application_id": "1100000000000000002", "type": 2,
        "token": "t", "version": 1, "channel_id": "1100000000000000003", "locale": "en-US", "entitlements": [], "attachment_size_limit": 8388608,
        "user": { "id": "1100000000000000004", "username": "wile", "discriminator": "0", "global_name": null, "avatar": null },
        "data": { "id": "1100000000000000005", "name": "ticket", "type": 1, "options": [
            { "name": "rate", "type": 1, "options": [ { "name": "key", "type": 3, "value": "ACME-1 x" }, { "name": "rating", "type": 4, "value": 5 } ] }
        ] },
    }})
    .to_string();
    let event = serde_json::from_str::<GatewayEvent>(&text).unwrap();
    let e = match event {
        GatewayEvent::Dispatch(_, Event::InteractionCreate(e)) => e,
        GatewayEvent::Dispatch(_, Event::Unknown(u)) => {
            panic!("not decoded: {:?}", serde_json::from_value::<Interaction>(u.value).unwrap_err())
        }
        other => panic!("not decoded: {other:?}"),
    };
    let Interaction::Command(c) = e.interaction else { panic!("not a command") };
    assert_eq!(ticket_text(&c.data.options), "rate ACME-1 5");
}
