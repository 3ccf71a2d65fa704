//! The meaning of the configuration: every rule beyond "the types fit", and the conversion of
//! the file's accounts and people into domain values. The field parsers here are shared with
//! the CSV import, so a value is accepted or refused the same way wherever it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use baton_chat::{ChannelRef, Platform, UserId};
use chrono::NaiveDate;

use super::{
    parse_cron, parse_duration, AccountConfig, ChannelConfig, Config, DigestConfig, PersonConfig, Problem,
};
use crate::domain::{
    Account, AccountId, Arr, Currency, Email, KeyPrefix, Locale, Name, Person, PersonId, Priority, Role,
    SignalName, Tier,
};

/// A problem with one field of a record: the field's path inside the record (`tier`,
/// `channels[1]`, `signals.nps`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// `base.field`, or `base[1]` when the field is an index.
pub(crate) fn join_key(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_string()
    } else if field.is_empty() {
        base.to_string()
    } else if field.starts_with('[') {
        format!("{base}{field}")
    } else {
        format!("{base}.{field}")
    }
}

// ---------------------------------------------------------------------------------------------
// Field parsers (shared with the CSV import).

/// A tier: a slug listed in `general.tiers`.
pub(crate) fn parse_tier(s: &str, tiers: &[String]) -> Result<Tier, String> {
    let tier = Tier::parse(s.trim()).map_err(|e| e.to_string())?;
    if tiers.iter().any(|t| t == tier.as_str()) {
        Ok(tier)
    } else {
        Err(format!("`{}` is not a configured tier; general.tiers lists: {}", s.trim(), tiers.join(", ")))
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let shaped = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if shaped => Ok(d),
        _ => Err(format!("`{t}` is not a date: write YYYY-MM-DD, e.g. 2027-03-31")),
    }
}

/// An IANA time zone name such as `Europe/Stockholm`.
pub(crate) fn parse_time_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        format!("`{}` is not a known time zone: use an IANA name such as Europe/Stockholm or UTC", s.trim())
    })
}

pub(crate) fn parse_locale(s: &str) -> Result<Locale, String> {
    Locale::parse(s).map_err(|e| e.to_string())
}

/// Checks a channel id has its platform's shape: Slack `C…`/`G…`/`D…` (uppercase letters and
/// digits), Discord a numeric snowflake; shell channels are free-form.
pub(crate) fn check_channel(c: &ChannelRef) -> Result<(), String> {
    let id = c.channel.as_str();
    match c.platform {
        Platform::Slack if !slack_id(id, &['C', 'G', 'D']) => Err(format!(
            "`{c}` is not a Slack channel: Slack channel ids start with C, G or D followed by \
             uppercase letters and digits (e.g. slack:C024BE91L)"
        )),
        Platform::Discord if !snowflake(id) => Err(format!(
            "`{c}` is not a Discord channel: Discord ids are numbers (e.g. discord:1100000000000000001)"
        )),
        _ => Ok(()),
    }
}

/// A channel reference `platform:id` whose id has the platform's shape.
pub(crate) fn parse_channel(s: &str) -> Result<ChannelRef, String> {
    let c = ChannelRef::parse(s.trim()).map_err(|e| e.to_string())?;
    check_channel(&c)?;
    Ok(c)
}

/// A Slack user id (`U…` or `W…`).
pub(crate) fn parse_slack_user(s: &str) -> Result<UserId, String> {
    let t = s.trim();
    if slack_id(t, &['U', 'W']) {
        UserId::parse(t).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "`{t}` is not a Slack user id: it starts with U or W followed by uppercase letters and digits (e.g. U024BE7LH)"
        ))
    }
}

/// A Discord user id (a numeric snowflake).
pub(crate) fn parse_discord_user(s: &str) -> Result<UserId, String> {
    let t = s.trim();
    if snowflake(t) {
        UserId::parse(t).map_err(|e| e.to_string())
    } else {
        Err(format!("`{t}` is not a Discord user id: Discord ids are numbers (e.g. 80351110224678912)"))
    }
}

fn slack_id(s: &str, prefixes: &[char]) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| prefixes.contains(&c))
        && s.len() >= 3
        && s.len() <= 32
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn snowflake(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0)
}

/// "an agent", "a CSM": a role for a sentence.
pub(crate) fn a_role(role: Role) -> &'static str {
    match role {
        Role::Customer => "a customer",
        Role::Agent => "an agent",
        Role::Csm => "a CSM",
        Role::Lead => "a lead",
        Role::Manager => "a manager",
    }
}

/// Whether a role may be an account's CSM.
pub(crate) fn may_be_csm(role: Role) -> bool {
    matches!(role, Role::Csm | Role::Lead | Role::Manager)
}

// ---------------------------------------------------------------------------------------------
// Records.

/// Converts one `[[accounts]]` entry, reporting every field that is wrong (not references to
/// other records; see [`validate`]).
pub(crate) fn account_from_config(a: &AccountConfig, tiers: &[String]) -> Result<Account, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut field = |name: &str, r: Result<(), String>| {
        if let Err(m) = r {
            problems.push(FieldProblem::new(name, m));
        }
    };
    let id = AccountId::parse(a.id.trim()).map_err(|e| e.to_string());
    let name = Name::parse(&a.name).map_err(|e| e.to_string());
    let tier = parse_tier(&a.tier, tiers);
    let currency = match &a.currency {
        Some(c) => Currency::parse(c).map_err(|e| e.to_string()),
        None => Ok(Currency::USD),
    };
    let arr = match (a.arr, currency.clone()) {
        (Some(n), Ok(c)) => Arr::from_signed(n, c).map(Some).map_err(|e| e.to_string()),
        _ => Ok(None),
    };
    let renewal = a.renewal_date.as_deref().map(parse_date).transpose();
    let csm = a.csm.as_deref().map(|c| PersonId::parse(c.trim()).map_err(|e| e.to_string())).transpose();
    let prefix =
        a.key_prefix.as_deref().map(|p| KeyPrefix::parse(p.trim()).map_err(|e| e.to_string())).transpose();
    let locale = a.locale.as_deref().map(parse_locale).transpose();
    let mut channels = BTreeSet::new();
    for (i, c) in a.channels.iter().enumerate() {
        match parse_channel(c) {
            Ok(c) if !channels.insert(c.clone()) => {
                field(&format!("channels[{i}]"), Err(format!("channel {c} is listed twice for this account")))
            }
            Ok(_) => {}
            Err(m) => field(&format!("channels[{i}]"), Err(m)),
        }
    }
    let mut signals = BTreeMap::new();
    for (k, v) in &a.signals {
        let key = format!("signals.{k}");
        match SignalName::parse(k) {
            Ok(_) if !v.is_finite() => {
                field(&key, Err(format!("the signal value must be a finite number, got {v}")))
            }
            Ok(n) => {
                signals.insert(n, *v);
            }
            Err(e) => field(&key, Err(e.to_string())),
        }
    }
    field("id", id.as_ref().map(|_| ()).map_err(Clone::clone));
    field("name", name.as_ref().map(|_| ()).map_err(Clone::clone));
    field("tier", tier.as_ref().map(|_| ()).map_err(Clone::clone));
    field("arr", arr.as_ref().map(|_| ()).map_err(Clone::clone));
    field("currency", currency.as_ref().map(|_| ()).map_err(Clone::clone));
    field("renewal_date", renewal.as_ref().map(|_| ()).map_err(Clone::clone));
    field("csm", csm.as_ref().map(|_| ()).map_err(Clone::clone));
    field("key_prefix", prefix.as_ref().map(|_| ()).map_err(Clone::clone));
    field("locale", locale.as_ref().map(|_| ()).map_err(Clone::clone));
    // Report in the order fields are written in the file.
    problems.sort_by_key(|p| field_order(&p.field, ACCOUNT_FIELDS));
    match (id, name, tier, arr, renewal, csm, prefix, locale) {
        (Ok(id), Ok(name), Ok(tier), Ok(arr), Ok(renewal_date), Ok(csm), Ok(key_prefix), Ok(locale))
            if problems.is_empty() =>
        {
            Ok(Account {
                arr,
                renewal_date,
                csm,
                key_prefix,
                channels,
                signals,
                locale,
                ..Account::new(id, name, tier)
            })
        }
        _ => Err(problems),
    }
}

const ACCOUNT_FIELDS: &[&str] = &[
    "id",
    "name",
    "tier",
    "arr",
    "currency",
    "renewal_date",
    "csm",
    "key_prefix",
    "channels",
    "signals",
    "locale",
];
const PERSON_FIELDS: &[&str] =
    &["id", "name", "role", "email", "slack_id", "discord_id", "account", "manager", "locale", "time_zone"];

fn field_order(field: &str, order: &[&str]) -> usize {
    let head = field.split(['.', '[']).next().unwrap_or(field);
    order.iter().position(|f| *f == head).unwrap_or(order.len())
}

/// Converts one `[[people]]` entry, reporting every field that is wrong (not references to
/// other records; see [`validate`]).
pub(crate) fn person_from_config(p: &PersonConfig) -> Result<Person, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let id = PersonId::parse(p.id.trim()).map_err(|e| e.to_string());
    let name = Name::parse(&p.name).map_err(|e| e.to_string());
    let role = p.role.parse::<Role>().map_err(|e| e.to_string());
    let email = p.email.as_deref().map(|e| Email::parse(e).map_err(|e| e.to_string())).transpose();
    let slack = p.slack_id.as_deref().map(parse_slack_user).transpose();
    let discord = p.discord_id.as_deref().map(parse_discord_user).transpose();
    let account =
        p.account.as_deref().map(|a| AccountId::parse(a.trim()).map_err(|e| e.to_string())).transpose();
    let manager =
        p.manager.as_deref().map(|m| PersonId::parse(m.trim()).map_err(|e| e.to_string())).transpose();
    let locale = p.locale.as_deref().map(parse_locale).transpose();
    let tz = p.time_zone.as_deref().map(parse_time_zone).transpose();
    let mut field = |name: &str, r: Result<(), &String>| {
        if let Err(m) = r {
            problems.push(FieldProblem::new(name, m.clone()));
        }
    };
    field("id", id.as_ref().map(|_| ()));
    field("name", name.as_ref().map(|_| ()));
    field("role", role.as_ref().map(|_| ()));
    field("email", email.as_ref().map(|_| ()));
    field("slack_id", slack.as_ref().map(|_| ()));
    field("discord_id", discord.as_ref().map(|_| ()));
    field("account", account.as_ref().map(|_| ()));
    field("manager", manager.as_ref().map(|_| ()));
    field("locale", locale.as_ref().map(|_| ()));
    field("time_zone", tz.as_ref().map(|_| ()));
    if let (Ok(Some(m)), Ok(id)) = (&manager, &id) {
        if m == id {
            problems.push(FieldProblem::new("manager", "a person cannot be their own manager"));
        }
    }
    if let (Ok(role), Ok(Some(_))) = (&role, &account) {
        if *role != Role::Customer {
            problems.push(FieldProblem::new(
                "account",
                format!("only customers belong to an account; this person is {} (an account's CSM is set on the account)", a_role(*role)),
            ));
        }
    }
    match (id, name, role, email, slack, discord, account, manager, locale, tz) {
        (
            Ok(id),
            Ok(name),
            Ok(role),
            Ok(email),
            Ok(slack),
            Ok(discord),
            Ok(account),
            Ok(manager),
            Ok(locale),
            Ok(time_zone),
        ) if problems.is_empty() => {
            let mut handles = BTreeMap::new();
            if let Some(u) = slack {
                handles.insert(Platform::Slack, u);
            }
            if let Some(u) = discord {
                handles.insert(Platform::Discord, u);
            }
            Ok(Person { email, handles, account, manager, locale, time_zone, ..Person::new(id, name, role) })
        }
        _ => {
            problems.sort_by_key(|p| field_order(&p.field, PERSON_FIELDS));
            Err(problems)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole configuration.

/// A configuration to validate, with where each list entry was in the file: entries that did
/// not even deserialize are left out of `config` and reported already, but their ids are
/// known so references to them are not reported again.
pub(crate) struct Indexed<'a> {
    pub config: &'a Config,
    /// Original index of each `config.channels[i]`, and so on.
    pub channels: Vec<usize>,
    pub accounts: Vec<usize>,
    pub people: Vec<usize>,
    pub digests: Vec<usize>,
    /// Ids (and roles, if readable) of entries that failed to deserialize.
    pub broken_accounts: BTreeSet<String>,
    pub broken_people: BTreeMap<String, Option<String>>,
    /// `general` failed to deserialize: tiers are unknown, so tier checks are skipped.
    pub general_broken: bool,
}

impl<'a> Indexed<'a> {
    /// A configuration whose every entry deserialized (for [`super::to_domain`]).
    pub fn whole(config: &'a Config) -> Self {
        Self {
            config,
            channels: (0..config.channels.len()).collect(),
            accounts: (0..config.accounts.len()).collect(),
            people: (0..config.people.len()).collect(),
            digests: (0..config.digests.len()).collect(),
            broken_accounts: BTreeSet::new(),
            broken_people: BTreeMap::new(),
            general_broken: false,
        }
    }
}

/// Everything [`validate`] found, and the converted accounts and people when there was
/// nothing wrong with them.
pub(crate) struct Validated {
    pub problems: Vec<Problem>,
    pub accounts: Vec<Account>,
    pub people: Vec<Person>,
}

/// Checks the meaning of a configuration, reporting every problem with its key path.
pub(crate) fn validate(ix: &Indexed<'_>) -> Validated {
    let c = ix.config;
    let mut out = Vec::new();
    let mut problem = |key: String, message: String| out.push(Problem { key, message });

    // [database], [http]
    if let Err(m) = check_database_url(&c.database.url) {
        problem("database.url".into(), m);
    }
    if let Err(m) = check_bind(&c.http.bind) {
        problem("http.bind".into(), m);
    }

    // [general]
    if let Err(m) = parse_locale(&c.general.default_locale) {
        problem("general.default_locale".into(), m);
    }
    if let Err(m) = parse_time_zone(&c.general.time_zone) {
        problem("general.time_zone".into(), m);
    }
    match parse_duration(&c.general.claim_lease) {
        Ok(d) if d < super::MIN_CLAIM_LEASE => problem(
            "general.claim_lease".into(),
            format!("`{}` is too short: a lease must be at least 2s", c.general.claim_lease.trim()),
        ),
        Ok(_) => {}
        Err(m) => problem("general.claim_lease".into(), m),
    }
    match parse_duration(&c.general.inbox_retention) {
        Ok(d) if d < super::MIN_INBOX_RETENTION => problem(
            "general.inbox_retention".into(),
            format!("`{}` is too short: platforms retry events for up to an hour; at least 1h", c.general.inbox_retention.trim()),
        ),
        Ok(_) => {}
        Err(m) => problem("general.inbox_retention".into(), m),
    }
    if let Err(m) = parse_duration(&c.general.shutdown_grace) {
        problem("general.shutdown_grace".into(), m);
    }
    if c.general.tiers.is_empty() && !ix.general_broken {
        problem(
            "general.tiers".into(),
            "list at least one tier, e.g. [\"enterprise\", \"business\", \"starter\"]".into(),
        );
    }
    let mut seen_tiers = BTreeSet::new();
    for (i, t) in c.general.tiers.iter().enumerate() {
        if let Err(e) = Tier::parse(t) {
            problem(format!("general.tiers[{i}]"), e.to_string());
        } else if !seen_tiers.insert(t.as_str()) {
            problem(format!("general.tiers[{i}]"), format!("tier `{t}` is listed twice"));
        }
    }

    // [tickets]
    let t = &c.tickets;
    for (name, list) in [
        ("open_emoji", &t.open_emoji),
        ("claim_emoji", &t.claim_emoji),
        ("solve_emoji", &t.solve_emoji),
        ("urgent_emoji", &t.urgent_emoji),
    ] {
        for (i, e) in list.iter().enumerate() {
            let e = e.trim();
            if e.is_empty() || e.contains(char::is_whitespace) {
                problem(
                    format!("tickets.{name}[{i}]"),
                    format!("`{e}` is not an emoji: write a short name such as `ticket` or the emoji itself"),
                );
            }
        }
    }
    if let Err(e) = t.default_priority.parse::<Priority>() {
        problem("tickets.default_priority".into(), e.to_string());
    }
    let mut durations = BTreeMap::new();
    for (name, value) in [
        ("reopen_window", &t.reopen_window),
        ("close_after", &t.close_after),
        ("pending_reminder_after", &t.pending_reminder_after),
        ("pending_solve_after", &t.pending_solve_after),
        ("csat_cooldown", &t.csat_cooldown),
    ] {
        match parse_duration(value) {
            Ok(d) => {
                durations.insert(name, d);
            }
            Err(m) => problem(format!("tickets.{name}"), m),
        }
    }
    if let (Some(remind), Some(solve)) =
        (durations.get("pending_reminder_after"), durations.get("pending_solve_after"))
    {
        if solve <= remind {
            problem(
                "tickets.pending_solve_after".into(),
                format!(
                    "`{}` must be longer than tickets.pending_reminder_after (`{}`): the reminder comes first",
                    t.pending_solve_after.trim(),
                    t.pending_reminder_after.trim()
                ),
            );
        }
    }
    if !(0.0..=1.0).contains(&t.csat_sample_rate) {
        problem(
            "tickets.csat_sample_rate".into(),
            format!("must be between 0 and 1 (a share of solved tickets), got {}", t.csat_sample_rate),
        );
    }

    // [[channels]]
    let mut channel_seen: BTreeMap<&ChannelRef, usize> = BTreeMap::new();
    for (ch, &i) in c.channels.iter().zip(&ix.channels) {
        check_channel_entry(ch, i, &mut channel_seen, &mut problem);
    }

    // [[people]]: first pass, ids and roles.
    let mut person_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut roles: BTreeMap<String, Option<Role>> = ix
        .broken_people
        .iter()
        .map(|(id, role)| (id.clone(), role.as_deref().and_then(|r| r.parse().ok())))
        .collect();
    for (p, &i) in c.people.iter().zip(&ix.people) {
        let id = p.id.trim().to_string();
        if let Some(first) = person_at.get(&id) {
            problem(
                format!("people[{i}].id"),
                format!("person id `{id}` is already used by people[{first}]"),
            );
        } else {
            person_at.insert(id.clone(), i);
        }
        roles.entry(id).or_insert_with(|| p.role.parse().ok());
    }

    // [[accounts]]
    let mut accounts = Vec::new();
    let mut account_at: BTreeMap<String, usize> = BTreeMap::new();
    let mut channel_owner: BTreeMap<ChannelRef, (String, usize)> = BTreeMap::new();
    let no_tiers = ix.general_broken;
    for (a, &i) in c.accounts.iter().zip(&ix.accounts) {
        let base = format!("accounts[{i}]");
        let id = a.id.trim().to_string();
        if let Some(first) = account_at.get(&id) {
            problem(format!("{base}.id"), format!("account id `{id}` is already used by accounts[{first}]"));
        } else {
            account_at.insert(id.clone(), i);
        }
        let tiers: Vec<String> =
            if no_tiers { vec![a.tier.trim().to_string()] } else { c.general.tiers.clone() };
        match account_from_config(a, &tiers) {
            Ok(acc) => accounts.push(acc),
            Err(fields) => {
                for f in fields {
                    problem(join_key(&base, &f.field), f.message);
                }
            }
        }
        // A channel belongs to at most one account.
        for (j, raw) in a.channels.iter().enumerate() {
            let Ok(ch) = ChannelRef::parse(raw.trim()) else { continue };
            match channel_owner.get(&ch) {
                Some((owner, k)) if *owner != id => problem(
                    format!("{base}.channels[{j}]"),
                    format!("channel {ch} is mapped to two accounts: `{owner}` (accounts[{k}]) and `{id}` (accounts[{i}])"),
                ),
                Some(_) => {}
                None => {
                    channel_owner.insert(ch, (id.clone(), i));
                }
            }
        }
        // The CSM must be a person who may be one.
        if let Some(csm) = a.csm.as_deref().map(str::trim) {
            if PersonId::parse(csm).is_ok() {
                match roles.get(csm) {
                    None => problem(
                        format!("{base}.csm"),
                        format!("`{csm}` is not a person: add them under [[people]] with role = \"csm\""),
                    ),
                    Some(Some(role)) if !may_be_csm(*role) => problem(
                        format!("{base}.csm"),
                        format!(
                            "`{csm}` is {}; an account's CSM must have role csm, lead or manager",
                            a_role(*role)
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    let account_ids: BTreeSet<&str> =
        account_at.keys().map(String::as_str).chain(ix.broken_accounts.iter().map(String::as_str)).collect();

    // [[people]]: fields and references.
    let mut people = Vec::new();
    let mut handle_at: BTreeMap<(Platform, String), usize> = BTreeMap::new();
    for (p, &i) in c.people.iter().zip(&ix.people) {
        let base = format!("people[{i}]");
        match person_from_config(p) {
            Ok(person) => people.push(person),
            Err(fields) => {
                for f in fields {
                    problem(join_key(&base, &f.field), f.message);
                }
            }
        }
        if let Some(acc) = p.account.as_deref().map(str::trim) {
            if AccountId::parse(acc).is_ok() && !account_ids.contains(acc) {
                problem(
                    format!("{base}.account"),
                    format!("`{acc}` is not an account: add it under [[accounts]]"),
                );
            }
        }
        if let Some(m) = p.manager.as_deref().map(str::trim) {
            if PersonId::parse(m).is_ok() && m != p.id.trim() {
                match roles.get(m) {
                    None => problem(
                        format!("{base}.manager"),
                        format!("`{m}` is not a person: add them under [[people]]"),
                    ),
                    Some(Some(Role::Customer)) => problem(
                        format!("{base}.manager"),
                        format!("`{m}` is a customer; a manager must be staff"),
                    ),
                    Some(_) => {}
                }
            }
        }
        for (field, platform, id) in
            [("slack_id", Platform::Slack, &p.slack_id), ("discord_id", Platform::Discord, &p.discord_id)]
        {
            let Some(id) = id.as_deref().map(str::trim) else { continue };
            if let Some(first) = handle_at.get(&(platform, id.to_string())) {
                problem(
                    format!("{base}.{field}"),
                    format!("{platform} user `{id}` is already people[{first}]"),
                );
            } else {
                handle_at.insert((platform, id.to_string()), i);
            }
        }
    }

    // [[digests]]
    let mut digest_at: BTreeMap<String, usize> = BTreeMap::new();
    for (d, &i) in c.digests.iter().zip(&ix.digests) {
        check_digest(d, i, &mut digest_at, &mut problem);
    }

    // [sla]: every calendar and policy on its own, so each problem is reported.
    if !(c.sla.warn_at > 0.0 && c.sla.warn_at <= 1.0) {
        problem("sla.warn_at".into(), format!("must be more than 0 and at most 1, got {}", c.sla.warn_at));
    }
    let mut calendar_names = BTreeSet::new();
    for (i, cal) in c.sla.calendars.iter().enumerate() {
        if cal.name.trim().is_empty() {
            problem(format!("sla.calendars[{i}].name"), "the calendar needs a name".into());
        } else if !calendar_names.insert(cal.name.trim()) {
            problem(format!("sla.calendars[{i}].name"), format!("calendar `{}` is defined twice", cal.name));
        }
    }
    if let Err(problems) = super::sla_rules(c) {
        for p in problems {
            problem(p.key, p.message);
        }
    }

    // [api]
    if let Some(token) = &c.api.signals_token {
        use secrecy::ExposeSecret;
        let chars = token.expose_secret().trim().chars().count();
        if chars < super::MIN_TOKEN_CHARS {
            problem(
                "api.signals_token".into(),
                format!(
                    "the token is too short ({chars} characters): use at least {} random characters, \
                     e.g. from `openssl rand -hex 32`",
                    super::MIN_TOKEN_CHARS
                ),
            );
        }
    }

    // [health]
    let h = &c.health;
    if let Err(m) = super::parse_duration(&h.window) {
        problem("health.window".into(), m);
    }
    for (key, v) in [
        ("per_open_ticket", h.per_open_ticket),
        ("per_escalation", h.per_escalation),
        ("per_sla_breach", h.per_sla_breach),
        ("per_reopen", h.per_reopen),
        ("per_unanswered_message", h.per_unanswered_message),
        ("per_csat_point", h.per_csat_point),
        ("cap", h.cap),
    ] {
        if !v.is_finite() || !(0.0..=100.0).contains(&v) {
            problem(format!("health.{key}"), format!("must be between 0 and 100 points, got {v}"));
        }
    }
    if h.at_risk_below > 100 {
        problem("health.at_risk_below".into(), "must be a score between 0 and 100".into());
    }
    let mut seen_signals = BTreeSet::new();
    for (i, sig) in h.signals.iter().enumerate() {
        let base = format!("health.signals[{i}]");
        if let Err(e) = crate::domain::SignalName::parse(sig.name.trim()) {
            problem(format!("{base}.name"), e.to_string());
        } else if !seen_signals.insert(sig.name.trim()) {
            problem(format!("{base}.name"), format!("signal `{}` is listed twice", sig.name));
        }
        if !(sig.weight.is_finite() && sig.weight >= 0.0) {
            problem(format!("{base}.weight"), "must be a number of points, 0 or more".into());
        }
        if !(sig.low.is_finite() && sig.high.is_finite() && sig.high > sig.low) {
            problem(format!("{base}.high"), format!("must be greater than low ({} ≥ {})", sig.low, sig.high));
        }
    }

    // [escalation], [handoff]
    let known_people: BTreeSet<&str> = c.people.iter().map(|p| p.id.trim()).collect();
    for (i, level) in c.escalation.levels.iter().enumerate() {
        let base = format!("escalation.levels[{i}]");
        if level.name.trim().is_empty() {
            problem(format!("{base}.name"), "the level needs a name, e.g. \"Tier 2\"".into());
        }
        if let Some(ch) = &level.channel {
            if let Err(m) = parse_channel(ch) {
                problem(format!("{base}.channel"), m);
            }
        }
        if level.channel.is_none() && level.people.is_empty() {
            problem(base.clone(), "name a channel or people to ping at this level".into());
        }
        for (j, p) in level.people.iter().enumerate() {
            if !known_people.contains(p.trim()) && !ix.broken_people.contains_key(p.trim()) {
                problem(format!("{base}.people[{j}]"), format!("`{p}` is not a person: add them under [[people]]"));
            }
        }
    }
    let automatic = c.escalation.on_breach || c.escalation.on_urgent || c.escalation.unanswered_messages > 0;
    if automatic && c.escalation.levels.is_empty() {
        problem(
            "escalation.levels".into(),
            "automatic escalation is on, but no [[escalation.levels]] are configured".into(),
        );
    }
    if let Some(ch) = &c.handoff.fallback_channel {
        if let Err(m) = parse_channel(ch) {
            problem("handoff.fallback_channel".into(), m);
        }
    }
    for (key, value) in [("reping_after", &c.handoff.reping_after), ("escalate_after", &c.handoff.escalate_after)] {
        if let Err(m) = super::parse_duration(value) {
            problem(format!("handoff.{key}"), m);
        }
    }

    // [slack], [discord]
    if let Some(s) = &c.slack {
        use secrecy::ExposeSecret;
        let blank = |v: &Option<secrecy::SecretString>| {
            v.as_ref().is_none_or(|s| s.expose_secret().trim().is_empty())
        };
        if blank(&s.bot_token) {
            problem(
                "slack.bot_token".into(),
                "is required when [slack] is configured; set BATON_SLACK__BOT_TOKEN".into(),
            );
        }
        match s.mode.as_str() {
            "http" if blank(&s.signing_secret) => problem(
                "slack.signing_secret".into(),
                "is required in http mode (to verify requests come from Slack); set BATON_SLACK__SIGNING_SECRET".into(),
            ),
            "socket" if blank(&s.app_token) => problem(
                "slack.app_token".into(),
                "is required in socket mode (an xapp-… app-level token); set BATON_SLACK__APP_TOKEN".into(),
            ),
            "http" | "socket" => {}
            other => problem("slack.mode".into(), format!("`{other}` is not a Slack mode: use \"http\" or \"socket\"")),
        }
        if let Err(m) = check_http_url(&s.api_url) {
            problem("slack.api_url".into(), m);
        } else if !s.api_url.ends_with('/') {
            problem(
                "slack.api_url".into(),
                format!("`{}` must end with `/` (method names are appended)", s.api_url),
            );
        }
    }
    if let Some(d) = &c.discord {
        use secrecy::ExposeSecret;
        if d.token.as_ref().is_none_or(|t| t.expose_secret().trim().is_empty()) {
            problem(
                "discord.token".into(),
                "is required when [discord] is configured; set BATON_DISCORD__TOKEN".into(),
            );
        }
        if let Some(url) = &d.api_url {
            if let Err(m) = check_http_url(url) {
                problem("discord.api_url".into(), m);
            }
        }
        if d.application_id == Some(0) {
            problem(
                "discord.application_id".into(),
                "must be the application's id (a non-zero number)".into(),
            );
        }
        if d.staff_role_ids.contains(&0) || d.guild_ids.contains(&0) {
            let key = if d.staff_role_ids.contains(&0) { "discord.staff_role_ids" } else { "discord.guild_ids" };
            problem(key.into(), "holds 0, which is no Discord id (role and guild ids are non-zero snowflakes)".into());
        }
    }

    // What goes to a channel that is some account's (often shared with that customer) must
    // be about that account alone: escalation summaries, CSM handoffs and digests cover
    // every account, so they go to internal channels.
    let account_of: BTreeMap<ChannelRef, &str> = c
        .accounts
        .iter()
        .flat_map(|a| a.channels.iter().filter_map(move |ch| Some((parse_channel(ch).ok()?, a.id.trim()))))
        .collect();
    let mut shared = |key: String, raw: &str, what: &str| {
        if let Some(account) = parse_channel(raw).ok().and_then(|ch| account_of.get(&ch)) {
            problem(
                key,
                format!(
                    "`{}` is a channel of account `{account}`, which its customers may read; {what} show other \
                     accounts' tickets, so send them to an internal channel",
                    raw.trim()
                ),
            );
        }
    };
    for (i, level) in c.escalation.levels.iter().enumerate() {
        if let Some(ch) = &level.channel {
            shared(format!("escalation.levels[{i}].channel"), ch, "escalation summaries");
        }
    }
    if let Some(ch) = &c.handoff.fallback_channel {
        shared("handoff.fallback_channel".into(), ch, "handoffs");
    }
    for (d, &i) in c.digests.iter().zip(&ix.digests) {
        for (j, dest) in d.destinations.iter().enumerate() {
            shared(format!("digests[{i}].destinations[{j}]"), dest, "digests");
        }
    }

    Validated { problems: out, accounts, people }
}

fn check_channel_entry<'a>(
    ch: &'a ChannelConfig,
    i: usize,
    seen: &mut BTreeMap<&'a ChannelRef, usize>,
    problem: &mut impl FnMut(String, String),
) {
    let base = format!("channels[{i}]");
    if let Err(m) = check_channel(&ch.channel) {
        problem(format!("{base}.channel"), m);
    }
    if let Some(first) = seen.get(&ch.channel) {
        problem(
            format!("{base}.channel"),
            format!("channel {} is listed twice (also channels[{first}])", ch.channel),
        );
    } else {
        seen.insert(&ch.channel, i);
    }
    if let Some(l) = &ch.locale {
        if let Err(m) = parse_locale(l) {
            problem(format!("{base}.locale"), m);
        }
    }
}

fn check_digest(
    d: &DigestConfig,
    i: usize,
    seen: &mut BTreeMap<String, usize>,
    problem: &mut impl FnMut(String, String),
) {
    let base = format!("digests[{i}]");
    let name = d.name.trim();
    if name.is_empty() {
        problem(format!("{base}.name"), "the digest needs a name".into());
    } else if let Some(first) = seen.get(name) {
        problem(format!("{base}.name"), format!("digest name `{name}` is already used by digests[{first}]"));
    } else {
        seen.insert(name.to_string(), i);
    }
    if let Err(m) = parse_cron(&d.cron) {
        problem(format!("{base}.cron"), m);
    }
    if let Err(m) = parse_time_zone(&d.time_zone) {
        problem(format!("{base}.time_zone"), m);
    }
    if d.destinations.is_empty() {
        problem(
            format!("{base}.destinations"),
            "list at least one destination: a channel such as \"slack:C024BE91L\", or \"csm-dm\"".into(),
        );
    }
    let mut dests = BTreeSet::new();
    for (j, dest) in d.destinations.iter().enumerate() {
        let dest = dest.trim();
        let key = format!("{base}.destinations[{j}]");
        if !dests.insert(dest) {
            problem(key, format!("destination `{dest}` is listed twice"));
        } else if dest == "csm-dm" && d.kind != super::DigestKind::AtRisk {
            problem(
                key,
                "\"csm-dm\" sends each CSM their at-risk accounts, so it only works with kind = \"at-risk\"".into(),
            );
        } else if dest != "csm-dm" {
            if let Err(m) = parse_channel(dest) {
                problem(
                    key,
                    format!("{m}; or write \"csm-dm\" to send each CSM their accounts by direct message"),
                );
            }
        }
    }
    if let Some(l) = &d.locale {
        if let Err(m) = parse_locale(l) {
            problem(format!("{base}.locale"), m);
        }
    }
}

/// `sqlite:…` or `postgres://…`; the URL is not echoed, as it may hold a password.
fn check_database_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    match scheme {
        "sqlite" => {
            let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
            if rest.is_empty() {
                Err("`sqlite://` needs a file name, e.g. sqlite://baton.db".into())
            } else {
                Ok(())
            }
        }
        "postgres" | "postgresql" => {
            if url.len() <= scheme.len() + 3 || !url[scheme.len()..].starts_with("://") {
                Err("write a PostgreSQL URL as postgres://USER:PASSWORD@HOST/DATABASE".into())
            } else {
                Ok(())
            }
        }
        "" => Err("the database URL must start with sqlite:// or postgres://, e.g. sqlite://baton.db".into()),
        other => Err(format!(
            "unsupported database URL scheme `{other}`: use sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE"
        )),
    }
}

/// `address:port`; the address may be a host name (`localhost:8080`) or `[::1]:8080`.
fn check_bind(bind: &str) -> Result<(), String> {
    let b = bind.trim();
    if b.parse::<SocketAddr>().is_ok() {
        return Ok(());
    }
    let bad = || format!("`{b}` is not address:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080");
    let (host, port) = b.rsplit_once(':').ok_or_else(bad)?;
    let host_ok = !host.is_empty()
        && !host.contains(':')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if host_ok && port.parse::<u16>().is_ok() {
        Ok(())
    } else {
        Err(bad())
    }
}

fn check_http_url(url: &str) -> Result<(), String> {
    let ok = ["http://", "https://"]
        .iter()
        .any(|s| url.starts_with(s) && url.len() > s.len() && !url.contains(char::is_whitespace));
    if ok {
        Ok(())
    } else {
        Err(format!("`{url}` is not an http:// or https:// URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_parsers() {
        let tiers = vec!["enterprise".to_string(), "starter".to_string()];
        assert!(parse_tier("enterprise", &tiers).is_ok());
        assert!(parse_tier("gold", &tiers).unwrap_err().contains("enterprise, starter"));
        assert!(parse_tier("Gold Plus", &tiers).unwrap_err().contains("not a valid tier"));
        assert_eq!(parse_date("2027-03-31").unwrap(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        for bad in ["2027-3-31", "31/03/2027", "2027-02-30", "tomorrow"] {
            assert!(parse_date(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        assert!(parse_time_zone("Europe/Stockholm").is_ok());
        assert!(parse_time_zone("Mars/Olympus").unwrap_err().contains("not a known time zone"));
        assert!(parse_channel("slack:C0ACME0001").is_ok());
        assert!(parse_channel("shell:acme").is_ok());
        assert!(parse_channel("discord:1100000000000000001").is_ok());
        assert!(parse_channel("slack:general").unwrap_err().contains("not a Slack channel"));
        assert!(parse_channel("discord:general").unwrap_err().contains("not a Discord channel"));
        assert!(parse_channel("acme").unwrap_err().contains("platform:channel"));
        assert!(parse_slack_user("U024BE7LH").is_ok());
        assert!(parse_slack_user("casey").is_err());
        assert!(parse_discord_user("80351110224678912").is_ok());
        assert!(parse_discord_user("@casey").is_err());
        assert!(check_bind("127.0.0.1:8080").is_ok());
        assert!(check_bind("localhost:8080").is_ok());
        assert!(check_bind("[::1]:8080").is_ok());
        assert!(check_bind("8080").is_err());
        assert!(check_bind("127.0.0.1:99999").is_err());
        assert!(check_database_url("sqlite://baton.db").is_ok());
        assert!(check_database_url("sqlite::memory:").is_ok());
        assert!(check_database_url("postgres://u:p@db/baton").is_ok());
        let e = check_database_url("mysql://root:hunter2@db/baton").unwrap_err();
        assert!(e.contains("`mysql`") && !e.contains("hunter2"), "{e}");
    }
}
