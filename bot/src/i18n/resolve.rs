//! Which language and time zone a reader gets.
//!
//! Baton localises per reader, not per server. For one reader the candidates are, in order:
//!
//! 1. the person's configured locale (`[[people]] locale`, the people CSV);
//! 2. the platform's locale for that user (Slack `users.info` with `include_locale`, a
//!    Discord interaction's `locale`), which adapters pass as `Author.locale`;
//! 3. the channel's configured locale (`[[channels]] locale`);
//! 4. the locale of the account that owns the channel;
//! 5. `general.default_locale`.
//!
//! The first candidate baton has a catalogue for wins ([`super::negotiate`]: `sv` and
//! `sv-FI` read Swedish). A candidate baton cannot serve (`pt-BR`) or cannot parse is
//! skipped rather than ending the search, so a reader whose platform is in Portuguese reads
//! the channel's Swedish there, and English (the fallback) where nothing else is known.
//!
//! Messages everyone in a channel reads (cards, thread notices) start at step 3; a direct
//! message to a staff member uses steps 1 and 5 (a DM has no channel, and the account's
//! language is the customer's, not the CSM's).

use unic_langid::LanguageIdentifier;

use super::{fallback, negotiate};

/// The candidate locales for one reader, most specific first. Leave out what is unknown.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocaleChain<'a> {
    /// The person's configured locale.
    pub person: Option<&'a LanguageIdentifier>,
    /// The platform's locale for the user, as the adapter reported it (`en-US`, `sv_SE`).
    pub platform: Option<&'a str>,
    /// The channel's configured locale.
    pub channel: Option<&'a LanguageIdentifier>,
    /// The locale of the account the channel belongs to.
    pub account: Option<&'a LanguageIdentifier>,
    /// `general.default_locale`.
    pub default: Option<&'a LanguageIdentifier>,
}

impl LocaleChain<'_> {
    /// The catalogue language to write in: the first candidate baton speaks, else English.
    pub fn resolve(&self) -> LanguageIdentifier {
        let platform = self.platform.and_then(super::negotiate_tag);
        [self.person.and_then(negotiate), platform, self.channel.and_then(negotiate), self.account.and_then(negotiate), self.default.and_then(negotiate)]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(fallback)
    }
}

/// The reader's time zone: the person's (`[[people]] time_zone`), else `general.time_zone`.
/// Messages to a whole channel use `general.time_zone`.
pub fn time_zone(person: Option<chrono_tz::Tz>, general: chrono_tz::Tz) -> chrono_tz::Tz {
    person.unwrap_or(general)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> LanguageIdentifier {
        s.parse().unwrap()
    }

    #[test]
    fn resolution_order_person_platform_channel_account_default() {
        let (th, fa, ru, sv, en) = (l("th"), l("fa"), l("ru"), l("sv-SE"), l("en-US"));
        let full = LocaleChain { person: Some(&th), platform: Some("fa-IR"), channel: Some(&ru), account: Some(&sv), default: Some(&en) };
        assert_eq!(full.resolve(), th, "the person's own setting wins");
        assert_eq!(LocaleChain { person: None, ..full }.resolve(), fa, "then the platform's locale");
        assert_eq!(LocaleChain { person: None, platform: None, ..full }.resolve(), ru, "then the channel's");
        assert_eq!(LocaleChain { person: None, platform: None, channel: None, ..full }.resolve(), sv, "then the account's");
        let default_only = LocaleChain { default: Some(&fa), ..Default::default() };
        assert_eq!(default_only.resolve(), fa, "then the default");
        assert_eq!(LocaleChain::default().resolve(), en, "English when nothing is known");
    }

    #[test]
    fn unsupported_and_regional_locales_fall_back_sensibly() {
        let (sv, pt, de, en, ru) = (l("sv"), l("pt-BR"), l("de"), l("en-US"), l("ru"));
        // A bare language or another region reads the catalogue of that language.
        assert_eq!(LocaleChain { person: Some(&sv), ..Default::default() }.resolve(), l("sv-SE"));
        assert_eq!(LocaleChain { platform: Some("sv_FI"), ..Default::default() }.resolve(), l("sv-SE"));
        assert_eq!(LocaleChain { platform: Some("en-GB"), channel: Some(&ru), ..Default::default() }.resolve(), en);
        // What baton cannot serve is skipped: the next candidate, else English.
        assert_eq!(LocaleChain { person: Some(&pt), default: Some(&en), ..Default::default() }.resolve(), en);
        assert_eq!(LocaleChain { person: Some(&pt), platform: Some("pt-BR"), channel: Some(&ru), ..Default::default() }.resolve(), ru);
        assert_eq!(LocaleChain { platform: Some("garbage!"), account: Some(&de), default: Some(&de), ..Default::default() }.resolve(), en);
    }

    #[test]
    fn time_zone_is_the_persons_else_the_installations() {
        let stockholm = chrono_tz::Europe::Stockholm;
        assert_eq!(time_zone(Some(chrono_tz::Asia::Bangkok), stockholm), chrono_tz::Asia::Bangkok);
        assert_eq!(time_zone(None, stockholm), stockholm);
    }
}
