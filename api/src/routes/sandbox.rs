//! The sandbox gateway's card tokenization, standing in for Stripe.js when
//! the sandbox is the gateway.

use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::gateway::sandbox::{CardError, CardInput, ChallengeAnswer, ChallengeError};
use crate::gateway::CardDetails;
use crate::state::AppState;
use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A typed card. Only the sandbox gateway ever receives one: with a real
/// gateway the card goes from the browser to the gateway directly.
#[derive(Deserialize, ToSchema)]
pub struct TokenizeRequest {
    #[schema(example = "4242424242424242")]
    pub number: String,
    #[schema(example = 12)]
    pub exp_month: i64,
    #[schema(example = 2030)]
    pub exp_year: i64,
    #[schema(example = "123")]
    pub cvc: String,
    #[schema(example = "78701")]
    pub postal_code: Option<String>,
}

impl std::fmt::Debug for TokenizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenizeRequest([redacted])")
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenizeResponse {
    /// Single-use token to pay with.
    #[schema(example = "tok_sbx_ok_visa_4242_122030_3f2a")]
    pub payment_token: String,
    #[serde(flatten)]
    pub card: CardDetails,
}

/// Sandbox card tokenization (only when `PAYMENT_GATEWAY=sandbox`). Test
/// cards: 4242424242424242 succeeds, 4000000000000002 declines,
/// 4000000000009995 insufficient funds, 4000000000000119 times out.
#[utoipa::path(
    tag = "sandbox", operation_id = "sandbox_tokenize", security(()), request_body = TokenizeRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = TokenizeResponse),
        (status = 404, description = "Not the sandbox gateway", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "expired_card", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_card_number, invalid_expiry, invalid_cvc or test_card_required", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sandbox/tokenize")]
pub async fn tokenize(
    state: web::Data<AppState>,
    body: web::Json<TokenizeRequest>,
) -> ApiResult<web::Json<TokenizeResponse>> {
    let sandbox = state.sandbox.as_ref().ok_or(ApiError::NotFound {
        code: ProblemCode::NotFound,
        detail: "no such resource",
    })?;
    let input = CardInput {
        number: body.number.clone(),
        exp_month: body.exp_month,
        exp_year: body.exp_year,
        cvc: body.cvc.clone(),
    };
    let (payment_token, card) = sandbox
        .tokenize(&input, state.clock.now().date_naive())
        .map_err(|error| match error {
            // An expired card is refused like the gateway's decline (402).
            CardError::Expired => ApiError::declined("expired_card"),
            other => ApiError::validation(other.code(), other.field(), other.to_string()),
        })?;
    Ok(web::Json(TokenizeResponse {
        payment_token,
        card,
    }))
}

/// The cardholder's answer to the sandbox bank's 3-D Secure challenge.
#[derive(Deserialize, ToSchema)]
pub struct SandboxAuthenticateRequest {
    /// The `next_action.client_secret` of the `requires_action` answer.
    #[schema(example = "pi_sbx_3f2a_secret_9c1d")]
    pub client_secret: String,
    /// `approve`: the cardholder confirms (the payment succeeds on confirm);
    /// `fail`: they do not (declined, `authentication_failed`).
    pub outcome: SandboxAuthenticationOutcome,
}

impl std::fmt::Debug for SandboxAuthenticateRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SandboxAuthenticateRequest([redacted])")
    }
}

/// What the cardholder does in the sandbox bank's challenge.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SandboxAuthenticationOutcome {
    Approve,
    Fail,
}

/// The sandbox bank's 3-D Secure challenge (only when
/// `PAYMENT_GATEWAY=sandbox`): what Stripe.js `handleNextAction` shows with
/// Stripe. Card 4000 0027 6000 3184 on the secure payment page or in Make a
/// Payment answers `requires_action`; this settles its challenge at the
/// sandbox, then the page asks our API to confirm the payment as it would
/// with Stripe. `404` for an unknown secret, `409 authentication_answered`
/// for a challenge already answered (or cancelled).
#[utoipa::path(
    tag = "sandbox", operation_id = "sandbox_authenticate", security(()), request_body = SandboxAuthenticateRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 204, description = "Answered; now confirm the payment"),
        (status = 404, description = "Not the sandbox gateway, or no payment waits with this secret", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "authentication_answered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sandbox/authenticate")]
pub async fn authenticate(
    state: web::Data<AppState>,
    body: web::Json<SandboxAuthenticateRequest>,
) -> ApiResult<actix_web::HttpResponse> {
    let not_found = || ApiError::NotFound {
        code: ProblemCode::NotFound,
        detail: "no such resource",
    };
    let sandbox = state.sandbox.as_ref().ok_or_else(not_found)?;
    let answer = match body.outcome {
        SandboxAuthenticationOutcome::Approve => ChallengeAnswer::Approve,
        SandboxAuthenticationOutcome::Fail => ChallengeAnswer::Fail,
    };
    match sandbox.authenticate(&body.client_secret, answer) {
        Ok(()) => Ok(actix_web::HttpResponse::NoContent().finish()),
        Err(ChallengeError::NotFound) => Err(not_found()),
        Err(ChallengeError::AlreadyAnswered) => Err(ApiError::Conflict {
            code: ProblemCode::AuthenticationAnswered,
            detail: "this payment's authentication has already ended".into(),
        }),
    }
}
