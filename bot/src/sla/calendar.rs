//! Calendars: which instants count as SLA time.
//!
//! A [`Calendar`] is either [`Calendar::always`] (every instant counts: plain calendar time)
//! or a business calendar: weekly opening hours in an IANA time zone, minus holidays.
//!
//! # Business calendars
//!
//! - Each weekday has zero or more half-open local-time intervals `[start, end)`, such as
//!   `09:00-17:00`, or `09:00-12:00` and `13:00-17:00` on a split day. An interval may end at
//!   `24:00` (midnight at the end of the day; `00:00` as an end means the same), so
//!   `00:00-24:00` is a whole day. Intervals of a day may touch (`09:00-12:00`,
//!   `12:00-13:00`) but not overlap; an interval cannot run past midnight (write the part
//!   after midnight on the next day).
//! - Holidays are whole local dates on which the calendar is closed, whatever the weekday.
//! - The week must have at least one open interval.
//!
//! # Local times and daylight saving
//!
//! Every interval of every date is converted to instants with the time zone's rules *for that
//! date*, so a `09:00-17:00` day is 8 hours of business time on the days clocks change, and a
//! `00:00-24:00` day is 23 or 25 hours long on them. Where a local time does not exist (the
//! hour skipped when clocks go forward) it maps to the first instant after the gap (the moment
//! of the change); where a local time happens twice (clocks go back) it maps to the earlier
//! instant. So on the spring-forward day in Europe/Stockholm `02:30-04:00` is one hour, and on
//! the fall-back day `02:00-03:00` is two hours (02:00 summer time to 03:00 winter time).
//!
//! # Config strings
//!
//! [`CalendarSpec`] reads calendars as people write them in configuration:
//!
//! ```toml
//! time_zone = "Europe/Stockholm"
//! hours = { mon-fri = "09:00-17:00", sat = ["10:00-12:00", "13:00-15:00"] }
//! holidays = ["2026-12-24", "2026-12-25"]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The weekdays, Monday first (the order of `BusinessHours::week`).
const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// Seconds in a (nominal) local day: the end of an interval that runs to midnight.
const DAY_SECONDS: u32 = 86_400;

/// How far ahead [`Calendar::add_business_time`] looks for open time before giving up: ten
/// years of local days (plus the day before `from`, looked at for safety).
pub const SEARCH_LIMIT_DAYS: u32 = 3_653;

/// What is wrong with a calendar. Messages name the day or value, for people to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("`{0}` is not an IANA time zone such as Europe/Stockholm or America/New_York")]
    BadTimeZone(String),
    #[error("`{0}` is not a day of the week: use mon, tue, wed, thu, fri, sat or sun, or a range such as mon-fri")]
    BadWeekday(String),
    #[error("`{0}` is not an opening interval: write it like 09:00-17:00 (an end of 24:00 means midnight)")]
    BadInterval(String),
    #[error("the opening interval {interval} on {day} must end after it starts (split intervals past midnight across two days)")]
    EmptyInterval { day: Weekday, interval: OpenInterval },
    #[error("the opening intervals {first} and {second} on {day} overlap")]
    Overlap { day: Weekday, first: OpenInterval, second: OpenInterval },
    #[error("{0} is given opening hours twice")]
    DuplicateDay(Weekday),
    #[error("the calendar is never open: give at least one day opening hours")]
    NeverOpen,
    #[error("`{0}` is not a holiday date: write it like 2026-12-25")]
    BadHoliday(String),
}

/// One opening interval of a day, `[start, end)` in local time, to the second.
///
/// The end may be midnight at the end of the day (`24:00`). Construct with [`OpenInterval::new`]
/// or [`OpenInterval::parse`]; [`Calendar::business`] checks that the end is after the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenInterval {
    /// Seconds after local midnight, `0..86400`.
    start: u32,
    /// Seconds after local midnight, `1..=86400` once validated (86400 = midnight at the end).
    end: u32,
}

impl OpenInterval {
    /// The interval from `start` to `end`; an `end` of `00:00` means midnight at the end of the
    /// day (24:00). Fractions of a second are dropped.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        let end = match end.num_seconds_from_midnight() {
            0 => DAY_SECONDS,
            s => s,
        };
        Self { start: start.num_seconds_from_midnight(), end }
    }

    /// Reads `HH:MM-HH:MM` (`9:00-17:30`, `00:00-24:00`); spaces around the dash are allowed.
    /// An end of `24:00` or `00:00` means midnight at the end of the day.
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadInterval(s.trim().to_string());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start = parse_clock(a.trim()).filter(|&t| t < DAY_SECONDS).ok_or_else(bad)?;
        let end = match parse_clock(b.trim()).ok_or_else(bad)? {
            0 => DAY_SECONDS,
            e => e,
        };
        Ok(Self { start, end })
    }

    /// The local start time.
    pub fn start(&self) -> NaiveTime {
        NaiveTime::from_num_seconds_from_midnight_opt(self.start, 0).unwrap_or(NaiveTime::MIN)
    }

    /// The local end time; `None` for midnight at the end of the day (24:00).
    pub fn end(&self) -> Option<NaiveTime> {
        NaiveTime::from_num_seconds_from_midnight_opt(self.end, 0).filter(|_| self.end < DAY_SECONDS)
    }

    /// The nominal length (on a day without a clock change).
    pub fn length(&self) -> Duration {
        Duration::seconds(i64::from(self.end) - i64::from(self.start))
    }
}

impl fmt::Display for OpenInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |s: u32| {
            if s.is_multiple_of(60) {
                format!("{:02}:{:02}", s / 3600, s / 60 % 60)
            } else {
                format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
            }
        };
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

impl FromStr for OpenInterval {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// `H:MM` or `HH:MM`, up to `24:00`, as seconds after midnight.
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let digits = |x: &str, max_len| !x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 2) || !digits(m, 2) || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY_SECONDS),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

/// Which instants count: all of them, or the open hours of a business calendar.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Calendar {
    hours: Option<BusinessHours>,
}

/// A validated business calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BusinessHours {
    tz: Tz,
    /// Sorted, non-overlapping intervals per weekday, Monday first.
    week: [Vec<OpenInterval>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Calendar time: every instant counts, 24/7, no holidays.
    pub fn always() -> Self {
        Self { hours: None }
    }

    /// A business calendar: `hours` lists `(weekday, interval)` pairs (a weekday may appear
    /// several times, for a split day), `holidays` whole local dates that are closed.
    ///
    /// Refuses an interval that does not end after it starts, overlapping intervals on a day,
    /// and a week with no open interval.
    pub fn business(
        tz: Tz,
        hours: impl IntoIterator<Item = (Weekday, OpenInterval)>,
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        let mut week: [Vec<OpenInterval>; 7] = Default::default();
        for (day, interval) in hours {
            if interval.end <= interval.start || interval.end > DAY_SECONDS {
                return Err(CalendarError::EmptyInterval { day, interval });
            }
            week[day.num_days_from_monday() as usize].push(interval);
        }
        for (i, day) in week.iter_mut().enumerate() {
            day.sort();
            for pair in day.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(CalendarError::Overlap { day: WEEK[i], first: pair[0], second: pair[1] });
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NeverOpen);
        }
        Ok(Self { hours: Some(BusinessHours { tz, week, holidays: holidays.into_iter().collect() }) })
    }

    /// Whether this is calendar time ([`Calendar::always`]). Reports use this to say whether a
    /// figure is calendar or business time.
    pub fn is_always(&self) -> bool {
        self.hours.is_none()
    }

    /// The business calendar's time zone; `None` for [`Calendar::always`].
    pub fn time_zone(&self) -> Option<Tz> {
        self.hours.as_ref().map(|h| h.tz)
    }

    /// The opening intervals of a weekday (sorted; empty when closed or for `always`).
    pub fn hours(&self, day: Weekday) -> &[OpenInterval] {
        match &self.hours {
            Some(h) => &h.week[day.num_days_from_monday() as usize],
            None => &[],
        }
    }

    /// The holidays (empty for `always`).
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.hours.iter().flat_map(|h| h.holidays.iter().copied())
    }

    /// Whether `at` is open time.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        match &self.hours {
            None => true,
            Some(h) => h.days_around(at, at).any(|d| h.open_on(d).any(|(s, e)| s <= at && at < e)),
        }
    }

    /// The open time between two instants; zero if `to <= from`.
    pub fn business_time(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let Some(h) = &self.hours else { return to - from };
        let mut total = Duration::zero();
        for day in h.days_around(from, to) {
            for (s, e) in h.open_on(day) {
                let (a, b) = (s.max(from), e.min(to));
                if b > a {
                    total += b - a;
                }
            }
        }
        total
    }

    /// The instant at which `d` of open time has elapsed after `from`: the earliest instant `t`
    /// with `business_time(from, t) == d`. Starting outside open hours counts from the next
    /// opening; a `d` that runs out exactly at a closing time gives that closing time (not the
    /// next opening). A zero or negative `d` gives `from`.
    ///
    /// Looks at most [`SEARCH_LIMIT_DAYS`] (ten years) ahead; if `d` of open time is not found
    /// in that time (or the date range ends), returns [`DateTime::<Utc>::MAX_UTC`]: never.
    pub fn add_business_time(&self, from: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        if d <= Duration::zero() {
            return from;
        }
        let Some(h) = &self.hours else {
            return from.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC);
        };
        let mut remaining = d;
        let Some(mut day) = h.local_date(from).pred_opt() else { return DateTime::<Utc>::MAX_UTC };
        for _ in 0..=SEARCH_LIMIT_DAYS + 1 {
            for (s, e) in h.open_on(day) {
                if e <= from {
                    continue;
                }
                let a = s.max(from);
                let available = e - a;
                if remaining <= available {
                    return a + remaining;
                }
                remaining -= available;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        DateTime::<Utc>::MAX_UTC
    }
}

impl BusinessHours {
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Every local date whose open intervals may meet `[from, to]`: from the day before
    /// `from`'s local date to the day after `to`'s (a margin for zones whose clock changes at
    /// midnight).
    fn days_around(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
        let first = self.local_date(from);
        let first = first.pred_opt().unwrap_or(first);
        let last = self.local_date(to);
        let last = last.succ_opt().unwrap_or(last);
        first.iter_days().take_while(move |d| *d <= last)
    }

    /// The open intervals of a local date as instants, in order, skipping empty ones (an
    /// interval inside a spring-forward gap).
    fn open_on(&self, day: NaiveDate) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let intervals: &[OpenInterval] = if self.holidays.contains(&day) {
            &[]
        } else {
            &self.week[day.weekday().num_days_from_monday() as usize]
        };
        intervals.iter().filter_map(move |i| {
            let s = self.instant(day, i.start)?;
            let e = self.instant(day, i.end)?;
            (e > s).then_some((s, e))
        })
    }

    /// The instant of a local time on a date (`DAY_SECONDS` = midnight at the end of the
    /// date); `None` only at the ends of the representable range.
    fn instant(&self, day: NaiveDate, seconds: u32) -> Option<DateTime<Utc>> {
        let (day, seconds) = if seconds >= DAY_SECONDS { (day.succ_opt()?, 0) } else { (day, seconds) };
        let local = day.and_time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)?);
        resolve(self.tz, local)
    }
}

/// The instant of a local time: the earlier one when it happens twice, the end of the gap
/// (the moment of the change) when it does not happen at all.
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => Some(end_of_gap(tz, local)),
    }
}

/// The first instant whose local time is at or after `local`, a local time in a gap.
///
/// Binary search over whole seconds (time-zone changes happen on whole seconds) between
/// `local - 50 h` and `local + 50 h` read as UTC: UTC offsets are within ±14 h, so the local
/// time is before `local` at the low end and after it at the high end.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let base = local.and_utc().timestamp();
    let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let reached = |secs: i64| at(secs).with_timezone(&tz).naive_local() >= local;
    let (mut lo, mut hi) = (base - 50 * 3600, base + 50 * 3600);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    at(hi)
}

/// A business calendar as written in configuration: strings throughout, checked by
/// [`CalendarSpec::build`].
///
/// - `time_zone`: an IANA name, `Europe/Stockholm`.
/// - `hours`: weekday keys (`mon` … `sun`, or full names, any case) or ranges (`mon-fri`,
///   `sat-sun`; a range may wrap, `fri-mon`), each mapped to one interval string, a list of them,
///   or a string of comma-separated intervals (`"09:00-12:00, 13:00-17:00"`). An empty list or
///   `"closed"` means closed. Days not mentioned are closed; a day may appear under one key only.
/// - `holidays`: local dates, `2026-12-25`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    pub time_zone: String,
    #[serde(default, deserialize_with = "one_or_many_map")]
    pub hours: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl CalendarSpec {
    /// Checks every string and builds the calendar (the first problem found is returned).
    pub fn build(&self) -> Result<Calendar, CalendarError> {
        let tz: Tz = self.time_zone.trim().parse().map_err(|_| CalendarError::BadTimeZone(self.time_zone.clone()))?;
        let mut seen = BTreeSet::new();
        let mut hours = Vec::new();
        for (key, values) in &self.hours {
            let days = parse_weekdays(key)?;
            for &d in &days {
                if !seen.insert(d.num_days_from_monday()) {
                    return Err(CalendarError::DuplicateDay(d));
                }
            }
            for value in values {
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if part.eq_ignore_ascii_case("closed") {
                        continue;
                    }
                    let interval = OpenInterval::parse(part)?;
                    hours.extend(days.iter().map(|&d| (d, interval)));
                }
            }
        }
        let holidays = self
            .holidays
            .iter()
            .map(|h| NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d").map_err(|_| CalendarError::BadHoliday(h.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        Calendar::business(tz, hours, holidays)
    }
}

/// Reads a weekday (`mon`, `Monday`) or a range of them (`mon-fri`, `fri-mon`).
pub fn parse_weekdays(s: &str) -> Result<Vec<Weekday>, CalendarError> {
    let bad = || CalendarError::BadWeekday(s.trim().to_string());
    let one = |x: &str| weekday(x.trim()).ok_or_else(bad);
    match s.split_once('-') {
        None => Ok(vec![one(s)?]),
        Some((a, b)) => {
            let (mut d, last) = (one(a)?, one(b)?);
            let mut days = vec![d];
            while d != last {
                d = d.succ();
                days.push(d);
            }
            Ok(days)
        }
    }
}

fn weekday(s: &str) -> Option<Weekday> {
    let s = s.to_ascii_lowercase();
    let names = [
        ("mon", "monday", Weekday::Mon),
        ("tue", "tuesday", Weekday::Tue),
        ("wed", "wednesday", Weekday::Wed),
        ("thu", "thursday", Weekday::Thu),
        ("fri", "friday", Weekday::Fri),
        ("sat", "saturday", Weekday::Sat),
        ("sun", "sunday", Weekday::Sun),
    ];
    names.iter().find(|(short, long, _)| s == *short || s == *long).map(|(_, _, d)| *d)
}

/// `hours` values may be one string or a list of strings.
fn one_or_many_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw = BTreeMap::<String, OneOrMany>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| match v {
            OneOrMany::One(s) => (k, vec![s]),
            OneOrMany::Many(v) => (k, v),
        })
        .collect())
}
