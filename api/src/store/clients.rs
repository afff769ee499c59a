//! Clients with their location, vehicles and cards on file, and their Auto
//! Pay enrolment.

use super::{AutopayDue, NewLogEntry, Result, StoreError};
use crate::domain::{
    ledger, Card, Cents, Client, ClientSummary, Language, Location, LocationTimeZone, MonitorDays,
    NextAppointment, TaxRate, Vehicle, CURRENCY,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Clients, their vehicles and locations, and Auto Pay enrolment.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Clients whose name, phone or email contains `query` (case-insensitive).
    async fn search_clients(&self, query: &str, limit: i64) -> Result<Vec<ClientSummary>>;
    /// A client with location, vehicles, cards on file, and the past due
    /// balance and credit of their account ledger ([`ledger::account`]).
    async fn client(&self, id: Uuid) -> Result<Option<Client>>;
    /// What a quote or a payment link needs: the client as
    /// [`ClientStore::client`] but with only `vehicle_id` among the vehicles
    /// (none when it is not theirs) and no cards.
    async fn client_with_vehicle(&self, id: Uuid, vehicle_id: Uuid) -> Result<Option<Client>>;
    /// Enrols (`Some(card)`) or withdraws (`None`) a client from Auto Pay.
    async fn set_autopay(
        &self,
        client_id: Uuid,
        card_id: Option<Uuid>,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Books (`Some((starts_at, location_name))`) or clears (`None`) the next
    /// service appointment of the client's vehicle and writes `log`, in one
    /// transaction. False (and nothing written) when the vehicle is not
    /// the client's.
    async fn set_next_appointment(
        &self,
        client_id: Uuid,
        vehicle_id: Uuid,
        appointment: Option<(DateTime<Utc>, &str)>,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Vehicles of Auto Pay clients of location `location_id` (when it takes
    /// payments) paid only through `through` or less.
    async fn autopay_due(&self, location_id: Uuid, through: NaiveDate) -> Result<Vec<AutopayDue>>;
    /// Sets the client's language, with its Client Log line, in one
    /// transaction; false when there is no such client.
    async fn set_language(
        &self,
        client_id: Uuid,
        language: Language,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// The language of client `client_id`'s texts (`en` when there is no such client).
    async fn client_language(&self, client_id: Uuid) -> Result<Language>;
    /// The language of the texts to `phone` (E.164): that of the client
    /// whose phone it is (the earliest, when several share it); `None` when
    /// no client has it.
    async fn phone_language(&self, phone: &str) -> Result<Option<Language>>;
    /// Every location's id and IANA time zone, for the jobs that run on each
    /// location's business day.
    async fn location_time_zones(&self) -> Result<Vec<(Uuid, String)>>;
    /// The gateway's customer kept for the client (Stripe: `cus_…`), if any.
    async fn gateway_customer_id(&self, client_id: Uuid) -> Result<Option<String>>;
    /// Keeps `customer_id` as the client's gateway customer unless one is
    /// kept already; returns the one kept (the first, when two saves raced).
    async fn keep_gateway_customer_id(
        &self,
        client_id: Uuid,
        customer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String>;
}

/// A client and their location.
#[derive(sqlx::FromRow)]
pub(super) struct ClientRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
    plan_days: i64,
    autopay_enabled: bool,
    autopay_card_id: Option<Uuid>,
    language: String,
    location_id: Uuid,
    location_name: String,
    accepts_payments: bool,
    tax_rate_ppm: i64,
    daily_rate_cents: Option<i64>,
    price_14_cents: Option<i64>,
    price_30_cents: Option<i64>,
    time_zone: String,
}

/// The client row and one of their vehicles (null when it is not theirs).
#[derive(sqlx::FromRow)]
pub(super) struct ClientVehicleRow {
    #[sqlx(flatten)]
    pub client: ClientRow,
    vehicle_id: Option<Uuid>,
    vehicle_description: Option<String>,
    vehicle_plate: Option<String>,
    vehicle_device_serial: Option<String>,
    vehicle_paid_through: Option<NaiveDate>,
    vehicle_next_appointment_at: Option<DateTime<Utc>>,
    vehicle_next_appointment_location: Option<String>,
}

impl ClientVehicleRow {
    /// The client with the vehicle asked for, if it is theirs.
    pub(super) fn into_client(self, account: ledger::Account) -> Result<Client> {
        let vehicle = match (
            self.vehicle_id,
            self.vehicle_description,
            self.vehicle_device_serial,
        ) {
            (Some(id), Some(description), Some(device_serial)) => vec![VehicleRow {
                id,
                description,
                plate: self.vehicle_plate,
                device_serial,
                paid_through: self.vehicle_paid_through,
                next_appointment_at: self.vehicle_next_appointment_at,
                next_appointment_location: self.vehicle_next_appointment_location,
            }],
            _ => vec![],
        };
        client_from_rows(self.client, vehicle, vec![], account)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VehicleRow {
    id: Uuid,
    description: String,
    plate: Option<String>,
    device_serial: String,
    paid_through: Option<NaiveDate>,
    next_appointment_at: Option<DateTime<Utc>>,
    next_appointment_location: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct CardRow {
    id: Uuid,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
}

impl From<CardRow> for Card {
    fn from(r: CardRow) -> Card {
        Card {
            id: r.id,
            brand: r.brand,
            last4: r.last4,
            exp_month: r.exp_month,
            exp_year: r.exp_year,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ClientSummaryRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
    location_name: String,
    language: String,
}

impl TryFrom<ClientSummaryRow> for ClientSummary {
    type Error = StoreError;

    fn try_from(r: ClientSummaryRow) -> Result<Self> {
        let language = Language::parse(&r.language)
            .ok_or_else(|| StoreError::Corrupt(format!("client {}: language", r.id)))?;
        Ok(ClientSummary {
            id: r.id,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            email: r.email,
            location_name: r.location_name,
            language,
        })
    }
}

/// `LIKE` patterns for a search box entry: the text anywhere in the name or
/// email, and its digits anywhere in the phone number (3 digits at least).
/// The digits are read after [`normalize_pasted`](crate::domain::normalize_pasted),
/// so a number pasted with fullwidth digits finds the client as typed ones do.
pub(super) fn search_patterns(query: &str) -> (String, String) {
    let escaped: String = query
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let digits: String = crate::domain::normalize_pasted(query)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    // An empty pattern matches only an empty phone, which no client has.
    let phone = if digits.len() >= 3 {
        format!("%{digits}%")
    } else {
        String::new()
    };
    (format!("%{escaped}%"), phone)
}

/// A client from their rows and their account's figures.
pub(super) fn client_from_rows(
    row: ClientRow,
    vehicles: Vec<VehicleRow>,
    cards: Vec<CardRow>,
    account: ledger::Account,
) -> Result<Client> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("client {}: {what}", row.id));
    let plan_days = MonitorDays::parse(row.plan_days).ok_or_else(|| corrupt("plan_days"))?;
    let tax_rate = TaxRate::from_ppm(row.tax_rate_ppm).ok_or_else(|| corrupt("tax_rate_ppm"))?;
    let language = Language::parse(&row.language).ok_or_else(|| corrupt("language"))?;
    let zone = LocationTimeZone::or_utc(&row.time_zone);
    let mut client = Client {
        id: row.id,
        first_name: row.first_name,
        last_name: row.last_name,
        phone: row.phone,
        email: row.email,
        plan_days,
        autopay_enabled: row.autopay_enabled,
        autopay_card_id: row.autopay_card_id,
        language,
        location: Location {
            id: row.location_id,
            name: row.location_name,
            accepts_payments: row.accepts_payments,
            tax_rate_ppm: tax_rate,
            daily_rate_cents: row.daily_rate_cents.map(Cents),
            price_14_cents: row.price_14_cents.map(Cents),
            price_30_cents: row.price_30_cents.map(Cents),
            time_zone: row.time_zone,
        },
        vehicles: vehicles
            .into_iter()
            .map(|v| Vehicle {
                id: v.id,
                description: v.description,
                plate: v.plate,
                device_serial: v.device_serial,
                paid_through: v.paid_through,
                next_appointment: match (v.next_appointment_at, v.next_appointment_location) {
                    (Some(at), Some(name)) => {
                        Some(NextAppointment::new(at, name, v.paid_through, zone))
                    }
                    _ => None,
                },
            })
            .collect(),
        next_vehicle_id: None,
        cards: cards.into_iter().map(Card::from).collect(),
        past_due_cents: account.past_due,
        credit_cents: account.credit,
        currency: CURRENCY.into(),
    };
    client.next_vehicle_id = client.next_vehicle_due().map(|v| v.id);
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::search_patterns;

    #[test]
    fn search_patterns_escape_like_wildcards_and_match_phone_digits() {
        assert_eq!(
            search_patterns(" Dana_C% "),
            ("%dana\\_c\\%%".into(), String::new())
        );
        assert_eq!(
            search_patterns("(512) 555"),
            ("%(512) 555%".into(), "%512555%".into())
        );
        assert_eq!(
            search_patterns("\u{FF15}\u{FF11}\u{FF12}\u{2011}555").1,
            "%512555%"
        );
    }
}
