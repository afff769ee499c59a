//! Demo data: two locations and five clients that between them show every
//! case the product handles. Ids are fixed so the README and tests can name them.

use crate::auth::password;
use crate::domain::{BusinessDay, Cents, Language, Line, LineKind, LocationTimeZone, MonitorDays};
use crate::store::{
    NewCard, NewClient, NewClientLogin, NewInvoice, NewLocation, NewStaff, NewVehicle, SeedData,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use uuid::Uuid;

pub const AUSTIN: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001);
pub const EL_PASO: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0002);
/// Dana: past due balance, a card on file, two vehicles; the demo client login.
pub const DANA: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0101);
/// Ellis: at El Paso, which does not accept online payments.
pub const ELLIS: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0102);
/// Morgan: enrolled in Auto Pay.
pub const MORGAN: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0103);
/// Riley: owes nothing.
pub const RILEY: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0104);
/// Lucía: reads Spanish (`language: es`): her texts and My Account pages are in Spanish; a My Account login.
pub const LUCIA: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0105);
pub const DANA_CAMRY: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0201);
pub const DANA_F150: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0202);
pub const ELLIS_CIVIC: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0203);
pub const MORGAN_OUTBACK: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0204);
pub const RILEY_WRANGLER: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0205);
pub const LUCIA_SILVERADO: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0206);
pub const DANA_VISA: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0301);
pub const MORGAN_MASTERCARD: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0302);
pub const AGENT: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0401);
pub const ADMIN: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0402);
pub const SUPERVISOR: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0403);

/// A demo login: e-mail and password (the README lists them).
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
}

impl DemoLogin {
    /// The password's Argon2id hash (PHC string), computed once per process
    /// and login: a hash costs tens of milliseconds, and the test suite seeds
    /// a database per test (hundreds per run). Each login keeps its own salt.
    fn password_hash(&self) -> String {
        static HASHES: LazyLock<Mutex<HashMap<&'static str, String>>> =
            LazyLock::new(Mutex::default);
        let mut hashes = HASHES.lock().unwrap_or_else(PoisonError::into_inner);
        hashes
            .entry(self.email)
            .or_insert_with(|| password::hash(self.password))
            .clone()
    }
}

/// Alex Agent, staff role `agent` (PLUS Web).
pub const AGENT_LOGIN: DemoLogin = DemoLogin {
    email: "agent@example.com",
    password: "agent-demo-1",
};
/// Sam Supervisor, staff role `supervisor` (PLUS Web).
pub const SUPERVISOR_LOGIN: DemoLogin = DemoLogin {
    email: "supervisor@example.com",
    password: "supervisor-demo-1",
};
/// Avery Admin, staff role `admin` (PLUS Web).
pub const ADMIN_LOGIN: DemoLogin = DemoLogin {
    email: "admin@example.com",
    password: "admin-demo-1",
};
/// Dana's My Account login.
pub const CLIENT_LOGIN: DemoLogin = DemoLogin {
    email: "client@example.com",
    password: "client-demo-1",
};
/// Lucía's My Account login (Spanish).
pub const SPANISH_CLIENT_LOGIN: DemoLogin = DemoLogin {
    email: "lucia@example.com",
    password: "cliente-demo-1",
};

// Table rows: one argument per column reads best here.
#[allow(clippy::too_many_arguments)]
fn location(
    id: Uuid,
    name: &str,
    accepts_payments: bool,
    tax_rate_ppm: i64,
    daily: i64,
    price_30: Option<i64>,
    tz: &str,
) -> NewLocation {
    NewLocation {
        id,
        name: name.into(),
        accepts_payments,
        tax_rate_ppm,
        daily_rate: Some(Cents(daily)),
        price_14: None,
        price_30: price_30.map(Cents),
        time_zone: tz.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn client(
    id: Uuid,
    location_id: Uuid,
    first: &str,
    last: &str,
    phone: &str,
    email: &str,
    plan: MonitorDays,
    autopay_card: Option<Uuid>,
) -> NewClient {
    NewClient {
        id,
        location_id,
        first_name: first.into(),
        last_name: last.into(),
        phone: phone.into(),
        email: email.into(),
        plan_days: plan,
        autopay_card_id: autopay_card,
        language: Language::En,
    }
}

/// A vehicle paid through the business day (in `time_zone`, its location's)
/// of the instant `paid_through`.
fn vehicle(
    id: Uuid,
    client_id: Uuid,
    description: &str,
    plate: &str,
    serial: &str,
    (paid_through, time_zone): (DateTime<Utc>, &str),
    next_appointment: Option<(DateTime<Utc>, String)>,
) -> NewVehicle {
    NewVehicle {
        id,
        client_id,
        description: description.into(),
        plate: Some(plate.into()),
        device_serial: serial.into(),
        paid_through: Some(BusinessDay::at(
            paid_through,
            LocationTimeZone::or_utc(time_zone),
        )),
        next_appointment,
    }
}

/// A service appointment at `hour:minute` on the location's clocks, on the
/// business day (in `time_zone`) of the instant `day`, at `location_name`.
fn appointment(
    day: DateTime<Utc>,
    (hour, minute): (u32, u32),
    time_zone: &str,
    location_name: &str,
) -> Option<(DateTime<Utc>, String)> {
    let zone = LocationTimeZone::or_utc(time_zone);
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, 0)?;
    Some((
        zone.instant(BusinessDay::at(day, zone), time),
        location_name.into(),
    ))
}

fn card(
    id: Uuid,
    client_id: Uuid,
    token: &str,
    brand: &str,
    last4: &str,
    exp_month: i64,
    exp_year: i64,
) -> NewCard {
    NewCard {
        id,
        client_id,
        gateway_token: token.into(),
        brand: brand.into(),
        last4: last4.into(),
        exp_month,
        exp_year,
        fingerprint: None,
    }
}

/// Austin Central's time zone.
pub const AUSTIN_TIME_ZONE: &str = "America/Chicago";
/// El Paso West's time zone.
pub const EL_PASO_TIME_ZONE: &str = "America/Denver";

/// The demo data set, dated relative to `now` (paid-through dates on each
/// location's business day).
pub fn demo_data(now: DateTime<Utc>) -> SeedData {
    use MonitorDays::{Fourteen, Thirty};
    let days = Duration::days;
    // Dana's unpaid invoice from last month, priced as `Quote::compute` prices it at Austin
    // Central: 30 days at the plan's $95.00 + 8.25 % tax ($7.84) = $102.84 past due.
    // `seeded_invoices_are_priced_by_the_quote_rule` keeps every seeded invoice to that rule.
    let overdue = NewInvoice {
        id: Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0501),
        client_id: DANA,
        vehicle_id: Some(DANA_CAMRY),
        status: "open".into(),
        monitor_days: Some(Thirty),
        lines: vec![
            Line {
                kind: LineKind::Monitoring,
                description: "Monitoring, 30 days".into(),
                amount_cents: Cents(9_500),
            },
            Line {
                kind: LineKind::PastDue,
                description: "Past due balance".into(),
                amount_cents: Cents(0),
            },
            Line {
                kind: LineKind::Tax,
                description: "Tax (8.25%)".into(),
                amount_cents: Cents(784),
            },
        ],
        subtotal: Cents(9_500),
        tax: Cents(784),
        past_due: Cents(0),
        total: Cents(10_284),
        created_by: "system".into(),
        issued_at: now - days(40),
    };
    let austin_appointment = |days_ahead: i64, hour: u32, minute: u32| {
        appointment(
            now + days(days_ahead),
            (hour, minute),
            AUSTIN_TIME_ZONE,
            "Austin Central Service Center",
        )
    };
    SeedData {
        locations: vec![
            location(
                AUSTIN,
                "Austin Central",
                true,
                82_500,
                350,
                Some(9_500),
                AUSTIN_TIME_ZONE,
            ),
            location(
                EL_PASO,
                "El Paso West",
                false,
                62_500,
                400,
                None,
                EL_PASO_TIME_ZONE,
            ),
        ],
        clients: vec![
            client(
                DANA,
                AUSTIN,
                "Dana",
                "Whitfield",
                "+15125550143",
                "client@example.com",
                Thirty,
                None,
            ),
            client(
                ELLIS,
                EL_PASO,
                "Ellis",
                "Romero",
                "+19155550188",
                "ellis@example.com",
                Fourteen,
                None,
            ),
            client(
                MORGAN,
                AUSTIN,
                "Morgan",
                "Lee",
                "+15125550177",
                "morgan@example.com",
                Thirty,
                Some(MORGAN_MASTERCARD),
            ),
            client(
                RILEY,
                AUSTIN,
                "Riley",
                "Chen",
                "+15125550162",
                "riley@example.com",
                Fourteen,
                None,
            ),
            NewClient {
                language: Language::Es,
                ..client(
                    LUCIA,
                    AUSTIN,
                    "Lucía",
                    "Garza",
                    "+15125550119",
                    SPANISH_CLIENT_LOGIN.email,
                    Fourteen,
                    None,
                )
            },
        ],
        vehicles: vec![
            vehicle(
                DANA_CAMRY,
                DANA,
                "2019 Toyota Camry",
                "TX-KLM4821",
                "IID-220419",
                (now - days(10), AUSTIN_TIME_ZONE),
                austin_appointment(5, 10, 0),
            ),
            vehicle(
                DANA_F150,
                DANA,
                "2015 Ford F-150",
                "TX-BRT7730",
                "IID-220877",
                (now + days(12), AUSTIN_TIME_ZONE),
                austin_appointment(12, 15, 30),
            ),
            vehicle(
                ELLIS_CIVIC,
                ELLIS,
                "2012 Honda Civic",
                "TX-ELP1042",
                "IID-310552",
                (now + days(3), EL_PASO_TIME_ZONE),
                None,
            ),
            vehicle(
                MORGAN_OUTBACK,
                MORGAN,
                "2021 Subaru Outback",
                "TX-MGL5590",
                "IID-220931",
                (now + days(1), AUSTIN_TIME_ZONE),
                None,
            ),
            vehicle(
                RILEY_WRANGLER,
                RILEY,
                "2017 Jeep Wrangler",
                "TX-RCH3318",
                "IID-221004",
                (now + days(9), AUSTIN_TIME_ZONE),
                austin_appointment(16, 9, 0),
            ),
            // Well before any reminder is due (REMINDER_DAYS), so the demo's texts stay those of the others.
            vehicle(
                LUCIA_SILVERADO,
                LUCIA,
                "2018 Chevrolet Silverado",
                "TX-LGZ2604",
                "IID-221117",
                (now + days(20), AUSTIN_TIME_ZONE),
                None,
            ),
        ],
        cards: vec![
            card(
                DANA_VISA,
                DANA,
                "card_sbx_ok_visa_4242_122030_demo",
                "visa",
                "4242",
                12,
                2030,
            ),
            card(
                MORGAN_MASTERCARD,
                MORGAN,
                "card_sbx_ok_mastercard_4444_082029_demo",
                "mastercard",
                "4444",
                8,
                2029,
            ),
        ],
        invoices: vec![overdue],
        staff: vec![
            NewStaff {
                id: AGENT,
                email: AGENT_LOGIN.email.into(),
                name: "Alex Agent".into(),
                role: "agent".into(),
                password_hash: AGENT_LOGIN.password_hash(),
            },
            NewStaff {
                id: SUPERVISOR,
                email: SUPERVISOR_LOGIN.email.into(),
                name: "Sam Supervisor".into(),
                role: "supervisor".into(),
                password_hash: SUPERVISOR_LOGIN.password_hash(),
            },
            NewStaff {
                id: ADMIN,
                email: ADMIN_LOGIN.email.into(),
                name: "Avery Admin".into(),
                role: "admin".into(),
                password_hash: ADMIN_LOGIN.password_hash(),
            },
        ],
        client_logins: vec![
            NewClientLogin {
                id: Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0601),
                client_id: DANA,
                email: CLIENT_LOGIN.email.into(),
                password_hash: CLIENT_LOGIN.password_hash(),
            },
            NewClientLogin {
                id: Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0602),
                client_id: LUCIA,
                email: SPANISH_CLIENT_LOGIN.email.into(),
                password_hash: SPANISH_CLIENT_LOGIN.password_hash(),
            },
        ],
        now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PricePlan, Quote, TaxRate};

    /// Every demo invoice is what the quote rule prices for its location, its
    /// days and the past due it carries, so the demo cannot show a fee that
    /// differs from the price plan (issue 18: "Monitoring, 30 days $114.04"
    /// where the plan says $95.00).
    #[test]
    fn seeded_invoices_are_priced_by_the_quote_rule() {
        let data = demo_data(Utc::now());
        assert!(!data.invoices.is_empty(), "the demo seeds invoices");
        for invoice in &data.invoices {
            let client = data
                .clients
                .iter()
                .find(|c| c.id == invoice.client_id)
                .expect("the invoice's client is seeded");
            let location = data
                .locations
                .iter()
                .find(|l| l.id == client.location_id)
                .expect("the client's location is seeded");
            let plan = PricePlan {
                daily_rate: location.daily_rate,
                price_14: location.price_14,
                price_30: location.price_30,
            };
            let rate = TaxRate::from_ppm(location.tax_rate_ppm).expect("a valid tax rate");
            let days = invoice
                .monitor_days
                .expect("a seeded invoice is for a period");
            let quote = Quote::compute(&plan, rate, days, invoice.past_due, Cents::ZERO)
                .expect("the location prices the period");
            assert_eq!(invoice.lines, quote.lines, "invoice {}", invoice.id);
            assert_eq!(
                (
                    invoice.subtotal,
                    invoice.tax,
                    invoice.past_due,
                    invoice.total
                ),
                (
                    quote.subtotal_cents,
                    quote.tax_cents,
                    quote.past_due_cents,
                    quote.total_due_cents
                ),
                "invoice {}",
                invoice.id
            );
        }
    }
}
