//! Payments by staff (Take a Payment) and by the signed-in client (Make a
//! Payment); the use cases are in `services::payments`.

use crate::auth::{permits, Can, ClientUser};
use crate::domain::{
    Cents, ChargeKey, PaidThrough, Payment, PaymentStatus, Receipt, ReceiptReference,
};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::quote::{monitor_days, QuoteSummary};
use crate::services::payments::{self, MakePayment, TakePayment};
use crate::services::quotes::quote_for;
use crate::services::receipts;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The outcome of a payment request.
#[derive(Serialize, ToSchema)]
pub struct PaymentResult {
    pub payment_id: Uuid,
    /// `succeeded` (201), or `unknown`/`pending` (202) while the gateway's answer is confirmed,
    /// or `requires_action` (202): the bank asks the payer to authenticate (3-D Secure), see `next_action`.
    pub status: PaymentStatus,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    pub invoice_id: Option<Uuid>,
    #[schema(example = 1002)]
    pub invoice_number: Option<i64>,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// Present with `status` `requires_action` when the payer's browser can
    /// complete the bank's challenge now; absent on a replayed answer (the
    /// secret is never stored): the confirm endpoint then answers it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_action: Option<NextAction>,
    /// The receipt, when `status` is `succeeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptSummary>,
}

/// What a money-moving answer says about the receipt of the payment it paid.
#[derive(Serialize, ToSchema)]
pub struct ReceiptSummary {
    pub receipt_id: Uuid,
    #[schema(example = "R-2026-000123")]
    pub receipt_number: String,
    /// Opens the receipt without signing in (`get_receipt_by_reference`, sent
    /// in the `Receipt-Reference` header). Only in the answer of the request
    /// whose payment succeeded: the API keeps its hash only, so a replayed
    /// answer (`Idempotent-Replayed: true`) and every later one leave it out.
    /// Treat it like a payment link's token: never log it, never put it in a
    /// URL path or query (a URL fragment is fine).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "q3Zx0r1cN3-4GqO_k2mXbA9f7cJ8wLZpV1sYtRuEoHi")]
    pub receipt_reference: Option<String>,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// The location's day of the payment.
    pub local_date: NaiveDate,
    /// The location's time of the payment, `HH:MM`.
    #[schema(example = "18:04")]
    pub local_time: String,
    #[schema(example = "America/Chicago")]
    pub time_zone: String,
    #[schema(example = "CST")]
    pub time_zone_abbreviation: String,
    #[schema(example = "visa")]
    pub card_brand: Option<String>,
    #[schema(example = "4242")]
    pub card_last4: Option<String>,
    #[schema(value_type = crate::domain::Cents, example = 17649)]
    pub total_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    /// Each vehicle paid for and its new paid-through date.
    pub vehicles: Vec<PaidThrough>,
}

impl ReceiptSummary {
    pub fn new(receipt: Receipt, reference: Option<ReceiptReference>) -> ReceiptSummary {
        ReceiptSummary {
            receipt_id: receipt.id,
            receipt_number: receipt.receipt_number,
            receipt_reference: reference.map(|r| r.expose().to_owned()),
            issued_at: receipt.issued_at,
            local_date: receipt.local_date,
            local_time: receipt.local_time,
            time_zone: receipt.time_zone,
            time_zone_abbreviation: receipt.time_zone_abbreviation,
            card_brand: receipt.card_brand,
            card_last4: receipt.card_last4,
            total_cents: receipt.total_cents,
            currency: receipt.currency,
            vehicles: receipt.vehicles,
        }
    }
}

/// The names of [`PaymentResult::receipt`] and its
/// [`ReceiptSummary::receipt_reference`] in the JSON answer:
/// `idempotency::run` leaves the reference out of the answer it stores.
pub const RECEIPT_FIELD: &str = "receipt";
pub const RECEIPT_REFERENCE_FIELD: &str = "receipt_reference";

/// What the payer's browser needs to complete the bank's challenge (3-D
/// Secure) of a payment in `requires_action`, then ask the API to confirm it
/// (`confirm_link_payment`, `confirm_my_payment`).
#[derive(Serialize, ToSchema)]
pub struct NextAction {
    /// With the Stripe gateway: `stripe.handleNextAction({clientSecret})`
    /// (Stripe.js); with the sandbox: `POST /sandbox/authenticate`. It lets
    /// its holder complete this one payment: never log it, never put it in a
    /// URL, and drop it once the payment is confirmed. The API does not
    /// store it.
    #[schema(example = "pi_3Q_secret_abc")]
    pub client_secret: String,
}

/// The name of [`PaymentResult::next_action`] in the JSON answer:
/// `idempotency::run` leaves it out of the answer it stores.
pub const NEXT_ACTION_FIELD: &str = "next_action";

/// 201 for a succeeded payment (with its receipt), 202 while its outcome is
/// unknown, a 402 problem when declined; with the client secret for a
/// `requires_action` payment's [`NextAction`] (202).
pub async fn payment_answer(
    state: &AppState,
    payment: &Payment,
    client_secret: Option<&crate::gateway::ClientSecret>,
) -> ApiResult<(StatusCode, serde_json::Value)> {
    let status = match payment.status {
        PaymentStatus::Succeeded => StatusCode::CREATED,
        // Held (`services::payments::hold`): accepted, and a person will look; the
        // body's status says `held_for_review`.
        PaymentStatus::Pending
        | PaymentStatus::Unknown
        | PaymentStatus::HeldForReview
        | PaymentStatus::RequiresAction => StatusCode::ACCEPTED,
        PaymentStatus::Failed => {
            return Err(ApiError::declined(
                payment.failure_code.as_deref().unwrap_or("card_declined"),
            ))
        }
    };
    let body = PaymentResult {
        payment_id: payment.id,
        status: payment.status,
        amount_cents: payment.amount_cents,
        currency: payment.currency.clone(),
        invoice_id: payment.invoice_id,
        invoice_number: payment.invoice_number,
        card_brand: payment.card_brand.clone(),
        card_last4: payment.card_last4.clone(),
        next_action: client_secret
            .filter(|_| payment.status == PaymentStatus::RequiresAction)
            .map(|secret| NextAction {
                client_secret: secret.expose().to_owned(),
            }),
        receipt: receipts::of_answered_payment(state, payment)
            .await?
            .map(|(receipt, reference)| ReceiptSummary::new(receipt, reference)),
    };
    Ok((
        status,
        serde_json::to_value(body).map_err(|e| ApiError::Internal(e.into()))?,
    ))
}

/// Take a Payment's suggestion: the next period for the vehicle due first.
#[derive(Serialize, ToSchema)]
pub struct NextPayment {
    /// Monitoring is paid through the day before this date.
    pub due_date: Option<NaiveDate>,
    pub accepts_payments: bool,
    /// The card Auto Pay uses, else the first card on file.
    pub default_card_id: Option<Uuid>,
    #[serde(flatten)]
    pub summary: QuoteSummary,
}

/// Auto-calculates the client's next monitor payment (Take a Payment).
#[utoipa::path(
    tag = "payments", operation_id = "next_payment",
    params(("client_id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, body = NextPayment),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["quotes:read"]))
)]
#[get("/clients/{client_id}/next-payment")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn next_payment(
    Can(staff, _): Can<permits::ReadQuotes>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<NextPayment>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let vehicle = client.next_vehicle_due().ok_or_else(|| {
        ApiError::refused(
            ProblemCode::NoVehicles,
            "this client has no vehicle to pay for",
        )
    })?;
    let (_, summary) = quote_for(&state, client.id, vehicle.id, client.plan_days).await?;
    Ok(web::Json(NextPayment {
        due_date: vehicle.paid_through.map(|d| d + Duration::days(1)),
        accepts_payments: client.location.accepts_payments,
        default_card_id: client.default_card().map(|c| c.id),
        summary,
    }))
}

/// A field that may be null when present: `Some(None)` for null, and (with
/// `#[serde(default)]`) `None` when left out.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TakePaymentRequest {
    pub vehicle_id: Uuid,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    pub card_id: Uuid,
    /// The total the agent confirmed; a different current total answers 409 `quote_changed`.
    #[schema(value_type = Option<crate::domain::Cents>, example = 22629)]
    pub expected_total_cents: Option<i64>,
    /// The vehicle's paid-through date (`YYYY-MM-DD`) the agent was shown with the quote
    /// (`paid_through` of the quote summary; null: shown as never paid). If another payment
    /// paid that period meanwhile, the payment is refused with 409 `quote_changed` instead of
    /// paying the following period. Left out: not checked.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>, example = "2026-12-11")]
    pub expected_paid_through: Option<Option<NaiveDate>>,
}

/// Take a Payment: charge a card on file for a vehicle's next period.
#[utoipa::path(
    tag = "payments", operation_id = "take_payment",
    params(
        ("client_id" = Uuid, Path, description = "Client id"),
        ("Idempotency-Key" = String, Header, description = "A fresh key per payment attempt; retries reuse it"),
    ),
    request_body = TakePaymentRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Paid; the invoice and the receipt were created (`receipt`)", body = PaymentResult),
        (status = 202, description = "Sent to the gateway; outcome being confirmed", body = PaymentResult),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["payments:write"]))
)]
#[post("/clients/{client_id}/payments")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn take_payment(
    Can(staff, _): Can<permits::TakePayments>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    body: web::Json<TakePaymentRequest>,
) -> ApiResult<HttpResponse> {
    let client_id = path.into_inner();
    let actor = staff.actor();
    let principal = actor.principal();
    idempotency::run(
        &state,
        &principal,
        &key,
        "take_payment",
        &(client_id, &*body),
        || async {
            let request = TakePayment {
                client_id,
                vehicle_id: body.vehicle_id,
                days: monitor_days(body.monitor_days)?,
                card_id: body.card_id,
                expected_total: body.expected_total_cents.map(Cents),
                expected_paid_through: body.expected_paid_through,
            };
            let charge_key = ChargeKey::for_request(&principal, &key.0);
            let payment = payments::take_payment(&state, &actor, charge_key, request).await?;
            payment_answer(&state, &payment, None).await
        },
    )
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct MakePaymentRequest {
    pub vehicle_id: Uuid,
    #[schema(value_type = crate::domain::MonitorDays)]
    pub monitor_days: i64,
    /// Pay with a card on file…
    pub card_id: Option<Uuid>,
    /// …or with a new card's single-use token from the gateway's tokenization.
    #[schema(example = "tok_sbx_ok_visa_4242_122030_3f2a")]
    pub payment_token: Option<String>,
    /// Keep the new card on file.
    #[serde(default)]
    pub save_card: bool,
    /// Enrol in Auto Pay with this card (needs a saved card).
    #[serde(default)]
    pub enroll_autopay: bool,
    /// The total the client confirmed; a different current total answers 409 `quote_changed`.
    #[schema(value_type = Option<crate::domain::Cents>)]
    pub expected_total_cents: Option<i64>,
    /// The vehicle's paid-through date (`YYYY-MM-DD`) the client was shown with the quote
    /// (`paid_through` of the quote summary; null: shown as never paid). If another payment
    /// paid that period meanwhile, the payment is refused with 409 `quote_changed` instead of
    /// paying the following period. Left out: not checked.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<NaiveDate>, example = "2026-12-11")]
    pub expected_paid_through: Option<Option<NaiveDate>>,
}

impl std::fmt::Debug for MakePaymentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MakePaymentRequest")
            .field("vehicle_id", &self.vehicle_id)
            .field("payment_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Make a Payment: the signed-in client pays for one of their vehicles.
#[utoipa::path(
    tag = "me", operation_id = "make_payment",
    params(("Idempotency-Key" = String, Header, description = "A fresh key per payment attempt; retries reuse it")),
    request_body = MakePaymentRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, description = "Paid; the invoice and the receipt were created (`receipt`)", body = PaymentResult),
        (status = 202, description = "Sent to the gateway; outcome being confirmed (`status` `pending` or `unknown`), or `requires_action`: the bank asks the payer to authenticate (3-D Secure). Then `next_action.client_secret` is for `stripe.handleNextAction` (or the sandbox bank's step), after which the browser calls `confirm_my_payment`", body = PaymentResult),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: too many payments with new cards (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[post("/me/payments")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn make_payment(
    me: ClientUser,
    state: web::Data<AppState>,
    key: IdempotencyKey,
    body: web::Json<MakePaymentRequest>,
) -> ApiResult<HttpResponse> {
    let actor = me.actor();
    let principal = actor.principal();
    idempotency::run(&state, &principal, &key, "make_payment", &*body, || async {
        let request = MakePayment {
            client_id: me.client_id,
            vehicle_id: body.vehicle_id,
            days: monitor_days(body.monitor_days)?,
            card_id: body.card_id,
            payment_token: body.payment_token.clone(),
            save_card: body.save_card,
            enroll_autopay: body.enroll_autopay,
            expected_total: body.expected_total_cents.map(Cents),
            expected_paid_through: body.expected_paid_through,
        };
        let charge_key = ChargeKey::for_request(&principal, &key.0);
        let (payment, client_secret) =
            payments::make_payment(&state, &actor, charge_key, request).await?;
        payment_answer(&state, &payment, client_secret.as_ref()).await
    })
    .await
}
