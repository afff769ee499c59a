//! Credits: a supervisor pays a vehicle's period with the client's credit.

use crate::auth::{permits, Can};
use crate::domain::Invoice;
use crate::error::{ApiError, ApiResult};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::quote::monitor_days;
use crate::services::credits;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The period the credit pays.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CreditApplicationRequest {
    pub vehicle_id: Uuid,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
}

/// The credit applied: the paid invoice (total zero, its `credit` line
/// subtracting what the credit paid) and the vehicle's new paid-through date.
#[derive(Serialize, ToSchema)]
pub struct CreditApplied {
    pub invoice: Invoice,
    pub vehicle_id: Uuid,
    /// Monitoring is now paid up to and including this day.
    pub paid_through: NaiveDate,
}

/// Apply credit: pay a vehicle's next period with the client's credit, when
/// it covers the whole period (the quote says `covered_by_credit`). Nothing
/// is charged; a paid invoice is written and the vehicle's paid-through date
/// extended as a payment would. Supervisors and admins.
#[utoipa::path(
    tag = "clients", operation_id = "apply_credit",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per application; retries reuse it"),
    ),
    request_body = CreditApplicationRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = CreditApplied),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/clients/{client_id}/credit-applications")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn apply_credit(
    Can(staff, _): Can<permits::Refund>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<CreditApplicationRequest>,
) -> ApiResult<HttpResponse> {
    let client_id = path.into_inner();
    let actor = staff.actor();
    idempotency::run(
        &state,
        &actor.principal(),
        &key,
        "apply_credit",
        &(client_id, &*body),
        || async {
            let days = monitor_days(body.monitor_days)?;
            let applied =
                credits::apply_credit(&state, &actor, client_id, body.vehicle_id, days).await?;
            let invoice = state
                .store
                .client_invoices(client_id)
                .await?
                .into_iter()
                .find(|i| i.id == applied.invoice_id)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("new invoice not found")))?;
            let answer = CreditApplied {
                invoice,
                vehicle_id: body.vehicle_id,
                paid_through: applied.paid_through,
            };
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(answer).map_err(|e| ApiError::Internal(e.into()))?,
            ))
        },
    )
    .await
}
