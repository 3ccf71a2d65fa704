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

#[cfg(test)]
mod tests {
    //! The wiring: which language the engine picks for channel, ephemeral and direct
    //! messages, on SQLite and PostgreSQL.

    use std::sync::Arc;

    use baton_chat::*;
    use chrono::{TimeZone, Utc};

    use super::super::{ChannelSettings, Engine, Settings};
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::domain::{Account, AccountId, KeyPrefix, Locale, Name, Person, PersonId, Role, Tier};
    use crate::testing;

    fn ch(s: &str) -> ChannelRef {
        ChannelRef::parse(s).unwrap()
    }

    fn author(name: &str, locale: Option<&str>) -> Author {
        Author { locale: locale.map(str::to_string), ..Author::human(UserId::parse(name).unwrap(), name) }
    }

    struct World {
        engine: Engine,
        store: Arc<dyn crate::store::Store>,
        n: u64,
    }

    impl World {
        async fn send(&mut self, body: Inbound) {
            self.n += 1;
            let ev = InboundEvent { event_id: format!("e{}", self.n), platform: Platform::Shell, body };
            self.engine.handle(&ev).await.unwrap();
        }

        async fn command(&mut self, channel: &str, thread: Option<&str>, who: Author, text: &str) {
            let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
            let c = ch(channel);
            let thread = thread.map(|t| MessageId::parse(t).unwrap());
            self.send(Inbound::Command(SlashCommand { channel: c, thread, user: who, command: "ticket".into(), text: text.into(), issued_at: at }))
                .await
        }

        /// Texts queued for `dest`, oldest first.
        async fn to(&self, dest: &Destination) -> Vec<String> {
            let rows = self.store.outbox(false, 1000).await.unwrap();
            rows.into_iter().filter(|r| &r.message.destination == dest).map(|r| r.message.text).collect()
        }
    }

    fn eph(channel: &str, user: &str) -> Destination {
        Destination::Ephemeral { channel: ch(channel), thread: None, user: UserId::parse(user).unwrap() }
    }

    #[tokio::test]
    async fn replies_follow_person_platform_channel_account_default() {
        for db in testing::each_backend().await {
            let store = db.store.clone();
            let person = |id: &str, name: &str, role: Role, locale: Option<&str>| {
                let mut p = Person::new(PersonId::parse(id).unwrap(), Name::parse(name).unwrap(), role);
                p.locale = locale.map(|l| Locale::parse(l).unwrap());
                p
            };
            store
                .upsert_people(&[
                    person("dana", "Dana", Role::Agent, Some("th")),
                    person("casey", "Casey", Role::Csm, Some("fa-IR")),
                    person("lee", "Lee", Role::Agent, None),
                ])
                .await
                .unwrap();
            let account = |id: &str, prefix: &str, channel: &str, locale: Option<&str>| {
                let mut a = Account::new(AccountId::parse(id).unwrap(), Name::parse(id).unwrap(), Tier::parse("enterprise").unwrap())
                    .with_channels([ch(channel)])
                    .unwrap();
                a.key_prefix = Some(KeyPrefix::parse(prefix).unwrap());
                a.locale = locale.map(|l| Locale::parse(l).unwrap());
                a.csm = Some(PersonId::parse("casey").unwrap());
                a
            };
            // Globex speaks Swedish (account locale, channel not configured); Acme's channel
            // is configured Russian, which beats the account's Thai.
            store
                .upsert_accounts(&[account("globex", "GLX", "shell:globex", Some("sv")), account("acme", "ACME", "shell:acme", Some("th"))])
                .await
                .unwrap();
            let mut settings = Settings::from_config(&Config::default());
            settings.channels.insert(ch("shell:acme"), ChannelSettings { lang: Some("ru".parse().unwrap()), ..Default::default() });
            let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()));
            let mut w = World { engine: Engine::new(store.clone(), Arc::new(settings), clock), store, n: 0 };

            // Cards: the channel's language, else its account's.
            w.command("shell:globex", None, author("dana", None), "Inloggningen loopar").await;
            w.command("shell:acme", None, author("dana", None), "Вход через SSO зацикливается").await;
            let globex = w.to(&Destination::Channel { channel: ch("shell:globex") }).await;
            assert!(globex[0].starts_with("Ärende GLX-1 (nytt, normal)"), "{globex:?}");
            let acme = w.to(&Destination::Channel { channel: ch("shell:acme") }).await;
            assert!(acme[0].starts_with("Обращение ACME-1 (новое, обычный)"), "{acme:?}");

            // Ephemeral replies: the person's locale first, then the platform's, then the
            // channel's (or its account's).
            w.command("shell:globex", None, author("dana", Some("ru-RU")), "priority GLX-1 sky").await;
            assert_eq!(w.to(&eph("shell:globex", "dana")).await, ["“sky” ไม่ใช่ระดับความสำคัญ ใช้ได้เฉพาะ low, normal, high หรือ urgent"]);
            w.command("shell:globex", None, author("lee", Some("ru-RU")), "priority GLX-1 sky").await;
            assert_eq!(w.to(&eph("shell:globex", "lee")).await, ["«sky» — не приоритет. Используйте low, normal, high или urgent."]);
            w.command("shell:globex", None, author("wile", Some("pt-BR")), "priority GLX-1 sky").await;
            assert_eq!(w.to(&eph("shell:globex", "wile")).await, ["”sky” är ingen prioritet. Använd low, normal, high eller urgent."]);
            w.command("shell:acme", None, author("wile", None), "priority GLX-1 sky").await;
            assert_eq!(w.to(&eph("shell:acme", "wile")).await, ["«sky» — не приоритет. Используйте low, normal, high или urgent."]);
            w.command("shell:elsewhere", None, author("wile", None), "priority GLX-1 sky").await;
            assert_eq!(w.to(&eph("shell:elsewhere", "wile")).await, ["“sky” is not a priority. Use one of: low, normal, high, urgent."]);

            // A direct message to the CSM is in the CSM's language (fa-IR reads fa), while
            // the notice in the customer's thread stays Swedish.
            w.command("shell:globex", None, author("dana", None), "handoff GLX-1 renewal next week").await;
            let dm = w.to(&Destination::Direct { platform: Platform::Shell, user: UserId::parse("casey").unwrap() }).await;
            assert!(dm[0].starts_with("تحویل GLX-1 ("), "{dm:?}");
            let globex = w.store.outbox(false, 1000).await.unwrap();
            assert!(
                globex.iter().any(|r| r.message.text == "Kundens CSM har fått all bakgrund till GLX-1."),
                "{:?}",
                globex.iter().map(|r| &r.message.text).collect::<Vec<_>>()
            );
            db.cleanup().await;
        }
    }
}
