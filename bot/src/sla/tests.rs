use super::*;

use baton_chat::MessageId;
use chrono::{NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Europe::Stockholm;
use chrono_tz::Tz;

use crate::domain::{Actor, TicketId, TicketStatus as S};

// ----- helpers ---------------------------------------------------------------------------

fn h(n: i64) -> Duration {
    Duration::hours(n)
}

fn m(n: i64) -> Duration {
    Duration::minutes(n)
}

/// A Stockholm wall-clock time as an instant (the earlier one if it happens twice).
fn sthlm(y: i32, mo: u32, d: u32, hh: u32, mm: u32) -> DateTime<Utc> {
    Stockholm.with_ymd_and_hms(y, mo, d, hh, mm, 0).earliest().expect("local time exists").with_timezone(&Utc)
}

/// An instant as Stockholm wall-clock time, for readable assertions.
fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm).format("%a %Y-%m-%d %H:%M").to_string()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn iv(s: &str) -> OpenInterval {
    OpenInterval::parse(s).unwrap()
}

fn spec(tz: &str, hours: &[(&str, &[&str])], holidays: &[&str]) -> CalendarSpec {
    CalendarSpec {
        time_zone: tz.to_string(),
        hours: hours.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
        holidays: holidays.iter().map(|s| s.to_string()).collect(),
    }
}

fn build(tz: &str, hours: &[(&str, &[&str])], holidays: &[&str]) -> Calendar {
    spec(tz, hours, holidays).build().unwrap()
}

/// Mon–Fri 09:00–17:00 in Europe/Stockholm.
fn office() -> Calendar {
    build("Europe/Stockholm", &[("mon-fri", &["09:00-17:00"])], &[])
}

/// Mon–Fri 09:00–12:00 and 13:00–17:00 in Europe/Stockholm.
fn split_office() -> Calendar {
    build("Europe/Stockholm", &[("mon-fri", &["09:00-12:00", "13:00-17:00"])], &[])
}

fn err(s: CalendarSpec) -> CalendarError {
    s.build().expect_err("should be refused")
}

fn ev(kind: EventKind, at: DateTime<Utc>) -> TicketEvent {
    TicketEvent { id: 0, ticket: TicketId(1), kind, actor: Actor::System, occurred_at: at, recorded_at: at }
}

fn customer(at: DateTime<Utc>) -> TicketEvent {
    ev(EventKind::CustomerMessage { message: MessageId::parse("c").unwrap(), text: "hello?".into() }, at)
}

fn agent(at: DateTime<Utc>) -> TicketEvent {
    ev(EventKind::AgentMessage { message: MessageId::parse("a").unwrap(), text: "on it".into() }, at)
}

fn note(at: DateTime<Utc>) -> TicketEvent {
    ev(EventKind::Note { text: "internal".into() }, at)
}

fn status(from: S, to: S, at: DateTime<Utc>) -> TicketEvent {
    ev(EventKind::StatusChanged { from, to }, at)
}

/// Targets 1 h first response, 2 h next response, 8 h resolution; warn at 75 %.
fn policy(calendar: Calendar) -> SlaPolicy {
    SlaPolicy {
        name: "test".into(),
        first_response: Some(h(1)),
        next_response: Some(h(2)),
        resolution: Some(h(8)),
        calendar,
        warn_fraction: 0.75,
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 2, 8, 0, 0).unwrap()
}

fn of(clocks: &[SlaClock], kind: SlaTarget) -> Vec<&SlaClock> {
    clocks.iter().filter(|c| c.kind == kind).collect()
}

fn one(clocks: &[SlaClock], kind: SlaTarget) -> &SlaClock {
    let found = of(clocks, kind);
    assert_eq!(found.len(), 1, "one {kind} clock in {clocks:#?}");
    found[0]
}

/// A small deterministic generator for the property tests (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ----- intervals and parsing ---------------------------------------------------------------

#[test]
fn intervals_parse_and_print() {
    let i = iv("9:00 - 17:30");
    assert_eq!(i.to_string(), "09:00-17:30");
    assert_eq!(i.length(), h(8) + m(30));
    assert_eq!(i.start(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    assert_eq!(i.end(), NaiveTime::from_hms_opt(17, 30, 0));
    let day = iv("00:00-24:00");
    assert_eq!(day.to_string(), "00:00-24:00");
    assert_eq!(day.length(), h(24));
    assert_eq!(day.end(), None);
    assert_eq!(iv("00:00-00:00"), day, "an end of 00:00 is midnight at the end of the day");
    assert_eq!(iv("22:00-00:00").length(), h(2));
    assert_eq!("13:00-17:00".parse::<OpenInterval>().unwrap(), iv("13:00-17:00"));
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert_eq!(OpenInterval::new(t(9, 0), t(17, 0)), iv("09:00-17:00"));
    assert_eq!(OpenInterval::new(t(0, 0), t(0, 0)), day);
    for bad in ["9-17", "09:00", "09:00-", "25:00-26:00", "09:60-10:00", "24:00-24:00", "0900-1700", "09:0-10:00", "a:00-b:00"] {
        assert!(matches!(OpenInterval::parse(bad), Err(CalendarError::BadInterval(_))), "{bad}");
    }
}

#[test]
fn weekdays_parse_singly_and_as_ranges() {
    use Weekday::*;
    assert_eq!(parse_weekdays("mon").unwrap(), vec![Mon]);
    assert_eq!(parse_weekdays("Sunday").unwrap(), vec![Sun]);
    assert_eq!(parse_weekdays("mon-fri").unwrap(), vec![Mon, Tue, Wed, Thu, Fri]);
    assert_eq!(parse_weekdays("SAT - sun").unwrap(), vec![Sat, Sun]);
    assert_eq!(parse_weekdays("fri-mon").unwrap(), vec![Fri, Sat, Sun, Mon]);
    assert!(matches!(parse_weekdays("weekdays"), Err(CalendarError::BadWeekday(_))));
    assert!(matches!(parse_weekdays("mon-"), Err(CalendarError::BadWeekday(_))));
}

#[test]
fn calendar_spec_reads_config_strings() {
    let c = build(
        "Europe/Stockholm",
        &[("mon-thu", &["09:00-12:00, 13:00-17:00"]), ("fri", &["09:00-15:00"]), ("sat", &["closed"]), ("sun", &[])],
        &["2026-12-25", " 2026-12-26 "],
    );
    assert_eq!(c.time_zone(), Some(Stockholm));
    assert!(!c.is_always());
    assert_eq!(c.hours(Weekday::Tue), &[iv("09:00-12:00"), iv("13:00-17:00")]);
    assert_eq!(c.hours(Weekday::Fri), &[iv("09:00-15:00")]);
    assert!(c.hours(Weekday::Sat).is_empty() && c.hours(Weekday::Sun).is_empty());
    assert_eq!(c.holidays().collect::<Vec<_>>(), vec![date("2026-12-25"), date("2026-12-26")]);
    assert_eq!(Calendar::always().hours(Weekday::Mon), &[]);
    assert!(Calendar::always().is_always() && Calendar::always().time_zone().is_none());
}

#[test]
fn calendar_spec_deserialises_from_toml() {
    use figment::providers::{Format, Toml};
    let text = r#"
        time_zone = "Europe/Stockholm"
        holidays = ["2026-12-25"]
        [hours]
        mon-fri = "09:00-17:00"
        sat = ["10:00-12:00", "13:00-15:00"]
    "#;
    let s: CalendarSpec = figment::Figment::from(Toml::string(text)).extract().unwrap();
    assert_eq!(s.hours["mon-fri"], vec!["09:00-17:00".to_string()]);
    let c = s.build().unwrap();
    assert_eq!(c.hours(Weekday::Wed), &[iv("09:00-17:00")]);
    assert_eq!(c.hours(Weekday::Sat).len(), 2);
    let typo = r#"
        time_zone = "UTC"
        hour = { mon = "09:00-17:00" }
    "#;
    assert!(figment::Figment::from(Toml::string(typo)).extract::<CalendarSpec>().is_err());
}

#[test]
fn calendars_are_validated() {
    let tz = "Europe/Stockholm";
    assert!(matches!(err(spec("Mars/Olympus", &[("mon", &["09:00-17:00"])], &[])), CalendarError::BadTimeZone(_)));
    assert!(matches!(err(spec(tz, &[("mon", &["17:00-09:00"])], &[])), CalendarError::EmptyInterval { day: Weekday::Mon, .. }));
    assert!(matches!(err(spec(tz, &[("tue", &["09:00-09:00"])], &[])), CalendarError::EmptyInterval { day: Weekday::Tue, .. }));
    let overlap = err(spec(tz, &[("wed", &["09:00-12:00", "11:00-13:00"])], &[]));
    assert_eq!(overlap.to_string(), "the opening intervals 09:00-12:00 and 11:00-13:00 on Wed overlap");
    assert!(matches!(err(spec(tz, &[("mon-fri", &["09:00-17:00"]), ("wed", &["18:00-19:00"])], &[])), CalendarError::DuplicateDay(Weekday::Wed)));
    assert_eq!(err(spec(tz, &[], &[])), CalendarError::NeverOpen);
    assert_eq!(err(spec(tz, &[("mon", &["closed"])], &[])), CalendarError::NeverOpen);
    assert!(matches!(err(spec(tz, &[("mon", &["9 to 5"])], &[])), CalendarError::BadInterval(_)));
    assert!(matches!(err(spec(tz, &[("someday", &["09:00-17:00"])], &[])), CalendarError::BadWeekday(_)));
    assert!(matches!(err(spec(tz, &[("mon", &["09:00-17:00"])], &["25/12/2026"])), CalendarError::BadHoliday(_)));
    // Touching intervals are fine (half-open), and so is a whole day.
    build(tz, &[("mon", &["09:00-12:00", "12:00-13:00"]), ("sun", &["00:00-24:00"])], &[]);
    // The typed constructor checks the same things.
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let backwards = Calendar::business(Stockholm, [(Weekday::Fri, OpenInterval::new(t(17), t(9)))], Vec::new());
    assert!(backwards.unwrap_err().to_string().contains("must end after it starts"));
    let nothing = Calendar::business(Stockholm, Vec::<(Weekday, OpenInterval)>::new(), Vec::<NaiveDate>::new());
    assert_eq!(nothing, Err(CalendarError::NeverOpen));
}

// ----- business time ---------------------------------------------------------------------

#[test]
fn friday_afternoon_plus_an_hour_is_monday_morning() {
    let c = office();
    let due = c.add_business_time(sthlm(2026, 2, 6, 16, 30), h(1));
    assert_eq!(local(due), "Mon 2026-02-09 09:30");
    assert_eq!(c.business_time(sthlm(2026, 2, 6, 16, 30), due), h(1));
    assert_eq!(c.business_time(sthlm(2026, 2, 6, 16, 30), sthlm(2026, 2, 9, 9, 0)), m(30));
}

#[test]
fn opened_on_saturday_counts_from_monday_opening() {
    let c = office();
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 7, 11, 0), h(1))), "Mon 2026-02-09 10:00");
    assert_eq!(c.business_time(sthlm(2026, 2, 7, 11, 0), sthlm(2026, 2, 9, 8, 59)), Duration::zero());
    // Before opening on a weekday, too.
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 9, 7, 0), m(30))), "Mon 2026-02-09 09:30");
}

#[test]
fn a_monday_holiday_pushes_to_tuesday() {
    let c = build("Europe/Stockholm", &[("mon-fri", &["09:00-17:00"])], &["2026-02-09"]);
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 6, 16, 30), h(1))), "Tue 2026-02-10 09:30");
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 7, 11, 0), h(1))), "Tue 2026-02-10 10:00");
    assert_eq!(c.business_time(sthlm(2026, 2, 9, 0, 0), sthlm(2026, 2, 10, 0, 0)), Duration::zero());
    assert!(!c.is_open(sthlm(2026, 2, 9, 10, 0)));
    assert!(c.is_open(sthlm(2026, 2, 10, 10, 0)));
}

#[test]
fn running_out_at_closing_time_gives_closing_time() {
    let c = office();
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 6, 16, 0), h(1))), "Fri 2026-02-06 17:00");
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 6, 16, 0), h(1) + Duration::seconds(1))), "Mon 2026-02-09 09:00");
    // Several days: Mon 7 h + Tue 8 h + Wed 8 h + Thu 1 h.
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 9, 10, 0), h(24))), "Thu 2026-02-12 10:00");
    assert_eq!(c.business_time(sthlm(2026, 2, 9, 0, 0), sthlm(2026, 2, 16, 0, 0)), h(40));
}

#[test]
fn empty_and_backwards_ranges() {
    let c = office();
    let a = sthlm(2026, 2, 9, 10, 0);
    assert_eq!(c.business_time(a, a), Duration::zero());
    assert_eq!(c.business_time(a, a - h(1)), Duration::zero());
    assert_eq!(c.add_business_time(a, Duration::zero()), a);
    assert_eq!(c.add_business_time(sthlm(2026, 2, 7, 10, 0), -h(3)), sthlm(2026, 2, 7, 10, 0));
    assert_eq!(Calendar::always().business_time(a, a - h(1)), Duration::zero());
}

#[test]
fn is_open_respects_half_open_intervals() {
    let c = split_office();
    assert!(!c.is_open(sthlm(2026, 2, 9, 8, 59)));
    assert!(c.is_open(sthlm(2026, 2, 9, 9, 0)));
    assert!(c.is_open(sthlm(2026, 2, 9, 11, 59)));
    assert!(!c.is_open(sthlm(2026, 2, 9, 12, 0)));
    assert!(c.is_open(sthlm(2026, 2, 9, 13, 0)));
    assert!(!c.is_open(sthlm(2026, 2, 9, 17, 0)));
    assert!(!c.is_open(sthlm(2026, 2, 7, 10, 0)));
    assert!(Calendar::always().is_open(sthlm(2026, 2, 7, 3, 0)));
}

#[test]
fn split_days_skip_lunch() {
    let c = split_office();
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 9, 11, 30), h(1))), "Mon 2026-02-09 13:30");
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 9, 12, 15), m(10))), "Mon 2026-02-09 13:10");
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 9, 11, 0), h(1))), "Mon 2026-02-09 12:00");
    assert_eq!(c.business_time(sthlm(2026, 2, 9, 11, 0), sthlm(2026, 2, 9, 14, 0)), h(2));
    assert_eq!(c.business_time(sthlm(2026, 2, 9, 0, 0), sthlm(2026, 2, 16, 0, 0)), h(35));
    // Fri 16:30 + 1 h: 30 min on Friday, 30 min on Monday.
    assert_eq!(local(c.add_business_time(sthlm(2026, 2, 6, 16, 30), h(1))), "Mon 2026-02-09 09:30");
}

#[test]
fn dst_weeks_keep_office_hours_in_local_time() {
    let c = office();
    // Spring forward on Sunday 2026-03-29: Monday 09:30 is 07:30 UTC (it was 08:30 on Friday).
    let due = c.add_business_time(sthlm(2026, 3, 27, 16, 30), h(1));
    assert_eq!(local(due), "Mon 2026-03-30 09:30");
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 30, 7, 30, 0).unwrap());
    assert_eq!(c.business_time(sthlm(2026, 3, 23, 0, 0), sthlm(2026, 3, 30, 0, 0)), h(40));
    assert_eq!(c.business_time(sthlm(2026, 3, 27, 0, 0), sthlm(2026, 3, 31, 0, 0)), h(16));
    // Fall back on Sunday 2026-10-25: Monday 09:30 is 08:30 UTC (it was 07:30 on Friday).
    let due = c.add_business_time(sthlm(2026, 10, 23, 16, 30), h(1));
    assert_eq!(local(due), "Mon 2026-10-26 09:30");
    assert_eq!(due, Utc.with_ymd_and_hms(2026, 10, 26, 8, 30, 0).unwrap());
    assert_eq!(c.business_time(sthlm(2026, 10, 19, 0, 0), sthlm(2026, 10, 26, 0, 0)), h(40));
    assert_eq!(c.business_time(sthlm(2026, 10, 23, 0, 0), sthlm(2026, 10, 27, 0, 0)), h(16));
}

#[test]
fn dst_sundays_for_a_calendar_open_on_sundays() {
    let nine_to_five = build("Europe/Stockholm", &[("sun", &["09:00-17:00"])], &[]);
    let whole_day = build("Europe/Stockholm", &[("sun", &["00:00-24:00"])], &[]);
    for (d, hours) in [(22, 24), (29, 23)] {
        let (from, to) = (sthlm(2026, 3, d, 0, 0), sthlm(2026, 3, d + 1, 0, 0));
        assert_eq!(nine_to_five.business_time(from, to), h(8), "March {d}");
        assert_eq!(whole_day.business_time(from, to), h(hours), "March {d}");
        assert_eq!(to - from, h(hours));
    }
    let (from, to) = (sthlm(2026, 10, 25, 0, 0), sthlm(2026, 10, 26, 0, 0));
    assert_eq!(nine_to_five.business_time(from, to), h(8));
    assert_eq!(whole_day.business_time(from, to), h(25));
    // The whole Sunday is used up at Monday 00:00 local time, whatever its length.
    assert_eq!(local(whole_day.add_business_time(sthlm(2026, 3, 29, 0, 0), h(23))), "Mon 2026-03-30 00:00");
    assert_eq!(local(whole_day.add_business_time(sthlm(2026, 10, 25, 0, 0), h(25))), "Mon 2026-10-26 00:00");
    assert_eq!(local(whole_day.add_business_time(sthlm(2026, 10, 25, 0, 0), h(26))), "Sun 2026-11-01 01:00");
    assert_eq!(local(nine_to_five.add_business_time(sthlm(2026, 3, 28, 12, 0), h(8))), "Sun 2026-03-29 17:00");
}

#[test]
fn opening_times_inside_the_dst_change() {
    // Stockholm skips 02:00–03:00 on 2026-03-29 and repeats it on 2026-10-25.
    let c = build("Europe/Stockholm", &[("sun", &["02:30-04:00"])], &[]);
    let day = |mo, d| (sthlm(2026, mo, d, 0, 0), sthlm(2026, mo, d, 12, 0));
    let (a, b) = day(3, 22);
    assert_eq!(c.business_time(a, b), m(90));
    // The nonexistent 02:30 becomes the moment of the change (03:00 summer time).
    let (a, b) = day(3, 29);
    assert_eq!(c.business_time(a, b), h(1));
    assert_eq!(local(c.add_business_time(a, m(1))), "Sun 2026-03-29 03:01");
    // The repeated 02:30 is the first one (summer time).
    let (a, b) = day(10, 25);
    assert_eq!(c.business_time(a, b), m(150));
    let opening = c.add_business_time(a, Duration::seconds(1)) - Duration::seconds(1);
    assert_eq!(opening, Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
    let repeated = build("Europe/Stockholm", &[("sun", &["02:00-03:00"])], &[]);
    assert_eq!(repeated.business_time(a, b), h(2), "02:00 summer time to 03:00 winter time");
    let skipped = build("Europe/Stockholm", &[("sun", &["02:00-03:00"]), ("mon", &["09:00-10:00"])], &[]);
    assert_eq!(skipped.business_time(sthlm(2026, 3, 29, 0, 0), sthlm(2026, 3, 30, 0, 0)), Duration::zero());
    assert_eq!(local(skipped.add_business_time(sthlm(2026, 3, 28, 12, 0), m(30))), "Mon 2026-03-30 09:30");
}

#[test]
fn calendar_time_is_plain_arithmetic() {
    let c = Calendar::always();
    let mut rng = Rng(7);
    for _ in 0..500 {
        let a = t0() + Duration::seconds(rng.below(400 * 86_400) as i64);
        let d = Duration::seconds(rng.below(30 * 86_400) as i64);
        assert_eq!(c.add_business_time(a, d), a + d);
        assert_eq!(c.business_time(a, a + d), d);
    }
    assert_eq!(c.add_business_time(t0(), Duration::MAX), DateTime::<Utc>::MAX_UTC);
}

#[test]
fn a_whole_week_calendar_equals_calendar_time_across_dst() {
    let c = build("Europe/Stockholm", &[("mon-sun", &["00:00-24:00"])], &[]);
    let always = Calendar::always();
    let mut rng = Rng(11);
    let start = sthlm(2026, 1, 1, 0, 0);
    for _ in 0..300 {
        let a = start + Duration::seconds(rng.below(365 * 86_400) as i64);
        let d = Duration::seconds(rng.below(10 * 86_400) as i64);
        assert_eq!(c.business_time(a, a + d), always.business_time(a, a + d), "{a} + {d}");
        assert_eq!(c.add_business_time(a, d), a + d, "{a} + {d}");
    }
}

#[test]
fn gives_up_after_ten_years() {
    // Open on Mondays only, and every Monday for eleven years is a holiday.
    let mondays = date("2026-01-05").iter_weeks().take(11 * 53).collect::<Vec<_>>();
    let c = Calendar::business(Stockholm, [(Weekday::Mon, iv("09:00-17:00"))], mondays).unwrap();
    assert_eq!(c.add_business_time(sthlm(2026, 1, 1, 0, 0), h(1)), DateTime::<Utc>::MAX_UTC);
    assert_eq!(office().add_business_time(t0(), h(8) * 261 * 11), DateTime::<Utc>::MAX_UTC);
    assert!(office().add_business_time(t0(), h(8) * 261 * 9) < DateTime::<Utc>::MAX_UTC);
}

/// Calendars for the property tests: DST at 02:00 and 03:00 (Europe), at 02:00 (US), a
/// half-hour DST shift (Lord Howe), a DST change at midnight (São Paulo in 2018, Havana), none
/// (Kolkata), holidays, split days and whole days.
fn sample_calendars() -> Vec<(&'static str, Calendar)> {
    vec![
        ("office", office()),
        ("split", split_office()),
        ("always", Calendar::always()),
        (
            "office+holidays",
            build("Europe/Stockholm", &[("mon-fri", &["09:00-17:00"])], &["2026-03-30", "2026-10-26", "2026-12-25", "2027-01-01"]),
        ),
        ("sundays", build("Europe/Stockholm", &[("sun", &["00:00-24:00"]), ("wed", &["02:15-02:45"])], &[])),
        ("night", build("Europe/Stockholm", &[("sat-sun", &["01:30-03:30"])], &[])),
        ("new-york", build("America/New_York", &[("mon-fri", &["08:00-20:00"]), ("sun", &["00:00-03:00"])], &[])),
        ("lord-howe", build("Australia/Lord_Howe", &[("mon-sun", &["01:00-03:00", "09:00-17:00"])], &[])),
        ("sao-paulo", build("America/Sao_Paulo", &[("sat-sun", &["00:00-24:00"]), ("tue", &["09:00-18:00"])], &[])),
        ("havana", build("America/Havana", &[("mon-sun", &["00:00-01:30", "12:00-13:00"])], &[])),
        ("kolkata", build("Asia/Kolkata", &[("mon-fri", &["09:30-18:00"])], &[])),
    ]
}

#[test]
fn add_then_measure_gives_back_the_duration() {
    let mut rng = Rng(42);
    let base = Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap();
    for (name, c) in sample_calendars() {
        for i in 0..400 {
            // Starts in 2018 and 2026 (both have DST changes in every sampled zone that has them).
            let year = if i % 2 == 0 { base } else { Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() };
            let a = year + Duration::seconds(rng.below(366 * 86_400) as i64);
            let d = if i % 50 == 0 { Duration::zero() } else { Duration::seconds(1 + rng.below(60 * 3600) as i64) };
            let t = c.add_business_time(a, d);
            assert!(t >= a, "{name}: {a} + {d}");
            assert_eq!(c.business_time(a, t), d, "{name}: {a} + {d} = {t}");
            if d > Duration::zero() {
                // The earliest such instant.
                assert!(c.business_time(a, t - Duration::seconds(1)) < d, "{name}: {a} + {d} = {t}");
            }
        }
    }
}

#[test]
fn business_time_is_additive() {
    let mut rng = Rng(99);
    for (name, c) in sample_calendars() {
        for i in 0..400 {
            let year = if i % 2 == 0 { 2018 } else { 2026 };
            let a = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(rng.below(366 * 86_400) as i64);
            let b = a + Duration::seconds(rng.below(20 * 86_400) as i64);
            let c2 = b + Duration::seconds(rng.below(20 * 86_400) as i64);
            let (ab, bc, ac) = (c.business_time(a, b), c.business_time(b, c2), c.business_time(a, c2));
            assert_eq!(ab + bc, ac, "{name}: {a} {b} {c2}");
            assert!(ab <= b - a, "{name}: never more than calendar time");
        }
    }
}

#[test]
fn business_time_matches_a_minute_by_minute_count() {
    // An independent oracle: count open minutes one by one with `is_open`.
    for (name, c) in sample_calendars() {
        for start in [
            Utc.with_ymd_and_hms(2026, 3, 27, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 23, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2018, 11, 2, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 4, 3, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 6, 0, 0, 0).unwrap(),
        ] {
            let end = start + Duration::days(4);
            let mut minutes = 0;
            let mut t = start;
            while t < end {
                minutes += i64::from(c.is_open(t));
                t += m(1);
            }
            assert_eq!(c.business_time(start, end), m(minutes), "{name} from {start}");
        }
    }
}

// ----- policies --------------------------------------------------------------------------

fn rule(tiers: &[&str], priorities: &[Priority], name: &str) -> SlaRule {
    SlaRule {
        tiers: tiers.iter().map(|t| Tier::parse(t).unwrap()).collect(),
        priorities: priorities.to_vec(),
        policy: SlaPolicy { name: name.into(), ..policy(Calendar::always()) },
    }
}

#[test]
fn policies_are_selected_by_tier_and_priority_first_match_wins() {
    let mut premium = rule(&["premium"], &[], "premium");
    premium.policy.first_response = Some(h(1));
    premium.policy.next_response = None;
    premium.policy.resolution = None;
    let rules = vec![
        rule(&["enterprise"], &[Priority::Urgent, Priority::High], "enterprise-hot"),
        premium,
        rule(&[], &[Priority::Urgent], "urgent"),
        rule(&[], &[], "default"),
    ];
    let tier = |t: &str| Tier::parse(t).unwrap();
    let pick = |t: Option<&Tier>, p| select(&rules, t, p).map(|p| p.name.as_str());
    assert_eq!(pick(Some(&tier("enterprise")), Priority::Urgent), Some("enterprise-hot"));
    assert_eq!(pick(Some(&tier("enterprise")), Priority::High), Some("enterprise-hot"));
    assert_eq!(pick(Some(&tier("enterprise")), Priority::Normal), Some("default"));
    assert_eq!(pick(Some(&tier("premium")), Priority::Urgent), Some("premium"), "first match wins");
    assert_eq!(pick(Some(&tier("starter")), Priority::Urgent), Some("urgent"));
    assert_eq!(pick(None, Priority::Urgent), Some("urgent"), "no account: rules without tiers");
    assert_eq!(pick(None, Priority::Low), Some("default"));
    assert_eq!(select(&rules[..2], None, Priority::Urgent), None, "rules with tiers need an account");
    assert_eq!(select(&[], Some(&tier("premium")), Priority::Low), None);

    // The premium one-hour first-response promise: only that clock.
    let p = select(&rules, Some(&tier("premium")), Priority::Low).unwrap();
    assert_eq!(p.target(SlaTarget::FirstResponse), Some(h(1)));
    let cs = clocks(p, t0(), &[agent(t0() + m(50))], t0() + h(5));
    assert_eq!(cs.len(), 1);
    assert_eq!((cs[0].kind, cs[0].state), (SlaTarget::FirstResponse, ClockState::Met));
}

#[test]
fn policies_are_validated() {
    let ok = policy(Calendar::always());
    assert_eq!(ok.validate(), Ok(()));
    assert_eq!(SlaPolicy::new("x", Calendar::always()).warn_fraction, DEFAULT_WARN_FRACTION);
    assert_eq!(SlaPolicy { name: " ".into(), ..ok.clone() }.validate(), Err(PolicyError::BlankName));
    let zero = SlaPolicy { next_response: Some(Duration::zero()), ..ok.clone() };
    assert_eq!(
        zero.validate().unwrap_err().to_string(),
        "the next_response target of SLA policy `test` must be longer than zero"
    );
    for w in [0.0, -0.5, 1.5, f64::NAN] {
        assert!(matches!(SlaPolicy { warn_fraction: w, ..ok.clone() }.validate(), Err(PolicyError::BadWarnFraction { .. })), "{w}");
    }
    assert_eq!(SlaPolicy { warn_fraction: 1.0, ..ok }.validate(), Ok(()));
}

// ----- clocks ----------------------------------------------------------------------------

#[test]
fn first_response_met_breached_and_running() {
    let p = policy(Calendar::always());
    let t = t0();

    let cs = clocks(&p, t, &[note(t + m(5)), agent(t + m(30))], t + h(3));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!(fr.state, ClockState::Met);
    assert_eq!((fr.started_at, fr.stopped_at, fr.due_at), (t, Some(t + m(30)), Some(t + h(1))));
    assert_eq!(fr.elapsed, m(30));
    assert_eq!(fr.fraction, 0.5);
    assert_eq!(fr.target, h(1));
    assert!(!fr.warning);

    // Notes and customer messages are not responses.
    let cs = clocks(&p, t, &[note(t + m(5)), customer(t + m(10)), agent(t + m(90))], t + h(3));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!(fr.state, ClockState::Breached);
    assert_eq!((fr.due_at, fr.stopped_at), (Some(t + h(1)), Some(t + m(90))));
    assert_eq!(fr.fraction, 1.5);
    assert!(of(&cs, SlaTarget::NextResponse).is_empty(), "customer messages before the first reply start nothing");

    // Exactly at the due time: a reply is in time; no reply yet is a breach.
    let cs = clocks(&p, t, &[agent(t + h(1))], t + h(3));
    assert_eq!(one(&cs, SlaTarget::FirstResponse).state, ClockState::Met);
    let at_due = clocks(&p, t, &[], t + h(1));
    assert_eq!(one(&at_due, SlaTarget::FirstResponse).state, ClockState::Breached);
    let before = clocks(&p, t, &[], t + m(59));
    let fr = one(&before, SlaTarget::FirstResponse);
    assert_eq!(fr.state, ClockState::Running);
    assert_eq!((fr.due_at, fr.stopped_at), (Some(t + h(1)), None));
}

#[test]
fn first_response_in_business_hours() {
    let p = policy(office());
    let opened = sthlm(2026, 2, 6, 16, 30);
    let cs = clocks(&p, opened, &[agent(sthlm(2026, 2, 9, 9, 15))], sthlm(2026, 2, 10, 0, 0));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!(fr.state, ClockState::Met);
    assert_eq!(fr.elapsed, m(45));
    assert_eq!(local(fr.due_at.unwrap()), "Mon 2026-02-09 09:30");
    let late = clocks(&p, opened, &[agent(sthlm(2026, 2, 9, 9, 45))], sthlm(2026, 2, 10, 0, 0));
    assert_eq!(one(&late, SlaTarget::FirstResponse).state, ClockState::Breached);
    // Over the weekend it is running, and has used half its time.
    let weekend = clocks(&p, opened, &[], sthlm(2026, 2, 8, 12, 0));
    let fr = one(&weekend, SlaTarget::FirstResponse);
    assert_eq!((fr.state, fr.elapsed, fr.fraction), (ClockState::Running, m(30), 0.5));
    assert_eq!(local(fr.due_at.unwrap()), "Mon 2026-02-09 09:30");
    assert_eq!(local(fr.warn_at.unwrap()), "Mon 2026-02-09 09:15");
    // Due at the 17:00 closing: a reply at 18:00 is late although no business time passed.
    let opened = sthlm(2026, 2, 6, 16, 0);
    let cs = clocks(&p, opened, &[agent(sthlm(2026, 2, 6, 18, 0))], sthlm(2026, 2, 7, 0, 0));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!((fr.state, fr.elapsed), (ClockState::Breached, h(1)));
    assert_eq!(local(fr.due_at.unwrap()), "Fri 2026-02-06 17:00");
    let cs = clocks(&p, opened, &[agent(sthlm(2026, 2, 6, 17, 0))], sthlm(2026, 2, 7, 0, 0));
    assert_eq!(one(&cs, SlaTarget::FirstResponse).state, ClockState::Met);
}

#[test]
fn next_response_clocks_start_at_the_first_of_consecutive_customer_messages() {
    let p = policy(Calendar::always());
    let t = t0();
    let log = vec![
        customer(t + m(1)),
        agent(t + m(10)),
        customer(t + m(20)),
        customer(t + m(30)),
        note(t + m(35)),
        customer(t + m(40)),
        agent(t + h(2)),
        agent(t + h(2) + m(5)),
        customer(t + h(3)),
        agent(t + h(6)),
        customer(t + h(7)),
    ];
    let cs = clocks(&p, t, &log, t + h(8) + m(45));
    let nr = of(&cs, SlaTarget::NextResponse);
    assert_eq!(nr.len(), 3, "{nr:#?}");
    assert_eq!((nr[0].started_at, nr[0].stopped_at, nr[0].state), (t + m(20), Some(t + h(2)), ClockState::Met));
    assert_eq!(nr[0].elapsed, m(100));
    assert_eq!((nr[1].started_at, nr[1].stopped_at, nr[1].state), (t + h(3), Some(t + h(6)), ClockState::Breached));
    assert_eq!(nr[1].due_at, Some(t + h(5)));
    assert_eq!((nr[2].started_at, nr[2].stopped_at, nr[2].state), (t + h(7), None, ClockState::Running));
    assert_eq!(nr[2].due_at, Some(t + h(9)));
    assert_eq!(nr[2].warn_at, Some(t + h(8) + m(30)));
    assert!(nr[2].warning);
    // The order: first response, next responses, resolution.
    let kinds: Vec<_> = cs.iter().map(|c| c.kind).collect();
    assert_eq!(kinds.first(), Some(&SlaTarget::FirstResponse));
    assert_eq!(kinds.last(), Some(&SlaTarget::Resolution));
}

#[test]
fn resolution_excludes_pending_and_on_hold() {
    let p = policy(Calendar::always());
    let t = t0();
    let log = vec![
        agent(t + h(1)),
        status(S::New, S::Open, t + h(1)),
        status(S::Open, S::PendingOnCustomer, t + h(2)),
        customer(t + h(5)),
        status(S::PendingOnCustomer, S::Open, t + h(5)),
        status(S::Open, S::OnHold, t + h(6)),
        status(S::OnHold, S::Open, t + h(8)),
        status(S::Open, S::Solved, t + h(10)),
    ];
    let cs = clocks(&p, t, &log, t + h(30));
    let r = one(&cs, SlaTarget::Resolution);
    assert_eq!(r.state, ClockState::Met);
    assert_eq!(r.elapsed, h(5), "0–2 h, 5–6 h and 8–10 h");
    assert_eq!(r.stopped_at, Some(t + h(10)));
    assert_eq!(r.due_at, Some(t + h(13)), "as of the solve, 3 h were left");

    // While pending: paused, no due time.
    let paused = clocks(&p, t, &log, t + h(3));
    let r = one(&paused, SlaTarget::Resolution);
    assert_eq!((r.state, r.elapsed, r.due_at, r.stopped_at), (ClockState::Paused, h(2), None, None));
    // Back to work: due moves by the paused time.
    let running = clocks(&p, t, &log, t + h(9));
    let r = one(&running, SlaTarget::Resolution);
    assert_eq!((r.state, r.elapsed, r.due_at), (ClockState::Running, h(4), Some(t + h(13))));
    assert_eq!(r.warn_at, Some(t + h(11)));

    // A breach is final, even once paused.
    let log = vec![status(S::New, S::Open, t), status(S::Open, S::OnHold, t + h(9))];
    let r = clocks(&p, t, &log, t + h(20)).pop().unwrap();
    assert_eq!((r.kind, r.state, r.due_at, r.elapsed), (SlaTarget::Resolution, ClockState::Breached, Some(t + h(8)), h(9)));
    assert!(!r.warning);
}

#[test]
fn resolution_in_business_hours_skips_nights_weekends_and_pending() {
    let p = policy(office());
    let opened = sthlm(2026, 2, 5, 15, 0); // Thursday
    let log = vec![
        agent(sthlm(2026, 2, 5, 15, 10)),
        status(S::New, S::Open, sthlm(2026, 2, 5, 15, 10)),
        status(S::Open, S::PendingOnCustomer, sthlm(2026, 2, 6, 10, 0)),
        customer(sthlm(2026, 2, 9, 11, 0)),
        status(S::PendingOnCustomer, S::Open, sthlm(2026, 2, 9, 11, 0)),
    ];
    let cs = clocks(&p, opened, &log, sthlm(2026, 2, 9, 12, 0));
    let r = one(&cs, SlaTarget::Resolution);
    // Thu 15–17 (2 h), Fri 09–10 (1 h), Mon 11–12 (1 h).
    assert_eq!((r.state, r.elapsed), (ClockState::Running, h(4)));
    assert_eq!(local(r.due_at.unwrap()), "Mon 2026-02-09 16:00");
    assert_eq!(local(r.warn_at.unwrap()), "Mon 2026-02-09 14:00");
    // The customer's message after the agent's question starts a next-response clock.
    let nr = one(&cs, SlaTarget::NextResponse);
    assert_eq!((nr.state, nr.elapsed), (ClockState::Running, h(1)));
    assert_eq!(local(nr.due_at.unwrap()), "Mon 2026-02-09 13:00");
}

#[test]
fn reopening_resumes_resolution_and_a_customer_reopen_needs_a_reply() {
    let p = policy(Calendar::always());
    let t = t0();
    let mut log = vec![
        agent(t + m(30)),
        status(S::New, S::Open, t + m(30)),
        status(S::Open, S::Solved, t + h(4)),
        // The customer writes again within the reopen window: the engine logs the message,
        // then the status change, at the same instant.
        customer(t + h(20)),
        status(S::Solved, S::Open, t + h(20)),
        ev(EventKind::Reopened, t + h(20)),
    ];
    let solved = clocks(&p, t, &log[..3], t + h(10));
    assert_eq!(one(&solved, SlaTarget::Resolution).state, ClockState::Met);
    assert_eq!(one(&solved, SlaTarget::Resolution).stopped_at, Some(t + h(4)));

    let cs = clocks(&p, t, &log, t + h(21));
    let r = one(&cs, SlaTarget::Resolution);
    assert_eq!((r.state, r.elapsed, r.stopped_at), (ClockState::Running, h(5), None), "4 h before, 1 h since the reopen");
    assert_eq!(r.due_at, Some(t + h(24)));
    let nr = one(&cs, SlaTarget::NextResponse);
    assert_eq!((nr.started_at, nr.state), (t + h(20), ClockState::Running));

    log.extend([agent(t + h(21)), status(S::Open, S::Solved, t + h(22))]);
    let cs = clocks(&p, t, &log, t + h(40));
    let r = one(&cs, SlaTarget::Resolution);
    assert_eq!((r.state, r.elapsed, r.stopped_at), (ClockState::Met, h(6), Some(t + h(22))), "the last solve counts");
    assert_eq!(one(&cs, SlaTarget::NextResponse).state, ClockState::Met);

    // A later solve past the (resumed) due time is a breach.
    log.extend([status(S::Solved, S::Open, t + h(23)), status(S::Open, S::Solved, t + h(26))]);
    let r = clocks(&p, t, &log, t + h(40)).pop().unwrap();
    assert_eq!((r.state, r.elapsed, r.due_at), (ClockState::Breached, h(9), Some(t + h(25))));
}

#[test]
fn solving_without_a_reply_makes_response_clocks_not_applicable() {
    let p = policy(Calendar::always());
    let t = t0();
    // Solved after 30 min without a reply: first response not applicable, even much later.
    let cs = clocks(&p, t, &[status(S::New, S::Solved, t + m(30))], t + h(100));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!((fr.state, fr.stopped_at, fr.due_at), (ClockState::NotApplicable, Some(t + m(30)), None));
    assert_eq!(fr.elapsed, m(30));
    assert_eq!(one(&cs, SlaTarget::Resolution).state, ClockState::Met);
    // Solved after the due time without a reply: the breach stands.
    let cs = clocks(&p, t, &[status(S::New, S::Solved, t + h(2))], t + h(100));
    let fr = one(&cs, SlaTarget::FirstResponse);
    assert_eq!((fr.state, fr.due_at, fr.stopped_at), (ClockState::Breached, Some(t + h(1)), Some(t + h(2))));
    // A next-response clock is cut short by a close, too; the close is the stop.
    let log = vec![agent(t + m(5)), customer(t + m(10)), status(S::New, S::Closed, t + m(20))];
    let cs = clocks(&p, t, &log, t + h(100));
    assert_eq!(one(&cs, SlaTarget::NextResponse).state, ClockState::NotApplicable);
    let r = one(&cs, SlaTarget::Resolution);
    assert_eq!((r.state, r.stopped_at), (ClockState::Met, Some(t + m(20))));
    // Messages after the close start nothing (a follow-up ticket takes them).
    let mut later = log.clone();
    later.push(customer(t + h(50)));
    assert_eq!(clocks(&p, t, &later, t + h(100)), cs);
    // Solved, then closed: the solve is when resolution stopped.
    let log = vec![agent(t + m(5)), status(S::New, S::Solved, t + h(1)), status(S::Solved, S::Closed, t + h(50))];
    let r = clocks(&p, t, &log, t + h(100)).pop().unwrap();
    assert_eq!((r.state, r.stopped_at), (ClockState::Met, Some(t + h(1))));
}

#[test]
fn a_customer_reopen_after_a_replyless_solve_starts_a_next_response_clock() {
    let p = policy(Calendar::always());
    let t = t0();
    let log = vec![
        status(S::New, S::Solved, t + m(10)),
        customer(t + h(3)),
        customer(t + h(3) + m(1)),
        status(S::Solved, S::Open, t + h(4)), // reopened by an agent an hour later
    ];
    let cs = clocks(&p, t, &log, t + h(5));
    assert_eq!(one(&cs, SlaTarget::FirstResponse).state, ClockState::NotApplicable);
    let nr = one(&cs, SlaTarget::NextResponse);
    assert_eq!((nr.started_at, nr.state, nr.elapsed), (t + h(4), ClockState::Running, h(1)));
    // An agent answering while it is solved means nobody waits after the reopen.
    let log = vec![status(S::New, S::Solved, t + m(10)), customer(t + h(3)), agent(t + h(3) + m(5)), status(S::Solved, S::Open, t + h(4))];
    assert!(of(&clocks(&p, t, &log, t + h(5)), SlaTarget::NextResponse).is_empty());
    // A reopen nobody asked for starts no response clock.
    let log = vec![agent(t + m(5)), status(S::New, S::Solved, t + m(10)), status(S::Solved, S::Open, t + h(4))];
    assert!(of(&clocks(&p, t, &log, t + h(5)), SlaTarget::NextResponse).is_empty());
}

#[test]
fn warn_fraction_sets_the_warning() {
    let p = SlaPolicy { warn_fraction: 0.5, ..policy(office()) };
    let opened = sthlm(2026, 2, 6, 16, 50);
    let at = |hh, mm| clocks(&p, opened, &[], sthlm(2026, 2, 9, hh, mm)).remove(0);
    let fr = at(9, 10);
    assert_eq!((fr.state, fr.warning), (ClockState::Running, false));
    assert_eq!(local(fr.warn_at.unwrap()), "Mon 2026-02-09 09:20");
    assert_eq!(local(fr.due_at.unwrap()), "Mon 2026-02-09 09:50");
    let fr = at(9, 20);
    assert!(fr.warning && fr.fraction == 0.5);
    assert_eq!(local(fr.warn_at.unwrap()), "Mon 2026-02-09 09:20", "once reached, the time it was reached");
    let fr = at(9, 50);
    assert_eq!((fr.state, fr.warning), (ClockState::Breached, false), "a breach is not a warning");
    // A warning stands while paused.
    let p = SlaPolicy { warn_fraction: 0.75, ..policy(Calendar::always()) };
    let t = t0();
    let log = vec![agent(t), status(S::New, S::Open, t), status(S::Open, S::OnHold, t + h(7))];
    let r = clocks(&p, t, &log, t + h(20)).pop().unwrap();
    assert_eq!((r.state, r.warning, r.warn_at, r.due_at), (ClockState::Paused, true, Some(t + h(6)), None));
    // A warning fraction of 1 never warns before the breach.
    let p = SlaPolicy { warn_fraction: 1.0, ..policy(Calendar::always()) };
    let fr = clocks(&p, t, &[], t + m(59)).remove(0);
    assert_eq!((fr.warning, fr.warn_at), (false, Some(t + h(1))));
}

#[test]
fn only_targets_the_policy_sets_and_only_events_up_to_now() {
    let t = t0();
    let p = SlaPolicy { first_response: None, next_response: None, ..policy(Calendar::always()) };
    let cs = clocks(&p, t, &[agent(t + m(5))], t + h(1));
    assert_eq!(cs.iter().map(|c| c.kind).collect::<Vec<_>>(), vec![SlaTarget::Resolution]);

    let p = policy(Calendar::always());
    // Out of order input is read in time order; events after `now` are ignored.
    let log = vec![agent(t + h(3)), customer(t + h(2)), agent(t + m(10))];
    let cs = clocks(&p, t, &log, t + h(2) + m(30));
    assert_eq!(one(&cs, SlaTarget::FirstResponse).stopped_at, Some(t + m(10)));
    let nr = one(&cs, SlaTarget::NextResponse);
    assert_eq!((nr.state, nr.elapsed), (ClockState::Running, m(30)));
    // An event before the opening counts at the opening.
    let cs = clocks(&p, t, &[agent(t - h(1))], t + h(1));
    assert_eq!(one(&cs, SlaTarget::FirstResponse).stopped_at, Some(t));
    // `now` before the opening: nothing has elapsed.
    let cs = clocks(&p, t, &[], t - h(1));
    assert!(cs.iter().all(|c| c.elapsed == Duration::zero() && c.state == ClockState::Running));
}

#[test]
fn a_zero_target_is_due_at_once() {
    let t = t0();
    let p = SlaPolicy { first_response: Some(Duration::zero()), ..policy(Calendar::always()) };
    let fr = clocks(&p, t, &[agent(t)], t + h(1)).remove(0);
    assert_eq!((fr.state, fr.due_at, fr.fraction), (ClockState::Met, Some(t), 1.0));
    let fr = clocks(&p, t, &[agent(t + m(1))], t + h(1)).remove(0);
    assert_eq!(fr.state, ClockState::Breached);
}

// ----- compliance ------------------------------------------------------------------------

#[test]
fn compliance_counts_each_target_once_where_it_settled() {
    let p = policy(Calendar::always());
    let day = |d: i64| t0() + Duration::days(d);
    let mut all = Vec::new();
    // Day 0: first response met (day 0), resolution met (day 0).
    all.extend(clocks(&p, day(0), &[agent(day(0) + m(10)), status(S::New, S::Solved, day(0) + h(2))], day(10)));
    // Opened 23:30 on day 0, answered 00:15 on day 1 (due 00:30 day 1): met on day 1.
    let late_open = day(1) - m(30);
    all.extend(clocks(&p, late_open, &[agent(day(1) + m(15))], day(10)));
    // Opened 23:30 on day 1, answered on day 2 after the due time: breach counted on day 2 (due).
    let o = day(2) - m(30);
    all.extend(clocks(&p, o, &[agent(day(2) + h(5)), status(S::New, S::Solved, day(2) + h(6))], day(10)));
    // Opened day 3 23:50, met 23:55 (due 00:50 day 4): counted on day 3, where it was met.
    let o = day(4) - m(10);
    all.extend(clocks(&p, o, &[agent(day(4) - m(5))], day(10)));
    // Solved without a reply before the due time: not counted anywhere.
    all.extend(clocks(&p, day(5), &[status(S::New, S::Solved, day(5) + m(5))], day(10)));

    let period = |a: i64, b: i64| compliance(&all, (day(a), day(b)));
    let d0 = period(0, 1);
    assert_eq!(d0.first_response, Tally { met: 1, due: 1 });
    assert_eq!(d0.resolution, Tally { met: 1, due: 1 });
    assert_eq!(d0.next_response, Tally::default());
    let d1 = period(1, 2);
    assert_eq!(d1.first_response, Tally { met: 1, due: 1 });
    assert_eq!(d1.resolution, Tally { met: 0, due: 1 }, "never solved: breached at its due time, day 1 07:30");
    let d2 = period(2, 3);
    assert_eq!(d2.first_response, Tally { met: 0, due: 1 });
    assert_eq!(d2.first_response.rate(), Some(0.0));
    assert_eq!(d2.resolution, Tally { met: 1, due: 1 });
    let d3 = period(3, 4);
    assert_eq!(d3.first_response, Tally { met: 1, due: 1 });
    assert_eq!(d3.resolution, Tally::default());
    let d4 = period(4, 5);
    assert_eq!(d4.first_response, Tally::default(), "not counted again where it was due");
    assert_eq!(d4.resolution, Tally { met: 0, due: 1 });
    let d5 = period(5, 6);
    assert_eq!(d5.get(SlaTarget::FirstResponse), Tally::default(), "not applicable");
    assert_eq!(d5.get(SlaTarget::Resolution), Tally { met: 1, due: 1 });

    // Adjacent periods add up to their union.
    let whole = period(0, 10);
    for kind in [SlaTarget::FirstResponse, SlaTarget::NextResponse, SlaTarget::Resolution] {
        let parts: Vec<Tally> = (0..10).map(|d| period(d, d + 1).get(kind)).collect();
        let sum = Tally { met: parts.iter().map(|t| t.met).sum(), due: parts.iter().map(|t| t.due).sum() };
        assert_eq!(sum, whole.get(kind), "{kind}");
    }
    assert_eq!(whole.first_response.rate(), Some(0.75));
    assert_eq!(whole.resolution, Tally { met: 3, due: 5 });
    assert_eq!(Tally::default().rate(), None);
}

#[test]
fn compliance_periods_are_half_open_and_skip_unsettled_clocks() {
    let p = policy(Calendar::always());
    let t = t0();
    // Breached while still running: counted at its due time.
    let running_late = clocks(&p, t, &[], t + h(3));
    let fr = one(&running_late, SlaTarget::FirstResponse);
    assert_eq!(fr.settled_at(), Some(t + h(1)));
    assert_eq!(compliance(&running_late, (t + h(1), t + h(2))).first_response, Tally { met: 0, due: 1 });
    assert_eq!(compliance(&running_late, (t, t + h(1))).first_response, Tally::default(), "the end is excluded");
    // Running, not yet due: not counted; met at exactly the start of a period: counted in it.
    let running = clocks(&p, t, &[], t + m(10));
    assert_eq!(compliance(&running, (t, t + h(10))), Compliance::default());
    let met = clocks(&p, t, &[agent(t + m(10))], t + h(3));
    assert_eq!(compliance(&met, (t + m(10), t + h(10))).first_response, Tally { met: 1, due: 1 });
    assert_eq!(compliance(&met, (t, t + m(10))).first_response, Tally::default());
    // Paused before the due time: not counted.
    let log = vec![status(S::New, S::OnHold, t + h(1))];
    let paused = clocks(&p, t, &log, t + h(30));
    assert_eq!(one(&paused, SlaTarget::Resolution).settled_at(), None);
    assert_eq!(compliance(&paused, (t, t + h(30))).resolution, Tally::default());
}

#[test]
fn clock_changes_at_midnight_and_by_half_an_hour() {
    let at = |tz: Tz, y, mo, d, hh, mm| tz.with_ymd_and_hms(y, mo, d, hh, mm, 0).earliest().unwrap().with_timezone(&Utc);
    let day_length = |c: &Calendar, tz: Tz, y, mo, d| c.business_time(at(tz, y, mo, d, 12, 0) - h(36), at(tz, y, mo, d, 12, 0) + h(36));
    // São Paulo, 2018: clocks went from 00:00 to 01:00 on Sunday 4 November, and from 24:00
    // back to 23:00 on Saturday 17 February.
    let sp: Tz = "America/Sao_Paulo".parse().unwrap();
    let sun = build("America/Sao_Paulo", &[("sun", &["00:00-24:00"])], &[]);
    assert_eq!(day_length(&sun, sp, 2018, 11, 4), h(23));
    assert_eq!(day_length(&sun, sp, 2018, 10, 28), h(24));
    let sat = build("America/Sao_Paulo", &[("sat", &["00:00-24:00"])], &[]);
    assert_eq!(day_length(&sat, sp, 2018, 2, 17), h(25));
    assert_eq!(sun.add_business_time(at(sp, 2018, 11, 3, 12, 0), m(1)), Utc.with_ymd_and_hms(2018, 11, 4, 3, 1, 0).unwrap());
    // Havana: 00:00 becomes 01:00 on 8 March 2026; 01:00 becomes 00:00 on 1 November 2026.
    let hv: Tz = "America/Havana".parse().unwrap();
    let early = build("America/Havana", &[("sun", &["00:00-01:30"])], &[]);
    assert_eq!(day_length(&early, hv, 2026, 3, 8), m(30));
    assert_eq!(day_length(&early, hv, 2026, 11, 1), m(150));
    assert_eq!(day_length(&early, hv, 2026, 11, 8), m(90));
    // Lord Howe Island moves its clocks by 30 minutes at 02:00.
    let lh: Tz = "Australia/Lord_Howe".parse().unwrap();
    let night = build("Australia/Lord_Howe", &[("sun", &["01:00-03:00"])], &[]);
    assert_eq!(day_length(&night, lh, 2026, 10, 4), m(90));
    assert_eq!(day_length(&night, lh, 2026, 4, 5), m(150));
    assert_eq!(day_length(&night, lh, 2026, 4, 12), h(2));
}
