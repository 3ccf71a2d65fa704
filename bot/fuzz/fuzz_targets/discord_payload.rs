//! A gateway payload as Discord sends it: decoded by serenity, then baton's own readings of
//! what is inside (command options → `/ticket` text, component custom ids).
#![no_main]
use libfuzzer_sys::fuzz_target;
use serenity::all::{Event, GatewayEvent, Interaction};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Any string could be a custom id on a button or modal.
    let _ = baton_discord::wire::CustomId::parse(&text);
    let Ok(event) = serde_json::from_str::<GatewayEvent>(&text) else { return };
    if let GatewayEvent::Dispatch(_, Event::InteractionCreate(e)) = event {
        match e.interaction {
            Interaction::Command(c) => {
                let _ = baton_discord::commands::ticket_text(&c.data.options);
            }
            Interaction::Component(c) => {
                let _ = baton_discord::wire::CustomId::parse(&c.data.custom_id);
            }
            Interaction::Modal(m) => {
                let _ = baton_discord::wire::CustomId::parse(&m.data.custom_id);
            }
            _ => {}
        }
    }
});
