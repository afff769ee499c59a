use crate::auth::{permits, Can, ClientUser};
use crate::domain::{gateway_key, Actor, Cents, Client, Payment, PaymentMethod, PaymentStatus};
use crate::error::{ApiError, ApiResult};
use crate::payments::{self, Charge, Source};
use crate::rate_limit;
use crate::routes::clients::CLIENT_NOT_FOUND;
use crate::routes::idempotency::{self, IdempotencyKey};
use crate::routes::quote::{monitor_days, quote_for, QuoteSummary};
use crate::state::AppState;
use crate::store::{ChargeableCard, Commit, NewCard, NewLogEntry};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub const CARD_NOT_FOUND: ApiError = ApiError::NotFound {
    code: "card_not_found",
    detail: "no such card on file for this client",
};

/// The outcome of a payment request.
#[derive(Serialize, ToSchema)]
pub struct PaymentResult {
    pub payment_id: Uuid,
    /// `succeeded` (201), or `unknown`/`pending` (202) while the gateway's answer is confirmed,
    /// or `requires_action` (202): the bank asks the payer to authenticate (3-D Secure), see `next_action`.
    pub status: PaymentStatus,
    #[schema(value_type = i64, example = 17649)]
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
}

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

/// 201 for a succeeded payment, 202 while its outcome is unknown, a 402
/// problem when declined.
pub fn payment_answer(payment: &Payment) -> ApiResult<(StatusCode, serde_json::Value)> {
    payment_answer_with(payment, None)
}

/// [`payment_answer`], with the client secret for a `requires_action`
/// payment's [`NextAction`] (202).
pub fn payment_answer_with(
    payment: &Payment,
    client_secret: Option<&crate::gateway::ClientSecret>,
) -> ApiResult<(StatusCode, serde_json::Value)> {
    let status = match payment.status {
        PaymentStatus::Succeeded => StatusCode::CREATED,
        // Held (`payments::hold`): accepted, and a person will look; the
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
    };
    Ok((
        status,
        serde_json::to_value(body).map_err(|e| ApiError::Internal(e.into()))?,
    ))
}

/// Refuses (and logs the refusal) when the client's location does not take payments.
pub async fn ensure_accepts_payments(
    state: &AppState,
    client: &Client,
    actor: &Actor,
    what: &str,
) -> ApiResult<()> {
    if client.location.accepts_payments {
        return Ok(());
    }
    let message = format!(
        "{what} refused: {} does not accept online payments ({})",
        client.location.name,
        actor.name()
    );
    state
        .store
        .add_log(
            &NewLogEntry::by(actor, client.id, message),
            state.clock.now(),
        )
        .await?;
    Err(ApiError::refused(
        "location_not_accepting_payments",
        format!(
            "{} is not set up to accept payments; the client must pay at the location",
            client.location.name
        ),
    ))
}

/// Refuses when the total differs from what the payer was shown, unless the
/// request resumes a payment already written under its key (its first try
/// died, or answered 5xx): that payment holds its past due, which today's
/// quote leaves out, and it is charged as it was written.
async fn ensure_expected_total(
    state: &AppState,
    gateway_key: &str,
    expected: Option<i64>,
    summary: &QuoteSummary,
) -> ApiResult<()> {
    match expected {
        Some(cents) if Cents(cents) != summary.quote.total_due_cents => {
            if state
                .store
                .payment_by_gateway_key(gateway_key)
                .await?
                .is_some()
            {
                return Ok(());
            }
            Err(ApiError::Conflict {
                code: "quote_changed",
                detail: format!(
                    "the amount due is now {}; review the new summary and confirm again",
                    summary.quote.total_due_cents
                ),
            })
        }
        _ => Ok(()),
    }
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
    security(("staff" = []))
)]
#[get("/clients/{client_id}/next-payment")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn next_payment(
    Can(staff, _): Can<permits::ReadClients>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<NextPayment>> {
    let client = state
        .store
        .client(path.into_inner())
        .await?
        .ok_or(CLIENT_NOT_FOUND)?;
    let vehicle = client
        .next_vehicle_due()
        .ok_or_else(|| ApiError::refused("no_vehicles", "this client has no vehicle to pay for"))?;
    let (_, summary) = quote_for(&state, client.id, vehicle.id, client.plan_days).await?;
    Ok(web::Json(NextPayment {
        due_date: vehicle.paid_through.map(|d| d + Duration::days(1)),
        accepts_payments: client.location.accepts_payments,
        default_card_id: client.default_card().map(|c| c.id),
        summary,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TakePaymentRequest {
    pub vehicle_id: Uuid,
    #[schema(schema_with = crate::domain::monitor_days::schema)]
    pub monitor_days: i64,
    pub card_id: Uuid,
    /// The total the agent confirmed; a different current total answers 409 `quote_changed`.
    #[schema(example = 22629)]
    pub expected_total_cents: Option<i64>,
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
        (status = 201, description = "Paid; the invoice was created", body = PaymentResult),
        (status = 202, description = "Sent to the gateway; outcome being confirmed", body = PaymentResult),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 402, description = "Declined", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
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
            let days = monitor_days(body.monitor_days)?;
            let (client, summary) = quote_for(&state, client_id, body.vehicle_id, days).await?;
            ensure_accepts_payments(&state, &client, &actor, "Take a Payment").await?;
            let gateway_key = gateway_key(&principal, &key.0);
            ensure_expected_total(&state, &gateway_key, body.expected_total_cents, &summary)
                .await?;
            let card = state
                .store
                .chargeable_card(client_id, body.card_id)
                .await?
                .ok_or(CARD_NOT_FOUND)?;
            let payment = payments::charge(
                &state,
                Charge {
                    client: &client,
                    vehicle_id: body.vehicle_id,
                    quote: summary.quote,
                    method: PaymentMethod::CardOnFile,
                    source: Source::Card(card),
                    actor: &actor,
                    gateway_key,
                    payment_link_id: None,
                    label: "Take a Payment",
                    commit: Commit::Deferred,
                    save_to_customer: None,
                },
            )
            .await?;
            payment_answer(&payment)
        },
    )
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct MakePaymentRequest {
    pub vehicle_id: Uuid,
    #[schema(schema_with = crate::domain::monitor_days::schema)]
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
    pub expected_total_cents: Option<i64>,
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
        (status = 201, description = "Paid; the invoice was created", body = PaymentResult),
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
        let days = monitor_days(body.monitor_days)?;
        let (client, summary) = quote_for(&state, me.client_id, body.vehicle_id, days).await?;
        ensure_accepts_payments(&state, &client, &actor, "Make a Payment").await?;
        let gateway_key = gateway_key(&principal, &key.0);
        ensure_expected_total(&state, &gateway_key, body.expected_total_cents, &summary).await?;
        if body.enroll_autopay && body.card_id.is_none() && !body.save_card {
            return Err(ApiError::validation(
                "autopay_needs_saved_card",
                "enroll_autopay",
                "Auto Pay needs a card on file: choose one or save the new card",
            ));
        }
        if body.payment_token.is_some() {
            // Card testing: a stolen list tried one card after another.
            rate_limit::hit(
                &state,
                &format!("client:{}:new-card-attempts", client.id),
                chrono::Duration::hours(1),
                state.settings.client_new_card_attempts_per_hour,
                "too many payments with new cards; wait a while, or pay with a card on file",
            )
            .await?;
        }
        let (source, method, save_to_customer) = match (&body.card_id, &body.payment_token) {
            (Some(card_id), None) => {
                let card = state
                    .store
                    .chargeable_card(client.id, *card_id)
                    .await?
                    .ok_or(CARD_NOT_FOUND)?;
                (Source::Card(card), PaymentMethod::CardOnFile, None)
            }
            // Kept on file by the charge itself, only if it succeeds: a
            // declined card is never saved (issue 15, item 4).
            (None, Some(token)) if body.save_card => (
                Source::Token(token.clone()),
                PaymentMethod::NewCard,
                Some(save_card_customer(&state, &client).await?),
            ),
            (None, Some(token)) => (Source::Token(token.clone()), PaymentMethod::NewCard, None),
            _ => {
                return Err(ApiError::validation(
                    "payment_method_required",
                    "card_id",
                    "give either card_id or payment_token",
                ))
            }
        };
        let (payment, client_secret) = payments::charge_on_session(
            &state,
            Charge {
                client: &client,
                vehicle_id: body.vehicle_id,
                quote: summary.quote,
                method,
                source,
                actor: &actor,
                gateway_key,
                payment_link_id: None,
                label: MAKE_A_PAYMENT,
                commit: Commit::Deferred,
                save_to_customer,
            },
        )
        .await?;
        // The card charged, or the one this payment kept on file.
        if let (true, Some(card_id), PaymentStatus::Succeeded) =
            (body.enroll_autopay, payment.card_id, payment.status)
        {
            let log = NewLogEntry::by(
                &actor,
                client.id,
                format!(
                    "Auto Pay enabled with {} by {}",
                    crate::payments::card_words(
                        payment.card_brand.as_deref(),
                        payment.card_last4.as_deref()
                    ),
                    actor.name()
                ),
            );
            state
                .store
                .set_autopay(client.id, Some(card_id), &log, state.clock.now())
                .await?;
        }
        payment_answer_with(&payment, client_secret.as_ref())
    })
    .await
}

/// The Client Log's name for a payment the client makes in My Account.
pub const MAKE_A_PAYMENT: &str = "Make a Payment";

/// The gateway customer a card paid with is kept for, counting the save
/// against `CLIENT_CARD_SAVES_PER_DAY` (429 `rate_limited`).
async fn save_card_customer(state: &AppState, client: &Client) -> ApiResult<String> {
    count_card_save(state, client).await?;
    gateway_customer(state, client).await
}

/// The client's customer at the gateway: the one kept on the client, else
/// a new one, kept from now on (issue 15, item 4: Stripe forgets the
/// idempotency key a Customer was created under after 24 hours, so a later
/// save would have made a second Customer).
pub async fn gateway_customer(state: &AppState, client: &Client) -> ApiResult<String> {
    if let Some(kept) = state.store.gateway_customer_id(client.id).await? {
        return Ok(kept);
    }
    let made = state
        .gateway
        .customer(&client.id.to_string())
        .await
        .map_err(|_| {
            ApiError::Unavailable(
                "the payment gateway is not answering; no money was taken, please try again",
            )
        })?;
    Ok(state
        .store
        .keep_gateway_customer_id(client.id, &made, state.clock.now())
        .await?)
}

/// Counts a card save: at most `CLIENT_CARD_SAVES_PER_DAY` per client per
/// UTC day (429 `rate_limited`).
async fn count_card_save(state: &AppState, client: &Client) -> ApiResult<()> {
    rate_limit::hit(
        state,
        &format!("client:{}:card-saves", client.id),
        chrono::Duration::days(1),
        state.settings.client_card_saves_per_day,
        "too many cards saved today; try again tomorrow or call us",
    )
    .await
}

/// Saves a tokenized card at the gateway and on file, without a payment
/// (Add a card). Counted like every card save.
pub async fn save_card(
    state: &AppState,
    client: &Client,
    actor: &Actor,
    token: &str,
) -> ApiResult<ChargeableCard> {
    count_card_save(state, client).await?;
    let customer = gateway_customer(state, client).await?;
    let saved = state
        .gateway
        .save_card(token, &customer)
        .await
        .map_err(|error| match error {
            // The bank declined the card, or wants the cardholder to
            // authenticate, which saving without a payment does not do
            // (`authentication_required`: pay with it and keep it instead).
            crate::gateway::GatewayError::Rejected(code)
                if crate::gateway::DECLINE_CODES.contains(&code.as_str()) =>
            {
                ApiError::declined(&code)
            }
            crate::gateway::GatewayError::Rejected(_) => {
                ApiError::declined("payment_method_invalid")
            }
            _ => ApiError::Unavailable(
                "the payment gateway is not answering; no money was taken, please try again",
            ),
        })?;
    let card = NewCard {
        id: Uuid::new_v4(),
        client_id: client.id,
        gateway_token: saved.gateway_token.clone(),
        brand: saved.card.brand.clone(),
        last4: saved.card.last4.clone(),
        exp_month: saved.card.exp_month,
        exp_year: saved.card.exp_year,
    };
    let words = crate::payments::card_words(Some(&card.brand), Some(&card.last4));
    let log = NewLogEntry::by(
        actor,
        client.id,
        format!("Card {words} saved on file by {}", actor.name()),
    );
    let card = state.store.add_card(&card, &log, state.clock.now()).await?;
    Ok(ChargeableCard {
        card,
        gateway_token: saved.gateway_token,
    })
}
