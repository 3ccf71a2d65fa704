//! The Slack adapter (slack-morphism): translates the Events API, slash commands and
//! interactivity payloads into `baton-chat` events, and `baton-chat` outbound messages into
//! Web API calls (Block Kit cards, thread replies, ephemeral messages, DMs).
//!
//! This crate knows the neutral contract and Slack, nothing else: not the store, not the
//! rules. The transport lands with its own issue; what is here is the crate's place in the
//! workspace and its dependency on slack-morphism, so the rest of baton is built around it.

pub use baton_chat::Platform;

/// The platform this adapter serves.
pub const PLATFORM: Platform = Platform::Slack;

/// Slack's public Web API base URL; GovSlack and tests configure another (`slack.api_url`).
pub const DEFAULT_API_URL: &str = slack_morphism::prelude::SlackClientHttpApiUri::SLACK_API_URI_STR;

#[cfg(test)]
mod tests {
    #[test]
    fn default_api_url_is_slacks() {
        assert_eq!(super::DEFAULT_API_URL, "https://slack.com/api");
    }
}
