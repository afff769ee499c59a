//! Refunds by staff (supervisor and admin); the use case is in
//! `services::refunds`.

use crate::auth::{permits, Can};
use crate::domain::refund::{refund_key, Refund, RefundDestination, RefundStatus};
use crate::domain::Cents;
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::services::refunds::{self, RefundPayment};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RefundRequest {
    /// What to give back, in cents; leave it out to refund all that is left
    /// (the payment's `refundable_cents`).
    #[schema(value_type = Option<crate::domain::Cents>, example = 5000, minimum = 1)]
    pub amount_cents: Option<i64>,
    /// Why (1 to 500 characters): it is written in the Client Log.
    #[schema(example = "Device returned early", min_length = 1, max_length = 500)]
    pub reason: String,
    /// Where the money goes: `card` (the default) back to the card the
    /// payment was made with, through the gateway; `credit`: the client keeps
    /// it with us as credit, which lowers their next quote (no gateway call,
    /// `201` at once).
    #[serde(default)]
    pub destination: RefundDestination,
}

/// 201 for a refund made, 202 while its outcome is confirmed, a 422
/// `refund_failed` problem when the gateway could not make it.
pub(crate) fn refund_answer(refund: &Refund) -> ApiResult<(StatusCode, serde_json::Value)> {
    let status = match refund.status {
        RefundStatus::Succeeded => StatusCode::CREATED,
        RefundStatus::Pending | RefundStatus::Unknown => StatusCode::ACCEPTED,
        RefundStatus::Failed => {
            return Err(ApiError::refused(
                ProblemCode::RefundFailed,
                format!(
                    "the gateway could not make the refund ({}); nothing was given back",
                    refund.failure_code.as_deref().unwrap_or("refund_failed")
                ),
            ))
        }
    };
    Ok((
        status,
        serde_json::to_value(refund).map_err(|e| ApiError::Internal(e.into()))?,
    ))
}

/// Refund a payment that succeeded, in part or in full, to the card it was
/// paid with, or (`destination: credit`) as credit the client keeps. The
/// refunds of a payment never add up to more than it.
#[utoipa::path(
    tag = "payments", operation_id = "refund_payment",
    params(
        ("payment_id" = Uuid, Path, description = "Payment id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per refund; retries reuse it"),
    ),
    request_body = RefundRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Refunded: the money is on its way back to the card, or kept as credit", body = Refund),
        (status = 202, description = "Sent to the gateway; outcome being confirmed (`status` `pending` or `unknown`)", body = Refund),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden: only supervisors and admins refund", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "payment_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "payment_not_refundable (the payment did not succeed, or a dispute is open or lost), request_in_progress", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed, refund_exceeds_payment, refund_failed (nothing was given back), idempotency_key_reused", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/payments/{payment_id}/refunds")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn refund_payment(
    Can(staff, _): Can<permits::Refund>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<RefundRequest>,
) -> ApiResult<HttpResponse> {
    let payment_id = path.into_inner();
    let actor = staff.actor();
    let principal = actor.principal();
    idempotency::run(
        &state,
        &principal,
        &key,
        "refund_payment",
        &(payment_id, &*body),
        || async {
            let request = RefundPayment {
                payment_id,
                amount: body.amount_cents.map(Cents),
                reason: body.reason.clone(),
                destination: body.destination,
            };
            let refund_key = refund_key(&principal, &key.0, payment_id);
            let refund =
                refunds::refund_payment(&state, &actor, Some(staff.id), refund_key, request)
                    .await?;
            refund_answer(&refund)
        },
    )
    .await
}
