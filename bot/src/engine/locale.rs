//! Which language each reply is written in, by [`crate::i18n::resolve::LocaleChain`]:
//! the reader's own locale for what only they see, the channel's (else its account's) for
//! what a channel sees, the person's for direct messages; the default last.

use std::collections::HashMap;

use baton_chat::{ChannelRef, Destination};
use unic_langid::LanguageIdentifier;

use super::{Engine, EngineError, Settings, Who};
use crate::domain::{Account, Person};
use crate::i18n::resolve::LocaleChain;
use crate::render::Reply;

impl Settings {
    /// The language of messages everyone in `channel` reads: the channel's configured
    /// locale, else the locale of `account` (the channel's account, if known), else the default.
    pub(super) fn channel_lang_with(&self, channel: &ChannelRef, account: Option<&Account>) -> LanguageIdentifier {
        let configured = self.channel(channel).lang;
        LocaleChain {
            channel: configured.as_ref(),
            account: account.and_then(|a| a.locale.as_ref()).map(|l| l.langid()),
            default: Some(&self.default_lang),
            ..Default::default()
        }
        .resolve()
    }

    /// The language of a direct message to `person`: theirs, else the default.
    pub(super) fn person_lang(&self, person: &Person) -> LanguageIdentifier {
        LocaleChain { person: person.locale.as_ref().map(|l| l.langid()), default: Some(&self.default_lang), ..Default::default() }
            .resolve()
    }
}

impl Engine {
    /// The account that owns `channel`, when its locale could matter (the channel has none).
    async fn account_for_lang(&self, channel: &ChannelRef) -> Result<Option<Account>, EngineError> {
        if self.settings.channel(channel).lang.is_some() {
            return Ok(None);
        }
        Ok(self.store.account_for_channel(channel).await?)
    }

    /// The language of messages everyone in `channel` reads, with its account looked up.
    pub(super) async fn lang_in_channel(&self, channel: &ChannelRef) -> Result<LanguageIdentifier, EngineError> {
        let account = self.account_for_lang(channel).await?;
        Ok(self.settings.channel_lang_with(channel, account.as_ref()))
    }

    /// The language for a message only `who` sees in `channel`: their configured locale,
    /// their platform's, the channel's, its account's, the default.
    pub(super) async fn personal_lang(&self, who: &Who, channel: &ChannelRef) -> Result<LanguageIdentifier, EngineError> {
        let person = who.person.as_ref().and_then(|p| p.locale.as_ref()).map(|l| l.langid());
        let platform = who.author.locale.as_deref();
        let own = LocaleChain { person, platform, ..Default::default() };
        if own.person.and_then(crate::i18n::negotiate).is_some() || platform.and_then(crate::i18n::negotiate_tag).is_some() {
            return Ok(own.resolve());
        }
        let account = self.account_for_lang(channel).await?;
        let configured = self.settings.channel(channel).lang;
        Ok(LocaleChain {
            channel: configured.as_ref(),
            account: account.as_ref().and_then(|a| a.locale.as_ref()).map(|l| l.langid()),
            default: Some(&self.settings.default_lang),
            ..own
        }
        .resolve())
    }

    /// Replies to a channel or thread are in that channel's language, which may be its
    /// account's ([`Self::lang_in_channel`]); the rules address them with the configured
    /// language only, and this settles it before they are rendered. Personal replies
    /// (ephemeral, direct) keep theirs.
    pub(super) async fn settle_langs(&self, replies: &mut [Reply]) -> Result<(), EngineError> {
        let mut known: HashMap<ChannelRef, LanguageIdentifier> = HashMap::new();
        for r in replies {
            let channel = match &r.to {
                Destination::Channel { channel } | Destination::Thread { channel, .. } => channel,
                _ => continue,
            };
            if let Some(lang) = known.get(channel) {
                r.lang = lang.clone();
                continue;
            }
            let lang = self.lang_in_channel(channel).await?;
            known.insert(channel.clone(), lang.clone());
            r.lang = lang;
        }
        Ok(())
    }
}
