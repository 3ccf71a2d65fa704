//! The message catalogue: Project Fluent files under `bot/locales/<lang>/`, compiled into
//! the binary. Every user-visible string is looked up here by id; English is the fallback.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::Loader;
use unic_langid::LanguageIdentifier;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Plain chat text: no Unicode isolation marks around placeables.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The catalogue's fallback language.
pub fn fallback() -> LanguageIdentifier {
    "en-US".parse().expect("valid language tag")
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
    LOCALES
        .try_lookup_with_args(lang, id, &map)
        .unwrap_or_else(|| {
            tracing::error!(message_id = id, lang = %lang, "missing message in catalogue");
            id.to_string()
        })
}

/// The English catalogue's source, the reference every locale is checked against.
pub const ENGLISH_SOURCE: &str = include_str!("../locales/en-US/baton.ftl");

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
    }

    #[test]
    fn every_message_id_used_in_code_exists() {
        let sources = [include_str!("render.rs"), include_str!("engine.rs")];
        let mut checked = 0;
        for src in sources {
            for id in src.split('"').skip(1).step_by(2) {
                let looks_like_id = id.contains('-')
                    && id.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                    && ["card-", "button-", "status-", "priority-", "notice-", "tags-", "help", "error-", "what-", "csat-", "transcript-", "panel-", "close-", "pending-", "health-", "handoff-", "escalation-", "sla-"]
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
