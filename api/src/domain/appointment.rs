//! A vehicle's next service appointment: when the client brings it to a
//! service center (device calibration, data download). Monitoring must be
//! paid through the appointment's day, or the client pays at the counter.

use super::{BusinessDay, LocationTimeZone};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Longest service location name kept (characters).
pub const LOCATION_NAME_MAX_CHARS: usize = 100;

/// A vehicle's next service appointment as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct NextAppointment {
    /// When it starts, RFC 3339 with the offset of the client's location on
    /// that day (`2026-12-12T10:00:00-06:00` in Austin).
    #[schema(example = "2026-12-12T10:00:00-06:00", format = DateTime)]
    pub starts_at: String,
    /// The service center the client goes to.
    #[schema(example = "Austin Central Service Center")]
    pub location_name: String,
    /// The appointment's day on the location's calendar ([`BusinessDay::at`]).
    #[schema(example = "2026-12-12")]
    pub business_day: NaiveDate,
    /// The vehicle's monitoring runs out before that day (or was never
    /// paid): pay before the appointment, or pay at the service center
    /// ([`pay_before_appointment`]).
    pub pay_before: bool,
}

impl NextAppointment {
    /// The appointment starting at `starts_at` at `location_name`, for a
    /// vehicle paid through `paid_through`, seen from a location in `zone`.
    pub fn new(
        starts_at: DateTime<Utc>,
        location_name: String,
        paid_through: Option<NaiveDate>,
        zone: LocationTimeZone,
    ) -> NextAppointment {
        let business_day = BusinessDay::at(starts_at, zone);
        NextAppointment {
            starts_at: starts_at
                .with_timezone(&zone.tz())
                .to_rfc3339_opts(SecondsFormat::Secs, false),
            location_name,
            business_day,
            pay_before: pay_before_appointment(paid_through, business_day),
        }
    }
}

/// The rule: monitoring paid through a day before the appointment's
/// business day (or never paid) is due before the appointment. Paid through
/// the appointment's day itself is enough.
pub fn pay_before_appointment(paid_through: Option<NaiveDate>, appointment_day: NaiveDate) -> bool {
    paid_through.is_none_or(|day| day < appointment_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn paid_through_before_the_appointments_day_is_due_before_it() {
        assert!(pay_before_appointment(Some(day(12, 11)), day(12, 12)));
        assert!(!pay_before_appointment(Some(day(12, 12)), day(12, 12)));
        assert!(!pay_before_appointment(Some(day(12, 20)), day(12, 12)));
        assert!(pay_before_appointment(None, day(12, 12)));
    }

    #[test]
    fn the_appointment_shows_the_locations_offset_and_business_day() {
        let zone = LocationTimeZone::or_utc("America/Chicago");
        // 03:30 UTC on Dec 13 is 21:30 on Dec 12 in Austin.
        let at = Utc.with_ymd_and_hms(2026, 12, 13, 3, 30, 0).unwrap();
        let next = NextAppointment::new(at, "Austin".into(), Some(day(12, 12)), zone);
        assert_eq!(next.starts_at, "2026-12-12T21:30:00-06:00");
        assert_eq!(next.business_day, day(12, 12));
        assert!(!next.pay_before);
    }
}
