//! Auto Pay: the run that charges every enrolled client whose monitoring runs out
//! by tomorrow. Each charge's key names the client, vehicle, period and card,
//! so running twice (or on two machines) charges once, and a client who
//! replaces a declined card is charged on the next run.

use crate::domain::{Actor, ChargeKey, PaymentMethod, PaymentStatus};
use crate::services::credits;
use crate::services::payments::{self, Charge, Source};
use crate::state::AppState;
use crate::store::{Commit, StoreError};
use chrono::Duration;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AutopayReport {
    pub succeeded: usize,
    pub failed: usize,
    pub pending: usize,
    /// Charged, but the gateway's capture did not match: held for review.
    pub held_for_review: usize,
    /// Due, but skipped (no usable card, vehicle not priced).
    pub skipped: usize,
    /// Paid with the client's credit, which covered the whole period: no
    /// card was charged.
    pub credit_applied: usize,
}

/// Runs Auto Pay once: safe to repeat, and to run on several machines.
pub async fn run(state: &AppState) -> Result<AutopayReport, StoreError> {
    let today = state.clock.now().date_naive();
    let mut report = AutopayReport::default();
    let due_by = today + Duration::days(1);
    for due in state.store.autopay_due(due_by).await? {
        let Some(client) = state.store.client(due.client_id).await? else {
            continue;
        };
        // A credit that covers the period pays it: nothing to charge.
        if let Ok((_, quote)) = client.quote(due.vehicle_id, client.plan_days) {
            if quote.is_covered_by_credit() {
                match credits::apply_credit_when_due(
                    state,
                    client.id,
                    due.vehicle_id,
                    client.plan_days,
                    due_by,
                )
                .await
                {
                    Ok(_) => report.credit_applied += 1,
                    Err(error) => {
                        // Taken meanwhile (or a store error): the next run
                        // quotes again.
                        tracing::warn!(client_id = %client.id, vehicle_id = %due.vehicle_id, %error, "Auto Pay could not apply the client's credit");
                        report.skipped += 1;
                    }
                }
                continue;
            }
        }
        let card = match client.autopay_card_id {
            Some(card_id) => state.store.chargeable_card(client.id, card_id).await?,
            None => None,
        };
        let (Some(card), Ok((_, quote))) = (card, client.quote(due.vehicle_id, client.plan_days))
        else {
            tracing::warn!(client_id = %client.id, vehicle_id = %due.vehicle_id, "Auto Pay due but not chargeable");
            report.skipped += 1;
            continue;
        };
        let period = due
            .paid_through
            .map_or_else(|| "unpaid".to_owned(), |d| d.to_string());
        // One charge per period and card: a declined card is not charged
        // again for the period, a new one is. Not while a charge with another
        // card may still have gone through (its answer was lost): the status
        // sync learns that one's outcome first.
        let key = ChargeKey::for_autopay(client.id, due.vehicle_id, &period, card.card.id);
        let payments = state.store.client_payments(client.id).await?;
        if payments.iter().any(|p| {
            p.method == PaymentMethod::Autopay
                && p.vehicle_id == Some(due.vehicle_id)
                && p.status.is_open()
                && p.gateway_key != key.as_str()
        }) {
            report.pending += 1;
            continue;
        }
        let payment = payments::charge(
            state,
            Charge {
                client: &client,
                vehicle_id: due.vehicle_id,
                quote,
                method: PaymentMethod::Autopay,
                source: Source::Card(card),
                actor: &Actor::System,
                charge_key: key,
                payment_link_id: None,
                label: "Auto Pay",
                commit: Commit::Durable,
                save_to_customer: None,
            },
        )
        .await;
        let payment = match payment {
            Ok(payment) => payment,
            // Another payment is collecting the past due: the next run quotes again.
            Err(StoreError::PastDueChanged) => {
                report.skipped += 1;
                continue;
            }
            Err(error) => return Err(error),
        };
        match payment.status {
            PaymentStatus::Succeeded => report.succeeded += 1,
            PaymentStatus::Failed => report.failed += 1,
            // Off session nothing waits for the cardholder; counted as open all the same.
            PaymentStatus::Pending | PaymentStatus::Unknown | PaymentStatus::RequiresAction => {
                report.pending += 1
            }
            PaymentStatus::HeldForReview => report.held_for_review += 1,
        }
    }
    Ok(report)
}
