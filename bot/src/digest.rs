//! Scheduled digests for managers, leads and CSMs: at-risk accounts, SLA breaches and team
//! metrics, each with a small PNG chart.
//!
//! - [`content`]: the numbers, as pure functions of event logs and account data, computed
//!   with the definitions in [`crate::metrics`] and [`crate::health`] (and the README).
//! - [`text`]: the numbers in words, from the catalogue (`digest-…` ids).
//! - [`chart`]: the PNG.
//! - [`Digests`]: loads what a digest needs from the store and renders it into the messages
//!   for its destinations (channels, or each CSM by direct message).
//!
//! When a digest runs is the [`crate::scheduler`]'s business; `baton digest run NAME` renders
//! one now.
//!
//! # Periods
//! A digest posted for a slot covers the time since the schedule's previous slot, `[previous
//! slot, slot)` (one day before the slot when the schedule has no earlier slot), and is
//! compared with the period of equal length before that. Run by hand, it covers the same
//! length of time ending now. The at-risk digest shows health as it is when posted.

pub mod chart;
pub mod content;
pub mod sla_outlook;
pub mod text;

use std::collections::BTreeMap;
use std::sync::Arc;

use baton_chat::{ChannelRef, Destination, OutboundMessage, Platform};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use unic_langid::LanguageIdentifier;

use crate::config::{Config, CronSpec, DigestConfig, DigestKind};
use crate::engine::Settings;
use crate::i18n::tr;
use crate::store::{read_apart as read, LogQuery, Store, StoreError, TicketFilter};

pub use content::{History, Period, SlaOutlook};
pub use sla_outlook::SlaClocksOutlook;
pub use text::{Audience, LateNote, Lateness, Rendered};

/// Days of history each digest's chart shows.
pub const CHART_DAYS: u32 = 14;

/// Tickets with (some of) their events, as [`Store::ticket_logs`] returns them.
type TicketLogs = Vec<(crate::domain::Ticket, Vec<crate::domain::TicketEvent>)>;

/// Where a digest goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Channel(ChannelRef),
    /// Each CSM gets their own accounts by direct message (at-risk digests).
    CsmDm,
}

/// A configured digest, parsed.
#[derive(Clone, Debug)]
pub struct DigestSpec {
    pub name: String,
    pub kind: DigestKind,
    pub cron: CronSpec,
    pub time_zone: Tz,
    pub targets: Vec<Target>,
    pub lang: LanguageIdentifier,
}

impl DigestSpec {
    /// From a `[[digests]]` entry (which `check-config` has accepted; errors name the key).
    pub fn from_config(c: &DigestConfig, default_lang: &LanguageIdentifier) -> Result<Self, String> {
        let name = c.name.trim().to_string();
        let cron = crate::config::parse_cron(&c.cron).map_err(|e| format!("digest `{name}`: {e}"))?;
        let time_zone: Tz = c
            .time_zone
            .trim()
            .parse()
            .map_err(|_| format!("digest `{name}`: `{}` is not a known time zone", c.time_zone.trim()))?;
        let targets = c
            .destinations
            .iter()
            .map(|d| match d.trim() {
                "csm-dm" => Ok(Target::CsmDm),
                other => ChannelRef::parse(other).map(Target::Channel).map_err(|e| format!("digest `{name}`: {e}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let lang = match &c.locale {
            Some(l) => l
                .replace('_', "-")
                .parse()
                .map_err(|_| format!("digest `{name}`: `{l}` is not a language tag"))?,
            None => default_lang.clone(),
        };
        Ok(Self { name, kind: c.kind, cron, time_zone, targets, lang })
    }

    /// Every `[[digests]]` entry of a configuration.
    pub fn all(config: &Config) -> Result<Vec<Self>, String> {
        let lang = config.general.default_locale.replace('_', "-").parse().unwrap_or_else(|_| crate::i18n::fallback());
        config.digests.iter().map(|d| Self::from_config(d, &lang)).collect()
    }
}

/// Which time a digest is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occasion {
    pub period: Period,
    pub late: Option<LateNote>,
}

impl Occasion {
    /// The digest for a scheduled slot: since the previous slot (or a day).
    pub fn slot(spec: &DigestSpec, slot: DateTime<Utc>, late: Option<LateNote>) -> Self {
        let from = crate::scheduler::previous_slot(&spec.cron, spec.time_zone, slot).unwrap_or(slot - Duration::days(1));
        Self { period: Period { from, to: slot }, late }
    }

    /// The digest run by hand at `now`: as long a period as the schedule's latest interval
    /// (a day when it has none), ending now.
    pub fn now(spec: &DigestSpec, now: DateTime<Utc>) -> Self {
        let latest = crate::scheduler::latest_at_or_before(&spec.cron, spec.time_zone, now);
        let length = latest
            .and_then(|l| crate::scheduler::previous_slot(&spec.cron, spec.time_zone, l).map(|p| l - p))
            .filter(|d| *d > Duration::zero())
            .unwrap_or_else(|| Duration::days(1));
        Self { period: Period { from: now - length, to: now }, late: None }
    }
}

/// Why a digest could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The hook for what only SLA clocks know: targets due to breach soon, and compliance per
/// policy. Until a source is plugged in ([`Digests::with_sla`]), SLA digests list breaches
/// from the event log and say that the rest is unavailable.
pub trait SlaOutlookSource: Send + Sync {
    /// What is due to breach after `now` and compliance for `period`; `None` when unknown.
    fn outlook(&self, history: &History, period: Period, now: DateTime<Utc>) -> Option<SlaOutlook>;

    /// The event kinds ([`crate::domain::EventKind::name`]) `outlook` reads from the logs:
    /// the digest loads only those. `None` (the default): every kind; empty: no history.
    fn event_kinds(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// When the SLA sweep's stored next checks may choose the active tickets `outlook` reads:
    /// the [`crate::sla::rules_fingerprint`] of the rules it computes with, and how far after
    /// `now` it looks for targets due. `None` (the default): it reads every active ticket.
    ///
    /// A ticket's next check is the next instant one of its clocks can warn or breach with
    /// nothing posted for it yet, as a sweep with those rules computed it, and any change of
    /// the ticket makes it due at once (see [`crate::store::Store::sla_candidates`]). So while
    /// the sweep's last full pass ran with the same rules, an active ticket whose next check is
    /// missing or later than both `now + horizon` and the period's end, and that has no event
    /// in the period, has no target due within the horizon and none that came due in the
    /// period: one due before its next check was posted as a breach, an event at its due time.
    fn next_check_cut(&self) -> Option<(String, Duration)> {
        None
    }
}

/// No SLA clocks: no outlook.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSlaClocks;

impl SlaOutlookSource for NoSlaClocks {
    fn outlook(&self, _: &History, _: Period, _: DateTime<Utc>) -> Option<SlaOutlook> {
        None
    }

    fn event_kinds(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }
}

/// What a read started with [`read`] answered; nothing (`None`: a read this kind of digest
/// does not make) when there was none.
async fn answer<T: Default>(task: Option<crate::store::Read<T>>) -> Result<T, DigestError> {
    match task {
        Some(task) => Ok(crate::store::answer(task).await?),
        None => Ok(T::default()),
    }
}

/// What one kind of digest reads besides its histories (the rest stays empty).
#[derive(Default)]
struct Extra {
    /// Team metrics: every account's imported NPS signal.
    nps: Vec<f64>,
    /// At-risk: each account's latest health snapshot on or before the drop window's start.
    earlier: BTreeMap<crate::domain::AccountId, (chrono::NaiveDate, crate::health::Health)>,
}

/// Builds digests from the store. Cheap to clone.
#[derive(Clone)]
pub struct Digests {
    store: Arc<dyn Store>,
    settings: Arc<Settings>,
    sla: Arc<dyn SlaOutlookSource>,
}

impl Digests {
    pub fn new(store: Arc<dyn Store>, settings: Arc<Settings>) -> Self {
        Self { store, settings, sla: Arc::new(NoSlaClocks) }
    }

    /// Plugs in the SLA clocks' outlook.
    pub fn with_sla(mut self, sla: Arc<dyn SlaOutlookSource>) -> Self {
        self.sla = sla;
        self
    }

    /// Accounts, people, and every ticket with its event log.
    pub async fn history(&self) -> Result<History, DigestError> {
        let tickets = self.store.tickets(&TicketFilter::default()).await?;
        self.history_of(tickets).await
    }

    /// What a digest's figures can depend on, and nothing more: a ticket left out has nothing
    /// in the digest's windows, an event left out is of a kind its figures do not read (the
    /// `…_KINDS` lists of [`content`]). Tickets without such events but selected keep an
    /// empty log.
    ///
    /// - Team metrics: the tickets opened or changed since the previous period began, with
    ///   the [`content::TEAM_KINDS`] events; for the chart, the tickets with an agent message
    ///   in its days, with their agent messages.
    /// - SLA: for the clocks, the active tickets and those opened or changed in the period,
    ///   with the events the outlook reads ([`SlaOutlookSource::event_kinds`]): a ticket
    ///   solved or closed before the period has no clock settling in it; of the active tickets
    ///   untouched in the period, only those the SLA sweep's next checks say can have a target
    ///   due by the outlook's horizon or in the period, when the sweep ran with the same rules
    ///   ([`SlaOutlookSource::next_check_cut`]); for the breaches, the
    ///   tickets with a breach recorded in the period or the chart's days, with their breaches.
    /// - At-risk: no log; what health reads ([`Store::health_tickets`]) is read with the
    ///   digest's other reads (see `render`).
    ///
    /// Returns the first history, with the accounts and people, and the second set of tickets
    /// (the chart's, the breaches'; none for at-risk).
    async fn histories_for(&self, spec: &DigestSpec, occasion: &Occasion, now: DateTime<Utc>) -> Result<(History, TicketLogs), DigestError> {
        let period = occasion.period;
        let chart_from = content::chart_days(period.to, spec.time_zone, CHART_DAYS).first().map(|(_, p)| p.from);
        let earliest = |t: DateTime<Utc>| chart_from.map_or(t, |c| c.min(t));
        // The reads are independent: each runs as its own task, on its own connection (SQLite
        // readers do not wait for each other), so the database's work and the decoding of what
        // came back spread over the machine's cores.
        let logs = |q: LogQuery<'static>| Some(read(&self.store, move |s| async move { s.ticket_logs(&q).await }));
        let (first, second) = match spec.kind {
            DigestKind::TeamMetrics => {
                let since = period.previous().from;
                let main = LogQuery {
                    opened_since: Some(since),
                    touched_since: Some((since, &[])),
                    kinds: Some(content::TEAM_KINDS),
                    ..Default::default()
                };
                let chart = LogQuery {
                    touched_since: Some((chart_from.unwrap_or(period.from), content::FRT_KINDS)),
                    kinds: Some(content::FRT_KINDS),
                    ..Default::default()
                };
                (logs(main), logs(chart))
            }
            DigestKind::Sla => {
                let clocks = match self.sla.event_kinds() {
                    Some([]) => None,
                    kinds => {
                        let active_checked_by = self.active_checked_by(period, now).await?;
                        logs(LogQuery {
                            opened_since: Some(period.from),
                            touched_since: Some((period.from, &[])),
                            active: true,
                            active_checked_by,
                            kinds,
                            ..Default::default()
                        })
                    }
                };
                let breaches = LogQuery {
                    touched_since: Some((earliest(period.from), content::BREACH_KINDS)),
                    kinds: Some(content::BREACH_KINDS),
                    ..Default::default()
                };
                (clocks, logs(breaches))
            }
            // At-risk reads no log: what health reads is read beside (see `render`).
            DigestKind::AtRisk => (None, None),
        };
        // The team digest reads no account, only the accounts' NPS signals (see `render`).
        let accounts = match spec.kind {
            DigestKind::TeamMetrics => None,
            DigestKind::Sla | DigestKind::AtRisk => Some(read(&self.store, |s| async move { s.accounts().await })),
        };
        let people = Some(read(&self.store, |s| async move { s.people().await }));
        let (first, second, accounts, people) = tokio::try_join!(answer(first), answer(second), answer(accounts), answer(people))?;
        Ok((History { accounts, people, tickets: first }, second))
    }

    /// The SLA digest's cut of the active tickets by their stored next checks
    /// ([`SlaOutlookSource::next_check_cut`]), when the sweep's last full pass ran with the
    /// outlook's rules; `None`: every active ticket.
    async fn active_checked_by(&self, period: Period, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, DigestError> {
        let Some((fingerprint, horizon)) = self.sla.next_check_cut() else {
            return Ok(None);
        };
        let swept_with = self.store.bot_state(crate::sla::RULES_FINGERPRINT_STATE).await?;
        Ok((swept_with.as_deref() == Some(fingerprint.as_str())).then(|| (now + horizon).max(period.to)))
    }

    async fn history_of(&self, tickets: Vec<crate::domain::Ticket>) -> Result<History, DigestError> {
        let accounts = self.store.accounts().await?;
        let people = self.store.people().await?;
        let ids: Vec<_> = tickets.iter().map(|t| t.id).collect();
        let mut events = self.store.events_of(&ids, None).await?;
        let tickets = tickets
            .into_iter()
            .map(|t| {
                let e = events.remove(&t.id).unwrap_or_default();
                (t, e)
            })
            .collect();
        Ok(History { accounts, people, tickets })
    }

    /// The digest's messages for every destination, at `now`.
    pub async fn render(&self, spec: &DigestSpec, occasion: &Occasion, now: DateTime<Utc>) -> Result<Vec<OutboundMessage>, DigestError> {
        // What only one kind reads, read alongside the histories.
        let nps_signal = crate::domain::SignalName::parse(content::NPS_SIGNAL).expect("a valid signal name");
        let earlier_day = now.date_naive() - Duration::days(self.settings.at_risk.drop_days);
        let extra = match spec.kind {
            DigestKind::TeamMetrics => Some(read(&self.store, move |s| async move {
                Ok(Extra { nps: s.signal_values(&nps_signal).await?, ..Default::default() })
            })),
            DigestKind::AtRisk => Some(read(&self.store, move |s| async move {
                Ok(Extra { earlier: s.health_on_or_before_all(earlier_day).await?, ..Default::default() })
            })),
            DigestKind::Sla => None,
        };
        let health = match spec.kind {
            DigestKind::AtRisk => {
                let since = now - self.settings.health.window;
                Some(read(&self.store, move |s| async move { s.health_tickets(since).await }))
            }
            DigestKind::TeamMetrics | DigestKind::Sla => None,
        };
        let ((history, second), extra, health) =
            tokio::try_join!(self.histories_for(spec, occasion, now), answer(extra), answer(health))?;
        let style = text::Style { lang: &spec.lang, tz: spec.time_zone, late: occasion.late, name: &spec.name };
        let channels: Vec<&ChannelRef> = spec
            .targets
            .iter()
            .filter_map(|t| match t {
                Target::Channel(c) => Some(c),
                Target::CsmDm => None,
            })
            .collect();
        let to_channels = |r: &Rendered| -> Vec<OutboundMessage> {
            channels.iter().map(|c| message(Destination::Channel { channel: (*c).clone() }, r)).collect()
        };
        match spec.kind {
            DigestKind::TeamMetrics => {
                let chart = History { tickets: second, ..Default::default() };
                let nps = content::imported_nps(extra.nps);
                let m = content::team_metrics_with_chart(&history, &chart, nps, occasion.period, spec.time_zone, CHART_DAYS);
                Ok(to_channels(&text::team(&style, &m)))
            }
            DigestKind::Sla => {
                let outlook = self.sla.outlook(&history, occasion.period, now);
                let breaches = History { tickets: second, ..history };
                let d = content::sla_digest(&breaches, occasion.period, outlook, spec.time_zone, CHART_DAYS);
                Ok(to_channels(&text::sla(&style, &d)))
            }
            DigestKind::AtRisk => {
                let rules = &self.settings.at_risk;
                let earlier: BTreeMap<_, _> = extra
                    .earlier
                    .into_iter()
                    .map(|(account, (day, h))| (account, (day, h.score)))
                    .collect();
                let rows = content::at_risk_accounts(&history.accounts, &health, &earlier, &self.settings.health, rules, now);
                let mut out = to_channels(&text::at_risk(&style, &rows, &Audience::Everyone, rules));
                if spec.targets.contains(&Target::CsmDm) {
                    // Prefer the platform the digest's channels are on.
                    let prefer = channels.first().map(|c| c.platform).unwrap_or(Platform::Slack);
                    for csm in content::csms_of(&history.accounts) {
                        let Some(person) = history.people.iter().find(|p| p.id == csm) else {
                            tracing::warn!(digest = %spec.name, csm = %csm, "an account's CSM is not a known person; no digest DM");
                            continue;
                        };
                        let Some((platform, user)) = crate::engine::reach(person, prefer) else {
                            tracing::warn!(digest = %spec.name, csm = %csm, "the CSM has no chat handle; no digest DM");
                            continue;
                        };
                        let mine: Vec<_> = rows.iter().filter(|r| r.csm.as_ref() == Some(&csm)).cloned().collect();
                        // A DM is read in the CSM's language and time zone (else the digest's).
                        let own = person.locale.as_ref().map(|l| l.langid());
                        let lang = crate::i18n::resolve::LocaleChain { person: own, default: Some(&spec.lang), ..Default::default() }.resolve();
                        let tz = crate::i18n::resolve::time_zone(person.time_zone, spec.time_zone);
                        let personal = text::Style { lang: &lang, tz, ..style.clone() };
                        let r = text::at_risk(&personal, &mine, &Audience::Csm { name: person.name.to_string() }, rules);
                        out.push(message(Destination::Direct { platform, user }, &r));
                    }
                }
                Ok(out)
            }
        }
    }
}

fn message(destination: Destination, r: &Rendered) -> OutboundMessage {
    OutboundMessage {
        destination,
        text: r.text.clone(),
        card: r.card.clone(),
        replaces: None,
        attachments: r.chart.iter().cloned().collect(),
        conversation: Default::default(),
    }
}

/// A message as plain text for a terminal (`baton digest run --dry-run`): where it goes, its
/// text, its card, and its attachments.
pub fn plain_text(lang: &LanguageIdentifier, m: &OutboundMessage) -> String {
    let destination = match &m.destination {
        Destination::Channel { channel }
        | Destination::Thread { channel, .. }
        | Destination::Ephemeral { channel, .. }
        | Destination::Mark { target: baton_chat::MessageRef { channel, .. }, .. } => {
            tr(lang, "digest-dry-run-channel", &[("channel", channel.to_string().into())])
        }
        Destination::Direct { platform, user } => tr(
            lang,
            "digest-dry-run-dm",
            &[("platform", platform.as_str().into()), ("user", user.as_str().into())],
        ),
    };
    let mut out = vec![tr(lang, "digest-dry-run-to", &[("destination", destination.into())]), m.text.clone()];
    if let Some(card) = &m.card {
        out.push(String::new());
        out.push(card.title.clone());
        for (label, value) in &card.fields {
            let mut lines = value.lines();
            out.push(format!("  {label}: {}", lines.next().unwrap_or_default()));
            out.extend(lines.map(|l| format!("    {l}")));
        }
        if let Some(body) = card.body.as_ref().filter(|b| b.trim() != m.text.trim()) {
            out.extend(body.lines().map(|l| format!("  {l}")));
        }
        if let Some(footer) = &card.footer {
            out.extend(footer.lines().map(|l| format!("  {l}")));
        }
    }
    for a in &m.attachments {
        out.push(tr(
            lang,
            "digest-dry-run-attachment",
            &[
                ("name", a.filename.as_str().into()),
                ("type", a.content_type.as_str().into()),
                ("bytes", (a.bytes.len() as i64).into()),
            ],
        ));
    }
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests;
