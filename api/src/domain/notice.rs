//! When the product texts a client on its own (issue 19, items 3 and 4): the
//! payment reminder before a vehicle's paid-through date, the Auto Pay
//! notices, and the reminder that the Auto Pay card expires.
//!
//! Every date here is a business date, a day of the location's calendar
//! ([`super::BusinessDay::at`]): `today` is the location's day when the job
//! runs, never the UTC date. The rules are windows, not single days, so a
//! run that was missed (an outage, a deploy) still sends the notice on the
//! next day; the store keeps each notice once per subject and period
//! (`sms_notices`' unique key), so a window that spans several runs still
//! sends it once.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// "Reply PAY": a vehicle's monitoring runs out soon (clients not on Auto Pay).
    PaymentReminder,
    /// Auto Pay will charge the card on file in a few days.
    AutopayUpcoming,
    /// An Auto Pay charge was declined: how to pay instead.
    AutopayDeclined,
    /// The Auto Pay card expires within `CARD_EXPIRY_NOTICE_DAYS`.
    CardExpiring,
    /// "Reply PAY": a vehicle's service appointment comes before its
    /// paid-through date runs out to it (clients not on Auto Pay).
    AppointmentReminder,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::PaymentReminder,
        NoticeKind::AutopayUpcoming,
        NoticeKind::AutopayDeclined,
        NoticeKind::CardExpiring,
        NoticeKind::AppointmentReminder,
    ];

    /// Its name in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::PaymentReminder => "payment_reminder",
            NoticeKind::AutopayUpcoming => "autopay_upcoming",
            NoticeKind::AutopayDeclined => "autopay_declined",
            NoticeKind::CardExpiring => "card_expiring",
            NoticeKind::AppointmentReminder => "appointment_reminder",
        }
    }

    /// The kind named `name` (as stored).
    pub fn parse(name: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The day Auto Pay charges a vehicle paid through `paid_through`: the day
/// before, as `services::autopay::run_location` charges every vehicle paid
/// through the location's tomorrow or less. A vehicle never paid, or paid
/// through a day already gone, is charged at the next run (`today`).
pub fn autopay_charge_date(paid_through: NaiveDate, today: NaiveDate) -> NaiveDate {
    (paid_through - Duration::days(1)).max(today)
}

/// Whether the payment reminder of a vehicle paid through `paid_through` is
/// due `today`: from `days_before` days before that date up to the date
/// itself (its last paid day). A lapsed vehicle gets no reminder of this
/// kind; its period's reminder went before it lapsed.
pub fn reminder_due(today: NaiveDate, paid_through: NaiveDate, days_before: i64) -> bool {
    today >= paid_through - Duration::days(days_before) && today <= paid_through
}

/// Whether the reminder of a service appointment on `appointment_day` is
/// due `today` for a vehicle whose monitoring must be paid before it
/// (`pay_before`, [`super::appointment::pay_before_appointment`]): from
/// `days_before` days before that day up to the day before it (on the day
/// itself the client pays at the service center). Issue 19, item 4:
/// "before its next service appointment".
pub fn appointment_reminder_due(
    today: NaiveDate,
    appointment_day: NaiveDate,
    pay_before: bool,
    days_before: i64,
) -> bool {
    pay_before && today < appointment_day && today >= appointment_day - Duration::days(days_before)
}

/// Whether the notice of the Auto Pay charge of a vehicle paid through
/// `paid_through` is due `today`: from `days_before` days before the charge
/// ([`autopay_charge_date`]) up to the day before it (on the day itself the
/// charge comes first: a notice then would tell nothing in advance).
pub fn autopay_notice_due(today: NaiveDate, paid_through: NaiveDate, days_before: i64) -> bool {
    let charge = paid_through - Duration::days(1);
    today >= charge - Duration::days(days_before) && today < charge
}

/// The last day a card with this expiry can be charged: the last day of
/// its expiry month (cards are valid through the month printed on them).
/// `None` for a month outside 1–12.
pub fn card_expires_on(exp_month: i64, exp_year: i64) -> Option<NaiveDate> {
    let month = u32::try_from(exp_month).ok()?;
    let year = i32::try_from(exp_year).ok()?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    debug_assert_eq!(first.month(), month);
    Some(next - Duration::days(1))
}

/// Whether the reminder to update a card expiring on `expires_on` is due
/// `today`: within `days_before` days of it, up to the day itself.
pub fn card_expiry_notice_due(today: NaiveDate, expires_on: NaiveDate, days_before: i64) -> bool {
    today >= expires_on - Duration::days(days_before) && today <= expires_on
}

/// The period a card-expiry notice is about: its expiry month, `2026-12`.
pub fn card_expiry_period(exp_month: i64, exp_year: i64) -> String {
    format!("{exp_year:04}-{exp_month:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BusinessDay, LocationTimeZone};
    use chrono::{DateTime, Utc};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn austin_day(s: &str) -> NaiveDate {
        BusinessDay::at(utc(s), LocationTimeZone::parse("America/Chicago").unwrap())
    }

    #[test]
    fn a_reminder_is_due_from_n_days_before_the_paid_through_date_to_the_date() {
        let paid_through = date(2026, 12, 4);
        assert!(!reminder_due(date(2026, 11, 30), paid_through, 3));
        assert!(reminder_due(date(2026, 12, 1), paid_through, 3));
        assert!(reminder_due(date(2026, 12, 4), paid_through, 3));
        assert!(!reminder_due(date(2026, 12, 5), paid_through, 3), "lapsed");
    }

    #[test]
    fn the_reminder_day_is_the_locations_day_across_utc_midnight() {
        // 19:30 on Nov 30 in Austin is 01:30 UTC on Dec 1: still Nov 30
        // there, so a vehicle paid through Dec 4 is not due a 3-day reminder.
        let paid_through = date(2026, 12, 4);
        let evening = austin_day("2026-12-01T01:30:00Z");
        assert_eq!(evening, date(2026, 11, 30));
        assert!(!reminder_due(evening, paid_through, 3));
        // By UTC's date it would have been.
        assert!(reminder_due(date(2026, 12, 1), paid_through, 3));
        // At Austin's midnight (06:00 UTC) it is.
        assert!(reminder_due(
            austin_day("2026-12-01T06:00:00Z"),
            paid_through,
            3
        ));
        assert!(!reminder_due(
            austin_day("2026-12-01T05:59:59Z"),
            paid_through,
            3
        ));
    }

    #[test]
    fn auto_pay_charges_the_day_before_the_paid_through_date() {
        assert_eq!(
            autopay_charge_date(date(2026, 12, 13), date(2026, 12, 1)),
            date(2026, 12, 12)
        );
        assert_eq!(
            autopay_charge_date(date(2026, 11, 20), date(2026, 12, 1)),
            date(2026, 12, 1),
            "overdue: the next run"
        );
    }

    #[test]
    fn the_auto_pay_notice_goes_n_days_before_the_charge_not_on_its_day() {
        // Paid through Dec 13: charged Dec 12; a 3-day notice from Dec 9.
        let paid_through = date(2026, 12, 13);
        assert!(!autopay_notice_due(date(2026, 12, 8), paid_through, 3));
        assert!(autopay_notice_due(date(2026, 12, 9), paid_through, 3));
        assert!(autopay_notice_due(date(2026, 12, 11), paid_through, 3));
        assert!(!autopay_notice_due(date(2026, 12, 12), paid_through, 3));
        // Across UTC midnight: 20:00 on Dec 8 in Austin is Dec 9 in UTC.
        let evening = austin_day("2026-12-09T02:00:00Z");
        assert_eq!(evening, date(2026, 12, 8));
        assert!(!autopay_notice_due(evening, paid_through, 3));
        assert!(autopay_notice_due(
            austin_day("2026-12-09T06:00:00Z"),
            paid_through,
            3
        ));
    }

    #[test]
    fn a_card_expires_at_the_end_of_its_month_and_is_announced_30_days_before() {
        assert_eq!(card_expires_on(12, 2026), Some(date(2026, 12, 31)));
        assert_eq!(card_expires_on(2, 2028), Some(date(2028, 2, 29)));
        assert_eq!(card_expires_on(13, 2026), None);
        let expires = date(2026, 12, 31);
        assert!(!card_expiry_notice_due(date(2026, 11, 30), expires, 30));
        assert!(card_expiry_notice_due(date(2026, 12, 1), expires, 30));
        assert!(card_expiry_notice_due(date(2026, 12, 31), expires, 30));
        assert!(!card_expiry_notice_due(date(2027, 1, 1), expires, 30));
        // 23:00 on Nov 30 in Austin (05:00 UTC Dec 1) is still Nov 30 there.
        assert!(!card_expiry_notice_due(
            austin_day("2026-12-01T05:00:00Z"),
            expires,
            30
        ));
        assert_eq!(card_expiry_period(8, 2029), "2029-08");
    }

    #[test]
    fn an_appointment_reminder_goes_n_days_before_the_day_when_payment_is_due_before_it() {
        let appointment = date(2026, 12, 12);
        assert!(!appointment_reminder_due(
            date(2026, 12, 8),
            appointment,
            true,
            3
        ));
        assert!(appointment_reminder_due(
            date(2026, 12, 9),
            appointment,
            true,
            3
        ));
        assert!(appointment_reminder_due(
            date(2026, 12, 11),
            appointment,
            true,
            3
        ));
        assert!(
            !appointment_reminder_due(date(2026, 12, 12), appointment, true, 3),
            "on the day: at the counter"
        );
        assert!(
            !appointment_reminder_due(date(2026, 12, 10), appointment, false, 3),
            "paid through it"
        );
        // 21:00 on Dec 8 in Austin is Dec 9 in UTC: not yet due there.
        let evening = austin_day("2026-12-09T03:00:00Z");
        assert_eq!(evening, date(2026, 12, 8));
        assert!(!appointment_reminder_due(evening, appointment, true, 3));
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NoticeKind::parse("other"), None);
    }
}
