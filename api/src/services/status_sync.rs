//! The status sync of open payments: a payment whose outcome we do not know
//! (the gateway's answer was lost, or its process died mid-charge) is asked
//! about again, by its charge key, until the gateway says what happened. It
//! runs inside `serve` every `STATUS_SYNC_INTERVAL_SECONDS`
//! ([`crate::services::jobs`]) and by hand (`payments-api sync-payments`).
//!
//! This is not reconciliation in the accounting sense (matching our books
//! against the processor's reports); it only learns the outcome of our own
//! open charges.

use crate::domain::{Actor, Payment};
use crate::gateway::{ChargeOutcome, ChargeRequest, GatewayError};
use crate::services::payments::{describe, record_outcome};
use crate::state::AppState;
use crate::store::{Commit, NewLogEntry, StoreError};
use chrono::Duration;

/// How long the gateway keeps an idempotency key and replays its answer
/// (Stripe: "keys are eligible to be removed after they are at least 24
/// hours old"). Within it, the status sync repeats a payment's request.
pub const IDEMPOTENCY_KEY_KEPT: Duration = Duration::hours(24);

/// The margin kept before [`IDEMPOTENCY_KEY_KEPT`] ends: a request repeated
/// later could meet a key the gateway forgot, and be charged a second time.
const REPEAT_MARGIN: Duration = Duration::hours(1);

/// The status sync of open payments: every `unknown` one, and `pending` ones
/// older than `STATUS_SYNC_AFTER_SECONDS` (their process died mid-charge);
/// then of open refunds ([`crate::services::refunds::sync_open_refunds`]). It
/// also makes payable again the links a redeem claimed
/// `LINK_CLAIM_STALE_AFTER_SECONDS` ago without writing a payment.
///
/// As Stripe documents for a request whose answer was lost, the same request
/// is repeated with the same idempotency key while the gateway keeps the key
/// ([`resolve`]): the gateway answers the first outcome, or makes the charge
/// if the first request never reached it. When that gives no outcome, or
/// later (or for payments from before requests were kept), the charge is
/// looked up by its key; search lags, so "not found" counts as "never
/// charged" only once the key is older than [`IDEMPOTENCY_KEY_KEPT`] and
/// nothing touched the payment since the cutoff.
/// Returns how many payments reached a final state.
pub async fn sync_open_payments(state: &AppState) -> Result<usize, StoreError> {
    const LABEL: &str = "Payment (outcome learnt from the gateway)";
    let now = state.clock.now();
    let cutoff = now - Duration::seconds(state.settings.status_sync_after_seconds);
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
    let mut finished = 0;
    for payment in state.store.payments_to_sync(cutoff).await? {
        let updated = match resolve(state, &payment, now).await {
            Ok(Some(outcome)) => {
                record_outcome(
                    state,
                    payment,
                    Ok(outcome),
                    LABEL,
                    &Actor::System,
                    Commit::Durable,
                    None,
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
            finished += 1;
        }
    }
    finished += crate::services::card_authentication::cancel_abandoned(state).await?;
    finished += crate::services::refunds::sync_open_refunds(state).await?;
    // Declines failed above, and any whose notice the Auto Pay run could not
    // queue. Last, so that a notice that cannot be queued (it stays owed and
    // is tried next run) never holds up the refunds' status sync.
    crate::services::notices::send_decline_notices_due(state).await?;
    Ok(finished)
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
    let charge_key = payment.charge_key();
    let repeatable = payment
        .charge_params
        .as_ref()
        .filter(|_| payment.created_at > now - IDEMPOTENCY_KEY_KEPT + REPEAT_MARGIN);
    if let Some(params) = repeatable {
        let request = ChargeRequest::new(params, payment.amount_cents, &charge_key);
        match state.gateway.charge(&request).await {
            // The payer's browser never had this answer: nobody can
            // authenticate, so the charge is cancelled (or, had it finished
            // meanwhile, its outcome is what cancelling reports).
            Ok(ChargeOutcome::RequiresAction { reference, .. }) => {
                return state.gateway.cancel(&reference).await.map(Some)
            }
            Ok(outcome) => return Ok(Some(outcome)),
            Err(error) => {
                tracing::info!(payment_id = %payment.id, %error, "repeating the request gave no outcome; looking the charge up");
            }
        }
    }
    state.gateway.lookup(&charge_key).await
}
