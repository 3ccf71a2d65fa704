//! Cron expressions and durations as people write them.
//!
//! # Durations
//!
//! A number followed by a unit, `s` (seconds), `m` (minutes), `h` (hours) or `d` (days), and
//! several of them in a row: `90s`, `15m`, `4h`, `7d`, `1h30m`, `1d 12h`. Each unit at most
//! once. `0s` is allowed (for example, no cooldown).
//!
//! # Cron expressions
//!
//! Written as in crontab: five fields, `minute hour day-of-month month day-of-week`, for
//! example `0 9 * * 1-5` (09:00, Monday to Friday). Days of the week are numbered as in
//! crontab, **Sunday = 0 or 7**, Monday = 1 … Saturday = 6, or named (`MON-FRI`, `sun`).
//! Lists (`1,3,5`), ranges (`1-5`) and steps (`*/2`, `1-5/2`) work in every field.
//!
//! Six fields are accepted too, with **seconds first** (`30 0 9 * * 1-5`); the day of the week
//! is still numbered as in crontab. The shorthands `@hourly`, `@daily`, `@weekly` (Sunday at
//! midnight), `@monthly` and `@yearly` work as well.
//!
//! Internally the expression is handed to the `cron` crate, which numbers weekdays from
//! Sunday = 1 and wants seconds first; [`parse_cron`] translates, writing the weekdays as
//! names so nothing is ambiguous.
//!
//! Two rules differ from some crontab implementations:
//! - When both the day of month and the day of week are restricted, a time must match
//!   **both** (`0 9 1-7 * 1` is the first Monday of the month), not either.
//! - Times are read in the schedule's time zone. A local time that does not exist (the hour
//!   skipped when clocks go forward) does not fire that day; a local time that happens twice
//!   (when clocks go back) is reported twice by the raw `cron` iterator; stepping with
//!   [`CronSpec::next_after`] never goes back in time and runs through the repeated hour once,
//!   at its first occurrence (so `30 2 * * *` fires once that night).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeZone};

/// A parsed schedule, remembering what the user wrote.
#[derive(Clone)]
pub struct CronSpec {
    /// The translated schedule (`cron` crate syntax: seconds first, named weekdays).
    pub schedule: cron::Schedule,
    source: String,
}

impl CronSpec {
    /// The expression as the user wrote it (trimmed).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first time the schedule fires strictly after `after` (an instant in any zone; the
    /// schedule is read in that zone). Unlike iterating `schedule.after(..)`, this never goes
    /// back in time around a daylight-saving change: a repeated local time fires once.
    pub fn next_after<Z: TimeZone>(&self, after: &DateTime<Z>) -> Option<DateTime<Z>> {
        // The `cron` iterator may yield the earlier of two ambiguous instants, which can lie
        // before `after` when `after` is itself in the repeated hour; skip those.
        self.schedule.after(after).take(8).find(|t| t > after)
    }
}

impl fmt::Debug for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CronSpec")
            .field("source", &self.source)
            .field("schedule", &self.schedule.source())
            .finish()
    }
}

impl fmt::Display for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl PartialEq for CronSpec {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Parses a crontab expression (five fields, or six with seconds first; see the module docs).
pub fn parse_cron(expr: &str) -> Result<CronSpec, String> {
    let source = expr.trim();
    if source.is_empty() {
        return Err("the cron expression is empty: write five fields such as `0 9 * * 1-5`".into());
    }
    let translated = if source.starts_with('@') {
        source.to_string()
    } else {
        let fields: Vec<&str> = source.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            n => {
                return Err(format!(
                    "`{source}` has {n} field{}; write five (minute hour day-of-month month \
                     day-of-week, e.g. `0 9 * * 1-5`) or six with seconds first",
                    if n == 1 { "" } else { "s" }
                ))
            }
        };
        let weekdays = translate_weekdays(rest[4]).map_err(|e| format!("`{source}`: {e}"))?;
        format!("{seconds} {} {} {} {} {weekdays}", rest[0], rest[1], rest[2], rest[3])
    };
    let schedule = translated
        .parse::<cron::Schedule>()
        .map_err(|e| format!("`{source}` is not a cron expression: {e}"))?;
    Ok(CronSpec { schedule, source: source.to_string() })
}

/// Crontab's day-of-week field (Sunday = 0 or 7) to an explicit list of names, or `*`.
fn translate_weekdays(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".into());
    }
    let mut days = [false; 7];
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => {
                let step: usize = s
                    .parse()
                    .ok()
                    .filter(|s| (1..=7).contains(s))
                    .ok_or_else(|| format!("`{s}` is not a day-of-week step (1 to 7)"))?;
                (b, step)
            }
            None => (item, 1),
        };
        // Range over crontab numbers 0..=7 (7 is Sunday again).
        let (first, last) = if base == "*" || base == "?" {
            (0, 6)
        } else if let Some((a, b)) = base.split_once('-') {
            let (a, b) = (weekday_number(a)?, weekday_number(b)?);
            // `FRI-SUN` or `5-0`: Sunday at the end of a range means 7.
            let b = if b == 0 && a > 0 { 7 } else { b };
            if a > b {
                return Err(format!("the day-of-week range `{base}` runs backwards"));
            }
            (a, b)
        } else {
            let a = weekday_number(base)?;
            // `1/2` means from Monday to the end of the week, every other day.
            (a, if step > 1 { 6.max(a) } else { a })
        };
        for d in (first..=last).step_by(step) {
            days[d % 7] = true;
        }
    }
    if days.iter().all(|d| *d) {
        return Ok("*".into());
    }
    Ok(days.iter().zip(DAY_NAMES).filter(|(on, _)| **on).map(|(_, name)| name).collect::<Vec<_>>().join(","))
}

/// A crontab weekday, `0`–`7` or a name, as a number (Sunday = 0 or 7).
fn weekday_number(s: &str) -> Result<usize, String> {
    if let Ok(n) = s.parse::<usize>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("`{s}` is not a day of the week: use 0-7 (Sunday is 0 or 7) or MON…SUN"))
        };
    }
    let lower = s.to_ascii_lowercase();
    const NAMES: [(&str, &str); 7] = [
        ("sun", "sunday"),
        ("mon", "monday"),
        ("tue", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
    ];
    NAMES
        .iter()
        .position(|(short, long)| lower == *short || lower == *long)
        .ok_or_else(|| format!("`{s}` is not a day of the week: use 0-7 (Sunday is 0 or 7) or MON…SUN"))
}

/// Parses `90s`, `15m`, `4h`, `7d` or combinations such as `1h30m` (see the module docs).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let text = s.trim();
    let hint = "write a number and a unit (s, m, h or d), e.g. `90s`, `15m`, `4h`, `7d` or `1h30m`";
    if text.is_empty() {
        return Err(format!("the duration is empty: {hint}"));
    }
    let bad = || format!("`{text}` is not a duration: {hint}");
    let mut total: u64 = 0;
    let mut seen = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit =
            rest.chars().next().ok_or_else(|| format!("`{text}` is missing a unit after {n}: {hint}"))?;
        let per = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        if seen.contains(unit) {
            return Err(format!("`{text}` gives the unit `{unit}` twice: {hint}"));
        }
        seen.push(unit);
        rest = rest[unit.len_utf8()..].trim_start();
        total = n
            .checked_mul(per)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Timelike, Utc, Weekday};
    use chrono_tz::Europe::Stockholm;
    use chrono_tz::Tz;

    fn at(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
        tz.from_local_datetime(&NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap())
            .single()
            .unwrap()
    }

    fn next_n(spec: &CronSpec, from: &DateTime<Tz>, n: usize) -> Vec<DateTime<Tz>> {
        spec.schedule.after(from).take(n).collect()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("4h"), Ok(Duration::from_secs(4 * 3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration(" 1h30m "), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d 12h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in [
            "",
            "  ",
            "h",
            "5",
            "5x",
            "1.5h",
            "-1h",
            "1h1h",
            "h30",
            "1h30",
            "4 h",
            "⁴h",
            "99999999999999999999d",
        ] {
            let e = parse_duration(bad).expect_err(bad);
            assert!(!e.is_empty() && (e.contains("duration") || e.contains("unit")), "{bad}: {e}");
        }
        assert!(parse_duration("").unwrap_err().contains("empty"));
        assert!(parse_duration("5").unwrap_err().contains("missing a unit"));
        assert!(parse_duration("1h1h").unwrap_err().contains("twice"));
    }

    #[test]
    fn weekdays_translate_to_names() {
        assert_eq!(translate_weekdays("1-5").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(translate_weekdays("0").unwrap(), "SUN");
        assert_eq!(translate_weekdays("7").unwrap(), "SUN");
        assert_eq!(translate_weekdays("1,3,5").unwrap(), "MON,WED,FRI");
        assert_eq!(translate_weekdays("*/2").unwrap(), "SUN,TUE,THU,SAT");
        assert_eq!(translate_weekdays("1-5/2").unwrap(), "MON,WED,FRI");
        assert_eq!(translate_weekdays("5-7").unwrap(), "SUN,FRI,SAT");
        assert_eq!(translate_weekdays("FRI-SUN").unwrap(), "SUN,FRI,SAT");
        assert_eq!(translate_weekdays("mon-fri").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(translate_weekdays("0-6").unwrap(), "*");
        assert!(translate_weekdays("8").unwrap_err().contains("not a day of the week"));
        assert!(translate_weekdays("5-1").unwrap_err().contains("backwards"));
        assert!(translate_weekdays("*/0").is_err());
        assert!(translate_weekdays("funday").is_err());
    }

    #[test]
    fn weekdays_fire_monday_to_friday_only() {
        let spec = parse_cron("0 9 * * 1-5").unwrap();
        assert_eq!(spec.source(), "0 9 * * 1-5");
        // Saturday 2026-03-07.
        let from = at(Stockholm, 2026, 3, 7, 0, 0);
        let times = next_n(&spec, &from, 10);
        for t in &times {
            assert!(!matches!(t.weekday(), Weekday::Sat | Weekday::Sun), "{t}");
            assert_eq!((t.hour(), t.minute(), t.second()), (9, 0, 0));
        }
        let days: Vec<Weekday> = times.iter().take(5).map(|t| t.weekday()).collect();
        assert_eq!(days, [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri]);
        assert_eq!(times[0].date_naive(), NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        // Names mean the same.
        let named = parse_cron("0 9 * * MON-FRI").unwrap();
        assert_eq!(next_n(&named, &from, 10), times);
    }

    #[test]
    fn sunday_is_zero_or_seven() {
        let from = at(Stockholm, 2026, 3, 2, 12, 0); // a Monday
        for expr in ["0 9 * * 0", "0 9 * * 7", "0 9 * * sun"] {
            let spec = parse_cron(expr).unwrap();
            let times = next_n(&spec, &from, 3);
            assert!(times.iter().all(|t| t.weekday() == Weekday::Sun), "{expr}: {times:?}");
            assert_eq!(times[0].date_naive(), NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
        }
    }

    #[test]
    fn every_fifteen_minutes() {
        let spec = parse_cron("*/15 * * * *").unwrap();
        let from = Utc.with_ymd_and_hms(2026, 5, 1, 10, 7, 0).unwrap();
        let times: Vec<_> = spec.schedule.after(&from).take(5).map(|t| t.minute()).collect();
        assert_eq!(times, [15, 30, 45, 0, 15]);
    }

    #[test]
    fn six_fields_have_seconds_first() {
        let spec = parse_cron("30 0 9 * * 1").unwrap();
        let from = at(Stockholm, 2026, 3, 7, 0, 0);
        let t = spec.schedule.after(&from).next().unwrap();
        assert_eq!((t.weekday(), t.hour(), t.minute(), t.second()), (Weekday::Mon, 9, 0, 30));
        let daily = parse_cron("@daily").unwrap();
        assert_eq!(daily.schedule.after(&from).next().unwrap().hour(), 0);
    }

    #[test]
    fn garbage_is_rejected_with_a_message() {
        for (expr, needle) in [
            ("", "empty"),
            ("every day", "2 fields"),
            ("0 9 * *", "4 fields"),
            ("0 0 9 * * 1 2026", "7 fields"),
            ("0 9 * * 8", "not a day of the week"),
            ("0 25 * * *", "not a cron expression"),
            ("61 9 * * *", "not a cron expression"),
            ("0 9 * 13 *", "not a cron expression"),
            ("x 9 * * *", "not a cron expression"),
        ] {
            let e = parse_cron(expr).expect_err(expr);
            assert!(e.contains(needle), "{expr}: {e}");
        }
    }

    #[test]
    fn daily_time_stays_local_across_dst() {
        let spec = parse_cron("0 9 * * *").unwrap();
        // Spring forward: 2026-03-29 02:00 CET -> 03:00 CEST.
        let from = at(Stockholm, 2026, 3, 27, 12, 0);
        let times = next_n(&spec, &from, 3);
        let utc: Vec<_> = times.iter().map(|t| t.with_timezone(&Utc)).collect();
        assert!(times.iter().all(|t| t.hour() == 9));
        assert_eq!(utc[0], Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0).unwrap()); // CET, +01
        assert_eq!(utc[1], Utc.with_ymd_and_hms(2026, 3, 29, 7, 0, 0).unwrap()); // CEST, +02
                                                                                 // Fall back: 2026-10-25 03:00 CEST -> 02:00 CET.
        let from = at(Stockholm, 2026, 10, 23, 12, 0);
        let utc: Vec<_> = next_n(&spec, &from, 3).iter().map(|t| t.with_timezone(&Utc)).collect();
        assert_eq!(utc[0], Utc.with_ymd_and_hms(2026, 10, 24, 7, 0, 0).unwrap()); // CEST
        assert_eq!(utc[1], Utc.with_ymd_and_hms(2026, 10, 25, 8, 0, 0).unwrap());
        // CET
    }

    #[test]
    fn skipped_and_repeated_local_times() {
        // 02:30 does not exist in Stockholm on 2026-03-29: that day is skipped.
        let spec = parse_cron("30 2 * * *").unwrap();
        let from = at(Stockholm, 2026, 3, 28, 12, 0);
        let days: Vec<u32> = next_n(&spec, &from, 2).iter().map(|t| t.day()).collect();
        assert_eq!(days, [30, 31]);
        // 02:30 happens twice on 2026-10-25: the raw iterator yields both instants…
        let from = at(Stockholm, 2026, 10, 24, 12, 0);
        let raw: Vec<_> = next_n(&spec, &from, 3).iter().map(|t| t.with_timezone(&Utc)).collect();
        assert_eq!(raw[0], Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
        assert_eq!(raw[1], Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap());
        // …and next_after, stepping from each firing, never goes back in time.
        let quarter = parse_cron("*/15 * * * *").unwrap();
        let mut t = at(Stockholm, 2026, 10, 25, 1, 50);
        let end = Utc.with_ymd_and_hms(2026, 10, 25, 3, 0, 0).unwrap();
        let mut fired = Vec::new();
        while t.with_timezone(&Utc) < end {
            let next = quarter.next_after(&t).unwrap();
            assert!(next > t, "{next} is not after {t}");
            fired.push(next.with_timezone(&Utc));
            t = next;
        }
        // The repeated hour (01:00Z to 02:00Z, 02:xx CET) is run through once, at its first
        // occurrence (02:xx CEST), so each local quarter-hour fires exactly once.
        let hm: Vec<String> = fired.iter().map(|t| t.format("%H:%M").to_string()).collect();
        assert_eq!(hm, ["00:00", "00:15", "00:30", "00:45", "02:00", "02:15", "02:30", "02:45", "03:00"]);
    }
}
