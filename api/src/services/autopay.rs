//! Auto Pay: the run that charges every enrolled client whose monitoring runs out
//! by tomorrow. Each charge's key names the client, vehicle, period and card,
//! so running twice (or on two machines) charges once, and a client who
//! replaces a declined card is charged on the next run.

use crate::domain::{
    Actor, BusinessDay, Card, ChargeKey, Client, LocationTimeZone, Payment, PaymentMethod,
    PaymentStatus,
};
use crate::services::payments::{self, Charge, Source};
use crate::services::{credits, jobs, notices};
use crate::state::AppState;
use crate::store::{AutopayDue, Commit, StoreError};
use chrono::Duration;
use uuid::Uuid;

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

/// What charging one due vehicle came to.
enum Outcome {
    Payment(PaymentStatus),
    CreditApplied,
    Skipped,
    /// Another run is charging this period now, or a charge of it is open.
    Pending,
    /// Paid since the due list was read: nothing to do.
    AlreadyPaid,
}

impl AutopayReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Payment(PaymentStatus::Succeeded) => self.succeeded += 1,
            Outcome::Payment(PaymentStatus::Failed) => self.failed += 1,
            // Off session nothing waits for the cardholder; counted as open all the same.
            Outcome::Payment(
                PaymentStatus::Pending | PaymentStatus::Unknown | PaymentStatus::RequiresAction,
            )
            | Outcome::Pending => self.pending += 1,
            Outcome::Payment(PaymentStatus::HeldForReview) => self.held_for_review += 1,
            Outcome::CreditApplied => self.credit_applied += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::AlreadyPaid => {}
        }
    }

    fn merge(&mut self, other: AutopayReport) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.pending += other.pending;
        self.held_for_review += other.held_for_review;
        self.skipped += other.skipped;
        self.credit_applied += other.credit_applied;
    }
}

/// Runs Auto Pay once for every location, each on its own business day
/// (`payments-api autopay run`): safe to repeat, and to run on several
/// machines.
pub async fn run(state: &AppState) -> Result<AutopayReport, StoreError> {
    let mut report = AutopayReport::default();
    for (location_id, time_zone) in state.store.location_time_zones().await? {
        let zone = LocationTimeZone::or_utc(&time_zone);
        report.merge(run_location(state, location_id, zone).await?);
    }
    Ok(report)
}

/// Runs Auto Pay once for one location: charges every enrolled vehicle
/// whose monitoring is paid through tomorrow or less, tomorrow being the
/// day after the location's business day ([`BusinessDay::at`]).
pub async fn run_location(
    state: &AppState,
    location_id: Uuid,
    zone: LocationTimeZone,
) -> Result<AutopayReport, StoreError> {
    let today = BusinessDay::at(state.clock.now(), zone);
    let due_by = today + Duration::days(1);
    let mut report = AutopayReport::default();
    for due in state.store.autopay_due(location_id, due_by).await? {
        report.merge(charge_due(state, &due, due_by).await?);
    }
    Ok(report)
}

/// The lock of one client's vehicle and period ([`jobs::under_lease`]).
fn period_lock(due: &AutopayDue, period: &str) -> String {
    format!(
        "autopay-period:{}:{}:{period}",
        due.client_id, due.vehicle_id
    )
}

/// Charges one due vehicle's period under the lock of its client, vehicle
/// and period: two runs at once (two instances, or `autopay run` by hand
/// next to `serve`) never charge a period twice, even when the client
/// switches cards between their reads. Under the lock everything is read
/// again: a period paid since `due` was read is not charged. `due_by` is
/// the day the period must be paid through (the location's tomorrow).
pub async fn charge_due(
    state: &AppState,
    due: &AutopayDue,
    due_by: chrono::NaiveDate,
) -> Result<AutopayReport, StoreError> {
    let period = crate::domain::period_key(due.paid_through);
    let holder = jobs::holder_id();
    let locked = jobs::under_lease(
        state,
        &period_lock(due, &period),
        &holder,
        charge_locked(state, due, due_by, &period),
    )
    .await?;
    let mut report = AutopayReport::default();
    report.add(locked.unwrap_or(Ok(Outcome::Pending))?);
    Ok(report)
}

async fn charge_locked(
    state: &AppState,
    due: &AutopayDue,
    due_by: chrono::NaiveDate,
    period: &str,
) -> Result<Outcome, StoreError> {
    let Some(client) = state.store.client(due.client_id).await? else {
        return Ok(Outcome::Skipped);
    };
    let paid_through = client.vehicle(due.vehicle_id).map(|v| v.paid_through);
    if paid_through != Some(due.paid_through) {
        // Paid (or changed) since the due list was read.
        return Ok(Outcome::AlreadyPaid);
    }
    // A credit that covers the period pays it: nothing to charge.
    if let Ok((_, quote)) = client.quote(due.vehicle_id, client.plan_days) {
        if quote.is_covered_by_credit() {
            return match credits::apply_credit_when_due(
                state,
                client.id,
                due.vehicle_id,
                client.plan_days,
                due_by,
            )
            .await
            {
                Ok(_) => Ok(Outcome::CreditApplied),
                Err(error) => {
                    // Taken meanwhile (or a store error): the next run
                    // quotes again.
                    tracing::warn!(client_id = %client.id, vehicle_id = %due.vehicle_id, %error, "Auto Pay could not apply the client's credit");
                    Ok(Outcome::Skipped)
                }
            };
        }
    }
    let card = match client.autopay_card_id {
        Some(card_id) => state.store.chargeable_card(client.id, card_id).await?,
        None => None,
    };
    let (Some(card), Ok((_, quote))) = (card, client.quote(due.vehicle_id, client.plan_days))
    else {
        tracing::warn!(client_id = %client.id, vehicle_id = %due.vehicle_id, "Auto Pay due but not chargeable");
        return Ok(Outcome::Skipped);
    };
    // One charge per period and card: a declined card is not charged
    // again for the period, a new one is. Not while a charge with another
    // card may still have gone through (its answer was lost): the status
    // sync learns that one's outcome first.
    let key = ChargeKey::for_autopay(client.id, due.vehicle_id, period, card.card.id);
    let payments = state.store.client_payments(client.id).await?;
    if payments.iter().any(|p| {
        p.method == PaymentMethod::Autopay
            && p.vehicle_id == Some(due.vehicle_id)
            && p.status.is_open()
            && p.gateway_key != key.as_str()
    }) {
        return Ok(Outcome::Pending);
    }
    let card_on_file = card.card.clone();
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
            terms_version: None,
            // The period this run charges: refused if a payment (a link's)
            // or a credit paid it since the client was read.
            expected_paid_through: Some(due.paid_through),
        },
    )
    .await;
    match payment {
        Ok(payment) => {
            if payment.status == PaymentStatus::Failed {
                // The client learns at once, with how to pay. A notice that
                // could not be queued must not fail the rest of the run: the
                // decline stays owed its notice (kept with the failure), and
                // the status sync queues it. Claimed first: a status sync
                // running meanwhile may have taken it (then it texts it).
                if let Err(error) =
                    decline_notice_now(state, &client, due, period, &payment, &card_on_file).await
                {
                    tracing::error!(client_id = %client.id, vehicle_id = %due.vehicle_id, %error, "the notice of a declined Auto Pay charge could not be queued; the status sync tries again");
                }
            }
            Ok(Outcome::Payment(payment.status))
        }
        // Another payment is collecting the past due, or a link's payment for
        // the vehicle is open: the next run quotes again.
        Err(
            StoreError::PastDueChanged
            | StoreError::VehiclePaymentInProgress
            | StoreError::PaidThroughChanged,
        ) => Ok(Outcome::Skipped),
        Err(error) => Err(error),
    }
}

/// Texts the notice of the Auto Pay charge `payment` just declined, for
/// `period`, when this run can claim it
/// ([`notices::claim_decline_notice`]); a status sync that claimed it first
/// texts it instead. A notice that could not be queued is released, owed
/// to the next status sync.
async fn decline_notice_now(
    state: &AppState,
    client: &Client,
    due: &AutopayDue,
    period: &str,
    payment: &Payment,
    card: &Card,
) -> Result<(), StoreError> {
    if !notices::claim_decline_notice(state, payment.id).await? {
        return Ok(());
    }
    let queued = notices::autopay_declined(
        state,
        client,
        due.vehicle_id,
        period,
        payment.amount_cents,
        (&card.brand, &card.last4),
    )
    .await;
    match queued {
        Ok(()) => state.store.decline_notice_done(payment.id).await,
        Err(error) => {
            state
                .store
                .release_decline_notice(payment.id, state.clock.now())
                .await?;
            Err(error)
        }
    }
}
