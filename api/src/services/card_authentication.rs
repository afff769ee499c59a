//! 3-D Secure with the payer present: when the bank asks the cardholder to
//! authenticate a charge made on our pages (the secure payment page, My
//! Account's Make a Payment), the payment waits in `requires_action` while
//! the payer's browser completes the challenge (Stripe.js
//! `handleNextAction`, or the sandbox bank's own step), then the confirm
//! endpoints ask the gateway for the outcome and record it. Only the
//! gateway's answer moves the payment: the browser's word that it finished
//! is never taken (Stripe: "Finalize payments on the server").
//!
//! A payment whose payer left is cancelled at the gateway and recorded
//! failed by the status sync once it has waited
//! `AUTHENTICATION_TIMEOUT_SECONDS`; its link is payable again until it
//! expires. Charges made without the payer (staff, Auto Pay) never wait: the
//! gateway adapters decline them (`authentication_required`).

use crate::domain::{Actor, Payment, PaymentStatus};
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::gateway::{ChargeOutcome, ClientSecret, GatewayError};
use crate::services::links::LINK_PAYMENT;
use crate::services::payments::MAKE_A_PAYMENT;
use crate::services::payments::{describe, record_outcome};
use crate::state::AppState;
use crate::store::{Commit, NewLogEntry, StoreError};
use chrono::Duration;
use uuid::Uuid;

/// Why a confirm could not learn the outcome.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The gateway did not answer, or refused to look the charge up; the
    /// payment stays `requires_action` and the confirm can be repeated.
    #[error("the gateway could not be asked: {0}")]
    Gateway(GatewayError),
}

/// Records that the bank asks the payer to authenticate `payment`, charged
/// as `reference` at the gateway: `pending → requires_action`, with a Client
/// Log line. A payment no longer `pending` is returned as stored.
pub(crate) async fn await_authentication(
    state: &AppState,
    payment: Payment,
    reference: &str,
    label: &str,
    actor: &Actor,
) -> Result<Payment, StoreError> {
    let now = state.clock.now();
    if !state
        .store
        .mark_payment_requires_action(payment.id, reference, now)
        .await?
    {
        return state
            .store
            .payment(payment.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("payment vanished".into()));
    }
    let message = format!(
        "{} waits for the cardholder to confirm it with their bank (3-D Secure)",
        describe(label, payment.amount_cents, &payment, actor)
    );
    state
        .store
        .add_log(&NewLogEntry::by(actor, payment.client_id, message), now)
        .await?;
    Ok(Payment {
        status: PaymentStatus::RequiresAction,
        gateway_reference: Some(reference.to_owned()),
        updated_at: now,
        ..payment
    })
}

/// The confirm the payer's browser asks for once the bank's challenge is
/// over: the gateway is asked for the charge by its reference (never by
/// anything the browser sent) and its outcome recorded exactly as any other
/// (`succeeded` creates the invoice and extends paid-through; a decline is
/// `failed` with `authentication_failed` or the bank's code, and the link is
/// payable again). Still waiting: the payment is returned unchanged, with the
/// client secret for the browser to resume. A payment that is not
/// `requires_action` (confirmed already, or settled by the status sync) is
/// returned as it is, so a second confirm changes nothing.
pub async fn confirm(
    state: &AppState,
    payment: Payment,
    label: &str,
    actor: &Actor,
) -> Result<(Payment, Option<ClientSecret>), ConfirmError> {
    if payment.status != PaymentStatus::RequiresAction {
        return Ok((payment, None));
    }
    let reference = payment
        .gateway_reference
        .clone()
        .ok_or_else(|| StoreError::Corrupt(format!("payment {}: no reference", payment.id)))?;
    match state.gateway.retrieve(&reference).await {
        Ok(ChargeOutcome::RequiresAction { client_secret, .. }) => {
            Ok((payment, Some(client_secret)))
        }
        Ok(outcome) => {
            let payment = record_outcome(
                state,
                payment,
                Ok(outcome),
                label,
                actor,
                Commit::Durable,
                None,
            )
            .await?;
            Ok((payment, None))
        }
        // Processing at the bank: the confirm (or the status sync) asks again.
        Err(GatewayError::OutcomeUnknown) => Ok((payment, None)),
        Err(error) => {
            tracing::warn!(payment_id = %payment.id, %error, "the charge awaiting authentication could not be retrieved");
            Err(ConfirmError::Gateway(error))
        }
    }
}

/// The status sync's part: every payment in `requires_action` for longer
/// than `AUTHENTICATION_TIMEOUT_SECONDS` is cancelled at the gateway and its
/// outcome recorded: `failed` (`authentication_required`), or what the
/// charge reached if the payer finished before the cancel (a confirm that
/// never came). Returns how many reached a final state.
pub async fn cancel_abandoned(state: &AppState) -> Result<usize, StoreError> {
    const LABEL: &str = "Payment (not confirmed by the cardholder in time)";
    let now = state.clock.now();
    let before = now - Duration::seconds(state.settings.authentication_timeout_seconds);
    let mut settled = 0;
    for payment in state.store.payments_awaiting_authentication(before).await? {
        let Some(reference) = payment.gateway_reference.clone() else {
            continue;
        };
        let outcome = match state.gateway.cancel(&reference).await {
            Ok(outcome @ (ChargeOutcome::Succeeded { .. } | ChargeOutcome::Declined { .. })) => {
                outcome
            }
            Ok(ChargeOutcome::RequiresAction { .. }) | Err(_) => {
                tracing::warn!(payment_id = %payment.id, "a payment awaiting authentication could not be cancelled yet");
                continue;
            }
        };
        let updated = record_outcome(
            state,
            payment,
            Ok(outcome),
            LABEL,
            &Actor::System,
            Commit::Durable,
            None,
        )
        .await?;
        if !updated.status.is_open() {
            settled += 1;
        }
    }
    Ok(settled)
}

/// Confirms the payment `payment_id` of the link named by `token` (the
/// secure payment page, for the payer at `ip`). The link is found by its
/// token whatever its state: a link that expired during the challenge still
/// records what the bank did. `404 payment_not_found` for a payment that is
/// not this link's.
pub async fn confirm_link_payment(
    state: &AppState,
    ip: &str,
    token: &str,
    payment_id: Uuid,
) -> ApiResult<(Payment, Option<ClientSecret>)> {
    let link = crate::services::links::link_to_redeem(state, ip, token).await?;
    let payment = state
        .store
        .payment(payment_id)
        .await?
        .filter(|p| p.payment_link_id == Some(link.id))
        .ok_or(PAYMENT_NOT_FOUND)?;
    let client = state
        .store
        .client_with_vehicle(link.client_id, link.vehicle_id)
        .await?
        .ok_or(PAYMENT_NOT_FOUND)?;
    let actor = Actor::Client {
        id: client.id,
        name: format!("{} (payment link)", client.first_name),
    };
    confirmed(state, payment, LINK_PAYMENT, &actor).await
}

/// Confirms the client's own payment `payment_id` (My Account's Make a
/// Payment). `404 payment_not_found` for a payment that is not theirs.
pub async fn confirm_my_payment(
    state: &AppState,
    client_id: Uuid,
    actor: &Actor,
    payment_id: Uuid,
) -> ApiResult<(Payment, Option<ClientSecret>)> {
    let payment = state
        .store
        .payment(payment_id)
        .await?
        .filter(|p| p.client_id == client_id)
        .ok_or(PAYMENT_NOT_FOUND)?;
    confirmed(state, payment, MAKE_A_PAYMENT, actor).await
}

const PAYMENT_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::PaymentNotFound,
    detail: "no such payment",
};

async fn confirmed(
    state: &AppState,
    payment: Payment,
    label: &str,
    actor: &Actor,
) -> ApiResult<(Payment, Option<ClientSecret>)> {
    confirm(state, payment, label, actor)
        .await
        .map_err(|error| match error {
            ConfirmError::Store(error) => error.into(),
            ConfirmError::Gateway(_) => ApiError::Unavailable(
                "the payment gateway is not answering; please confirm again in a moment",
            ),
        })
}
