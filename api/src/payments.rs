//! Moving money: the payment row (with its gateway key) is written before the
//! gateway is called, the gateway is called with that key, and the outcome is
//! recorded by one conditional state change. A retry reaches the same row and
//! the same gateway charge, so nothing is ever charged twice.

use crate::domain::{
    capture_mismatch, Actor, Captured, Cents, ChargeParams, Client, Payment, PaymentMethod,
    PaymentStatus, Quote, CURRENCY,
};
use crate::gateway::{ChargeOutcome, ChargeRequest, ClientSecret, GatewayError};
use crate::state::AppState;
use crate::store::{
    ChargeableCard, Commit, NewCard, NewLogEntry, NewPayment, Settlement, StoreError,
};
use chrono::Duration;
use uuid::Uuid;

/// What is charged: a card on file, or a single-use token from tokenization.
pub enum Source {
    Card(ChargeableCard),
    Token(String),
}

/// One payment to make.
pub struct Charge<'a> {
    pub client: &'a Client,
    pub vehicle_id: Uuid,
    pub quote: Quote,
    pub method: PaymentMethod,
    pub source: Source,
    pub actor: &'a Actor,
    /// Stable across retries of the same request (see `domain::gateway_key`).
    pub gateway_key: String,
    pub payment_link_id: Option<Uuid>,
    /// Words for the client log: "Take a Payment", "Auto Pay", …
    pub label: &'a str,
    /// How a success is committed: `Deferred` inside `idempotency::run`
    /// (see [`Commit`]), else `Durable`.
    pub commit: Commit,
    /// Keep a new card for this gateway customer if the charge succeeds.
    pub save_to_customer: Option<String>,
}

/// "Visa •••• 4242", or "card" when unknown.
pub fn card_words(brand: Option<&str>, last4: Option<&str>) -> String {
    match (brand, last4) {
        (Some(brand), Some(last4)) => {
            let mut brand = brand.to_owned();
            if let Some(first) = brand.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{brand} •••• {last4}")
        }
        _ => "card".into(),
    }
}

pub(crate) fn describe(label: &str, amount: Cents, payment: &Payment, actor: &Actor) -> String {
    let card = card_words(payment.card_brand.as_deref(), payment.card_last4.as_deref());
    format!(
        "{label} of {amount} with {card} by {} ({})",
        actor.name(),
        actor.kind()
    )
}

/// Makes (or resumes) the payment and returns it in its new state:
/// `succeeded` (with invoice), `failed` (with `failure_code`), or `unknown`/
/// `pending` when the gateway's answer is not known yet.
pub async fn charge(state: &AppState, charge: Charge<'_>) -> Result<Payment, StoreError> {
    charge_on_session(state, charge)
        .await
        .map(|(payment, _)| payment)
}

/// [`charge`], and when the bank asks the payer to authenticate (the
/// payment is `requires_action`), the client secret their browser completes
/// it with: for the answer to that browser only, never stored.
pub async fn charge_on_session(
    state: &AppState,
    charge: Charge<'_>,
) -> Result<(Payment, Option<ClientSecret>), StoreError> {
    let (card_id, brand, last4, single_use, source) = match &charge.source {
        Source::Card(c) => (
            Some(c.card.id),
            Some(c.card.brand.clone()),
            Some(c.card.last4.clone()),
            false,
            c.gateway_token.clone(),
        ),
        Source::Token(token) => (None, None, None, true, token.clone()),
    };
    let params = ChargeParams {
        single_use,
        source,
        description: format!(
            "{}: monitoring for client {}",
            charge.label, charge.client.id
        ),
        off_session: !matches!(charge.actor, Actor::Client { .. })
            && charge.payment_link_id.is_none(),
        save_to_customer: charge.save_to_customer.clone(),
    };
    let now = state.clock.now();
    let payment = state
        .store
        .insert_payment(&NewPayment {
            id: Uuid::new_v4(),
            client_id: charge.client.id,
            vehicle_id: charge.vehicle_id,
            payment_link_id: charge.payment_link_id,
            method: charge.method,
            card_id,
            card_brand: brand,
            card_last4: last4,
            gateway_key: charge.gateway_key.clone(),
            quote: charge.quote,
            charge_params: params.clone(),
            initiated_by: format!("{} ({})", charge.actor.name(), charge.actor.kind()),
            now,
        })
        .await?;
    if !payment.status.is_open() {
        return Ok((payment, None));
    }
    // A retry reaches the payment its first try wrote: it repeats that
    // request exactly (the gateway refuses a key reused with other details).
    let params = payment.charge_params.clone().unwrap_or(params);
    let request = ChargeRequest::new(&params, payment.amount_cents, &payment.gateway_key);
    let outcome = state.gateway.charge(&request).await;
    let client_secret = match &outcome {
        Ok(ChargeOutcome::RequiresAction { client_secret, .. }) => Some(client_secret.clone()),
        _ => None,
    };
    let payment = record(
        state,
        payment,
        outcome,
        charge.label,
        charge.actor,
        charge.commit,
    )
    .await?;
    let client_secret = client_secret.filter(|_| payment.status == PaymentStatus::RequiresAction);
    Ok((payment, client_secret))
}

/// Writes what the gateway said about `payment`.
pub(crate) async fn record(
    state: &AppState,
    payment: Payment,
    outcome: Result<ChargeOutcome, GatewayError>,
    label: &str,
    actor: &Actor,
    commit: Commit,
) -> Result<Payment, StoreError> {
    let now = state.clock.now();
    let amount = payment.amount_cents;
    match outcome {
        Ok(ChargeOutcome::Succeeded {
            reference,
            card,
            captured,
            saved,
        }) => {
            if let Some(reason) =
                capture_mismatch(payment.amount_cents, &payment.currency, captured.as_ref())
            {
                return hold(state, payment, &reference, captured, reason, label, actor).await;
            }
            let mut described = payment.clone();
            if described.card_last4.is_none() {
                described.card_brand = card.as_ref().map(|c| c.brand.clone());
                described.card_last4 = card.as_ref().map(|c| c.last4.clone());
            }
            let message = format!("{} succeeded", describe(label, amount, &described, actor));
            let saved_card = saved.map(|saved| {
                let words = card_words(Some(&saved.card.brand), Some(&saved.card.last4));
                let log = NewLogEntry::by(
                    actor,
                    payment.client_id,
                    format!("Card {words} saved on file by {}", actor.name()),
                );
                let card = NewCard {
                    id: Uuid::new_v4(),
                    client_id: payment.client_id,
                    gateway_token: saved.gateway_token,
                    brand: saved.card.brand,
                    last4: saved.card.last4,
                    exp_month: saved.card.exp_month,
                    exp_year: saved.card.exp_year,
                };
                (card, log)
            });
            let settlement = Settlement {
                payment_id: payment.id,
                gateway_reference: reference,
                card,
                saved_card,
                today: now.date_naive(),
                log: NewLogEntry::by(actor, payment.client_id, message),
                now,
                commit,
            };
            state.store.settle_payment(&settlement).await
        }
        Ok(ChargeOutcome::Declined { code, .. }) => {
            let code = crate::gateway::decline_code(&code);
            let message = format!(
                "{} was declined ({code})",
                describe(label, amount, &payment, actor)
            );
            state
                .store
                .fail_payment(
                    payment.id,
                    &code,
                    &NewLogEntry::by(actor, payment.client_id, message),
                    now,
                    None,
                )
                .await
        }
        Ok(ChargeOutcome::RequiresAction { reference, .. }) => {
            crate::card_authentication::await_authentication(
                state, payment, &reference, label, actor,
            )
            .await
        }
        Err(GatewayError::Rejected(reason)) => {
            tracing::warn!(payment_id = %payment.id, %reason, "gateway rejected the charge request");
            let message = format!(
                "{} could not be made: the card details were not accepted",
                describe(label, amount, &payment, actor)
            );
            state
                .store
                .fail_payment(
                    payment.id,
                    "payment_method_invalid",
                    &NewLogEntry::by(actor, payment.client_id, message),
                    now,
                    None,
                )
                .await
        }
        Err(GatewayError::Timeout) => {
            tracing::warn!(payment_id = %payment.id, "gateway timed out; payment outcome unknown until reconciled");
            state.store.mark_payment_unknown(payment.id, now).await?;
            Ok(Payment {
                status: PaymentStatus::Unknown,
                ..payment
            })
        }
        Err(GatewayError::Unavailable(reason)) => {
            // Nothing reached the gateway: the payment stays pending and a
            // retry with the same key (or the reconciler) picks it up.
            tracing::warn!(payment_id = %payment.id, %reason, "gateway unavailable");
            Ok(payment)
        }
    }
}

/// Holds a payment the gateway reported captured for another amount or
/// currency (or without saying what): `held_for_review`, a Client Log line,
/// and an ERROR log line for the staff alert. `payments{status="held_for_review"}`
/// in `/metrics` counts them.
async fn hold(
    state: &AppState,
    payment: Payment,
    reference: &str,
    captured: Option<Captured>,
    reason: &str,
    label: &str,
    actor: &Actor,
) -> Result<Payment, StoreError> {
    let reported = captured.map_or_else(
        || "no amount".to_owned(),
        |c| match c.currency.as_str() {
            CURRENCY => c.amount.to_string(),
            other => format!("{} {other} (minor units)", c.amount.0),
        },
    );
    tracing::error!(
        payment_id = %payment.id,
        client_id = %payment.client_id,
        reason,
        "payment held for review: the gateway reported a capture that does not match"
    );
    let message = format!(
        "{} was held for review: the gateway reported {reported} taken ({reason}); nothing was applied to the account",
        describe(label, payment.amount_cents, &payment, actor)
    );
    let log = NewLogEntry::by(actor, payment.client_id, message);
    state
        .store
        .hold_payment(payment.id, reason, reference, &log, state.clock.now())
        .await
}

/// How long the gateway keeps an idempotency key and replays its answer
/// (Stripe: "keys are eligible to be removed after they are at least 24
/// hours old"). Within it, the status sync repeats a payment's request.
pub const IDEMPOTENCY_KEY_KEPT: Duration = Duration::hours(24);

/// The margin kept before [`IDEMPOTENCY_KEY_KEPT`] ends: a request repeated
/// later could meet a key the gateway forgot, and be charged a second time.
const REPEAT_MARGIN: Duration = Duration::hours(1);

/// The status sync of open payments: every `unknown` one, and `pending` ones
/// older than `RECONCILE_AFTER_SECONDS` (their process died mid-charge). It
/// also makes payable again the links a redeem claimed
/// `LINK_CLAIM_STALE_AFTER_SECONDS` ago without writing a payment.
///
/// As Stripe documents for a request whose answer was lost, the same request
/// is repeated with the same idempotency key while the gateway keeps the key
/// ([`resolve`]): the gateway answers the first outcome, or makes the charge
/// if the first request never reached it. When that settles nothing, or
/// later (or for payments from before requests were kept), the charge is
/// looked up by its key; search lags, so "not found" counts as "never
/// charged" only once the key is older than [`IDEMPOTENCY_KEY_KEPT`] and
/// nothing touched the payment since the cutoff.
/// Returns how many payments reached a final state.
pub async fn reconcile(state: &AppState) -> Result<usize, StoreError> {
    const LABEL: &str = "Payment (reconciled with the gateway)";
    let now = state.clock.now();
    let cutoff = now - Duration::seconds(state.settings.reconcile_after_seconds);
    let claims_cutoff = now - Duration::seconds(state.settings.link_claim_stale_after_seconds);
    let released = state
        .store
        .release_stale_link_claims(claims_cutoff, now)
        .await?;
    if released > 0 {
        tracing::warn!(
            released,
            "payment links whose redeem wrote no payment are payable again"
        );
    }
    let mut settled = 0;
    for payment in state.store.open_payments(cutoff).await? {
        let updated = match resolve(state, &payment, now).await {
            Ok(Some(outcome)) => {
                record(
                    state,
                    payment,
                    Ok(outcome),
                    LABEL,
                    &Actor::System,
                    Commit::Durable,
                )
                .await?
            }
            Ok(None)
                if payment.created_at < now - IDEMPOTENCY_KEY_KEPT
                    && payment.updated_at < cutoff =>
            {
                let message = format!(
                    "{} failed: the gateway never received it",
                    describe(LABEL, payment.amount_cents, &payment, &Actor::System)
                );
                let log = NewLogEntry::by(&Actor::System, payment.client_id, message);
                state
                    .store
                    .fail_payment(payment.id, "processing_error", &log, now, Some(cutoff))
                    .await?
            }
            // Not found yet (search lags), or still no answer: next run.
            Ok(None) | Err(_) => continue,
        };
        if !updated.status.is_open() {
            settled += 1;
        }
    }
    settled += crate::card_authentication::cancel_abandoned(state).await?;
    Ok(settled)
}

/// What the gateway says of an open payment. While it keeps the key, the
/// payment's own request is repeated with it (the gateway answers the first
/// outcome). Anything short of an outcome (no answer, a refusal that may be
/// ours rather than a replay: a rotated key, a changed parameter) falls back
/// to a lookup by key, and "not found" stays open until the key is old.
async fn resolve(
    state: &AppState,
    payment: &Payment,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<ChargeOutcome>, GatewayError> {
    let repeatable = payment
        .charge_params
        .as_ref()
        .filter(|_| payment.created_at > now - IDEMPOTENCY_KEY_KEPT + REPEAT_MARGIN);
    if let Some(params) = repeatable {
        let request = ChargeRequest::new(params, payment.amount_cents, &payment.gateway_key);
        match state.gateway.charge(&request).await {
            // The payer's browser never had this answer: nobody can
            // authenticate, so the charge is cancelled (or, had it finished
            // meanwhile, its outcome is what cancelling reports).
            Ok(ChargeOutcome::RequiresAction { reference, .. }) => {
                return state.gateway.cancel(&reference).await.map(Some)
            }
            Ok(outcome) => return Ok(Some(outcome)),
            Err(error) => {
                tracing::info!(payment_id = %payment.id, %error, "repeating the request settled nothing; looking the charge up");
            }
        }
    }
    state.gateway.lookup(&payment.gateway_key).await
}

/// Records an outcome the gateway reported on its own (a webhook) for the
/// payment charged under `gateway_key`; unknown keys are ignored. A success
/// for a payment already recorded `failed` (the gateway's answer came after
/// we gave up on it) is held for review, never dropped: money was taken.
pub async fn apply_gateway_outcome(
    state: &AppState,
    gateway_key: &str,
    outcome: ChargeOutcome,
) -> Result<(), StoreError> {
    const LABEL: &str = "Payment (confirmed by the gateway)";
    let Some(payment) = state.store.payment_by_gateway_key(gateway_key).await? else {
        tracing::info!("gateway event for a charge we did not make; ignored");
        return Ok(());
    };
    match (payment.status, outcome) {
        (status, outcome) if status.is_open() => {
            record(
                state,
                payment,
                Ok(outcome),
                LABEL,
                &Actor::System,
                Commit::Durable,
            )
            .await?;
        }
        (
            PaymentStatus::Failed,
            ChargeOutcome::Succeeded {
                reference,
                captured,
                ..
            },
        ) => {
            hold(
                state,
                payment,
                &reference,
                captured,
                "succeeded_after_failure",
                LABEL,
                &Actor::System,
            )
            .await?;
        }
        (status, _) => {
            tracing::info!(payment_id = %payment.id, status = status.as_str(), "gateway event for a payment already settled; nothing to do");
        }
    }
    Ok(())
}
