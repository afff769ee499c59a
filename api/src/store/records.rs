//! Rows going into the store that are not domain types of their own.

use crate::domain::{Cents, Line, MonitorDays};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A staff member's login record.
#[derive(Clone, Debug)]
pub struct StaffCredentials {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub password_hash: String,
}

/// A client's My Account login record.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub id: Uuid,
    pub client_id: Uuid,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewLocation {
    pub id: Uuid,
    pub name: String,
    pub accepts_payments: bool,
    pub tax_rate_ppm: i64,
    pub daily_rate: Option<Cents>,
    pub price_14: Option<Cents>,
    pub price_30: Option<Cents>,
    pub time_zone: String,
}

#[derive(Clone, Debug)]
pub struct NewClient {
    pub id: Uuid,
    pub location_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    pub plan_days: MonitorDays,
    pub autopay_card_id: Option<Uuid>,
}

#[derive(Clone, Debug)]
pub struct NewVehicle {
    pub id: Uuid,
    pub client_id: Uuid,
    pub description: String,
    pub plate: Option<String>,
    pub device_serial: String,
    pub paid_through: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct NewCard {
    pub id: Uuid,
    pub client_id: Uuid,
    pub gateway_token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
}

/// An invoice: its lines must add up to its total (checked by the database too).
#[derive(Clone, Debug)]
pub struct NewInvoice {
    pub id: Uuid,
    pub client_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    pub status: String,
    pub monitor_days: Option<MonitorDays>,
    pub lines: Vec<Line>,
    pub subtotal: Cents,
    pub tax: Cents,
    pub past_due: Cents,
    pub total: Cents,
    pub created_by: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewStaff {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewClientLogin {
    pub id: Uuid,
    pub client_id: Uuid,
    pub email: String,
    pub password_hash: String,
}

/// A data set inserted at once (demo data).
#[derive(Clone, Debug, Default)]
pub struct SeedData {
    pub locations: Vec<NewLocation>,
    pub clients: Vec<NewClient>,
    pub vehicles: Vec<NewVehicle>,
    pub cards: Vec<NewCard>,
    pub invoices: Vec<NewInvoice>,
    pub staff: Vec<NewStaff>,
    pub client_logins: Vec<NewClientLogin>,
    pub now: DateTime<Utc>,
}
