//! The message catalogues: Project Fluent files under `bot/locales/<lang>/`, compiled into
//! the binary. Every user-visible string is looked up here by id; English is the fallback.
//!
//! - [`SUPPORTED`] and [`negotiate`]: the languages baton speaks, and how a requested
//!   locale maps onto one of them (`sv` and `sv-FI` read Swedish, `pt-BR` nothing).
//! - [`resolve`]: which language and time zone a reader gets.
//! - [`format`]: numbers, money, dates, times and durations per language.
//! - [`text`]: cutting text on grapheme boundaries.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::Loader;
use unic_langid::LanguageIdentifier;

pub mod format;
pub mod resolve;
pub mod text;

#[cfg(test)]
mod catalogue_tests;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        customise: |bundle| {
            // Plain chat text: no Unicode isolation marks around placeables.
            bundle.set_use_isolating(false);
            // Numbers in messages use the language's digits and grouping.
            bundle.set_formatter(Some(format::fluent_number));
        },
    };
}

/// The languages with a complete catalogue, the fallback first. Each has a folder
/// `bot/locales/<tag>/`; the catalogue tests check they are complete.
pub const SUPPORTED: [&str; 5] = ["en-US", "sv-SE", "ru", "th", "fa"];

static SUPPORTED_IDS: std::sync::LazyLock<Vec<LanguageIdentifier>> =
    std::sync::LazyLock::new(|| SUPPORTED.iter().map(|s| s.parse().expect("valid language tag")).collect());

/// The catalogue's fallback language.
pub fn fallback() -> LanguageIdentifier {
    SUPPORTED_IDS[0].clone()
}

/// The catalogue language for a requested locale: the same tag, else the one with the same
/// language (`sv`, `sv-FI` → `sv-SE`; `en-GB` → `en-US`; `fa-IR` → `fa`). `None` when baton
/// has no catalogue in that language (`pt-BR`, `de`).
pub fn negotiate(requested: &LanguageIdentifier) -> Option<LanguageIdentifier> {
    let ids = &*SUPPORTED_IDS;
    ids.iter()
        .find(|s| *s == requested)
        .or_else(|| ids.iter().find(|s| s.language == requested.language))
        .cloned()
}

/// [`negotiate`] for a tag as text (`sv_SE` and `sv-se` are accepted).
pub fn negotiate_tag(tag: &str) -> Option<LanguageIdentifier> {
    tag.trim().replace('_', "-").parse::<LanguageIdentifier>().ok().and_then(|l| negotiate(&l))
}

/// One argument of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Str(String),
    Num(f64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Str(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Str(s)
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Num(n as f64)
    }
}

/// Looks up message `id` in `lang` (falling back to English) with `args`.
///
/// A missing id is a programming error caught by the catalogue tests; at run time it
/// renders as the id itself rather than failing a user's request.
pub fn tr(lang: &LanguageIdentifier, id: &str, args: &[(&'static str, Arg)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Arg::Str(s) => FluentValue::from(s.clone()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            (Cow::Borrowed(*k), v)
        })
        .collect();
    let lang = negotiate(lang).unwrap_or_else(fallback);
    LOCALES
        .try_lookup_with_args(&lang, id, &map)
        .unwrap_or_else(|| {
            tracing::error!(message_id = id, lang = %lang, "missing message in catalogue");
            id.to_string()
        })
}

/// The English catalogue's source, the reference every locale is checked against.
pub const ENGLISH_SOURCE: &str = include_str!("../../locales/en-US/baton.ftl");

/// Message ids defined in a Fluent source (`id = …` at the start of a line).
pub fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|l| l.split_once(" ="))
        .map(|(id, _)| id)
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .collect()
}

/// Whether the English catalogue defines `id`.
pub fn has(id: &str) -> bool {
    message_ids(ENGLISH_SOURCE).contains(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_with_arguments_and_plurals() {
        let en = fallback();
        assert_eq!(tr(&en, "notice-claimed", &[("name", "Dana".into()), ("key", "ACME-1".into())]), "Dana claimed ACME-1.");
        assert_eq!(tr(&en, "tags-top-line", &[("tag", "bug:x".into()), ("count", 1.into())]), "bug:x: 1 account");
        assert_eq!(tr(&en, "tags-top-line", &[("tag", "bug:x".into()), ("count", 3.into())]), "bug:x: 3 accounts");
        // An unknown language falls back to English.
        let xx: LanguageIdentifier = "xx".parse().unwrap();
        assert_eq!(tr(&xx, "status-open", &[]), "open");
        // A language baton speaks in another region reads the catalogue it has.
        let sv_fi: LanguageIdentifier = "sv-FI".parse().unwrap();
        assert_eq!(tr(&sv_fi, "status-open", &[]), "öppet");
    }

    #[test]
    fn negotiates_onto_the_catalogues() {
        let n = |s: &str| negotiate_tag(s).map(|l| l.to_string());
        assert_eq!(n("sv").as_deref(), Some("sv-SE"));
        assert_eq!(n("sv_FI").as_deref(), Some("sv-SE"));
        assert_eq!(n("en-GB").as_deref(), Some("en-US"));
        assert_eq!(n("ru-RU").as_deref(), Some("ru"));
        assert_eq!(n("th-TH").as_deref(), Some("th"));
        assert_eq!(n("fa-IR").as_deref(), Some("fa"));
        assert_eq!(n("fa").as_deref(), Some("fa"));
        assert_eq!(n("pt-BR"), None);
        assert_eq!(n("not a tag"), None);
    }

    #[test]
    fn numbers_in_messages_follow_the_language() {
        let count = |lang: &str, n: i64| tr(&lang.parse().unwrap(), "tags-top-line", &[("tag", "bug:x".into()), ("count", n.into())]);
        assert_eq!(count("en-US", 1234), "bug:x: 1,234 accounts");
        assert_eq!(count("sv-SE", 1234), "bug:x: 1\u{a0}234 kunder");
        assert_eq!(count("sv-SE", 1), "bug:x: 1 kund");
        assert_eq!(count("fa", 1234), "bug:x: ۱٬۲۳۴ مشتری");
        // Russian plural categories: one, few, many.
        assert_eq!(count("ru", 1), "bug:x: 1 клиент");
        assert_eq!(count("ru", 3), "bug:x: 3 клиента");
        assert_eq!(count("ru", 5), "bug:x: 5 клиентов");
        assert_eq!(count("ru", 11), "bug:x: 11 клиентов");
        assert_eq!(count("ru", 21), "bug:x: 21 клиент");
        assert_eq!(count("ru", 22), "bug:x: 22 клиента");
        assert_eq!(count("th", 1), "bug:x: ลูกค้า 1 ราย");
    }

    #[test]
    fn every_message_id_used_in_code_exists() {
        let sources = [include_str!("../render.rs"), include_str!("../engine.rs"), include_str!("format.rs")];
        let mut checked = 0;
        for src in sources {
            for id in src.split('"').skip(1).step_by(2) {
                let looks_like_id = id.contains('-')
                    && id.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                    && ["card-", "list-", "clause-", "button-", "status-", "priority-", "notice-", "tags-", "help", "error-", "what-", "csat-", "transcript-", "panel-", "close-", "pending-", "health-", "handoff-", "escalation-", "sla-"]
                        .iter()
                        .any(|p| id.starts_with(p));
                if looks_like_id {
                    assert!(has(id), "message id `{id}` is missing from the catalogue");
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "expected to find message ids in the sources, found {checked}");
    }
}
