//! Small validated value types. Each has private fields and a `parse` that says what is wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// Implements Display, FromStr, serde via String, and `as_str` for a newtype over `String`.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

fn is_slug(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// An account's stable id: lowercase ASCII letters, digits, `-` and `_` (e.g. `acme`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if is_slug(s, 64) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::BadId { what: "account id", value: s.to_string() })
        }
    }
}
string_newtype!(AccountId);

/// A person's stable id: lowercase ASCII letters, digits, `-` and `_` (e.g. `dana`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonId(String);

impl PersonId {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if is_slug(s, 64) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::BadId { what: "person id", value: s.to_string() })
        }
    }
}
string_newtype!(PersonId);

/// A support tier name such as `enterprise`; which tiers exist is configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tier(String);

impl Tier {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if is_slug(s, 32) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::BadId { what: "tier", value: s.to_string() })
        }
    }
}
string_newtype!(Tier);

/// The prefix of ticket keys for an account: 1 to 10 uppercase ASCII letters or digits,
/// starting with a letter (`ACME` gives `ACME-42`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyPrefix(String);

impl KeyPrefix {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = !s.is_empty()
            && s.len() <= 10
            && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::BadKeyPrefix(s.to_string()))
        }
    }

    /// The prefix for tickets without an account prefix: `T`.
    pub fn default_prefix() -> Self {
        Self("T".to_string())
    }
}
string_newtype!(KeyPrefix);

/// A human-friendly ticket key, `PREFIX-NUMBER`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketKey {
    prefix: KeyPrefix,
    number: u32,
}

impl TicketKey {
    pub fn new(prefix: KeyPrefix, number: u32) -> Self {
        Self { prefix, number }
    }

    /// Parses `ACME-42`; lowercase input (`acme-42`) is accepted, as people type it.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::BadTicketKey(s.to_string());
        let (p, n) = s.trim().rsplit_once('-').ok_or_else(bad)?;
        let prefix = KeyPrefix::parse(&p.to_ascii_uppercase()).map_err(|_| bad())?;
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let number: u32 = n.parse().map_err(|_| bad())?;
        if number == 0 {
            return Err(bad());
        }
        Ok(Self { prefix, number })
    }

    pub fn prefix(&self) -> &KeyPrefix {
        &self.prefix
    }
    pub fn number(&self) -> u32 {
        self.number
    }
}

impl fmt::Display for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.number)
    }
}
impl FromStr for TicketKey {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl TryFrom<String> for TicketKey {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<TicketKey> for String {
    fn from(v: TicketKey) -> String {
        v.to_string()
    }
}

/// A non-blank display name, trimmed, at most 200 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.is_empty() {
            Err(DomainError::Blank("name"))
        } else if t.chars().count() > 200 {
            Err(DomainError::TooLong { what: "name", max: 200 })
        } else if t.chars().any(char::is_control) {
            Err(DomainError::ControlCharacters("name"))
        } else {
            Ok(Self(t.to_string()))
        }
    }
}
string_newtype!(Name);

/// A ticket title: one line, not blank, at most [`Title::MAX_CHARS`] code points. Longer
/// text is shortened on a grapheme cluster boundary with an ellipsis by [`Title::from_message`]; [`Title::parse`] rejects it instead.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 150;

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.is_empty() {
            Err(DomainError::Blank("title"))
        } else if t.chars().count() > Self::MAX_CHARS {
            Err(DomainError::TooLong { what: "title", max: Self::MAX_CHARS })
        } else if t.chars().any(char::is_control) {
            Err(DomainError::ControlCharacters("title"))
        } else {
            Ok(Self(t.to_string()))
        }
    }

    /// A title from the first line of a chat message, shortened if needed. `None` when the
    /// message has no visible text.
    pub fn from_message(text: &str) -> Option<Self> {
        let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
        let clean: String = line.chars().filter(|c| !c.is_control()).collect();
        let clean = clean.trim();
        if clean.is_empty() {
            return None;
        }
        // Cut between grapheme clusters: never half an emoji or a Thai vowel without its consonant.
        Some(Self(crate::i18n::text::truncate(clean, Self::MAX_CHARS)))
    }
}
string_newtype!(Title);

/// An e-mail address: one `@`, a non-empty local part and a dotted domain, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let bad = || DomainError::BadEmail(s.to_string());
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && t.len() <= 254
            && !t.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(t.to_string()))
        } else {
            Err(bad())
        }
    }
}
string_newtype!(Email);

/// A tag on a ticket: lowercase, any script, no spaces; `bug:login-loop` style namespaces
/// allowed. Input is lowercased and spaces become `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t: String = s.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
        let ok = !t.is_empty()
            && t.chars().count() <= 64
            && !t.starts_with(':')
            && !t.ends_with(':')
            // Any script: letters, digits and combining marks (Thai vowels, Persian diacritics).
            && t.chars().all(|c| {
                c.is_alphanumeric()
                    || matches!(c, '-' | '_' | ':' | '.' | '/')
                    || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
            });
        if ok {
            Ok(Self(t))
        } else {
            Err(DomainError::BadTag(s.to_string()))
        }
    }

    /// `bug` for `bug:login-loop`, if the tag has a namespace.
    pub fn namespace(&self) -> Option<&str> {
        self.0.split_once(':').map(|(ns, _)| ns)
    }
}
string_newtype!(Tag);

/// An ISO 4217 currency code such as `USD` or `SEK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim().to_ascii_uppercase();
        match t.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(DomainError::BadCurrency(s.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl TryFrom<String> for Currency {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Currency> for String {
    fn from(v: Currency) -> String {
        v.to_string()
    }
}

/// Annual recurring revenue, in whole units of a currency (ARR is never quoted in cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Arr {
    amount: u64,
    currency: Currency,
}

impl Arr {
    pub fn new(amount: u64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// From a signed figure (as stored or imported): negative ARR is an error.
    pub fn from_signed(amount: i64, currency: Currency) -> Result<Self, DomainError> {
        u64::try_from(amount)
            .map(|amount| Self { amount, currency })
            .map_err(|_| DomainError::NegativeArr(amount))
    }

    pub fn amount(&self) -> u64 {
        self.amount
    }
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

/// A BCP 47 language tag such as `en-US`, `sv-SE`, `th`, `fa`, `ru`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(unic_langid::LanguageIdentifier);

impl Locale {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        s.trim()
            .replace('_', "-")
            .parse::<unic_langid::LanguageIdentifier>()
            .ok()
            .filter(|l| !l.language.is_empty())
            .map(Self)
            .ok_or_else(|| DomainError::BadLocale(s.to_string()))
    }

    pub fn langid(&self) -> &unic_langid::LanguageIdentifier {
        &self.0
    }
}
impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl FromStr for Locale {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
impl TryFrom<String> for Locale {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Locale> for String {
    fn from(v: Locale) -> String {
        v.to_string()
    }
}

/// A CSAT rating, 1 (very unhappy) to 5 (very happy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(v: u8) -> Result<Self, DomainError> {
        if (1..=5).contains(&v) {
            Ok(Self(v))
        } else {
            Err(DomainError::OutOfRange { what: "CSAT rating", min: 1, max: 5, value: v as i64 })
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
}
impl TryFrom<u8> for Rating {
    type Error = DomainError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}
impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// A signal name imported from a CRM (e.g. `usage_trend`, `nps`, `seats`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SignalName(String);

impl SignalName {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if is_slug(s, 64) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::BadId { what: "signal name", value: s.to_string() })
        }
    }
}
string_newtype!(SignalName);
