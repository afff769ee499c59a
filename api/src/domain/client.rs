//! The people and things we bill, as read from the store.

use super::{Cents, Language, MonitorDays, PricePlan, TaxRate};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A service location: where a client is enrolled, its prices and whether it
/// may take payments online.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Location {
    pub id: Uuid,
    #[schema(example = "Austin Central")]
    pub name: String,
    /// Online payments (links, Take a Payment, Make a Payment) are refused when false.
    pub accepts_payments: bool,
    /// Tax rate in parts per million: 82500 = 8.25 %.
    #[schema(value_type = i64, example = 82500)]
    pub tax_rate_ppm: TaxRate,
    #[schema(value_type = Option<crate::domain::Cents>, example = 350)]
    pub daily_rate_cents: Option<Cents>,
    #[schema(value_type = Option<crate::domain::Cents>)]
    pub price_14_cents: Option<Cents>,
    #[schema(value_type = Option<crate::domain::Cents>, example = 9500)]
    pub price_30_cents: Option<Cents>,
    #[schema(example = "America/Chicago")]
    pub time_zone: String,
}

impl Location {
    pub fn price_plan(&self) -> PricePlan {
        PricePlan {
            daily_rate: self.daily_rate_cents,
            price_14: self.price_14_cents,
            price_30: self.price_30_cents,
        }
    }
}

/// A monitored vehicle and its device.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Vehicle {
    pub id: Uuid,
    #[schema(example = "2019 Toyota Camry")]
    pub description: String,
    #[schema(example = "TX-KLM4821")]
    pub plate: Option<String>,
    #[schema(example = "IID-220419")]
    pub device_serial: String,
    /// Monitoring is paid up to and including this day.
    pub paid_through: Option<NaiveDate>,
    /// The vehicle's next service appointment, in the location's time zone
    /// (null when none is booked).
    pub next_appointment: Option<super::NextAppointment>,
}

/// A card on file: only what the gateway lets us keep (never the number).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Card {
    pub id: Uuid,
    #[schema(example = "visa")]
    pub brand: String,
    #[schema(example = "4242")]
    pub last4: String,
    #[schema(example = 12)]
    pub exp_month: i64,
    #[schema(example = 2030)]
    pub exp_year: i64,
}

/// A client as staff see them in search results.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClientSummary {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = crate::domain::PhoneNumber, example = "+15125550123")]
    pub phone: String,
    pub email: String,
    pub location_name: String,
    /// The language of the client's texts and My Account pages.
    pub language: Language,
}

/// A client with everything needed to quote and take a payment.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    #[schema(value_type = crate::domain::PhoneNumber, example = "+15125550123")]
    pub phone: String,
    pub email: String,
    /// The period the client usually pays for (Take a Payment's default).
    #[schema(value_type = i32, example = 30)]
    pub plan_days: MonitorDays,
    pub autopay_enabled: bool,
    pub autopay_card_id: Option<Uuid>,
    /// The language of the client's texts and My Account pages (`en` unless
    /// staff chose `es`).
    pub language: Language,
    pub location: Location,
    pub vehicles: Vec<Vehicle>,
    /// The vehicle a payment is for first ([`Client::next_vehicle_due`]: never
    /// paid, else the earliest paid-through day): what Make a Payment and Take
    /// Payment preselect, so both apps follow this one rule. Null without vehicles.
    pub next_vehicle_id: Option<Uuid>,
    pub cards: Vec<Card>,
    /// What a new quote collects as past due: the balance of the client's
    /// account ledger as it will be once their open payments succeed, when
    /// above zero; never edited by hand.
    #[schema(value_type = crate::domain::Cents, example = 12345)]
    pub past_due_cents: Cents,
    /// What a new quote applies as credit: minus that same balance, when
    /// below zero.
    #[schema(value_type = crate::domain::Cents, example = 0)]
    pub credit_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
}

impl Client {
    pub fn vehicle(&self, vehicle_id: Uuid) -> Option<&Vehicle> {
        self.vehicles.iter().find(|v| v.id == vehicle_id)
    }
}

/// Why a client's vehicle cannot be quoted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientQuoteError {
    #[error("the vehicle is not one of this client's")]
    VehicleNotFound,
    #[error(transparent)]
    Quote(#[from] super::QuoteError),
}

impl Client {
    /// Prices `days` of monitoring for one of this client's vehicles, at the
    /// client's location, carrying the client's past due balance and applying
    /// their credit.
    pub fn quote(
        &self,
        vehicle_id: Uuid,
        days: MonitorDays,
    ) -> Result<(&Vehicle, super::Quote), ClientQuoteError> {
        let vehicle = self
            .vehicle(vehicle_id)
            .ok_or(ClientQuoteError::VehicleNotFound)?;
        let quote = super::Quote::compute(
            &self.location.price_plan(),
            self.location.tax_rate_ppm,
            days,
            self.past_due_cents,
            self.credit_cents,
        )?;
        Ok((vehicle, quote))
    }
}

impl Client {
    /// The vehicle whose monitoring runs out first (never paid first): the
    /// one Take a Payment charges next.
    pub fn next_vehicle_due(&self) -> Option<&Vehicle> {
        self.vehicles
            .iter()
            .min_by_key(|v| (v.paid_through.is_some(), v.paid_through))
    }

    /// The card Auto Pay uses, else the first card on file.
    pub fn default_card(&self) -> Option<&Card> {
        self.cards
            .iter()
            .find(|c| Some(c.id) == self.autopay_card_id)
            .or_else(|| self.cards.first())
    }
}
