//! Quoting: a client's vehicle and a number of monitor days priced by the
//! domain's [`Quote`](crate::domain::Quote) rule, for the summary staff and
//! clients see and for every payment and link made from it.

use crate::domain::{Client, ClientQuoteError, MonitorDays, Quote, QuoteError};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND, VEHICLE_NOT_FOUND};
use crate::state::AppState;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The priced period, with the vehicle it is for.
#[derive(Serialize, ToSchema)]
pub struct QuoteSummary {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    #[schema(example = "2019 Toyota Camry")]
    pub vehicle_description: String,
    /// The vehicle's paid-through date (a business date, `YYYY-MM-DD`) the
    /// quote was made from: the period quoted starts the day after it (null:
    /// never paid, the period starts on the location's today). A payment
    /// sends it back as `expected_paid_through`, so it pays this period and
    /// not the next one if another payment paid this one meanwhile.
    #[schema(required = true, example = "2026-12-11")]
    pub paid_through: Option<NaiveDate>,
    #[serde(flatten)]
    pub quote: Quote,
}

impl From<ClientQuoteError> for ApiError {
    fn from(error: ClientQuoteError) -> ApiError {
        match error {
            ClientQuoteError::VehicleNotFound => VEHICLE_NOT_FOUND,
            ClientQuoteError::Quote(QuoteError::NoPrice(_)) => ApiError::refused(
                ProblemCode::PriceNotConfigured,
                format!("{error}; ask an administrator to set the location's prices"),
            ),
        }
    }
}

/// Loads a client and quotes one of their vehicles (`404 client_not_found`,
/// `404 vehicle_not_found`, `422 price_not_configured`).
pub async fn quote_for(
    state: &AppState,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
) -> ApiResult<(Client, QuoteSummary)> {
    let client = state
        .store
        .client(client_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let summary = summarize(&client, vehicle_id, days)?;
    Ok((client, summary))
}

/// The quote summary alone: reads only the client and the one vehicle.
pub async fn quote_summary(
    state: &AppState,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
) -> ApiResult<QuoteSummary> {
    let client = state
        .store
        .client_with_vehicle(client_id, vehicle_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    summarize(&client, vehicle_id, days)
}

fn summarize(client: &Client, vehicle_id: Uuid, days: MonitorDays) -> ApiResult<QuoteSummary> {
    let (vehicle, quote) = client.quote(vehicle_id, days)?;
    Ok(QuoteSummary {
        client_id: client.id,
        vehicle_id,
        vehicle_description: vehicle.description.clone(),
        paid_through: vehicle.paid_through,
        quote,
    })
}
