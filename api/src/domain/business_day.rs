//! The location's business day, and the local times jobs run at.
//!
//! Every business date (a vehicle's paid-through date, what is "due", Auto
//! Pay's "due by tomorrow", a receipt's date) is a day of the location's own
//! calendar, in its IANA `time_zone` (`America/Chicago` for Austin): at 19:30
//! on Nov 30 in Austin it is Nov 30 there, although it is already Dec 1 in
//! UTC. Instants stay in UTC; only [`BusinessDay::at`] turns one into a day.
//! The zone rules come from `chrono-tz` (the IANA database compiled in, kept
//! current with each release), not from the host's `/etc/localtime`.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A location's time zone, parsed from its IANA name. A name this build does
/// not know counts as UTC: a business day is never refused for a bad setting
/// (and the location editor only stores known names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationTimeZone(Tz);

impl LocationTimeZone {
    /// The zone named `name` (`America/Chicago`), or `None` when unknown.
    pub fn parse(name: &str) -> Option<LocationTimeZone> {
        name.parse::<Tz>().ok().map(LocationTimeZone)
    }

    /// The zone named `name`, or UTC when the name is unknown.
    pub fn or_utc(name: &str) -> LocationTimeZone {
        LocationTimeZone::parse(name).unwrap_or(LocationTimeZone(Tz::UTC))
    }

    /// The `chrono-tz` zone.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// The instant the location's clocks show `time` on `date`. A time
    /// skipped by a daylight-saving change (02:30 on the March change) is
    /// taken an hour later; a time that happens twice (the November change)
    /// is its first occurrence.
    pub fn instant(self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            LocalResult::None => {
                let later = local + Duration::hours(1);
                match self.0.from_local_datetime(&later) {
                    LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                        at.with_timezone(&Utc)
                    }
                    // No zone skips two hours; read the wall time as UTC.
                    LocalResult::None => Utc.from_utc_datetime(&local),
                }
            }
        }
    }
}

/// The business day of a location.
pub struct BusinessDay;

impl BusinessDay {
    /// The day it is at `instant` on the location's calendar: the one
    /// function every business date comes from.
    pub fn at(instant: DateTime<Utc>, zone: LocationTimeZone) -> NaiveDate {
        instant.with_timezone(&zone.0).date_naive()
    }

    /// The latest instant at or before `now` at which the location's clocks
    /// showed `time`: when today's daily run was due, or yesterday's if
    /// today's has not come yet.
    pub fn last_run_time(
        now: DateTime<Utc>,
        time: NaiveTime,
        zone: LocationTimeZone,
    ) -> DateTime<Utc> {
        let today = BusinessDay::at(now, zone);
        let at = zone.instant(today, time);
        if at <= now {
            at
        } else {
            zone.instant(today - Duration::days(1), time)
        }
    }

    /// Whether a daily run at local `time` is due at `now`, given when it
    /// last succeeded: once its time has come each day, until it succeeds.
    pub fn daily_run_due(
        now: DateTime<Utc>,
        last_success: Option<DateTime<Utc>>,
        time: NaiveTime,
        zone: LocationTimeZone,
    ) -> bool {
        let due_at = BusinessDay::last_run_time(now, time, zone);
        last_success.is_none_or(|last| last < due_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    fn chicago() -> LocationTimeZone {
        LocationTimeZone::parse("America/Chicago").unwrap()
    }

    #[test]
    fn evening_in_austin_is_still_the_day_before_utc_midnight() {
        // 19:30 CST on Nov 30 is 01:30 UTC on Dec 1.
        let at = utc("2026-12-01T01:30:00Z");
        assert_eq!(BusinessDay::at(at, chicago()), date(2026, 11, 30));
        assert_eq!(at.date_naive(), date(2026, 12, 1));
        // From local midnight (06:00 UTC in winter), it is Dec 1 there too.
        assert_eq!(
            BusinessDay::at(utc("2026-12-01T06:00:00Z"), chicago()),
            date(2026, 12, 1)
        );
        assert_eq!(
            BusinessDay::at(utc("2026-12-01T05:59:59Z"), chicago()),
            date(2026, 11, 30)
        );
    }

    #[test]
    fn summer_time_moves_the_local_midnight() {
        // CDT (UTC-5): local midnight of Jul 2 is 05:00 UTC.
        assert_eq!(
            BusinessDay::at(utc("2026-07-02T04:59:00Z"), chicago()),
            date(2026, 7, 1)
        );
        assert_eq!(
            BusinessDay::at(utc("2026-07-02T05:00:00Z"), chicago()),
            date(2026, 7, 2)
        );
    }

    #[test]
    fn an_unknown_zone_counts_as_utc() {
        assert!(LocationTimeZone::parse("Mars/Olympus").is_none());
        let at = utc("2026-12-01T01:30:00Z");
        assert_eq!(
            BusinessDay::at(at, LocationTimeZone::or_utc("Mars/Olympus")),
            date(2026, 12, 1)
        );
    }

    #[test]
    fn a_daily_run_is_due_once_its_local_time_has_come_until_it_succeeds() {
        let six = time(6, 0);
        // 06:00 CST = 12:00 UTC.
        let before = utc("2026-12-01T11:59:00Z");
        let after = utc("2026-12-01T12:00:00Z");
        assert_eq!(
            BusinessDay::last_run_time(after, six, chicago()),
            utc("2026-12-01T12:00:00Z")
        );
        assert_eq!(
            BusinessDay::last_run_time(before, six, chicago()),
            utc("2026-11-30T12:00:00Z")
        );
        let yesterday = Some(utc("2026-11-30T12:00:05Z"));
        assert!(!BusinessDay::daily_run_due(
            before,
            yesterday,
            six,
            chicago()
        ));
        assert!(BusinessDay::daily_run_due(after, yesterday, six, chicago()));
        assert!(!BusinessDay::daily_run_due(
            utc("2026-12-01T18:00:00Z"),
            Some(after),
            six,
            chicago()
        ));
        assert!(BusinessDay::daily_run_due(before, None, six, chicago()));
    }

    #[test]
    fn skipped_and_repeated_local_times_still_run_once() {
        // Mar 8, 2026: 02:00 CST jumps to 03:00 CDT; 02:30 runs at 03:30 CDT.
        assert_eq!(
            chicago().instant(date(2026, 3, 8), time(2, 30)),
            utc("2026-03-08T08:30:00Z")
        );
        // Nov 1, 2026: 01:30 happens twice; the first (CDT) is taken.
        assert_eq!(
            chicago().instant(date(2026, 11, 1), time(1, 30)),
            utc("2026-11-01T06:30:00Z")
        );
    }
}
