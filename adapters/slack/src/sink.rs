//! The outbound half: baton's messages as Web API calls.
//!
//! | destination | call |
//! | --- | --- |
//! | channel | `chat.postMessage` |
//! | thread | `chat.postMessage` with `thread_ts` |
//! | direct | `conversations.open`, then `chat.postMessage` in that channel |
//! | ephemeral | `chat.postEphemeral` (with `thread_ts` in a thread) |
//! | any, with `replaces` | `chat.update` of that message |
//! | mark (a reaction) | `reactions.add` with the first emoji given as a short name |
//! | with attachments | files uploaded, then shared there with the text (`files.completeUploadExternal`) |
//!
//! The posted message's `ts` is returned as its id, so baton can update the ticket card.

use std::sync::Arc;

use async_trait::async_trait;
use baton_chat::{ChannelRef, ChatSink, Delivered, DeliveryError, Destination, MessageId, OutboundMessage, Platform};

use crate::blocks;
use crate::web::WebApi;

/// Delivers baton's outbound messages to Slack.
#[derive(Clone, Debug)]
pub struct SlackSink {
    web: Arc<WebApi>,
}

impl SlackSink {
    pub fn new(web: Arc<WebApi>) -> Self {
        Self { web }
    }
}

fn slack_channel(c: &ChannelRef) -> Result<&str, DeliveryError> {
    if c.platform == Platform::Slack {
        Ok(c.channel.as_str())
    } else {
        Err(DeliveryError::Permanent(format!("{c} is not a Slack channel")))
    }
}

/// Whether `s` can be a Slack emoji short name (`ticket`, `+1`, `white_check_mark`).
fn is_short_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '+' | '\''))
}

fn message_id(ts: &str) -> Result<MessageId, DeliveryError> {
    // Slack answered but with an id we cannot use: the post happened, so do not retry it.
    MessageId::parse(ts).map_err(|e| DeliveryError::Permanent(format!("Slack returned an unusable message ts: {e}")))
}

#[async_trait]
impl ChatSink for SlackSink {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn deliver(&self, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        let (text, blocks) = blocks::render(m);
        let blocks = blocks.as_ref();
        let (channel, thread) = match &m.destination {
            Destination::Ephemeral { channel, thread, user } => {
                let channel = slack_channel(channel)?;
                if !m.attachments.is_empty() {
                    tracing::warn!(
                        files = m.attachments.len(),
                        "Slack cannot attach files to ephemeral messages; sending the text only"
                    );
                }
                self.web
                    .post_ephemeral(channel, user.as_str(), thread.as_ref().map(MessageId::as_str), &text, blocks)
                    .await?;
                // Ephemeral messages cannot be updated or threaded under.
                return Ok(Delivered { message: None });
            }
            Destination::Direct { platform, user } => {
                if *platform != Platform::Slack {
                    return Err(DeliveryError::Permanent(format!(
                        "a direct message on {platform} reached the Slack adapter"
                    )));
                }
                (self.web.dm_channel(user.as_str()).await?, None)
            }
            Destination::Mark { target, emoji } => {
                let channel = slack_channel(&target.channel)?;
                // Slack takes short names (`ticket`), not the emoji characters.
                let Some(name) = emoji.iter().map(|e| e.trim_matches(':')).find(|e| is_short_name(e)) else {
                    return Err(DeliveryError::Permanent(format!("no Slack emoji name among {emoji:?}")));
                };
                self.web.add_reaction(channel, target.message.as_str(), name).await?;
                return Ok(Delivered { message: None });
            }
            Destination::Channel { channel } => (slack_channel(channel)?.to_string(), None),
            Destination::Thread { channel, thread } => (slack_channel(channel)?.to_string(), Some(thread.as_str())),
        };
        if !m.attachments.is_empty() && m.card.is_none() && m.replaces.is_none() {
            // Files with a comment: one message, shared in a single call.
            self.web.share_files(&channel, thread, Some(&text), &m.attachments).await?;
            return Ok(Delivered { message: None });
        }
        let posted = match &m.replaces {
            Some(old) => self.web.update(&channel, old.as_str(), &text, blocks).await?,
            None => self.web.post_message(&channel, thread, &text, blocks).await?,
        };
        if !m.attachments.is_empty() {
            // A card with files: the files follow it in the same place.
            self.web.share_files(&channel, thread, None, &m.attachments).await?;
        }
        Ok(Delivered { message: Some(message_id(&posted.ts)?) })
    }
}
