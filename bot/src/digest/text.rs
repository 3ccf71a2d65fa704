//! Digests in words: every string from the catalogue (`digest-…` ids), numbers, money,
//! dates, times and durations in the reader's language and time zone (`crate::i18n::format`),
//! the chart attached as a PNG.

use baton_chat::{Attachment, Card};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use unic_langid::LanguageIdentifier;

use super::chart::{self, Chart, Series};
use super::content::{AtRiskAccount, Figures, Period, SlaDigest, TeamMetrics};
use crate::domain::{Arr, SlaTarget};
use crate::health::{AtRiskRules, RiskFlag};
use crate::i18n::{format as fmt, tr, Arg};
use crate::metrics::{Csat, Ratio};
use crate::render::reason_text;

/// Who an at-risk digest is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Audience {
    /// Managers and leads, in a channel: every at-risk account.
    Everyone,
    /// One CSM, by direct message: their own accounts.
    Csm { name: String },
}

/// Why a digest is posted after its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lateness {
    /// Baton was not running at the slot's time (posted on start).
    NotRunning,
    /// Baton was running but could not post in time (e.g. the database was unreachable).
    Delayed,
}

/// The note on a digest posted after its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateNote {
    pub lateness: Lateness,
    pub slot: DateTime<Utc>,
    /// Earlier slots missed too (not posted separately).
    pub skipped: u32,
}

/// A rendered digest: plain text, a card, and the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub card: Option<Card>,
    pub chart: Option<Attachment>,
}

/// What the renderer needs besides the content.
#[derive(Clone)]
pub struct Style<'a> {
    pub lang: &'a LanguageIdentifier,
    pub tz: Tz,
    pub late: Option<LateNote>,
    /// The digest's name, for the chart's file name.
    pub name: &'a str,
}

impl Style<'_> {
    fn t(&self, id: &str, args: &[(&'static str, Arg)]) -> String {
        tr(self.lang, id, args)
    }

    /// An instant in the reader's language and the style's time zone.
    pub fn time(&self, t: DateTime<Utc>) -> String {
        fmt::datetime(self.lang, t, self.tz)
    }

    /// A calendar date in the reader's language and calendar.
    fn date(&self, d: chrono::NaiveDate) -> String {
        fmt::date(self.lang, d)
    }

    /// A count, grouped in the reader's digits.
    fn count(&self, n: u32) -> String {
        fmt::unsigned(self.lang, u64::from(n))
    }

    /// `12.5`, `33,3`, `۱۰۰`: at most one decimal.
    fn one_decimal(&self, v: f64) -> String {
        fmt::decimal(self.lang, v, 0, 1)
    }

    /// `3.25`, `4,5`, `4`: at most two decimals.
    fn two_decimals(&self, v: f64) -> String {
        fmt::decimal(self.lang, v, 0, 2)
    }

    /// The language's separator between clauses (`; `, Persian `؛ `).
    fn clauses(&self, parts: &[String]) -> String {
        parts.join(&self.t("clause-separator", &[]))
    }

    fn period(&self, p: Period) -> String {
        self.t("digest-period", &[("from", self.time(p.from).into()), ("to", self.time(p.to).into())])
    }

    fn duration(&self, d: Duration) -> String {
        fmt::duration(self.lang, d)
    }

    fn opt_duration(&self, d: Option<Duration>) -> String {
        d.map(|d| self.duration(d)).unwrap_or_else(|| self.t("digest-no-data", &[]))
    }

    fn p50_p90(&self, p50: Option<Duration>, p90: Option<Duration>) -> String {
        match (p50, p90) {
            (None, None) => self.t("digest-no-data", &[]),
            _ => self.t("digest-p50-p90", &[("p50", self.opt_duration(p50).into()), ("p90", self.opt_duration(p90).into())]),
        }
    }

    fn ratio(&self, r: Option<Ratio>) -> String {
        match r {
            Some(r) => self.t(
                "digest-ratio",
                &[("percent", self.one_decimal(r.percent()).into()), ("part", i64::from(r.part).into()), ("whole", i64::from(r.whole).into())],
            ),
            None => self.t("digest-no-data", &[]),
        }
    }

    fn csat(&self, c: Option<Csat>) -> String {
        match c {
            Some(c) => self.t(
                "digest-csat-value",
                &[
                    ("mean", self.two_decimals(c.mean).into()),
                    ("satisfied", self.one_decimal(c.satisfied.percent()).into()),
                    ("count", i64::from(c.count).into()),
                ],
            ),
            None => self.t("digest-no-data", &[]),
        }
    }

    fn compare(&self, now: String, before: String) -> String {
        self.t("digest-compare", &[("now", now.into()), ("before", before.into())])
    }

    fn money(&self, arr: Option<Arr>) -> String {
        match arr {
            Some(a) => fmt::money(self.lang, &a),
            None => self.t("unknown", &[]),
        }
    }

    fn target(&self, t: SlaTarget) -> String {
        let id = match t {
            SlaTarget::FirstResponse => "sla-first-response",
            SlaTarget::NextResponse => "sla-next-response",
            SlaTarget::Resolution => "sla-resolution",
        };
        self.t(id, &[])
    }

    /// The late note's lines, if any.
    fn late_lines(&self) -> Vec<String> {
        let Some(n) = self.late else { return Vec::new() };
        let id = match n.lateness {
            Lateness::NotRunning => "digest-late-not-running",
            Lateness::Delayed => "digest-late-delayed",
        };
        let mut out = vec![self.t(id, &[("time", self.time(n.slot).into())])];
        if n.skipped > 0 {
            out.push(self.t("digest-late-skipped", &[("count", i64::from(n.skipped).into())]));
        }
        out
    }

    /// Puts the late note first in the text and in the card's footer.
    fn finish(&self, text: String, card: Option<Card>, chart: Option<Attachment>) -> Rendered {
        let late = self.late_lines();
        if late.is_empty() {
            return Rendered { text, card, chart };
        }
        let note = late.join(" ");
        let card = card.map(|mut c| {
            c.footer = Some(match c.footer.take() {
                Some(f) => format!("{note}\n{f}"),
                None => note.clone(),
            });
            c
        });
        Rendered { text: format!("{note}\n{text}"), card, chart }
    }

    fn chart(&self, kind: &str, chart: &Chart) -> Option<Attachment> {
        match chart::render_png(chart) {
            Ok(bytes) => Some(Attachment {
                filename: format!("{}-{kind}.png", file_stem(self.name)),
                content_type: "image/png".into(),
                bytes,
            }),
            Err(e) => {
                // The digest is still worth posting without its picture.
                tracing::error!(error = %e, digest = self.name, "digest chart failed");
                None
            }
        }
    }
}

/// A digest name made safe for a file name.
fn file_stem(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if s.is_empty() {
        "digest".into()
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------

/// The at-risk digest for an audience.
pub fn at_risk(style: &Style, rows: &[AtRiskAccount], audience: &Audience, rules: &AtRiskRules) -> Rendered {
    if rows.is_empty() {
        let text = match audience {
            Audience::Everyone => style.t("digest-at-risk-empty", &[]),
            Audience::Csm { name } => style.t("digest-at-risk-empty-csm", &[("name", name.as_str().into())]),
        };
        return style.finish(text, None, None);
    }
    // ARR at risk, per currency (amounts are never converted).
    let mut totals: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for r in rows {
        if let Some(a) = &r.arr {
            *totals.entry(a.currency().to_string()).or_default() += a.amount();
        }
    }
    let arr_total = if totals.is_empty() {
        style.t("unknown", &[])
    } else {
        totals
            .iter()
            .map(|(c, n)| style.t("money", &[("amount", fmt::unsigned(style.lang, *n).into()), ("currency", c.as_str().into())]))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let title = match audience {
        Audience::Everyone => style.t("digest-at-risk-title", &[]),
        Audience::Csm { name } => style.t("digest-at-risk-title-csm", &[("name", name.as_str().into())]),
    };
    let text = style.t("digest-at-risk-text", &[("count", (rows.len() as i64).into()), ("arr", arr_total.into())]);
    let fields = rows
        .iter()
        .map(|r| {
            let label = style.t("digest-at-risk-account", &[("name", r.name.as_str().into()), ("tier", r.tier.as_str().into())]);
            let score = i64::from(r.health.score);
            let health = match r.trend {
                Some((since, change)) => style.t(
                    "health-score-trend",
                    &[("score", score.into()), ("change", i64::from(change).into()), ("since", style.date(since).into())],
                ),
                None => style.t("health-score", &[("score", score.into())]),
            };
            let renewal = match (r.renewal_date, r.days_to_renewal) {
                (Some(d), Some(days)) => {
                    style.t("handoff-renewal", &[("date", style.date(d).into()), ("days", days.into())])
                }
                _ => style.t("unknown", &[]),
            };
            let mut lines = vec![style.t(
                "digest-at-risk-figures",
                &[
                    ("health", health.into()),
                    ("arr", style.money(r.arr).into()),
                    ("renewal", renewal.into()),
                    ("open", i64::from(r.open_tickets).into()),
                    ("escalated", i64::from(r.escalated_tickets).into()),
                ],
            )];
            if !r.health.reasons.is_empty() {
                let reasons: Vec<String> = r.health.reasons.iter().map(|x| reason_text(style.lang, x)).collect();
                lines.push(style.t("digest-at-risk-why", &[("reasons", style.clauses(&reasons).into())]));
            }
            let flags: Vec<String> = r
                .flags
                .iter()
                .map(|f| match f {
                    RiskFlag::LowScore => style.t("digest-flag-low-score", &[("below", i64::from(rules.below).into())]),
                    RiskFlag::Dropped { from, to } => style.t(
                        "digest-flag-dropped",
                        &[("from", i64::from(*from).into()), ("to", i64::from(*to).into()), ("days", rules.drop_days.into())],
                    ),
                    RiskFlag::RenewalWithTrouble { days } => style.t("digest-flag-renewal", &[("days", (*days).into())]),
                })
                .collect();
            lines.push(style.t("digest-at-risk-flags", &[("flags", style.clauses(&flags).into())]));
            (label, lines.join("\n"))
        })
        .collect();
    let scores: Vec<f64> = rows.iter().map(|r| f64::from(r.health.score)).collect();
    let mut picture = Chart::new(vec![Series::Bars { values: scores, color: chart::BLUE }]);
    picture.threshold = Some(f64::from(rules.below));
    picture.y_max = Some(100.0);
    let chart = style.chart("at-risk", &picture);
    let footer = chart.as_ref().map(|_| style.t("digest-at-risk-chart", &[("below", i64::from(rules.below).into())]));
    let card = Card { title, fields, body: Some(text.clone()), buttons: vec![], footer };
    style.finish(text, Some(card), chart)
}

/// The team-metrics digest.
pub fn team(style: &Style, m: &TeamMetrics) -> Rendered {
    let period = style.period(m.period);
    if m.is_empty() {
        return style.finish(style.t("digest-team-empty", &[("period", period.into())]), None, None);
    }
    let (now, before) = (&m.team, &m.team_before);
    let count = |n: u32| style.count(n);
    let mut fields = vec![
        (style.t("digest-field-opened", &[]), style.compare(count(now.opened), count(before.opened))),
        (style.t("digest-field-solved", &[]), style.compare(count(now.solved), count(before.solved))),
        (
            style.t("digest-field-frt", &[]),
            style.compare(style.p50_p90(now.frt_p50(), now.frt_p90()), style.p50_p90(before.frt_p50(), before.frt_p90())),
        ),
        (
            style.t("digest-field-resolution", &[]),
            style.compare(
                style.p50_p90(now.resolution_p50(), now.resolution_p90()),
                style.p50_p90(before.resolution_p50(), before.resolution_p90()),
            ),
        ),
        (style.t("digest-field-reopen", &[]), style.compare(style.ratio(now.reopen), style.ratio(before.reopen))),
        (style.t("digest-field-csat", &[]), style.compare(style.csat(now.csat), style.csat(before.csat))),
    ];
    if let Some(nps) = m.nps {
        fields.push((
            style.t("digest-field-nps", &[]),
            style.t("digest-nps-value", &[("score", style.one_decimal(nps.score).into()), ("count", i64::from(nps.count).into())]),
        ));
    }
    let mut body = vec![style.t("digest-team-previous", &[("period", style.period(m.previous).into())])];
    if !m.by_assignee.is_empty() {
        body.push(style.t("digest-team-by-assignee", &[]));
        for a in &m.by_assignee {
            body.push(assignee_line(style, a.name.clone(), &a.now, &a.before));
        }
    }
    let p50: Vec<Option<f64>> = m.daily_frt.iter().map(|d| d.p50.map(minutes)).collect();
    let p90: Vec<Option<f64>> = m.daily_frt.iter().map(|d| d.p90.map(minutes)).collect();
    let picture = Chart::new(vec![
        Series::Line { values: p50, color: chart::BLUE },
        Series::Line { values: p90, color: chart::ORANGE },
    ]);
    let chart = style.chart("frt", &picture);
    let footer = chart.as_ref().map(|_| {
        let top = Duration::seconds((picture.scale_top() * 60.0).round() as i64);
        style.t("digest-team-chart", &[("days", (m.daily_frt.len() as i64).into()), ("max", style.duration(top).into())])
    });
    let text = style.t(
        "digest-team-text",
        &[("period", period.clone().into()), ("opened", i64::from(now.opened).into()), ("solved", i64::from(now.solved).into())],
    );
    let card = Card {
        title: style.t("digest-team-title", &[("period", period.into())]),
        fields,
        body: Some(body.join("\n")),
        buttons: vec![],
        footer,
    };
    style.finish(text, Some(card), chart)
}

fn minutes(d: Duration) -> f64 {
    d.num_seconds() as f64 / 60.0
}

fn assignee_line(style: &Style, name: Option<String>, now: &Figures, before: &Figures) -> String {
    let name = name.unwrap_or_else(|| style.t("digest-unassigned", &[]));
    style.t(
        "digest-team-assignee",
        &[
            ("name", name.into()),
            ("solved", i64::from(now.solved).into()),
            ("solved_before", i64::from(before.solved).into()),
            ("frt", style.opt_duration(now.frt_p50()).into()),
            ("frt_before", style.opt_duration(before.frt_p50()).into()),
            ("resolution", style.opt_duration(now.resolution_p50()).into()),
            ("resolution_before", style.opt_duration(before.resolution_p50()).into()),
            ("csat", style.csat(now.csat).into()),
            ("csat_before", style.csat(before.csat).into()),
        ],
    )
}

/// The SLA digest.
pub fn sla(style: &Style, d: &SlaDigest) -> Rendered {
    let period = style.period(d.period);
    let mut body = Vec::new();
    if !d.breaches.is_empty() {
        body.push(style.t("digest-sla-breaches", &[]));
        for b in &d.breaches {
            let owner = b.owner.clone().unwrap_or_else(|| style.t("digest-unassigned", &[]));
            let account = b.account.clone().unwrap_or_else(|| style.t("card-no-account", &[]));
            body.push(style.t(
                "digest-sla-breach",
                &[
                    ("key", b.key.to_string().into()),
                    ("title", b.title.as_str().into()),
                    ("account", account.into()),
                    ("target", style.target(b.target).into()),
                    ("due", style.time(b.due).into()),
                    ("owner", owner.into()),
                ],
            ));
        }
    }
    match &d.outlook {
        Some(o) => {
            let hours = o.horizon.num_hours();
            if o.due_soon.is_empty() {
                body.push(style.t("digest-sla-due-soon-none", &[("hours", hours.into())]));
            } else {
                body.push(style.t("digest-sla-due-soon", &[("hours", hours.into())]));
                for s in &o.due_soon {
                    let owner = s.owner.clone().unwrap_or_else(|| style.t("digest-unassigned", &[]));
                    body.push(style.t(
                        "digest-sla-due-soon-line",
                        &[
                            ("key", s.key.to_string().into()),
                            ("title", s.title.as_str().into()),
                            ("target", style.target(s.target).into()),
                            ("due", style.time(s.due).into()),
                            ("owner", owner.into()),
                        ],
                    ));
                }
            }
            if !o.compliance.is_empty() {
                body.push(style.t("digest-sla-compliance", &[]));
                for c in &o.compliance {
                    body.push(style.t(
                        "digest-sla-compliance-line",
                        &[
                            ("policy", c.policy.as_str().into()),
                            ("target", style.target(c.target).into()),
                            ("ratio", style.ratio(Some(c.met)).into()),
                        ],
                    ));
                }
            }
        }
        None if !d.is_empty() => body.push(style.t("digest-sla-no-clocks", &[])),
        None => {}
    }
    if d.is_empty() {
        let mut text = style.t("digest-sla-empty", &[("period", period.into())]);
        if d.outlook.is_none() {
            text = format!("{text} {}", style.t("digest-sla-no-clocks", &[]));
        }
        return style.finish(text, None, None);
    }
    let counts: Vec<f64> = d.daily_breaches.iter().map(|(_, n)| f64::from(*n)).collect();
    let picture = Chart::new(vec![Series::Bars { values: counts, color: chart::ORANGE }]);
    let chart = style.chart("sla", &picture);
    let footer = chart.as_ref().map(|_| {
        style.t(
            "digest-sla-chart",
            &[("days", (d.daily_breaches.len() as i64).into()), ("max", style.one_decimal(picture.scale_top()).into())],
        )
    });
    let text = style.t("digest-sla-text", &[("count", (d.breaches.len() as i64).into()), ("period", period.clone().into())]);
    let card = Card {
        title: style.t("digest-sla-title", &[("period", period.into())]),
        fields: vec![],
        body: Some(body.join("\n")),
        buttons: vec![],
        footer,
    };
    style.finish(text, Some(card), chart)
}
