//! CSV import of accounts and people, all or nothing.
//!
//! The first line names the columns; every other line is one record, inserted or updated by
//! its `id`. Every row is checked before anything is written, and every bad row is reported
//! with its line number in the file (the header is line 1) and its column. If any row is bad
//! nothing is imported; otherwise all rows are written in one transaction, so a refusal by
//! the store (a channel that belongs to another account) also leaves everything as it was.
//!
//! Accounts: `id,name,tier,arr,currency,renewal_date,csm,key_prefix,channels,locale`, plus
//! any number of numeric `signal:<name>` columns (`signal:nps`). `channels` holds
//! `platform:id` references separated by spaces or `;`.
//!
//! People: `id,name,role,email,slack_id,discord_id,account,manager,locale,time_zone`.
//!
//! `id`, `name` and `tier` (accounts) or `role` (people) are required; the other columns may
//! be left out. A column that is left out keeps what is stored for existing records; an
//! empty cell clears the value (an empty `signal:nps` cell removes that signal). Fields
//! follow the same rules as the configuration file, and the same messages say what is wrong.
//!
//! References must resolve: an account's `csm` must be a person already stored, with role
//! csm, lead or manager (import people first); a customer's `account` must be a stored
//! account; a `manager` must be a stored person or one in the same file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use baton_chat::{ChannelRef, Platform, UserId};

use crate::config::checks::{
    a_role, may_be_csm, parse_channel, parse_date, parse_discord_user, parse_locale, parse_slack_user,
    parse_tier, parse_time_zone,
};
use crate::domain::{
    Account, AccountId, Arr, Currency, Email, KeyPrefix, Name, Person, PersonId, Role, SignalName,
};
use crate::store::{Store, StoreError};

/// One thing wrong with the file: where (line, and column when it is about one) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line in the file; the header is line 1.
    pub line: u64,
    /// The column's name as written in the header, if the problem is about one column.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Why an import did not happen. In every case nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header or some rows are invalid.
    #[error("nothing was imported; {} problem{} in the file:\n{}",
        .0.len(), if .0.len() == 1 { "" } else { "s" },
        .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<RowProblem>),
    /// The store refused a channel that belongs to an account the file does not change.
    #[error(
        "nothing was imported: channel {channel} already belongs to account {owner}; \
             remove it from that account first (or include that account in the file without it)"
    )]
    ChannelTaken { channel: ChannelRef, owner: AccountId },
    /// The database failed.
    #[error("nothing was imported: {0}")]
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ChannelTaken { channel, owner } => ImportError::ChannelTaken { channel, owner },
            other => ImportError::Store(other),
        }
    }
}

const ACCOUNT_COLUMNS: &[&str] =
    &["id", "name", "tier", "arr", "currency", "renewal_date", "csm", "key_prefix", "channels", "locale"];
const ACCOUNT_REQUIRED: &[&str] = &["id", "name", "tier"];
const PEOPLE_COLUMNS: &[&str] =
    &["id", "name", "role", "email", "slack_id", "discord_id", "account", "manager", "locale", "time_zone"];
const PEOPLE_REQUIRED: &[&str] = &["id", "name", "role"];
const SIGNAL_PREFIX: &str = "signal:";

/// Imports accounts from CSV text (see the module docs); `tiers` are the allowed tiers
/// (`general.tiers`). Returns how many accounts were inserted or updated.
pub async fn import_accounts(
    store: &dyn Store,
    csv_text: &str,
    tiers: &[String],
) -> Result<usize, ImportError> {
    let table = Table::read(csv_text, ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, true)?;
    let stored: BTreeMap<AccountId, Account> =
        store.accounts().await?.into_iter().map(|a| (a.id.clone(), a)).collect();
    let people: BTreeMap<PersonId, Role> =
        store.people().await?.into_iter().map(|p| (p.id, p.role)).collect();

    let mut problems = Vec::new();
    let mut accounts: Vec<(u64, Account)> = Vec::new();
    let mut id_line: BTreeMap<String, u64> = BTreeMap::new();
    let mut channel_line: BTreeMap<ChannelRef, (u64, AccountId)> = BTreeMap::new();
    for row in &table.rows {
        let mut r = RowCheck { line: row.line, problems: &mut problems };
        if let Some(id) = table.cell(row, "id").filter(|id| !id.is_empty()) {
            if let Some(first) = id_line.get(id) {
                r.err("id", format!("account `{id}` is already on line {first}"));
                continue;
            }
            id_line.insert(id.to_string(), row.line);
        }
        let Some(account) = account_row(&table, row, &mut r, tiers, &stored, &people) else { continue };
        for c in &account.channels {
            if let Some((first, other)) = channel_line.get(c) {
                r.err("channels", format!("channel {c} is also given to `{other}` on line {first}"));
            } else {
                channel_line.insert(c.clone(), (row.line, account.id.clone()));
            }
        }
        accounts.push((row.line, account));
    }
    // A channel stored for an account the file does not mention cannot move.
    let stored_owner: BTreeMap<&ChannelRef, &Account> =
        stored.values().flat_map(|a| a.channels.iter().map(move |c| (c, a))).collect();
    for (line, a) in &accounts {
        for c in &a.channels {
            let owner = stored_owner.get(c).filter(|o| o.id != a.id);
            if let Some(owner) = owner.filter(|o| !id_line.contains_key(o.id.as_str())) {
                problems.push(RowProblem {
                    line: *line,
                    column: table.column_name("channels"),
                    message: format!(
                        "channel {c} already belongs to account `{}`; remove it there first, or include `{}` in this file without it",
                        owner.id, owner.id
                    ),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    if accounts.is_empty() {
        return Ok(0);
    }
    // Accounts that give up a channel to another row go first, so the channel is free when
    // the other row claims it (all in one transaction).
    let releases = |a: &Account| {
        stored.get(&a.id).is_some_and(|s| {
            s.channels.iter().any(|c| !a.channels.contains(c) && channel_line.contains_key(c))
        })
    };
    let mut accounts: Vec<Account> = accounts.into_iter().map(|(_, a)| a).collect();
    accounts.sort_by_key(|a| !releases(a));
    store.upsert_accounts(&accounts).await?;
    Ok(accounts.len())
}

/// Imports people from CSV text (see the module docs). Returns how many people were
/// inserted or updated.
pub async fn import_people(store: &dyn Store, csv_text: &str) -> Result<usize, ImportError> {
    let table = Table::read(csv_text, PEOPLE_COLUMNS, PEOPLE_REQUIRED, false)?;
    let stored: BTreeMap<PersonId, Person> =
        store.people().await?.into_iter().map(|p| (p.id.clone(), p)).collect();
    let accounts = store.accounts().await?;
    let account_ids: BTreeSet<&AccountId> = accounts.iter().map(|a| &a.id).collect();

    let mut problems = Vec::new();
    let mut people: Vec<(u64, Person)> = Vec::new();
    let mut id_line: BTreeMap<String, u64> = BTreeMap::new();
    for row in &table.rows {
        let mut r = RowCheck { line: row.line, problems: &mut problems };
        if let Some(id) = table.cell(row, "id").filter(|id| !id.is_empty()) {
            if let Some(first) = id_line.get(id) {
                r.err("id", format!("person `{id}` is already on line {first}"));
                continue;
            }
            id_line.insert(id.to_string(), row.line);
        }
        let Some(person) = person_row(&table, row, &mut r, &stored, &account_ids) else { continue };
        people.push((row.line, person));
    }
    // References between people, and handles, once the whole file is known.
    let file_roles: BTreeMap<&PersonId, Role> = people.iter().map(|(_, p)| (&p.id, p.role)).collect();
    let role_of = |id: &PersonId| file_roles.get(id).copied().or_else(|| stored.get(id).map(|p| p.role));
    let mut holders: BTreeMap<(Platform, UserId), (PersonId, Option<u64>)> = BTreeMap::new();
    for p in stored.values().filter(|p| !id_line.contains_key(p.id.as_str())) {
        for (platform, user) in &p.handles {
            holders.insert((*platform, user.clone()), (p.id.clone(), None));
        }
    }
    for (line, p) in &people {
        let mut r = RowCheck { line: *line, problems: &mut problems };
        if let Some(m) = &p.manager {
            match role_of(m) {
                None => r.err(
                    "manager",
                    format!("`{m}` is not a person: import them first or add them to this file"),
                ),
                Some(Role::Customer) => {
                    r.err("manager", format!("`{m}` is a customer; a manager must be staff"))
                }
                Some(_) => {}
            }
        }
        if !may_be_csm(p.role) {
            for a in accounts.iter().filter(|a| a.csm.as_ref() == Some(&p.id)) {
                r.err(
                    "role",
                    format!(
                        "`{}` is the CSM of account `{}`, so must stay csm, lead or manager, not {}",
                        p.id, a.id, p.role
                    ),
                );
            }
        }
        for (platform, user) in &p.handles {
            let column = if *platform == Platform::Slack { "slack_id" } else { "discord_id" };
            match holders.get(&(*platform, user.clone())) {
                Some((other, Some(first))) => {
                    r.err(column, format!("{platform} user `{user}` is also `{other}` on line {first}"))
                }
                Some((other, None)) => {
                    r.err(column, format!("{platform} user `{user}` is already `{other}`"))
                }
                None => {
                    holders.insert((*platform, user.clone()), (p.id.clone(), Some(*line)));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    if people.is_empty() {
        return Ok(0);
    }
    let people: Vec<Person> = people.into_iter().map(|(_, p)| p).collect();
    store.upsert_people(&people).await?;
    Ok(people.len())
}

fn invalid(mut problems: Vec<RowProblem>) -> ImportError {
    problems.sort_by_key(|p| p.line);
    ImportError::Invalid(problems)
}

/// Collects problems for one row.
struct RowCheck<'a> {
    line: u64,
    problems: &'a mut Vec<RowProblem>,
}

impl RowCheck<'_> {
    fn err(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(RowProblem {
            line: self.line,
            column: Some(column.to_string()),
            message: message.into(),
        });
    }

    /// The parsed value, or `None` after recording the problem.
    fn ok<T>(&mut self, column: &str, r: Result<T, String>) -> Option<T> {
        r.map_err(|m| self.err(column, m)).ok()
    }
}

/// One row of an accounts file as an account (merged with the stored one).
fn account_row(
    table: &Table,
    row: &Row,
    r: &mut RowCheck<'_>,
    tiers: &[String],
    stored: &BTreeMap<AccountId, Account>,
    people: &BTreeMap<PersonId, Role>,
) -> Option<Account> {
    let cell = |c: &str| table.cell(row, c);
    let id = r.ok(
        "id",
        required(cell("id"), "account id").and_then(|s| AccountId::parse(s).map_err(|e| e.to_string())),
    );
    let name = r.ok("name", Name::parse(cell("name").unwrap_or("")).map_err(|e| e.to_string()));
    let tier = r.ok("tier", required(cell("tier"), "tier").and_then(|s| parse_tier(s, tiers)));
    let existing = id.as_ref().and_then(|id| stored.get(id));

    // Optional columns: `None` = column absent (keep), `Some(None)` = empty cell (clear).
    let currency = match cell("currency") {
        None | Some("") => Some(existing.and_then(|a| a.arr).map_or(Currency::USD, |a| a.currency())),
        Some(s) => r.ok("currency", Currency::parse(s).map_err(|e| e.to_string())),
    };
    let arr = match cell("arr") {
        None => Some(
            existing.and_then(|a| a.arr).map(|a| Arr::new(a.amount(), currency.unwrap_or(Currency::USD))),
        ),
        Some("") => Some(None),
        Some(s) => r.ok(
            "arr",
            s.parse::<i64>()
                .map_err(|_| {
                    format!("`{s}` is not a whole number (ARR in whole currency units, e.g. 120000)")
                })
                .and_then(|n| {
                    Arr::from_signed(n, currency.unwrap_or(Currency::USD)).map_err(|e| e.to_string())
                })
                .map(Some),
        ),
    };
    let renewal_date =
        optional(r, cell("renewal_date"), "renewal_date", existing.map(|a| a.renewal_date), parse_date);
    let csm = optional(r, cell("csm"), "csm", existing.map(|a| a.csm.clone()), |s| {
        let id = PersonId::parse(s).map_err(|e| e.to_string())?;
        match people.get(&id) {
            None => Err(format!("`{id}` is not a person: import people before accounts")),
            Some(role) if !may_be_csm(*role) => Err(format!(
                "`{id}` is {}; an account's CSM must have role csm, lead or manager",
                a_role(*role)
            )),
            Some(_) => Ok(id),
        }
    });
    let key_prefix =
        optional(r, cell("key_prefix"), "key_prefix", existing.map(|a| a.key_prefix.clone()), |s| {
            KeyPrefix::parse(s).map_err(|e| e.to_string())
        });
    let locale = optional(r, cell("locale"), "locale", existing.map(|a| a.locale.clone()), parse_locale);
    let channels = match cell("channels") {
        None => Some(existing.map(|a| a.channels.clone()).unwrap_or_default()),
        Some(s) => {
            let mut set = BTreeSet::new();
            let mut ok = true;
            for part in s.split(|c: char| c == ';' || c.is_whitespace()).filter(|p| !p.is_empty()) {
                match parse_channel(part) {
                    Ok(c) if !set.insert(c.clone()) => {
                        ok = false;
                        r.err("channels", format!("channel {c} is listed twice"));
                    }
                    Ok(_) => {}
                    Err(m) => {
                        ok = false;
                        r.err("channels", m);
                    }
                }
            }
            ok.then_some(set)
        }
    };
    let mut signals = existing.map(|a| a.signals.clone()).unwrap_or_default();
    let mut signals_ok = true;
    for (col, name) in &table.signals {
        let value = row.cells.get(*col).map(String::as_str).unwrap_or("");
        let column = &table.columns[*col];
        if value.is_empty() {
            signals.remove(name);
        } else {
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    signals.insert(name.clone(), v);
                }
                _ => {
                    signals_ok = false;
                    r.err(column, format!("`{value}` is not a number"));
                }
            }
        }
    }

    currency?;
    let account = Account {
        arr: arr?,
        renewal_date: renewal_date?,
        csm: csm?,
        key_prefix: key_prefix?,
        channels: channels?,
        signals,
        locale: locale?,
        ..Account::new(id?, name?, tier?)
    };
    signals_ok.then_some(account)
}

/// One row of a people file as a person (merged with the stored one).
fn person_row(
    table: &Table,
    row: &Row,
    r: &mut RowCheck<'_>,
    stored: &BTreeMap<PersonId, Person>,
    accounts: &BTreeSet<&AccountId>,
) -> Option<Person> {
    let cell = |c: &str| table.cell(row, c);
    let id = r.ok(
        "id",
        required(cell("id"), "person id").and_then(|s| PersonId::parse(s).map_err(|e| e.to_string())),
    );
    let name = r.ok("name", Name::parse(cell("name").unwrap_or("")).map_err(|e| e.to_string()));
    let role = r.ok(
        "role",
        required(cell("role"), "role").and_then(|s| s.parse::<Role>().map_err(|e| e.to_string())),
    );
    let existing = id.as_ref().and_then(|id| stored.get(id));

    let email = optional(r, cell("email"), "email", existing.map(|p| p.email.clone()), |s| {
        Email::parse(s).map_err(|e| e.to_string())
    });
    let slack = optional(
        r,
        cell("slack_id"),
        "slack_id",
        existing.map(|p| p.handles.get(&Platform::Slack).cloned()),
        parse_slack_user,
    );
    let discord = optional(
        r,
        cell("discord_id"),
        "discord_id",
        existing.map(|p| p.handles.get(&Platform::Discord).cloned()),
        parse_discord_user,
    );
    let account = optional(r, cell("account"), "account", existing.map(|p| p.account.clone()), |s| {
        let a = AccountId::parse(s).map_err(|e| e.to_string())?;
        if accounts.contains(&a) {
            Ok(a)
        } else {
            Err(format!("`{a}` is not an account: import accounts before their customers"))
        }
    });
    let manager = optional(r, cell("manager"), "manager", existing.map(|p| p.manager.clone()), |s| {
        PersonId::parse(s).map_err(|e| e.to_string())
    });
    let locale = optional(r, cell("locale"), "locale", existing.map(|p| p.locale.clone()), parse_locale);
    let time_zone =
        optional(r, cell("time_zone"), "time_zone", existing.map(|p| p.time_zone), parse_time_zone);

    if let (Some(id), Some(Some(m))) = (&id, &manager) {
        if id == m {
            r.err("manager", "a person cannot be their own manager");
            return None;
        }
    }
    if let (Some(role), Some(Some(a))) = (role, &account) {
        if role != Role::Customer {
            r.err(
                "account",
                format!("only customers belong to an account; `{a}` given for {}", a_role(role)),
            );
            return None;
        }
    }
    let mut handles = existing.map(|p| p.handles.clone()).unwrap_or_default();
    for (platform, user) in [(Platform::Slack, slack?), (Platform::Discord, discord?)] {
        match user {
            Some(u) => handles.insert(platform, u),
            None => handles.remove(&platform),
        };
    }
    Some(Person {
        email: email?,
        handles,
        account: account?,
        manager: manager?,
        locale: locale?,
        time_zone: time_zone?,
        ..Person::new(id?, name?, role?)
    })
}

fn required<'a>(cell: Option<&'a str>, what: &str) -> Result<&'a str, String> {
    match cell {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(format!("the {what} must not be blank")),
    }
}

/// An optional column: absent keeps `keep` (nothing for new records), an empty cell clears,
/// anything else is parsed. `None` when the value is bad (the problem is recorded).
fn optional<T>(
    r: &mut RowCheck<'_>,
    cell: Option<&str>,
    column: &str,
    keep: Option<Option<T>>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<Option<T>> {
    match cell {
        None => Some(keep.flatten()),
        Some("") => Some(None),
        Some(s) => r.ok(column, parse(s)).map(Some),
    }
}

/// A CSV file read into rows, with its columns checked.
struct Table {
    /// Column names as written (trimmed).
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// `signal:<name>` columns: position and signal name.
    signals: Vec<(usize, SignalName)>,
    rows: Vec<Row>,
}

struct Row {
    line: u64,
    cells: Vec<String>,
}

impl Table {
    fn read(text: &str, known: &[&str], required: &[&str], signals: bool) -> Result<Self, ImportError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header_problem =
            |column: Option<String>, message: String| RowProblem { line: 1, column, message };
        let header = match reader.headers() {
            Ok(h) if h.iter().any(|c| !c.is_empty()) => h.clone(),
            Ok(_) => {
                return Err(ImportError::Invalid(vec![header_problem(
                    None,
                    format!(
                        "the file is empty: the first line must name the columns, e.g. {}",
                        required.join(",")
                    ),
                )]))
            }
            Err(e) => return Err(ImportError::Invalid(vec![header_problem(None, e.to_string())])),
        };

        let mut problems = Vec::new();
        let mut columns = Vec::new();
        let mut index = HashMap::new();
        let mut signal_columns = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim().to_string();
            if let Some(sig) = name.strip_prefix(SIGNAL_PREFIX).filter(|_| signals) {
                match SignalName::parse(sig) {
                    Ok(s) => signal_columns.push((i, s)),
                    Err(e) => problems.push(header_problem(Some(name.clone()), e.to_string())),
                }
            } else if !known.contains(&name.as_str()) {
                let extra = if signals {
                    format!(", or {SIGNAL_PREFIX}<name> for a numeric signal")
                } else {
                    String::new()
                };
                problems.push(header_problem(
                    Some(name.clone()),
                    format!("unknown column; the columns are {}{extra}", known.join(",")),
                ));
            }
            if index.insert(name.clone(), i).is_some() {
                problems.push(header_problem(Some(name.clone()), "the column appears twice".into()));
            }
            columns.push(name);
        }
        for r in required {
            if !index.contains_key(*r) {
                problems
                    .push(header_problem(Some((*r).to_string()), "this required column is missing".into()));
            }
        }
        if !problems.is_empty() {
            return Err(ImportError::Invalid(problems));
        }

        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(rec) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    if rec.len() == 1 && rec.get(0) == Some("") {
                        continue; // a blank line
                    }
                    if rec.len() != columns.len() {
                        problems.push(RowProblem {
                            line,
                            column: None,
                            message: format!(
                                "has {} fields but the header names {} columns (quote fields that contain commas)",
                                rec.len(),
                                columns.len()
                            ),
                        });
                        continue;
                    }
                    rows.push(Row { line, cells: rec.iter().map(str::to_string).collect() });
                }
                Err(e) => problems.push(RowProblem {
                    line: e.position().map_or(0, |p| p.line()),
                    column: None,
                    message: e.to_string(),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(ImportError::Invalid(problems));
        }
        Ok(Self { columns, index, signals: signal_columns, rows })
    }

    /// The row's cell in a column, or `None` when the file has no such column.
    fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        self.index.get(column).and_then(|i| row.cells.get(*i)).map(String::as_str)
    }

    fn column_name(&self, column: &str) -> Option<String> {
        self.index.get(column).map(|i| self.columns[*i].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("x.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    fn tiers() -> Vec<String> {
        vec!["enterprise".into(), "business".into(), "starter".into()]
    }

    const STAFF: &str = "\
id,name,role,email,slack_id,discord_id,account,manager,locale,time_zone
morgan,Morgan Manager,manager,morgan@example.com,,,,,en-US,Europe/Stockholm
casey,Casey CSM,csm,casey@example.com,U0CASEY001,,,morgan,,Europe/Stockholm
dana,Dana Agent,agent,,,80351110224678912,,morgan,,
";

    const ACCOUNTS: &str = "\
id,name,tier,arr,currency,renewal_date,csm,key_prefix,channels,locale,signal:nps
acme,\"Acme, Corp\",enterprise,120000,USD,2027-03-31,casey,ACME,shell:acme;slack:C0ACME0001,en-US,42
globex,Globex AB,business,850000,SEK,2027-09-30,casey,GLX,shell:globex,sv-SE,
initech,Initech,starter,,,,,,shell:initech,,-3.5
";

    fn invalid(e: ImportError) -> Vec<RowProblem> {
        match e {
            ImportError::Invalid(p) => p,
            other => panic!("expected row problems, got {other}"),
        }
    }

    #[tokio::test]
    async fn good_files_upsert_and_a_second_run_updates() {
        let (_dir, store) = store().await;
        assert_eq!(import_people(&store, STAFF).await.unwrap(), 3);
        assert_eq!(import_accounts(&store, ACCOUNTS, &tiers()).await.unwrap(), 3);
        let acme = store.account(&AccountId::parse("acme").unwrap()).await.unwrap().unwrap();
        assert_eq!(acme.name.as_str(), "Acme, Corp");
        assert_eq!(acme.arr, Some(Arr::new(120_000, Currency::USD)));
        assert_eq!(acme.csm.as_ref().unwrap().as_str(), "casey");
        assert_eq!(acme.channels.len(), 2);
        assert_eq!(acme.signals.get(&SignalName::parse("nps").unwrap()), Some(&42.0));
        let globex = store.account(&AccountId::parse("globex").unwrap()).await.unwrap().unwrap();
        assert_eq!(globex.arr.unwrap().currency().as_str(), "SEK");
        assert!(globex.signals.is_empty());
        let casey = store.person(&PersonId::parse("casey").unwrap()).await.unwrap().unwrap();
        assert_eq!(casey.handles.get(&Platform::Slack).unwrap().as_str(), "U0CASEY001");
        assert_eq!(casey.manager.as_ref().unwrap().as_str(), "morgan");
        let dana = store.person(&PersonId::parse("dana").unwrap()).await.unwrap().unwrap();
        assert_eq!(dana.handles.get(&Platform::Discord).unwrap().as_str(), "80351110224678912");

        // Again, with changes: updates, not duplicates. Columns left out keep their values.
        assert_eq!(import_accounts(&store, ACCOUNTS, &tiers()).await.unwrap(), 3);
        let update = "id,name,tier,channels\nacme,Acme Corporation,business,shell:acme\n";
        assert_eq!(import_accounts(&store, update, &tiers()).await.unwrap(), 1);
        let all = store.accounts().await.unwrap();
        assert_eq!(all.len(), 3);
        let acme = all.iter().find(|a| a.id.as_str() == "acme").unwrap();
        assert_eq!(acme.name.as_str(), "Acme Corporation");
        assert_eq!(acme.tier.as_str(), "business");
        assert_eq!(acme.csm.as_ref().unwrap().as_str(), "casey");
        assert_eq!(acme.arr, Some(Arr::new(120_000, Currency::USD)));
        assert_eq!(acme.channels.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["shell:acme"]);
        assert_eq!(acme.signals.get(&SignalName::parse("nps").unwrap()), Some(&42.0));
        assert_eq!(import_people(&store, STAFF).await.unwrap(), 3);
        assert_eq!(store.people().await.unwrap().len(), 3);

        // A channel can move between accounts in one file.
        let mv = "id,name,tier,channels\nglobex,Globex AB,business,shell:globex shell:acme\nacme,Acme,enterprise,\n";
        assert_eq!(import_accounts(&store, mv, &tiers()).await.unwrap(), 2);
        let owner = store.account_for_channel(&"shell:acme".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(owner.id.as_str(), "globex");

        // Header only: nothing to do.
        assert_eq!(import_accounts(&store, "id,name,tier\n", &tiers()).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn one_bad_row_reports_its_line_and_column_and_imports_nothing() {
        let (_dir, store) = store().await;
        import_people(&store, STAFF).await.unwrap();
        import_accounts(&store, ACCOUNTS, &tiers()).await.unwrap();
        let before = store.accounts().await.unwrap();

        let file = "\
id,name,tier,arr,currency,renewal_date,csm,key_prefix,channels,locale,signal:nps
acme,Acme Renamed,enterprise,130000,USD,2028-03-31,casey,ACME,shell:acme,en-US,50
newco,NewCo,starter,1000,EUR,,,,shell:newco,,
globex,Globex AB,gold,850000,SEK,2027-09-30,casey,GLX,shell:globex,sv-SE,
";
        let err = import_accounts(&store, file, &tiers()).await.unwrap_err();
        let text = err.to_string();
        let problems = invalid(err);
        assert_eq!(problems.len(), 1, "{text}");
        assert_eq!(problems[0].line, 4);
        assert_eq!(problems[0].column.as_deref(), Some("tier"));
        assert!(text.contains("line 4, column tier: `gold` is not a configured tier"), "{text}");
        assert_eq!(store.accounts().await.unwrap(), before, "the store changed");
    }

    #[tokio::test]
    async fn every_bad_row_is_reported() {
        let (_dir, store) = store().await;
        import_people(&store, STAFF).await.unwrap();
        let file = "\
id,name,tier,arr,renewal_date,csm,key_prefix,channels,signal:nps
Acme Corp,Acme,enterprise,-5,2027-02-30,dana,acme,slack:general,high
ok,OK,starter,,,,,\"shell:ok; shell:ok\",
ok,Again,starter,,,,,shell:other,
\"multi
line\",M,starter,,,nobody,,,
short,row
";
        let problems = invalid(import_accounts(&store, file, &tiers()).await.unwrap_err());
        let got: Vec<(u64, Option<&str>)> = problems.iter().map(|p| (p.line, p.column.as_deref())).collect();
        // A short row is a file-shape problem: reported (with its line) before the rows.
        assert_eq!(got, [(7, None)], "{problems:?}");
        let file = file.replace("short,row\n", "");
        let problems = invalid(import_accounts(&store, &file, &tiers()).await.unwrap_err());
        let got: Vec<(u64, Option<&str>)> = problems.iter().map(|p| (p.line, p.column.as_deref())).collect();
        assert_eq!(
            got,
            [
                (2, Some("id")),
                (2, Some("arr")),
                (2, Some("renewal_date")),
                (2, Some("csm")),
                (2, Some("key_prefix")),
                (2, Some("channels")),
                (2, Some("signal:nps")),
                (3, Some("channels")),
                (4, Some("id")),
                (5, Some("id")),
                (5, Some("csm")),
            ],
            "{problems:#?}"
        );
        assert!(
            problems[3].message.contains("`dana` is an agent; an account's CSM must have role csm"),
            "{problems:#?}"
        );
        assert!(problems[8].message.contains("already on line 3"));
        assert!(store.accounts().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn header_problems() {
        let (_dir, store) = store().await;
        let problems = invalid(
            import_accounts(&store, "id,name,tier,colour,signal:Bad Name\n", &tiers()).await.unwrap_err(),
        );
        let cols: Vec<_> = problems.iter().map(|p| (p.line, p.column.clone().unwrap())).collect();
        assert_eq!(cols, [(1, "colour".to_string()), (1, "signal:Bad Name".to_string())]);
        let problems = invalid(import_people(&store, "id,name\n").await.unwrap_err());
        assert_eq!(problems[0].to_string(), "line 1, column role: this required column is missing");
        let problems = invalid(import_people(&store, "").await.unwrap_err());
        assert!(problems[0].message.contains("empty"));
        // signal columns are for accounts only.
        let problems = invalid(import_people(&store, "id,name,role,signal:nps\n").await.unwrap_err());
        assert_eq!(problems[0].column.as_deref(), Some("signal:nps"));
    }

    #[tokio::test]
    async fn channel_taken_by_an_account_outside_the_file() {
        let (_dir, store) = store().await;
        import_people(&store, STAFF).await.unwrap();
        import_accounts(&store, ACCOUNTS, &tiers()).await.unwrap();
        let before = store.accounts().await.unwrap();
        let file = "id,name,tier,channels\nnewco,NewCo,starter,shell:newco\nhooli,Hooli,starter,shell:acme\n";
        let problems = invalid(import_accounts(&store, file, &tiers()).await.unwrap_err());
        assert_eq!((problems[0].line, problems[0].column.as_deref()), (3, Some("channels")));
        assert!(problems[0].message.contains("already belongs to account `acme`"));
        assert_eq!(store.accounts().await.unwrap(), before);

        // Two accounts swapping channels in one file is one consistent change: applied whole.
        let swap =
            "id,name,tier,channels\nacme,Acme,enterprise,shell:globex\nglobex,Globex,business,shell:acme\n";
        assert_eq!(import_accounts(&store, swap, &tiers()).await.unwrap(), 2);
        let acme = store.account_for_channel(&"shell:globex".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(acme.id.as_str(), "acme");
        let globex = store.account_for_channel(&"shell:acme".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(globex.id.as_str(), "globex");
    }

    #[tokio::test]
    async fn thai_and_persian_names_round_trip() {
        let (_dir, store) = store().await;
        import_people(&store, STAFF).await.unwrap();
        let accounts = "id,name,tier,channels,locale\n\
            siam,\"บริษัท สยาม จำกัด, สาขาใหญ่\",enterprise,shell:siam,th\n\
            pars,شرکت پارس,business,shell:pars,fa\n";
        assert_eq!(import_accounts(&store, accounts, &tiers()).await.unwrap(), 2);
        let people = "id,name,role,email,account,locale,time_zone\n\
            somchai,\"สมชาย ใจดี\",customer,somchai@siam.example,siam,th,Asia/Bangkok\n\
            dariush,داریوش رضایی,customer,,pars,fa,Asia/Tehran\n";
        assert_eq!(import_people(&store, people).await.unwrap(), 2);
        let siam = store.account(&AccountId::parse("siam").unwrap()).await.unwrap().unwrap();
        assert_eq!(siam.name.as_str(), "บริษัท สยาม จำกัด, สาขาใหญ่");
        assert_eq!(siam.locale.as_ref().unwrap().to_string(), "th");
        let pars = store.account(&AccountId::parse("pars").unwrap()).await.unwrap().unwrap();
        assert_eq!(pars.name.as_str(), "شرکت پارس");
        let somchai = store.person(&PersonId::parse("somchai").unwrap()).await.unwrap().unwrap();
        assert_eq!(somchai.name.as_str(), "สมชาย ใจดี");
        assert_eq!(somchai.time_zone, Some(chrono_tz::Asia::Bangkok));
        let dariush = store.person(&PersonId::parse("dariush").unwrap()).await.unwrap().unwrap();
        assert_eq!(dariush.name.as_str(), "داریوش رضایی");
        assert_eq!(dariush.account.as_ref().unwrap().as_str(), "pars");
    }

    #[tokio::test]
    async fn people_references_and_handles() {
        let (_dir, store) = store().await;
        import_people(&store, STAFF).await.unwrap();
        import_accounts(&store, ACCOUNTS, &tiers()).await.unwrap();
        let file = "\
id,name,role,slack_id,account,manager
wile,Wile,customer,,roadrunner,
lee,Lee,lead,U0PAT00001,,ghost
kim,Kim,agent,U0CASEY001,,lee
pat,Pat,agent,,,pat
jo,Jo,agent,U0PAT00001,,
";
        let problems = invalid(import_people(&store, file).await.unwrap_err());
        let got: Vec<(u64, Option<&str>)> = problems.iter().map(|p| (p.line, p.column.as_deref())).collect();
        assert_eq!(
            got,
            [
                (2, Some("account")),
                (3, Some("manager")),
                (4, Some("slack_id")),
                (5, Some("manager")),
                (6, Some("slack_id")),
            ],
            "{problems:#?}"
        );
        assert!(problems[0].message.contains("`roadrunner` is not an account"), "{problems:#?}");
        assert!(problems[1].message.contains("`ghost` is not a person"), "{problems:#?}");
        assert!(problems[2].message.contains("already `casey`"), "{problems:#?}");
        assert!(problems[4].message.contains("also `lee` on line 3"), "{problems:#?}");
        // A CSM cannot become an agent while accounts name them.
        let problems = invalid(import_people(&store, "id,name,role\ncasey,Casey,agent\n").await.unwrap_err());
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.line == 2 && p.column.as_deref() == Some("role")));
        assert!(problems[0].message.contains("CSM of account `acme`"), "{problems:#?}");
        // A manager may come from the same file.
        let ok = "id,name,role,manager\nkim,Kim,agent,lee\nlee,Lee,lead,morgan\n";
        assert_eq!(import_people(&store, ok).await.unwrap(), 2);
        assert_eq!(store.people().await.unwrap().len(), 5);
    }
}

/// Any file given to `baton import` is imported whole or refused with row problems; never a
/// panic (against a real SQLite store, seeded with people and accounts so references can
/// resolve).
#[cfg(test)]
mod prop_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::store::SqliteStore;

    const COLUMNS: &[&str] = &[
        "id", "name", "tier", "arr", "currency", "renewal_date", "csm", "key_prefix", "channels", "locale", "signal:nps",
        "signal:x", "role", "email", "slack_id", "discord_id", "account", "manager", "time_zone", "", "id ", "ID", "signal:",
    ];

    const CELLS: &[&str] = &[
        "", " ", "acme", "globex", "casey", "dana", "morgan", "enterprise", "business", "customer", "agent", "csm",
        "manager", "lead", "120000", "-1", "1e999", "NaN", "USD", "SEK", "XXX", "2027-03-31", "2027-02-30", "ACME",
        "acme-1", "shell:acme", "slack:C0ACME0001;shell:x", "discord:12", "bad:chan", "en-US", "xx-ZZ", "Europe/Stockholm",
        "Mars/Base", "U0CASEY001", "80351110224678912", "a@b.c", "not-an-email", "\"quoted, cell\"", "\"", "é💥\u{202e}",
    ];

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![4 => proptest::sample::select(CELLS).prop_map(str::to_string), 1 => "\\PC{0,12}"]
    }

    fn file() -> impl Strategy<Value = String> {
        let header = proptest::collection::vec(proptest::sample::select(COLUMNS), 0..8);
        let rows = proptest::collection::vec(proptest::collection::vec(cell(), 0..9), 0..5);
        prop_oneof![
            4 => (header, rows).prop_map(|(h, rows)| {
                let mut out = h.join(",");
                for r in rows {
                    out.push('\n');
                    out.push_str(&r.join(","));
                }
                out
            }),
            1 => "\\PC{0,200}",
        ]
    }

    #[test]
    fn any_file_is_imported_or_refused_never_a_panic() {
        // One runtime and one store for all cases: files accumulate, as in real use.
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let tiers = vec!["enterprise".to_string(), "business".to_string()];
        let store = rt.block_on(async {
            let store = SqliteStore::connect(&format!("sqlite://{}", dir.path().join("p.db").display())).await.unwrap();
            store.migrate().await.unwrap();
            import_people(&store, "id,name,role\ncasey,Casey,csm\ndana,Dana,agent\nmorgan,Morgan,manager\n").await.unwrap();
            import_accounts(&store, "id,name,tier,channels\nacme,Acme,enterprise,shell:acme\n", &tiers).await.unwrap();
            store
        });
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
        let files = proptest::collection::vec(file(), 1..4);
        let result = runner.run(&files, |files| {
            rt.block_on(async {
                for f in &files {
                    let before = (store.accounts().await.unwrap(), store.people().await.unwrap());
                    if let Err(ImportError::Invalid(problems)) = import_accounts(&store, f, &tiers).await {
                        prop_assert!(!problems.is_empty());
                        prop_assert_eq!(&store.accounts().await.unwrap(), &before.0, "a refused file changed nothing");
                    }
                    if let Err(ImportError::Invalid(problems)) = import_people(&store, f).await {
                        prop_assert!(!problems.is_empty());
                        prop_assert_eq!(&store.people().await.unwrap(), &before.1, "a refused file changed nothing");
                    }
                }
                Ok(())
            })
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
