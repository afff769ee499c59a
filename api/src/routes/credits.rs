//! Credits: a supervisor pays a vehicle's period with the client's credit,
//! refunds a credit to a card, or grants a goodwill credit.

use crate::auth::{permits, Can};
use crate::domain::credit::grant_key;
use crate::domain::refund::{refund_key, Refund};
use crate::domain::{Cents, CreditGrant, Invoice};
use crate::error::{ApiError, ApiResult};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::quote::monitor_days;
use crate::routes::refunds::refund_answer;
use crate::services::credits::{self, GrantCredit};
use crate::services::refunds::{self, RefundCredit};
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

/// A refund of the client's credit.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreditRefundRequest {
    /// What to pay out, in cents; leave it out to refund all of the credit.
    #[schema(example = 2000, minimum = 1)]
    pub amount_cents: Option<i64>,
    /// Why (1 to 500 characters): it is written in the Client Log.
    #[schema(
        example = "Program completed; client asked for the balance",
        min_length = 1,
        max_length = 500
    )]
    pub reason: String,
}

/// Refund credit: pay the client's credit (or part of it) back out, to the
/// card of their newest payment of the last 180 days that has that much
/// left to refund, through the gateway's refund of that payment. The answer
/// is the refund (`source: credit`), on that payment. Supervisors and admins.
#[utoipa::path(
    tag = "clients", operation_id = "refund_credit",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per refund; retries reuse it"),
    ),
    request_body = CreditRefundRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Refunded: the money is on its way back to the card", body = Refund),
        (status = 202, description = "Sent to the gateway; outcome being confirmed (`status` `pending` or `unknown`); the credit is held meanwhile", body = Refund),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden: only supervisors and admins refund", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "client_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "request_in_progress", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, credit_insufficient (more than the credit), credit_not_refundable (no recent payment can take it back to its card), refund_failed (nothing was given back), idempotency_key_reused", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/clients/{client_id}/credit-refunds")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn refund_credit(
    Can(staff, _): Can<permits::Refund>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<CreditRefundRequest>,
) -> ApiResult<HttpResponse> {
    let client_id = path.into_inner();
    let actor = staff.actor();
    let principal = actor.principal();
    idempotency::run(
        &state,
        &principal,
        &key,
        "refund_credit",
        &(client_id, &*body),
        || async {
            let request = RefundCredit {
                client_id,
                amount: body.amount_cents.map(Cents),
                reason: body.reason.clone(),
            };
            let refund_key = refund_key(&principal, &key.0, client_id);
            let refund =
                refunds::refund_credit(&state, &actor, Some(staff.id), refund_key, request).await?;
            refund_answer(&refund)
        },
    )
    .await
}

/// A goodwill credit to grant.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreditGrantRequest {
    /// The credit, in cents: 1 to 100000 ($1,000.00).
    #[schema(example = 2500, minimum = 1, maximum = 100000)]
    pub amount_cents: i64,
    /// Why (1 to 500 characters): it is written in the Client Log.
    #[schema(
        example = "Device fault: two days without monitoring",
        min_length = 1,
        max_length = 500
    )]
    pub reason: String,
}

/// Grant credit: give the client a goodwill credit, which lowers their next
/// quote (a "Credit" line). Supervisors and admins.
#[utoipa::path(
    tag = "clients", operation_id = "grant_credit",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per grant; retries reuse it"),
    ),
    request_body = CreditGrantRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Granted: the client's credit is larger by `amount_cents`", body = CreditGrant),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden: only supervisors and admins grant credit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "client_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "request_in_progress", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, idempotency_key_reused", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/clients/{client_id}/credits")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn grant_credit(
    Can(staff, _): Can<permits::Refund>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<CreditGrantRequest>,
) -> ApiResult<HttpResponse> {
    let client_id = path.into_inner();
    let actor = staff.actor();
    let principal = actor.principal();
    idempotency::run(
        &state,
        &principal,
        &key,
        "grant_credit",
        &(client_id, &*body),
        || async {
            let request = GrantCredit {
                client_id,
                amount: Cents(body.amount_cents),
                reason: body.reason.clone(),
            };
            let grant_key = grant_key(&principal, &key.0, client_id);
            let grant =
                credits::grant_credit(&state, &actor, Some(staff.id), grant_key, request).await?;
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(grant).map_err(|e| ApiError::Internal(e.into()))?,
            ))
        },
    )
    .await
}
