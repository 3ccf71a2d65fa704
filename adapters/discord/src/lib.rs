//! The Discord adapter (serenity): translates gateway events and interactions into
//! `baton-chat` events, and `baton-chat` outbound messages into embeds, thread replies and
//! DMs over the HTTP API.
//!
//! This crate knows the neutral contract and Discord, nothing else: not the store, not the
//! rules. The gateway and HTTP wiring land with their own issue; what is here is the crate's
//! place in the workspace and its dependency on serenity (rustls, minimal features).

pub use baton_chat::Platform;

/// The platform this adapter serves.
pub const PLATFORM: Platform = Platform::Discord;

/// The gateway intents baton needs and no more: guild messages and their content,
/// reactions on guild messages, and direct messages.
pub fn intents() -> serenity::all::GatewayIntents {
    use serenity::all::GatewayIntents as I;
    I::GUILD_MESSAGES | I::MESSAGE_CONTENT | I::GUILD_MESSAGE_REACTIONS | I::DIRECT_MESSAGES
}

#[cfg(test)]
mod tests {
    use serenity::all::GatewayIntents;

    #[test]
    fn asks_only_for_the_intents_it_needs() {
        let i = super::intents();
        assert!(i.contains(GatewayIntents::MESSAGE_CONTENT));
        assert!(!i.contains(GatewayIntents::GUILD_MEMBERS), "privileged intent not requested");
        assert!(!i.contains(GatewayIntents::GUILD_PRESENCES), "privileged intent not requested");
    }
}
