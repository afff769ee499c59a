use crate::auth::{Caller, Permission};
use crate::domain::{Client, ClientQuoteError, MonitorDays, Quote, QuoteError};
use crate::error::{ApiError, ApiResult};
use crate::routes::clients::CLIENT_NOT_FOUND;
use crate::state::AppState;
use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct QuoteRequest {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    /// 14 or 30.
    #[schema(schema_with = crate::domain::monitor_days::schema)]
    pub monitor_days: i64,
}

/// The priced period, with the vehicle it is for.
#[derive(Serialize, ToSchema)]
pub struct QuoteSummary {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    #[schema(example = "2019 Toyota Camry")]
    pub vehicle_description: String,
    #[serde(flatten)]
    pub quote: Quote,
}

pub const VEHICLE_NOT_FOUND: ApiError = ApiError::NotFound {
    code: "vehicle_not_found",
    detail: "no such vehicle for this client",
};

/// Parses the days field of a request: 14 or 30, else `invalid_monitor_days`.
pub fn monitor_days(days: i64) -> ApiResult<MonitorDays> {
    MonitorDays::parse(days).ok_or_else(|| {
        ApiError::validation(
            "invalid_monitor_days",
            "monitor_days",
            "monitor_days must be 14 or 30",
        )
    })
}

impl From<ClientQuoteError> for ApiError {
    fn from(error: ClientQuoteError) -> ApiError {
        match error {
            ClientQuoteError::VehicleNotFound => VEHICLE_NOT_FOUND,
            ClientQuoteError::Quote(QuoteError::NoPrice(_)) => ApiError::refused(
                "price_not_configured",
                format!("{error}; ask an administrator to set the location's prices"),
            ),
        }
    }
}

/// Loads a client and quotes one of their vehicles.
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

fn summarize(client: &Client, vehicle_id: Uuid, days: MonitorDays) -> ApiResult<QuoteSummary> {
    let (vehicle, quote) = client.quote(vehicle_id, days)?;
    Ok(QuoteSummary {
        client_id: client.id,
        vehicle_id,
        vehicle_description: vehicle.description.clone(),
        quote,
    })
}

/// Quote summary for a client's vehicle and 14 or 30 monitor days: monitoring
/// fee, past due balance, tax and total due, in cents. Staff may quote any
/// client; a client only their own vehicles.
#[utoipa::path(
    tag = "quotes", operation_id = "quote_summary", request_body = QuoteRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = QuoteSummary),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A client asked about someone else", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("client" = []))
)]
#[post("/quote-summary")]
#[tracing::instrument(skip_all)]
pub async fn quote_summary(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<QuoteRequest>,
) -> ApiResult<web::Json<QuoteSummary>> {
    let days = monitor_days(body.monitor_days)?;
    match &caller {
        Caller::Staff(staff) => staff.require(Permission::ReadClients)?,
        Caller::Client(me) if me.client_id != body.client_id => {
            return Err(ApiError::Forbidden(
                "you can only see quotes for your own vehicles",
            ));
        }
        Caller::Client(_) => {}
    }
    let client = state
        .store
        .client_with_vehicle(body.client_id, body.vehicle_id)
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    Ok(web::Json(summarize(&client, body.vehicle_id, days)?))
}
