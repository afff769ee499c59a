//! Receipts: the proof of payment every succeeded payment gets, written in
//! the same transaction that records the success. A receipt is a snapshot of
//! what was paid, by whom, with which card, and what it bought (each
//! vehicle's new paid-through date); the refunds made since are read with
//! it. Its payer can open it again without signing in through its
//! [`ReceiptReference`], a secret with the payment link token's hygiene.

use super::bearer_secret::{BearerSecret, SecretKind};
use super::refund::{RefundDestination, RefundSource};
use super::{Cents, Line, PhoneNumber};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The secret that opens one receipt without signing in (a
/// [`BearerSecret`], like a [`super::LinkToken`]): shown once, in the answer
/// to the payer who just paid; it travels in the `Receipt-Reference` header
/// or a URL fragment.
pub type ReceiptReference = BearerSecret<ReceiptSecret>;

/// The kind of a [`ReceiptReference`].
pub struct ReceiptSecret;
impl SecretKind for ReceiptSecret {
    const NAME: &'static str = "ReceiptReference";
}

/// The receipt number people read and quote: `R-<year>-<number>`, the year of
/// the day it was issued at its location and the receipt's sequence number
/// (unique across years), at least six digits: `R-2026-000123`.
pub fn receipt_number(local_year: i32, sequence: i64) -> String {
    format!("R-{local_year}-{sequence:06}")
}

/// An instant as the location's clock shows it. The location's `time_zone`
/// is an IANA name (`America/Chicago`); one this build does not know is shown
/// in UTC rather than refused: a receipt is never lost to a bad setting.
pub struct LocalTime {
    pub date: NaiveDate,
    /// `HH:MM`, 24-hour.
    pub time: String,
    /// The zone's abbreviation at that instant (`CST`, `CDT`), or `UTC`.
    pub zone_abbreviation: String,
    /// RFC 3339 with the location's offset: `2026-11-30T18:04:05-06:00`.
    pub rfc3339: String,
}

/// See [`LocalTime`].
pub fn local_time(at: DateTime<Utc>, time_zone: &str) -> LocalTime {
    match super::LocationTimeZone::parse(time_zone) {
        Some(zone) => {
            let local = at.with_timezone(&zone.tz());
            LocalTime {
                date: super::BusinessDay::at(at, zone),
                time: local.format("%H:%M").to_string(),
                zone_abbreviation: local.format("%Z").to_string(),
                rfc3339: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            }
        }
        None => LocalTime {
            date: super::BusinessDay::at(at, super::LocationTimeZone::or_utc(time_zone)),
            time: at.format("%H:%M").to_string(),
            zone_abbreviation: "UTC".into(),
            rfc3339: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    }
}

/// Who paid, as a receipt shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Payer {
    /// The client paid (signed in, by a link texted to their own phone, or
    /// staff charged their card or Auto Pay did).
    Client {
        #[schema(example = "Dana Whitfield")]
        name: String,
    },
    /// Someone else paid through a link texted to their phone: only its last
    /// four digits are shown, since the receipt may be shown to either party.
    ThirdParty {
        #[schema(example = "(•••) •••-0143")]
        phone_masked: String,
    },
}

/// The payer rule: a link paid from a number other than the client's was
/// paid by a third party; everything else by the client.
pub fn payer(client_name: &str, client_phone: &str, link_phone: Option<&str>) -> Payer {
    let same_number =
        |link: &str| match (PhoneNumber::parse(link), PhoneNumber::parse(client_phone)) {
            (Ok(link), Ok(client)) => link == client,
            _ => link == client_phone,
        };
    match link_phone {
        Some(link) if !same_number(link) => Payer::ThirdParty {
            phone_masked: PhoneNumber::parse(link)
                .map(|p| p.masked())
                .unwrap_or_else(|_| "(•••) •••-••••".into()),
        },
        _ => Payer::Client {
            name: client_name.to_owned(),
        },
    }
}

/// A vehicle the payment paid for, and the day its monitoring is now paid
/// through (inclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaidThrough {
    pub vehicle_id: Uuid,
    #[schema(example = "2019 Toyota Camry")]
    pub description: String,
    pub paid_through: NaiveDate,
}

/// A refund of the receipt's payment, as the receipt lists it: the amount,
/// when (on the location's clock, like the receipt's own date) and where the
/// money went. Not the reason staff wrote: a receipt opens without signing
/// in, for a third party who paid too, and the reason is for the Client Log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptRefund {
    #[schema(value_type = crate::domain::Cents, example = 2500)]
    pub amount_cents: Cents,
    /// When it was made (UTC).
    pub created_at: DateTime<Utc>,
    /// The location's day of the refund (its `time_zone`, as the receipt's
    /// `local_date`): the date to show.
    pub local_date: NaiveDate,
    /// `card`: given back to the card; `credit`: kept as the client's credit.
    pub destination: RefundDestination,
    /// `credit`: the client's credit paid out to this payment's card.
    pub source: RefundSource,
}

impl ReceiptRefund {
    /// A refund of `amount` made at `created_at`, dated on the clock of the
    /// location whose IANA zone is `time_zone` ([`local_time`]).
    pub fn new(
        amount: Cents,
        created_at: DateTime<Utc>,
        destination: RefundDestination,
        source: RefundSource,
        time_zone: &str,
    ) -> ReceiptRefund {
        ReceiptRefund {
            amount_cents: amount,
            created_at,
            local_date: local_time(created_at, time_zone).date,
            destination,
            source,
        }
    }
}

/// A receipt as a payment's success has just issued it, with its reference:
/// the only moment the plain reference exists (it is stored hashed), for the
/// answer to the payer.
#[derive(Clone, Debug)]
pub struct IssuedReceipt {
    pub receipt: Receipt,
    pub reference: ReceiptReference,
}

/// A receipt: the proof of one succeeded payment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    #[schema(example = "R-2026-000123")]
    pub receipt_number: String,
    pub payment_id: Uuid,
    /// The invoice the payment created.
    #[schema(example = 1002)]
    pub invoice_number: Option<i64>,
    /// When the payment succeeded (UTC).
    pub issued_at: DateTime<Utc>,
    /// The same instant on the location's clock, with its offset.
    #[schema(example = "2026-11-30T18:04:05-06:00")]
    pub issued_at_local: String,
    /// The location's day of the payment.
    pub local_date: NaiveDate,
    /// The location's time of the payment, `HH:MM` (24-hour).
    #[schema(example = "18:04")]
    pub local_time: String,
    #[schema(example = "America/Chicago")]
    pub time_zone: String,
    #[schema(example = "CST")]
    pub time_zone_abbreviation: String,
    #[schema(example = "Austin Central")]
    pub location_name: String,
    pub payer: Payer,
    #[schema(example = "visa")]
    pub card_brand: Option<String>,
    #[schema(example = "4242")]
    pub card_last4: Option<String>,
    pub lines: Vec<Line>,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub total_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    /// Refunds of this payment, oldest first (empty when none).
    pub refunds: Vec<ReceiptRefund>,
    /// Each vehicle the payment paid for and its new paid-through date.
    pub vehicles: Vec<PaidThrough>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn receipt_numbers_read_with_the_year_and_six_digits() {
        assert_eq!(receipt_number(2026, 123), "R-2026-000123");
        assert_eq!(receipt_number(2027, 1_234_567), "R-2027-1234567");
    }

    #[test]
    fn a_payment_after_utc_midnight_is_dated_the_evening_before_in_chicago() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 30, 0).unwrap();
        let local = local_time(at, "America/Chicago");
        assert_eq!(local.date, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(local.time, "21:30");
        assert_eq!(local.zone_abbreviation, "CST");
        assert_eq!(local.rfc3339, "2026-11-30T21:30:00-06:00");
    }

    #[test]
    fn a_refund_after_utc_midnight_is_dated_the_day_before_in_chicago() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 30, 0).unwrap();
        let refund = ReceiptRefund::new(
            Cents(2500),
            at,
            RefundDestination::Card,
            RefundSource::Payment,
            "America/Chicago",
        );
        assert_eq!(
            refund.local_date,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(refund.created_at, at);
    }

    #[test]
    fn summer_time_is_applied() {
        let at = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        let local = local_time(at, "America/Chicago");
        assert_eq!(local.time, "07:00");
        assert_eq!(local.zone_abbreviation, "CDT");
    }

    #[test]
    fn an_unknown_time_zone_shows_utc() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 30, 0).unwrap();
        let local = local_time(at, "Mars/Olympus");
        assert_eq!(local.date, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(local.zone_abbreviation, "UTC");
    }

    #[test]
    fn a_link_paid_from_the_clients_own_number_was_paid_by_the_client() {
        assert_eq!(
            payer("Dana Whitfield", "+15125550101", Some("(512) 555-0101")),
            Payer::Client {
                name: "Dana Whitfield".into()
            }
        );
        assert_eq!(
            payer("Dana Whitfield", "+15125550101", None),
            Payer::Client {
                name: "Dana Whitfield".into()
            }
        );
    }

    #[test]
    fn a_link_paid_from_another_number_shows_only_its_last_four_digits() {
        assert_eq!(
            payer("Dana Whitfield", "+15125550101", Some("+15125550143")),
            Payer::ThirdParty {
                phone_masked: "(•••) •••-0143".into()
            }
        );
    }

    #[test]
    fn references_are_long_random_and_parse_back() {
        let a = ReceiptReference::generate();
        let b = ReceiptReference::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        let parsed = ReceiptReference::parse(a.expose()).expect("parses");
        assert_eq!(parsed.hash(), a.hash());
        assert!(ReceiptReference::parse("short").is_none());
        assert!(ReceiptReference::parse(&format!("{}!", &a.expose()[..42])).is_none());
    }
}
