//! `POST /quote-summary`: what a period of monitoring costs, for staff and
//! for the client it belongs to.

use crate::auth::{permits, Caller, PendingSession};
use crate::domain::MonitorDays;
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::services::quotes;
use crate::state::AppState;
use actix_web::{post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct QuoteRequest {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    /// 14 or 30.
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
}

pub use crate::services::quotes::QuoteSummary;

/// Parses the days field of a request: 14 or 30, else `invalid_monitor_days`.
pub fn monitor_days(days: i64) -> ApiResult<MonitorDays> {
    MonitorDays::parse(days).ok_or_else(|| {
        ApiError::validation(
            ProblemCode::InvalidMonitorDays,
            "monitor_days",
            "monitor_days must be 14 or 30",
        )
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
    security(("staff" = []), ("client" = []), ("api_key" = ["quotes:read"]))
)]
#[post("/quote-summary")]
#[tracing::instrument(skip_all)]
pub async fn quote_summary(
    session: PendingSession,
    state: web::Data<AppState>,
    body: web::Json<QuoteRequest>,
) -> ApiResult<web::Json<QuoteSummary>> {
    let allowed = match session.caller() {
        Caller::Staff(staff) => staff.require_permit::<permits::ReadQuotes>(),
        Caller::Client(me) if me.client_id != body.client_id => Err(ApiError::Forbidden(
            "you can only see quotes for your own vehicles",
        )),
        Caller::Client(_) => Ok(()),
    };
    let days = match allowed.and_then(|()| monitor_days(body.monitor_days)) {
        Ok(days) => days,
        Err(refused) => {
            // An ended session is told so first, as everywhere.
            session.confirm().await?;
            return Err(refused);
        }
    };
    // The session is checked while the quote is read; nothing is answered
    // before it stands.
    let (session, summary) = tokio::join!(
        session.confirm(),
        quotes::quote_summary(&state, body.client_id, body.vehicle_id, days)
    );
    session?;
    Ok(web::Json(summary?))
}
