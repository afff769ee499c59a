//! Refunds: giving back part or all of a payment that succeeded, and what the
//! gateway tells us later about refunds and disputes (a webhook, the status
//! sync).
//!
//! As for charges: the refund row (with its refund key) is written before
//! the gateway is called, under the client's lock and only for what is left
//! to refund ([`crate::domain::refund::refund_amount`]), so concurrent
//! requests for the same money refund it once; the gateway is called with
//! the refund key as its idempotency key; the outcome is recorded by one
//! conditional state change that writes the ledger entry and the Client Log.
//! A refund does not move the vehicle's paid-through date
//! ([`crate::domain::refund::paid_through_after_refund`]).

use crate::domain::refund::{
    CreditRefundError, DisputeStatus, Refund, RefundDestination, RefundError, RefundSource,
    RefundStatus, CREDIT_REFUND_WINDOW_DAYS,
};
use crate::domain::{Actor, Cents, Payment};
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::gateway::stripe::{DisputeStatus as StripeDispute, WebhookDispute};
use crate::gateway::{GatewayError, RefundOutcome, RefundRequest};
use crate::state::AppState;
use crate::store::{
    AmountLog, CreditRefundInsert, DisputeChange, NewCreditRefund, NewLogEntry, NewRefund,
    OutsideRefund, RefundChange, RefundInsert, StoreError,
};
use chrono::Duration;
use uuid::Uuid;

/// The longest reason staff can give.
pub const REASON_MAX_CHARS: usize = 500;

/// A refund, as staff asked it.
pub struct RefundPayment {
    pub payment_id: Uuid,
    /// `None`: all that is left to refund.
    pub amount: Option<Cents>,
    pub reason: String,
    /// Back to the card (the gateway's refund), or kept as the client's
    /// credit (no gateway call).
    pub destination: RefundDestination,
}

/// A refund of a client's credit, as staff asked it.
pub struct RefundCredit {
    pub client_id: Uuid,
    /// `None`: all of the credit.
    pub amount: Option<Cents>,
    pub reason: String,
}

/// The reason staff give, trimmed: 1 to [`REASON_MAX_CHARS`] characters
/// (`validation_failed` on `reason` otherwise). Refunds, credit refunds and
/// goodwill credits all write it in the Client Log.
pub(crate) fn staff_reason(reason: &str, what: &str) -> ApiResult<String> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(ApiError::validation(
            ProblemCode::ValidationFailed,
            "reason",
            format!("give the reason for the {what} (1 to {REASON_MAX_CHARS} characters)"),
        ));
    }
    Ok(reason)
}

fn payment_not_found() -> ApiError {
    ApiError::NotFound {
        code: ProblemCode::PaymentNotFound,
        detail: "no such payment",
    }
}

/// " (invoice #1002)", or nothing for a payment without an invoice.
fn invoice_words(payment: &Payment) -> String {
    payment
        .invoice_number
        .map(|n| format!(" (invoice #{n})"))
        .unwrap_or_default()
}

/// "Refund of $50.00 of the payment of $176.49 (invoice #1002) by Sam
/// Supervisor (staff)".
/// A credit refund reads "Credit refund of $20.00 to the card of the
/// payment of $176.49 (invoice #1002) by Sam Supervisor (staff)".
fn describe(refund: &Refund, payment: &Payment, actor: &Actor) -> String {
    let invoice = invoice_words(payment);
    let by = match actor {
        Actor::System => refund.requested_by.clone(),
        actor => actor.by_words(),
    };
    let what = match refund.source {
        RefundSource::Payment => "Refund of",
        RefundSource::Credit => "Credit refund of",
    };
    let to = match refund.source {
        RefundSource::Payment => "of",
        RefundSource::Credit => "to the card of",
    };
    format!(
        "{what} {} {to} the payment of {}{invoice} by {by}",
        refund.amount_cents, payment.amount_cents
    )
}

/// A refund's failure code (Stripe's `Refund.failure_reason`) in words for the
/// Client Log, never the raw code.
fn refund_failure_words(code: &str) -> &'static str {
    match code {
        "expired_or_canceled_card" => "the card has expired or was cancelled",
        "lost_or_stolen_card" => "the card was reported lost or stolen",
        "insufficient_funds" => "the account did not have enough funds",
        "charge_for_pending_refund_disputed" => "the payment is disputed",
        "declined" => "the bank declined it",
        _ => "the gateway could not complete it",
    }
}

/// Refunds a payment: `amount` (or all that is left) goes back to the card
/// it was paid with. Returns the refund in its new state: `succeeded`,
/// `failed` (with `failure_code`), or `pending`/`unknown` while the gateway's
/// answer is not known. `refund_key` is stable across retries of the request.
pub async fn refund_payment(
    state: &AppState,
    actor: &Actor,
    staff_id: Option<Uuid>,
    refund_key: String,
    request: RefundPayment,
) -> ApiResult<Refund> {
    let reason = staff_reason(&request.reason, "refund")?;
    let payment = state
        .store
        .payment(request.payment_id)
        .await?
        .ok_or_else(payment_not_found)?;
    let by = actor.by_words();
    // "Refund of $50.00 of the payment of $176.49 (invoice #1002) by Sam
    // Supervisor (staff) kept as credit: Device returned early".
    let kept_log = (request.destination == RefundDestination::Credit).then(|| AmountLog {
        entry: NewLogEntry::by(actor, payment.client_id, String::new()),
        before: "Refund of".into(),
        after: format!(
            "of the payment of {}{} by {by} kept as credit: {reason}",
            payment.amount_cents,
            invoice_words(&payment)
        ),
    });
    let inserted = state
        .store
        .insert_refund(&NewRefund {
            id: Uuid::new_v4(),
            payment_id: payment.id,
            asked: request.amount,
            reason,
            refund_key,
            requested_by_staff_id: staff_id,
            requested_by: by,
            destination: request.destination,
            kept_log,
            now: state.clock.now(),
        })
        .await?;
    let refund = match inserted {
        RefundInsert::Created(refund) | RefundInsert::Existing(refund) => refund,
        RefundInsert::NotRefundable(status) => {
            return Err(ApiError::Conflict {
                code: ProblemCode::PaymentNotRefundable,
                detail: format!(
                    "only a payment that succeeded can be refunded; this one is {}",
                    status.as_str()
                ),
            })
        }
        RefundInsert::Disputed(dispute) => {
            return Err(ApiError::Conflict {
                code: ProblemCode::PaymentNotRefundable,
                detail: format!(
                    "the cardholder's bank has a dispute on this payment ({}): answer it in Stripe's Dashboard instead",
                    dispute.as_str()
                ),
            })
        }
        RefundInsert::Refused(RefundError::NotPositive) => {
            return Err(ApiError::validation(
                ProblemCode::ValidationFailed,
                "amount_cents",
                "a refund is for a positive amount",
            ))
        }
        RefundInsert::Refused(RefundError::ExceedsPayment { left }) => {
            return Err(ApiError::refused(
                ProblemCode::RefundExceedsPayment,
                format!("the refund is more than is left to refund of this payment ({left})"),
            ))
        }
    };
    if !refund.status.is_open() {
        return Ok(refund);
    }
    let outcome = ask_gateway(state, &refund).await;
    Ok(record_outcome(state, refund, &payment, outcome, actor).await?)
}

/// Refunds a client's credit to a card: `amount` (or all of the credit)
/// goes back to the card of their newest payment that succeeded within
/// [`CREDIT_REFUND_WINDOW_DAYS`] and can take all of it
/// ([`crate::domain::refund::credit_refund`]), through the gateway's refund
/// of that payment. It is then a refund like any other (status sync,
/// webhooks), whose success appends a `refund` ledger entry that uses the
/// credit up. While open it reserves the credit, so concurrent requests for
/// the same credit refund it once.
///
/// Problems: `422 credit_insufficient` (more than the credit, or none),
/// `422 credit_not_refundable` (no recent payment can take it back to its
/// card), `422 validation_failed`, `422 refund_failed`, `404 client_not_found`.
pub async fn refund_credit(
    state: &AppState,
    actor: &Actor,
    staff_id: Option<Uuid>,
    refund_key: String,
    request: RefundCredit,
) -> ApiResult<Refund> {
    let reason = staff_reason(&request.reason, "credit refund")?;
    if state.store.client(request.client_id).await?.is_none() {
        return Err(crate::error::CLIENT_NOT_FOUND);
    }
    let now = state.clock.now();
    let inserted = state
        .store
        .insert_credit_refund(&NewCreditRefund {
            id: Uuid::new_v4(),
            client_id: request.client_id,
            asked: request.amount,
            reason,
            refund_key,
            requested_by_staff_id: staff_id,
            requested_by: actor.by_words(),
            paid_since: now - Duration::days(CREDIT_REFUND_WINDOW_DAYS),
            now,
        })
        .await?;
    let refund = match inserted {
        CreditRefundInsert::Created(refund) | CreditRefundInsert::Existing(refund) => refund,
        CreditRefundInsert::Refused(CreditRefundError::NotPositive) => {
            return Err(ApiError::validation(
                ProblemCode::ValidationFailed,
                "amount_cents",
                "a refund is for a positive amount",
            ))
        }
        CreditRefundInsert::Refused(CreditRefundError::ExceedsCredit { credit }) => {
            return Err(ApiError::refused(
                ProblemCode::CreditInsufficient,
                format!("the client's credit is {credit} (less what open payments and refunds hold); a credit refund is at most that"),
            ))
        }
        CreditRefundInsert::Refused(CreditRefundError::NoPayment { largest }) => {
            return Err(ApiError::refused(
                ProblemCode::CreditNotRefundable,
                format!(
                    "a credit goes back to the card of one payment made in the last {CREDIT_REFUND_WINDOW_DAYS} days, and none has that much left to refund (the most one can take is {largest}): refund less, or let the credit lower the next quote"
                ),
            ))
        }
    };
    if !refund.status.is_open() {
        return Ok(refund);
    }
    let payment = state
        .store
        .payment(refund.payment_id)
        .await?
        .ok_or_else(payment_not_found)?;
    let outcome = ask_gateway(state, &refund).await;
    Ok(record_outcome(state, refund, &payment, outcome, actor).await?)
}

/// Asks the gateway to make `refund` (again: its key makes a repeat safe).
async fn ask_gateway(state: &AppState, refund: &Refund) -> Result<RefundOutcome, GatewayError> {
    let Some(charge_reference) = refund.charge_reference.as_deref() else {
        return Err(GatewayError::Rejected(
            "the payment has no gateway reference".into(),
        ));
    };
    state
        .gateway
        .refund(&RefundRequest {
            charge_reference,
            amount: refund.amount_cents,
            idempotency_key: &refund.refund_key,
        })
        .await
}

/// Records what the gateway said of a refund, as one conditional state
/// change: a success writes the ledger entry and the Client Log line, a
/// failure the Client Log line; a lost answer leaves it `unknown` for the
/// status sync, and a gateway out of reach leaves it `pending`.
pub(crate) async fn record_outcome(
    state: &AppState,
    refund: Refund,
    payment: &Payment,
    outcome: Result<RefundOutcome, GatewayError>,
    actor: &Actor,
) -> Result<Refund, StoreError> {
    let now = state.clock.now();
    let words = describe(&refund, payment, actor);
    let log = |message: String| Some(NewLogEntry::by(actor, refund.client_id, message));
    let change = match outcome {
        Ok(RefundOutcome::Succeeded { reference }) => RefundChange {
            refund_id: refund.id,
            status: RefundStatus::Succeeded,
            gateway_reference: Some(reference),
            failure_code: None,
            log: log(format!("{words} succeeded: {}", refund.reason)),
            now,
        },
        Ok(RefundOutcome::Pending { reference }) => RefundChange {
            refund_id: refund.id,
            status: RefundStatus::Pending,
            gateway_reference: Some(reference),
            failure_code: None,
            log: None,
            now,
        },
        Ok(RefundOutcome::Failed { reference, code }) => {
            let message = if refund.status == RefundStatus::Succeeded {
                format!("{words} was reversed by the gateway ({}): the money did not reach the card and is owed to us again", refund_failure_words(&code))
            } else {
                format!(
                    "{words} failed ({}); nothing was given back",
                    refund_failure_words(&code)
                )
            };
            RefundChange {
                refund_id: refund.id,
                status: RefundStatus::Failed,
                gateway_reference: reference,
                failure_code: Some(code),
                log: log(message),
                now,
            }
        }
        Err(GatewayError::Rejected(reason)) => {
            tracing::warn!(refund_id = %refund.id, %reason, "gateway rejected the refund request");
            RefundChange {
                refund_id: refund.id,
                status: RefundStatus::Failed,
                gateway_reference: None,
                failure_code: Some("refund_rejected".into()),
                log: log(format!(
                    "{words} failed: the gateway refused the request; nothing was given back"
                )),
                now,
            }
        }
        Err(GatewayError::OutcomeUnknown) => {
            tracing::warn!(refund_id = %refund.id, "gateway gave no answer; refund outcome unknown until the status sync learns it");
            RefundChange {
                refund_id: refund.id,
                status: RefundStatus::Unknown,
                gateway_reference: None,
                failure_code: None,
                log: None,
                now,
            }
        }
        Err(GatewayError::Unavailable(reason)) => {
            // Nothing reached the gateway: the refund stays pending and the
            // status sync makes it under the same key.
            tracing::warn!(refund_id = %refund.id, %reason, "gateway unavailable for a refund");
            return Ok(refund);
        }
    };
    state.store.record_refund_change(&change).await
}

/// How long the gateway keeps an idempotency key, less a margin: within it
/// the status sync repeats a refund request the gateway has no record of.
const REPEAT_WITHIN: Duration = Duration::hours(23);

/// The status sync of open refunds: every `unknown` one and `pending` ones
/// older than `STATUS_SYNC_AFTER_SECONDS`. Each is looked up at the gateway
/// by its key (Stripe lists a PaymentIntent's refunds, read-after-write
/// consistent); one the gateway has no record of was never made, so its
/// request is repeated under the same key while the gateway keeps keys, and
/// is failed after. Returns how many reached a final state.
pub async fn sync_open_refunds(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let cutoff = now - Duration::seconds(state.settings.status_sync_after_seconds);
    let mut finished = 0;
    for refund in state.store.refunds_to_sync(cutoff).await? {
        let Some(payment) = state.store.payment(refund.payment_id).await? else {
            continue;
        };
        let Some(charge_reference) = refund.charge_reference.clone() else {
            continue;
        };
        let found = state
            .gateway
            .lookup_refund(&charge_reference, &refund.refund_key)
            .await;
        let outcome = match found {
            Ok(Some(outcome)) => Ok(outcome),
            Ok(None) if refund.created_at > now - REPEAT_WITHIN => {
                ask_gateway(state, &refund).await
            }
            Ok(None) => Ok(RefundOutcome::Failed {
                reference: None,
                code: "processing_error".into(),
            }),
            Err(error) => {
                tracing::info!(refund_id = %refund.id, %error, "refund lookup gave no answer; next run");
                continue;
            }
        };
        let updated = record_outcome(state, refund, &payment, outcome, &Actor::System).await?;
        if !updated.status.is_open() {
            finished += 1;
        }
    }
    Ok(finished)
}

/// A refund's new state reported by the gateway (Stripe:
/// `charge.refund.updated`). Ours (found by its key) is recorded like an
/// answer; one made in the gateway's dashboard is recorded from the
/// charge's running total instead ([`apply_refunded_total`]).
pub async fn apply_refund_update(
    state: &AppState,
    idempotency_key: Option<&str>,
    outcome: RefundOutcome,
) -> Result<(), StoreError> {
    let Some(key) = idempotency_key else {
        tracing::info!(
            "refund update for a refund made outside our API; its charge's total records it"
        );
        return Ok(());
    };
    let Some(refund) = state.store.refund_by_key(key).await? else {
        tracing::info!("refund update for a refund we did not make; ignored");
        return Ok(());
    };
    let Some(payment) = state.store.payment(refund.payment_id).await? else {
        return Ok(());
    };
    // Only a change: a repeated or older event must not log twice.
    let status = match &outcome {
        RefundOutcome::Succeeded { .. } => RefundStatus::Succeeded,
        RefundOutcome::Pending { .. } => RefundStatus::Pending,
        RefundOutcome::Failed { .. } => RefundStatus::Failed,
    };
    if status == refund.status || !refund.status.can_become(status) {
        return Ok(());
    }
    record_outcome(state, refund, &payment, Ok(outcome), &Actor::System).await?;
    Ok(())
}

/// A charge's running refund total reported by the gateway (Stripe:
/// `charge.refunded`): whatever it holds beyond our refunds was refunded in
/// the gateway's dashboard and is recorded once, with its ledger entry, a
/// Client Log line and a warning for staff.
pub async fn apply_refunded_total(
    state: &AppState,
    charge_reference: &str,
    gateway_total: Cents,
) -> Result<(), StoreError> {
    let Some(payment) = state
        .store
        .payment_by_gateway_reference(charge_reference)
        .await?
    else {
        tracing::info!("refund event for a charge we did not make; ignored");
        return Ok(());
    };
    let recorded = state
        .store
        .record_outside_refund(&OutsideRefund {
            payment_id: payment.id,
            reason: "Refunded in Stripe".into(),
            requested_by: "Stripe Dashboard".into(),
            gateway_total,
            log_before: "Refunded in Stripe:".into(),
            log_after: format!(
                "of the payment of {}{}, made in Stripe's Dashboard",
                payment.amount_cents,
                invoice_words(&payment)
            ),
            now: state.clock.now(),
        })
        .await?;
    if let Some(refund) = recorded {
        tracing::warn!(
            payment_id = %payment.id,
            client_id = %payment.client_id,
            refund_id = %refund.id,
            amount_cents = refund.amount_cents.0,
            "a refund made in Stripe's Dashboard was recorded"
        );
    }
    Ok(())
}

/// A dispute's new state reported by the gateway (Stripe:
/// `charge.dispute.*`): kept on the payment, with a Client Log line and an
/// ERROR log line for the staff alert; a lost one is a chargeback entry in
/// the ledger. A repeated or late event records nothing.
pub async fn apply_dispute(state: &AppState, dispute: &WebhookDispute) -> Result<(), StoreError> {
    let Some(payment) = state
        .store
        .payment_by_gateway_reference(&dispute.charge_reference)
        .await?
    else {
        tracing::info!("dispute event for a charge we did not make; ignored");
        return Ok(());
    };
    let status = match dispute.status {
        StripeDispute::Open => DisputeStatus::Open,
        StripeDispute::Won => DisputeStatus::Won,
        StripeDispute::Lost => DisputeStatus::Lost,
    };
    let invoice = invoice_words(&payment);
    let what = format!(
        "the payment of {}{invoice}: {} disputed ({})",
        payment.amount_cents,
        dispute.amount,
        dispute.reason.replace('_', " ")
    );
    let message = match status {
        DisputeStatus::Open => format!(
            "Dispute opened by the cardholder's bank on {what}; the money is held until the bank decides. Respond in the Stripe Dashboard"
        ),
        DisputeStatus::Won => format!("Dispute won on {what}; the money stays paid"),
        DisputeStatus::Lost => format!(
            "Dispute lost on {what}; the money went back to the cardholder and is owed again"
        ),
    };
    let changed = state
        .store
        .record_dispute(&DisputeChange {
            payment_id: payment.id,
            status,
            reference: dispute.reference.clone(),
            amount: dispute.amount,
            log: NewLogEntry::by(&Actor::System, payment.client_id, message),
            now: state.clock.now(),
        })
        .await?;
    if changed {
        tracing::error!(
            payment_id = %payment.id,
            client_id = %payment.client_id,
            dispute_status = status.as_str(),
            "a dispute on a payment changed: staff should look"
        );
    }
    Ok(())
}
