//! Confirming a payment after the bank's 3-D Secure challenge: the payer's
//! browser calls one of these once Stripe.js `handleNextAction` (or the
//! sandbox bank's step) is over, and the API records what the gateway says
//! (`services::card_authentication::confirm`). Each is authorized like the flow it
//! ends: the link's token for the secure payment page, the client's token
//! for My Account's Make a Payment.

use crate::auth::ClientUser;
use crate::domain::Payment;
use crate::error::ApiResult;
use crate::gateway::ClientSecret;
use crate::routes::links::{caller_ip, PaymentLinkToken};
use crate::routes::payments::{payment_answer, PaymentResult};
use crate::services::card_authentication;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ConfirmLinkPaymentRequest {
    /// The `payment_id` of the redeem's `requires_action` answer.
    pub payment_id: Uuid,
}

/// Records the outcome of a link payment the bank asked the payer to
/// authenticate (3-D Secure), once the browser has finished the challenge.
/// The outcome is the gateway's, never the browser's: `200` paid (with the
/// receipt's invoice number), `402` declined (`authentication_failed` or the
/// bank's code; the link is payable again), `202` `requires_action` while the
/// bank still waits for the payer (`next_action` to resume). Repeating it
/// answers the recorded outcome and changes nothing.
#[utoipa::path(
    tag = "payment links", operation_id = "confirm_link_payment", security(()),
    params(("Payment-Link-Token" = String, Header, description = "The token from the link (after `#` in the texted URL)")),
    request_body = ConfirmLinkPaymentRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, description = "Paid, with the receipt (`receipt`)", body = PaymentResult),
        (status = 202, description = "`requires_action`: the bank still waits for the payer (`next_action` to resume), or the outcome is being confirmed", body = PaymentResult),
        (status = 400, description = "link_token_required", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined (`authentication_failed`, …): nothing was taken and the link is payable again", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "link_not_found, or payment_not_found (not a payment of this link)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway did not answer; confirm again", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payment-link/confirm")]
#[tracing::instrument(skip_all)]
pub async fn confirm_link_payment(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: PaymentLinkToken,
    body: web::Json<ConfirmLinkPaymentRequest>,
) -> ApiResult<HttpResponse> {
    let ip = caller_ip(&state, &req);
    let (payment, secret) =
        card_authentication::confirm_link_payment(&state, &ip, &token.0, body.payment_id).await?;
    answer(&state, &payment, secret.as_ref()).await
}

/// Records the outcome of a Make a Payment the bank asked the client to
/// authenticate (3-D Secure), once the browser has finished the challenge.
/// The outcome is the gateway's, never the browser's: `200` paid (invoice
/// created, paid-through extended), `402` declined
/// (`authentication_failed` or the bank's code), `202` `requires_action`
/// while the bank still waits (`next_action` to resume). Repeating it
/// answers the recorded outcome and changes nothing.
#[utoipa::path(
    tag = "me", operation_id = "confirm_my_payment",
    params(("payment_id" = Uuid, Path, description = "The `payment_id` of the `requires_action` answer")),
    responses(
        (status = 200, description = "Paid, with the receipt (`receipt`)", body = PaymentResult),
        (status = 202, description = "`requires_action`: the bank still waits for the payer (`next_action` to resume), or the outcome is being confirmed", body = PaymentResult),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined (`authentication_failed`, …): nothing was taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "payment_not_found (not one of this client's payments)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway did not answer; confirm again", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[post("/me/payments/{payment_id}/confirm")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn confirm_my_payment(
    me: ClientUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (payment, secret) = card_authentication::confirm_my_payment(
        &state,
        me.client_id,
        &me.actor(),
        path.into_inner(),
    )
    .await?;
    answer(&state, &payment, secret.as_ref()).await
}

/// As the payment endpoints answer, but `200` for a payment that succeeded
/// (this request created nothing of its own).
async fn answer(
    state: &AppState,
    payment: &Payment,
    secret: Option<&ClientSecret>,
) -> ApiResult<HttpResponse> {
    let (status, body) = payment_answer(state, payment, secret).await?;
    let status = if status == StatusCode::CREATED {
        StatusCode::OK
    } else {
        status
    };
    Ok(HttpResponse::build(status).json(body))
}
