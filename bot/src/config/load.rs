//! Loading and checking configuration.
//!
//! Sources, later ones overriding earlier ones:
//! 1. the TOML file given on the command line; without one, `baton.toml` in the current
//!    directory; without that, the example configuration built into the binary
//!    ([`EXAMPLE_CONFIG`]: demo accounts and people for the shell adapter);
//! 2. environment variables `BATON_<SECTION>__<KEY>`: the prefix `BATON_`, then the key path
//!    with `__` between levels (`BATON_DATABASE__URL` sets `database.url`,
//!    `BATON_SLACK__SIGNING_SECRET` sets `slack.signing_secret`). Variables without `__`
//!    (such as `BATON_LOG`) are not configuration keys and are left alone.
//!
//! [`check`] reports every problem it can find at once, each with its key path
//! (`accounts[1].csm: …`): unknown keys, values of the wrong type, and values that make no
//! sense (unknown time zones, bad cron expressions, references to missing people, …).
//! [`load`] refuses to return a configuration with any such problem.

use crate::config::{EscalationConfig, HandoffConfig, HealthConfig, SlaConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::checks::{self, join_key, Indexed};
use super::{
    AccountConfig, ChannelConfig, Config, DatabaseConfig, DigestConfig, DiscordConfig, GeneralConfig,
    HttpConfig, PersonConfig, SlackConfig, TicketsConfig,
};
use crate::domain::{Account, Person};

/// The annotated example configuration, built into the binary: what `baton` runs with when
/// there is no configuration file.
pub const EXAMPLE_CONFIG: &str = include_str!("../../../config/baton.example.toml");

/// The file read when no path is given, if it exists in the current directory.
pub const DEFAULT_FILE: &str = "baton.toml";

/// One problem in the configuration, with the key path it concerns (`accounts[1].csm`,
/// `slack.bot_token`), or the file's path for problems with the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { key: key.into(), message: message.into() }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The configuration cannot be used; lists every problem found.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<Problem>);

/// Loads the configuration (see the module docs for the sources), failing with every problem
/// [`check`] would report.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let source = Source::find(path).map_err(|p| ConfigError(vec![p]))?;
    let (config, problems) = read(&source.figment(true), &source);
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => Err(ConfigError(problems)),
    }
}

/// Every problem in the configuration [`load`] would read, each with its key path. Empty when
/// the configuration is fine.
pub fn check(path: Option<&Path>) -> Vec<Problem> {
    match Source::find(path) {
        Ok(source) => read(&source.figment(true), &source).1,
        Err(p) => vec![p],
    }
}

/// The accounts and people declared in the configuration, as domain values (a person's
/// `slack_id` becomes their Slack handle, `discord_id` their Discord handle).
pub fn to_domain(config: &Config) -> Result<(Vec<Account>, Vec<Person>), ConfigError> {
    let v = checks::validate(&Indexed::whole(config));
    if v.problems.is_empty() {
        Ok((v.accounts, v.people))
    } else {
        Err(ConfigError(v.problems))
    }
}

/// Where the TOML comes from.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Example,
    #[cfg(test)]
    Text(String),
}

impl Source {
    fn find(path: Option<&Path>) -> Result<Self, Problem> {
        match path {
            Some(p) if p.is_file() => Ok(Source::File(p.to_path_buf())),
            Some(p) if p.exists() => Err(Problem::new(p.display().to_string(), "is not a file")),
            Some(p) => Err(Problem::new(
                p.display().to_string(),
                "no such configuration file (without --config, baton reads ./baton.toml or its built-in example)",
            )),
            None if Path::new(DEFAULT_FILE).is_file() => Ok(Source::File(PathBuf::from(DEFAULT_FILE))),
            None => Ok(Source::Example),
        }
    }

    /// How problems with the source as a whole are labelled.
    fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Example => "(built-in example configuration)".into(),
            #[cfg(test)]
            Source::Text(_) => "(text)".into(),
        }
    }

    fn figment(&self, env: bool) -> Figment {
        let figment = match self {
            Source::File(p) => Figment::from(Toml::file_exact(p)),
            Source::Example => Figment::from(Toml::string(EXAMPLE_CONFIG)),
            #[cfg(test)]
            Source::Text(t) => Figment::from(Toml::string(t)),
        };
        if env {
            // Only `BATON_X__Y` variables: every setting is at least two levels deep, and
            // variables such as BATON_LOG or BATON_CONFIG belong to the command line.
            figment.merge(Env::prefixed(ENV_PREFIX).split("__").filter(|k| k.as_str().contains('.')))
        } else {
            figment
        }
    }
}

const ENV_PREFIX: &str = "BATON_";

/// Keys whose values are secrets: never quoted in a problem.
const SECRET_KEYS: &[&str] = &["bot_token", "signing_secret", "app_token", "token", "signals_token"];

/// The top-level keys, in the order the checks report them.
const SECTIONS: &[&str] = &[
    "database", "http", "general", "tickets", "channels", "accounts", "people", "digests", "sla", "health", "escalation",
    "handoff", "slack", "discord", "api",
];

/// Reads and checks the merged configuration. The config is `None` only when it could not be
/// read at all; problems are reported either way.
fn read(figment: &Figment, source: &Source) -> (Option<Config>, Vec<Problem>) {
    let root = match figment.find_value("") {
        Ok(v) => v,
        Err(e) => {
            let problems = e.into_iter().map(|e| Problem::new(source.label(), e.to_string())).collect();
            return (None, problems);
        }
    };
    let empty = Dict::new();
    let dict = root.as_dict().unwrap_or(&empty);
    let mut r = Reader { problems: Vec::new() };

    for key in dict.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            r.unknown(key, SECTIONS);
        }
    }

    let database: Option<DatabaseConfig> = r.section(dict, "database");
    let http: Option<HttpConfig> = r.section(dict, "http");
    let general_value = dict.get("general");
    let general: Option<GeneralConfig> = r.section(dict, "general");
    let tickets: Option<TicketsConfig> = r.section(dict, "tickets");
    let channels: Vec<(usize, ChannelConfig)> = r.list(dict, "channels");
    let accounts: Vec<(usize, AccountConfig)> = r.list(dict, "accounts");
    let people: Vec<(usize, PersonConfig)> = r.list(dict, "people");
    let digests: Vec<(usize, DigestConfig)> = r.list(dict, "digests");
    let sla: Option<SlaConfig> = r.section(dict, "sla");
    let health: Option<HealthConfig> = r.section(dict, "health");
    let escalation: Option<EscalationConfig> = r.section(dict, "escalation");
    let handoff: Option<HandoffConfig> = r.section(dict, "handoff");
    let slack: Option<SlackConfig> = r.section(dict, "slack");
    let discord: Option<DiscordConfig> = r.section(dict, "discord");
    let api: Option<super::ApiConfig> = r.section(dict, "api");

    // Ids of list entries that did not deserialize, so references to them are not reported
    // as missing on top of their own problems.
    let raw_list = |name: &str| -> Vec<&Value> {
        dict.get(name).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
    };
    let field = |v: &Value, f: &str| v.find_ref(f).and_then(Value::as_str).map(|s| s.trim().to_string());
    let broken_accounts: BTreeSet<String> = raw_list("accounts")
        .iter()
        .enumerate()
        .filter(|(i, _)| !accounts.iter().any(|(j, _)| j == i))
        .filter_map(|(_, v)| field(v, "id"))
        .collect();
    let broken_people: BTreeMap<String, Option<String>> = raw_list("people")
        .iter()
        .enumerate()
        .filter(|(i, _)| !people.iter().any(|(j, _)| j == i))
        .filter_map(|(_, v)| Some((field(v, "id")?, field(v, "role"))))
        .collect();

    let general_broken = general_value.is_some() && general.is_none();
    let mut config = Config {
        database: database.unwrap_or_default(),
        http: http.unwrap_or_default(),
        general: general.unwrap_or_default(),
        tickets: tickets.unwrap_or_default(),
        channels: channels.iter().map(|(_, c)| c.clone()).collect(),
        accounts: accounts.iter().map(|(_, c)| c.clone()).collect(),
        people: people.iter().map(|(_, c)| c.clone()).collect(),
        digests: digests.iter().map(|(_, c)| c.clone()).collect(),
        sla: sla.unwrap_or_default(),
        health: health.unwrap_or_default(),
        escalation: escalation.unwrap_or_default(),
        handoff: handoff.unwrap_or_default(),
        slack,
        discord,
        api: api.unwrap_or_default(),
    };
    read_secret_files(&mut config, &mut r.problems);
    let ix = Indexed {
        config: &config,
        channels: channels.iter().map(|(i, _)| *i).collect(),
        accounts: accounts.iter().map(|(i, _)| *i).collect(),
        people: people.iter().map(|(i, _)| *i).collect(),
        digests: digests.iter().map(|(i, _)| *i).collect(),
        broken_accounts,
        broken_people,
        general_broken,
    };
    let mut problems = r.problems;
    problems.extend(checks::validate(&ix).problems);

    // Say which environment variable set a value, so nobody hunts for it in the file.
    for p in &mut problems {
        if let Some(var) = env_origin(figment, &root, &p.key) {
            p.message.push_str(&format!(" (set by the environment variable {var})"));
        }
    }
    let mut seen = BTreeSet::new();
    problems.retain(|p| seen.insert((p.key.clone(), p.message.clone())));
    // In file order: by section, then by entry; problems within an entry keep their order.
    problems.sort_by_key(|p| position(&p.key));
    (Some(config), problems)
}

/// Fills each secret whose `…_file` key names a file with that file's content (without its
/// trailing line break), e.g. a Docker or Kubernetes secret mounted read-only. The secret is
/// never quoted in a problem, and setting both the value and its file is a problem.
fn read_secret_files(config: &mut Config, problems: &mut Vec<Problem>) {
    fn read(key: &str, value: &mut Option<SecretString>, file: Option<&Path>, problems: &mut Vec<Problem>) {
        let Some(path) = file else { return };
        let file_key = format!("{key}_file");
        if value.is_some() {
            problems.push(Problem::new(file_key, format!("set either {key} or {key}_file, not both")));
            return;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let secret = text.trim_end_matches(['\n', '\r']);
                if secret.trim().is_empty() {
                    problems.push(Problem::new(file_key, format!("{} is empty", path.display())));
                } else {
                    *value = Some(SecretString::from(secret.to_string()));
                }
            }
            Err(e) => problems.push(Problem::new(file_key, format!("cannot read {}: {e}", path.display()))),
        }
    }
    if let Some(s) = &mut config.slack {
        read("slack.bot_token", &mut s.bot_token, s.bot_token_file.as_deref(), problems);
        read("slack.signing_secret", &mut s.signing_secret, s.signing_secret_file.as_deref(), problems);
        read("slack.app_token", &mut s.app_token, s.app_token_file.as_deref(), problems);
    }
    if let Some(d) = &mut config.discord {
        read("discord.token", &mut d.token, d.token_file.as_deref(), problems);
    }
    let api = &mut config.api;
    read("api.signals_token", &mut api.signals_token, api.signals_token_file.as_deref(), problems);
}

/// Where a key sorts: its section's place in [`SECTIONS`], then its list index.
fn position(key: &str) -> (usize, usize) {
    let section = key.split(['.', '[']).next().unwrap_or(key);
    let rank = SECTIONS.iter().position(|s| *s == section).unwrap_or(SECTIONS.len());
    let index = key
        .strip_prefix(section)
        .and_then(|r| r.strip_prefix('['))
        .and_then(|r| r.split(']').next())
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    (rank, index)
}

/// `BATON_X__Y` if the value at `key` (a plain dotted path) came from the environment.
fn env_origin(figment: &Figment, root: &Value, key: &str) -> Option<String> {
    if key.contains('[') {
        return None;
    }
    let value = root.find_ref(key)?;
    let md = figment.get_metadata(value.tag())?;
    let var = format!("{ENV_PREFIX}{}", key.replace('.', "__").to_ascii_uppercase());
    // A whole table from the environment came from variables below it.
    let var = if value.as_dict().is_some() { format!("{var}__…") } else { var };
    md.name.contains("environment").then_some(var)
}

/// Deserializes sections and list entries one by one, so one mistake does not hide others.
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn section<T: DeserializeOwned>(&mut self, dict: &Dict, name: &str) -> Option<T> {
        let value = dict.get(name)?;
        if value.as_dict().is_none() {
            self.problems
                .push(Problem::new(name, format!("must be a table ([{name}]), found {}", describe(value))));
            return None;
        }
        self.value(value, name)
    }

    fn list<T: DeserializeOwned>(&mut self, dict: &Dict, name: &str) -> Vec<(usize, T)> {
        let Some(value) = dict.get(name) else { return Vec::new() };
        let Some(items) = value.as_array() else {
            self.problems.push(Problem::new(
                name,
                format!("must be a list of tables ([[{name}]] entries), found {}", describe(value)),
            ));
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let key = format!("{name}[{i}]");
                if item.as_dict().is_none() {
                    self.problems
                        .push(Problem::new(&key, format!("must be a table, found {}", describe(item))));
                    return None;
                }
                self.value(item, &key).map(|v| (i, v))
            })
            .collect()
    }

    /// Deserializes one value, reporting unknown keys (with a suggestion) and the first type
    /// error, both with their full key path.
    fn value<T: DeserializeOwned>(&mut self, value: &Value, key: &str) -> Option<T> {
        let mut unknown = Vec::new();
        let result: Result<T, figment::Error> =
            serde_ignored::deserialize(value, |path| unknown.push(path_segments(&path)));
        let fields = struct_fields::<T>();
        for segments in unknown {
            let name = segments.last().cloned().unwrap_or_default();
            let full = segments.iter().fold(key.to_string(), |k, s| join_key(&k, s));
            // Suggestions only for keys directly in this struct.
            let expected: &[&str] = if segments.len() == 1 { fields } else { &[] };
            self.unknown_at(full, &name, expected);
        }
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let path = e.path.iter().fold(key.to_string(), |k, s| {
                    join_key(&k, &if s.parse::<usize>().is_ok() { format!("[{s}]") } else { s.clone() })
                });
                let secret = e.path.last().is_some_and(|k| SECRET_KEYS.contains(&k.as_str()));
                let problem = match &e.kind {
                    figment::error::Kind::MissingField(f) => Problem::new(join_key(&path, f), "is required"),
                    // Type errors quote the value; a secret's value is never shown.
                    _ if secret => {
                        Problem::new(path, "must be a string (the value is not shown: it is a secret)")
                    }
                    kind => Problem::new(path, kind.to_string()),
                };
                self.problems.push(problem);
                None
            }
        }
    }

    fn unknown(&mut self, key: &str, expected: &[&str]) {
        self.unknown_at(key.to_string(), key, expected);
    }

    fn unknown_at(&mut self, full: String, name: &str, expected: &[&str]) {
        let message = match suggest(name, expected) {
            Some(s) => format!("unknown key (did you mean `{s}`?)"),
            None => "unknown key".to_string(),
        };
        self.problems.push(Problem::new(full, message));
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::String(..) => "a string",
        Value::Char(..) => "a character",
        Value::Bool(..) => "a boolean",
        Value::Num(..) => "a number",
        Value::Empty(..) => "nothing",
        Value::Dict(..) => "a table",
        Value::Array(..) => "a list",
    }
}

/// A `serde_ignored` path as key segments: `["signals"]`, `["[2]", "x"]`.
fn path_segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut v = path_segments(parent);
            v.push(format!("[{index}]"));
            v
        }
        Path::Map { parent, key } => {
            let mut v = path_segments(parent);
            v.push(key.clone());
            v
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            path_segments(parent)
        }
    }
}

/// The field names a derived `Deserialize` struct declares.
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The closest expected key, if one is close enough to be a typo.
fn suggest<'a>(name: &str, expected: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    expected
        .iter()
        .map(|e| (edit_distance(name, e), *e))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e)
}

/// Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks TOML text without environment variables.
    fn check_text(toml: &str) -> Vec<Problem> {
        let source = Source::Text(toml.to_string());
        read(&source.figment(false), &source).1
    }

    fn keys(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.key.as_str()).collect()
    }

    fn find<'a>(problems: &'a [Problem], key: &str) -> &'a Problem {
        problems
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("no problem at {key}; got:\n{}", ConfigError(problems.to_vec())))
    }

    #[test]
    fn embedded_example_is_valid() {
        let problems = check_text(EXAMPLE_CONFIG);
        assert!(problems.is_empty(), "{}", ConfigError(problems));
        let source = Source::Example;
        let (config, problems) = read(&source.figment(false), &source);
        assert!(problems.is_empty());
        let config = config.unwrap();
        assert_eq!(config.database.url, "sqlite://baton.db");
        assert_eq!(config.http.bind, "127.0.0.1:8080");
        let (accounts, people) = to_domain(&config).unwrap();
        let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
        assert!(ids.contains(&"acme") && ids.contains(&"globex"), "{ids:?}");
        let acme = accounts.iter().find(|a| a.id.as_str() == "acme").unwrap();
        assert_eq!(acme.key_prefix.as_ref().unwrap().as_str(), "ACME");
        assert_eq!(acme.arr.unwrap().amount(), 120_000);
        assert!(acme.channels.contains(&"shell:acme".parse().unwrap()));
        assert!(acme.channels.contains(&"slack:C0ACME0001".parse().unwrap()));
        let globex = accounts.iter().find(|a| a.id.as_str() == "globex").unwrap();
        assert_eq!(globex.arr.unwrap().currency().as_str(), "SEK");
        for id in ["dana", "sam", "lee", "casey", "morgan", "wile"] {
            assert!(people.iter().any(|p| p.id.as_str() == id), "{id} missing");
        }
        let casey = people.iter().find(|p| p.id.as_str() == "casey").unwrap();
        assert!(casey.handles.contains_key(&baton_chat::Platform::Slack));
        let wile = people.iter().find(|p| p.id.as_str() == "wile").unwrap();
        assert_eq!(wile.account.as_ref().unwrap().as_str(), "acme");
        assert_eq!(wile.role, crate::domain::Role::Customer);
        assert!(!config.digests.is_empty());
        assert!(config.slack.is_none() && config.discord.is_none());
    }

    #[test]
    fn no_file_loads_the_example() {
        // The tests run in bot/, which has no baton.toml.
        assert!(!Path::new(DEFAULT_FILE).exists());
        assert!(matches!(Source::find(None), Ok(Source::Example)));
        let missing = Source::find(Some(Path::new("/nonexistent/baton.toml"))).unwrap_err();
        assert_eq!(missing.key, "/nonexistent/baton.toml");
        assert!(missing.message.contains("no such configuration file"));
        let problems = check(Some(Path::new("/nonexistent/baton.toml")));
        assert_eq!(keys(&problems), ["/nonexistent/baton.toml"]);
        let err = load(Some(Path::new("/nonexistent/baton.toml"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/baton.toml: no such configuration file"));
    }

    const BROKEN: &str = r#"
[database]
url = "mysql://root:hunter2@localhost/baton"

[http]
bind = "8080"

[general]
default_locale = "en-US"
time_zone = "Europe/Stockholm"
tiers = ["enterprise", "starter"]
colour = "blue"

[tickets]
reopen_window = "a week"
csat_sample_rate = 1.5
default_priority = "critical"

[[channels]]
channel = "shell:acme"

[[channels]]
channel = "shell:acme"
who_may_open = "anyone"

[[accounts]]
id = "acme"
name = "Acme Corp"
tier = "enterprise"
csm = "casey"
channels = ["shell:acme", "slack:C0ACME0001"]

[[accounts]]
id = "globex"
name = "Globex"
tier = "gold"
currency = "SEKK"
renewal_date = "31/12/2027"
key_prefix = "glx"
csm = "nobody"
channels = ["slack:C0ACME0001", "slack:general"]

[[accounts]]
id = "acme"
name = "Acme again"
tier = "starter"

[[people]]
id = "casey"
name = "Casey"
role = "csm"
slack_id = "casey"

[[people]]
id = "wile"
name = "Wile E."
role = "customer"
account = "roadrunner"
manager = "ghost"
emial = "wile@example.com"

[[people]]
id = "dana"
name = "Dana"
role = "agent"
time_zone = "Mars/Olympus"

[[digests]]
name = "at-risk"
kind = "at-risk"
cron = "0 9 * * 8"
time_zone = "Europe/Stokholm"
destinations = []

[[digests]]
name = "at-risk"
kind = "sla"
cron = "every morning"
time_zone = "UTC"
destinations = ["csm-dm", "slack"]

[slack]
bot_tokn = "xoxb-1"
"#;

    #[test]
    fn claim_lease_and_shutdown_grace_are_checked() {
        let problems = check_text("[general]\nclaim_lease = \"1s\"\nshutdown_grace = \"soon\"\n");
        assert!(find(&problems, "general.claim_lease").message.contains("at least 2s"), "{problems:?}");
        assert!(find(&problems, "general.shutdown_grace").message.contains("not a duration"), "{problems:?}");
        let short = check_text("[general]\ninbox_retention = \"10m\"\n");
        assert!(find(&short, "general.inbox_retention").message.contains("at least 1h"), "{short:?}");
        let fine = check_text("[general]\nclaim_lease = \"5s\"\nshutdown_grace = \"1m30s\"\ninbox_retention = \"2d\"\n");
        assert!(!keys(&fine).iter().any(|k| k.starts_with("general.")), "{fine:?}");
        let general = super::super::GeneralConfig { claim_lease: "5s".into(), shutdown_grace: "1m30s".into(), ..Default::default() };
        assert_eq!((general.claim_lease(), general.shutdown_grace()), (std::time::Duration::from_secs(5), std::time::Duration::from_secs(90)));
    }

    #[test]
    fn a_zero_discord_role_or_guild_id_is_refused() {
        let problems = check_text("[discord]\ntoken = \"t\"\nstaff_role_ids = [0, 42]\n");
        assert!(find(&problems, "discord.staff_role_ids").message.contains("holds 0"), "{problems:?}");
        let problems = check_text("[discord]\ntoken = \"t\"\nguild_ids = [0]\n");
        assert!(find(&problems, "discord.guild_ids").message.contains("holds 0"), "{problems:?}");
        let fine = check_text("[discord]\ntoken = \"t\"\nstaff_role_ids = [42]\nguild_ids = [7]\n");
        assert!(!keys(&fine).iter().any(|k| k.starts_with("discord.")), "{fine:?}");
    }

    #[test]
    fn broken_config_reports_every_problem_with_its_key() {
        let problems = check_text(BROKEN);
        let all = ConfigError(problems.clone()).to_string();
        // Unknown keys, with a suggestion where one is close.
        assert!(find(&problems, "slack.bot_tokn").message.contains("did you mean `bot_token`"), "{all}");
        assert!(find(&problems, "people[1].emial").message.contains("did you mean `email`"), "{all}");
        assert!(find(&problems, "general.colour").message.contains("unknown key"), "{all}");
        // Bad cron, unknown time zones.
        assert!(find(&problems, "digests[0].cron").message.contains("not a day of the week"), "{all}");
        assert!(find(&problems, "digests[1].cron").message.contains("2 fields"), "{all}");
        assert!(find(&problems, "digests[0].time_zone")
            .message
            .contains("`Europe/Stokholm` is not a known time zone"));
        assert!(find(&problems, "people[2].time_zone").message.contains("Mars/Olympus"));
        assert!(find(&problems, "digests[0].destinations").message.contains("at least one"));
        assert!(find(&problems, "digests[1].destinations[1]").message.contains("csm-dm"));
        assert!(find(&problems, "digests[1].name").message.contains("already used by digests[0]"));
        // A channel mapped to two accounts, naming both; a channel listed twice.
        let twice = find(&problems, "accounts[1].channels[0]");
        assert!(
            twice.message.contains("`acme` (accounts[0])")
                && twice.message.contains("`globex` (accounts[1])"),
            "{all}"
        );
        assert!(find(&problems, "accounts[1].channels[1]").message.contains("not a Slack channel"));
        assert!(find(&problems, "channels[1].channel").message.contains("listed twice"));
        // References to people and accounts that do not exist.
        assert!(find(&problems, "accounts[1].csm").message.contains("`nobody` is not a person"), "{all}");
        assert!(find(&problems, "people[1].manager").message.contains("`ghost` is not a person"));
        assert!(find(&problems, "people[1].account").message.contains("`roadrunner` is not an account"));
        assert!(find(&problems, "accounts[2].id").message.contains("already used by accounts[0]"));
        // Account fields.
        assert!(find(&problems, "accounts[1].tier").message.contains("`gold` is not a configured tier"));
        assert!(find(&problems, "accounts[1].currency").message.contains("ISO 4217"));
        assert!(find(&problems, "accounts[1].renewal_date").message.contains("YYYY-MM-DD"));
        assert!(find(&problems, "accounts[1].key_prefix").message.contains("uppercase"));
        assert!(find(&problems, "people[0].slack_id").message.contains("not a Slack user id"));
        // Sections.
        let db = find(&problems, "database.url");
        assert!(db.message.contains("`mysql`") && !db.message.contains("hunter2"), "{all}");
        assert!(find(&problems, "http.bind").message.contains("address:port"));
        assert!(find(&problems, "tickets.reopen_window").message.contains("not a duration"));
        assert!(find(&problems, "tickets.csat_sample_rate").message.contains("between 0 and 1"));
        assert!(find(&problems, "tickets.default_priority").message.contains("not a priority"));
        assert!(find(&problems, "slack.signing_secret").message.contains("BATON_SLACK__SIGNING_SECRET"));
        // Displayed as `key: message`, all of them in the error.
        assert!(all.contains("\n  accounts[1].csm: `nobody` is not a person"), "{all}");
        assert!(!all.contains("xoxb-1") && !all.contains("hunter2"));
    }

    #[test]
    fn type_errors_carry_their_path_and_do_not_hide_other_entries() {
        let problems = check_text(
            r#"
            [http]
            bind = 8080

            [[accounts]]
            id = "acme"
            name = "Acme"
            tier = "enterprise"
            arr = "lots"

            [[accounts]]
            id = "globex"
            tier = "enterprise"
            csm = "casey"

            [[people]]
            id = "wile"
            name = "Wile"
            role = "customer"
            account = "acme"

            [[digests]]
            name = "d"
            kind = "weekly"
            cron = "0 9 * * 1"
            time_zone = "UTC"
            destinations = ["csm-dm"]
            "#,
        );
        let all = ConfigError(problems.clone()).to_string();
        assert!(find(&problems, "http.bind").message.contains("expected a string"), "{all}");
        assert!(find(&problems, "accounts[0].arr").message.contains("invalid type"), "{all}");
        assert!(find(&problems, "accounts[1].name").message.contains("required"), "{all}");
        assert!(find(&problems, "digests[0].kind").message.contains("at-risk"), "{all}");
        // `acme` did not deserialize, but wile's reference to it is not reported again.
        assert!(!problems.iter().any(|p| p.key == "people[0].account"), "{all}");
        // Unknown top-level keys are reported too.
        let problems = check_text("[peopel]\nx = 1\n");
        assert_eq!(problems[0].to_string(), "peopel: unknown key (did you mean `people`?)");
        // TOML syntax errors name the source.
        let problems = check_text("[http\nbind = 1");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "(text)");
    }

    #[test]
    fn csm_roles_and_handles() {
        let problems = check_text(
            r#"
            [[accounts]]
            id = "acme"
            name = "Acme"
            tier = "enterprise"
            csm = "dana"

            [[people]]
            id = "dana"
            name = "Dana"
            role = "agent"
            slack_id = "U0DANA0001"
            discord_id = "x1"

            [[people]]
            id = "sam"
            name = "Sam"
            role = "agent"
            slack_id = "U0DANA0001"
            account = "acme"
            "#,
        );
        let all = ConfigError(problems.clone()).to_string();
        assert!(
            find(&problems, "accounts[0].csm").message.contains("must have role csm, lead or manager"),
            "{all}"
        );
        assert!(find(&problems, "people[0].discord_id").message.contains("not a Discord user id"), "{all}");
        assert!(find(&problems, "people[1].slack_id").message.contains("already people[0]"), "{all}");
        assert!(find(&problems, "people[1].account").message.contains("only customers"), "{all}");
    }

    /// Runs [`environment_child`] in a child process with exactly these `BATON_…` variables
    /// (the variables are never changed in this process, where other tests run in parallel).
    fn in_child(scenario: &str, file: &Path, vars: &[(&str, &str)]) {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "config::load::tests::environment_child", "--ignored", "--test-threads=1"])
            .env("CONFIG_TEST_SCENARIO", scenario)
            .env("CONFIG_TEST_FILE", file);
        for (k, _) in std::env::vars().filter(|(k, _)| k.to_ascii_uppercase().starts_with(ENV_PREFIX)) {
            cmd.env_remove(k);
        }
        cmd.envs(vars.iter().copied());
        let out = cmd.output().unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && text.contains("1 passed"), "scenario {scenario} failed:\n{text}");
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baton.toml");
        std::fs::write(&path, "[database]\nurl = \"sqlite://file.db\"\n[http]\nbind = \"127.0.0.1:9000\"\n")
            .unwrap();
        in_child("file", &path, &[]);
        in_child(
            "override",
            &path,
            &[
                ("BATON_DATABASE__URL", "postgres://baton:secret@db.internal/baton"),
                ("BATON_HTTP__BIND", "0.0.0.0:8081"),
                ("BATON_SLACK__BOT_TOKEN", "xoxb-from-env"),
                ("BATON_SLACK__SIGNING_SECRET", "s3cr3t-from-env"),
                // Not a configuration key (no `__`): left alone.
                ("BATON_LOG", "debug"),
            ],
        );
        in_child(
            "mistakes",
            &path,
            &[
                ("BATON_HTTP__BIND", "nowhere"),
                ("BATON_SLACK__BOT_TOKN", "xoxb-typo"),
                ("BATON_SLAKC__BOT_TOKEN", "xoxb-typo"),
            ],
        );
        in_child("example", &path, &[("BATON_HTTP__BIND", "127.0.0.1:7000")]);
    }

    /// The child half of [`file_then_environment`]; does nothing when run on its own.
    #[test]
    #[ignore = "run by file_then_environment in a child process"]
    fn environment_child() {
        let (Ok(scenario), Ok(file)) =
            (std::env::var("CONFIG_TEST_SCENARIO"), std::env::var("CONFIG_TEST_FILE"))
        else {
            return;
        };
        let path = Path::new(&file);
        match scenario.as_str() {
            "file" => {
                let config = load(Some(path)).unwrap();
                assert_eq!(config.database.url, "sqlite://file.db");
                assert_eq!(config.http.bind, "127.0.0.1:9000");
                assert!(config.slack.is_none());
            }
            "override" => {
                let config = load(Some(path)).unwrap();
                assert_eq!(config.database.url, "postgres://baton:secret@db.internal/baton");
                assert_eq!(config.http.bind, "0.0.0.0:8081");
                use secrecy::ExposeSecret;
                let slack = config.slack.as_ref().unwrap();
                assert_eq!(slack.bot_token.as_ref().unwrap().expose_secret(), "xoxb-from-env");
                assert_eq!(slack.signing_secret.as_ref().unwrap().expose_secret(), "s3cr3t-from-env");
                assert_eq!(slack.mode, "http");
                let debug = format!("{config:?}");
                assert!(
                    !debug.contains("xoxb-from-env")
                        && !debug.contains("s3cr3t")
                        && !debug.contains(":secret@"),
                    "{debug}"
                );
            }
            "mistakes" => {
                let err = load(Some(path)).unwrap_err();
                let all = err.to_string();
                assert!(
                    find(&err.0, "http.bind")
                        .message
                        .contains("(set by the environment variable BATON_HTTP__BIND)"),
                    "{all}"
                );
                assert!(find(&err.0, "slack.bot_tokn").message.contains("BATON_SLACK__BOT_TOKN"), "{all}");
                let slak = find(&err.0, "slakc");
                assert!(
                    slak.message
                        .contains("did you mean `slack`?) (set by the environment variable BATON_SLAKC__…)"),
                    "{all}"
                );
                assert!(!all.contains("xoxb-typo"));
                assert_eq!(check(Some(path)), err.0);
            }
            "example" => {
                // No file given and no ./baton.toml: the example, with the environment on top.
                let config = load(None).unwrap();
                assert_eq!(config.http.bind, "127.0.0.1:7000");
                assert!(config.accounts.iter().any(|a| a.id == "acme"));
            }
            other => panic!("unknown scenario {other}"),
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        let source = Source::Text(
            r#"
            [slack]
            bot_token = "xoxb-very-secret-token"
            signing_secret = "signing-very-secret"
            app_token = "xapp-very-secret"

            [discord]
            token = "discord-very-secret"

            [api]
            signals_token = "signals-very-secret-0123456789"
            "#
            .into(),
        );
        let (config, problems) = read(&source.figment(false), &source);
        assert!(problems.is_empty(), "{}", ConfigError(problems));
        let config = config.unwrap();
        let debug = format!("{config:?}");
        let pretty = format!("{config:#?}");
        assert!(debug.contains("bot_token") && debug.contains("signals_token"), "{debug}");
        let secrets = [
            "xoxb-very-secret-token",
            "signing-very-secret",
            "xapp-very-secret",
            "discord-very-secret",
            "signals-very-secret-0123456789",
        ];
        for secret in secrets {
            assert!(!debug.contains(secret) && !pretty.contains(secret), "{secret} leaked: {debug}");
        }
        // Each section on its own too (what a log line would print).
        let parts = [format!("{:?}", config.slack), format!("{:?}", config.discord), format!("{:?}", config.api)];
        for (part, secret) in parts.iter().zip([secrets[0], secrets[3], secrets[4]]) {
            assert!(part.contains("REDACTED") && !part.contains(secret), "{part}");
        }
        // Nor in problems: a secret of the wrong type is not quoted.
        let problems = check_text("[slack]\nbot_token = 123456789\nsigning_secret = \"x\"\n");
        let all = ConfigError(problems).to_string();
        assert!(all.contains("slack.bot_token: must be a string") && !all.contains("123456789"), "{all}");
    }

    #[test]
    fn cross_account_content_never_goes_to_an_accounts_channel() {
        let problems = check_text(
            r#"
            [general]
            tiers = ["enterprise"]
            [[accounts]]
            id = "acme"
            name = "Acme"
            tier = "enterprise"
            channels = ["slack:C0ACME0001"]
            [[escalation.levels]]
            name = "Tier 2"
            channel = "slack:C0ACME0001"
            [handoff]
            fallback_channel = " slack:C0ACME0001"
            [[digests]]
            name = "risk"
            kind = "at-risk"
            cron = "0 9 * * 1"
            time_zone = "UTC"
            destinations = ["slack:C0LEADS001", "slack:C0ACME0001"]
            "#,
        );
        let all = ConfigError(problems.clone()).to_string();
        for key in ["escalation.levels[0].channel", "handoff.fallback_channel", "digests[0].destinations[1]"] {
            assert!(
                find(&problems, key).message.starts_with("`slack:C0ACME0001` is a channel of account `acme`"),
                "{all}"
            );
        }
        assert!(!problems.iter().any(|p| p.key == "digests[0].destinations[0]"), "{all}");
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p.display().to_string()
        };
        let bot = file("bot", "xoxb-from-a-file\n");
        let signing = file("signing", "signing-from-a-file\r\n");
        let app = file("app", "xapp-from-a-file");
        let discord = file("discord", "discord-from-a-file\n");
        let signals = file("signals", "signals-from-a-file-0123456789\n");
        let source = Source::Text(format!(
            r#"
            [slack]
            bot_token_file = "{bot}"
            signing_secret_file = "{signing}"
            app_token_file = "{app}"

            [discord]
            token_file = "{discord}"

            [api]
            signals_token_file = "{signals}"
            "#
        ));
        let (config, problems) = read(&source.figment(false), &source);
        assert!(problems.is_empty(), "{}", ConfigError(problems));
        let config = config.unwrap();
        use secrecy::ExposeSecret;
        let slack = config.slack.as_ref().unwrap();
        let shown = |s: &Option<SecretString>| s.as_ref().unwrap().expose_secret().to_string();
        assert_eq!(shown(&slack.bot_token), "xoxb-from-a-file");
        assert_eq!(shown(&slack.signing_secret), "signing-from-a-file");
        assert_eq!(shown(&slack.app_token), "xapp-from-a-file");
        assert_eq!(shown(&config.discord.as_ref().unwrap().token), "discord-from-a-file");
        assert_eq!(shown(&config.api.signals_token), "signals-from-a-file-0123456789");
        let debug = format!("{config:?}");
        assert!(!debug.contains("from-a-file"), "{debug}");

        // A missing or empty file, or a value and a file both: each a problem with its key,
        // never quoting a secret.
        let empty = file("empty", "\n");
        let problems = check_text(&format!(
            "[slack]\nbot_token = \"xoxb-inline-secret\"\nbot_token_file = \"{bot}\"\nsigning_secret_file = \"{}\"\n\
             [api]\nsignals_token_file = \"{empty}\"\n",
            dir.path().join("nope").display()
        ));
        let all = ConfigError(problems.clone()).to_string();
        assert!(find(&problems, "slack.bot_token_file").message.contains("not both"), "{all}");
        assert!(find(&problems, "slack.signing_secret_file").message.starts_with("cannot read"), "{all}");
        assert!(find(&problems, "api.signals_token_file").message.ends_with("is empty"), "{all}");
        assert!(!all.contains("xoxb-inline-secret") && !all.contains("xoxb-from-a-file"), "{all}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("bot_tokn", &["bot_token", "app_token"]), Some("bot_token"));
        assert_eq!(suggest("zzz", &["bot_token"]), None);
        assert_eq!(suggest("emial", &["email", "name"]), Some("email"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            struct_fields::<SlackConfig>(),
            ["bot_token", "signing_secret", "app_token", "bot_token_file", "signing_secret_file", "app_token_file", "mode", "api_url"]
        );
    }
}
