//! Credits: a client's credit (an overpayment, a credit kept) lowers the next
//! quote ([`crate::domain::quote::credit_applied`]); a credit that covers a
//! whole period pays it here instead of a card: a supervisor applies it in
//! PLUS Web, Auto Pay applies it on its own.

use crate::domain::{Actor, Cents, CreditGrant, MonitorDays};
use crate::error::{ApiError, ApiResult, ProblemCode, CLIENT_NOT_FOUND};
use crate::services::quotes::quote_for;
use crate::services::refunds::staff_reason;
use crate::state::AppState;
use crate::store::{AppliedCredit, CreditApplication, NewCreditGrant, NewLogEntry, StoreError};
use chrono::NaiveDate;
use uuid::Uuid;

/// Pays `days` of monitoring for a client's vehicle with their credit:
/// quotes the period, refuses unless the credit covers all of it, and then
/// writes a paid invoice (total zero) and extends the vehicle's paid-through
/// date in one store transaction, which checks again that the credit is
/// still there (`409 quote_changed` when another application or payment
/// took it meanwhile); `422 credit_insufficient` when the credit does not
/// cover the whole period.
pub async fn apply_credit(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
) -> ApiResult<AppliedCredit> {
    apply(state, actor, client_id, vehicle_id, days, None).await
}

/// [`apply_credit`] for Auto Pay: only while the vehicle is paid through
/// `due_by` or earlier, so two runs at once (or a supervisor meanwhile) pay
/// the period once.
pub async fn apply_credit_when_due(
    state: &AppState,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
    due_by: NaiveDate,
) -> ApiResult<AppliedCredit> {
    apply(
        state,
        &Actor::System,
        client_id,
        vehicle_id,
        days,
        Some(due_by),
    )
    .await
}

async fn apply(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    vehicle_id: Uuid,
    days: MonitorDays,
    only_if_due_by: Option<NaiveDate>,
) -> ApiResult<AppliedCredit> {
    let (_, summary) = quote_for(state, client_id, vehicle_id, days).await?;
    let quote = summary.quote;
    if !quote.is_covered_by_credit() {
        return Err(ApiError::refused(
            ProblemCode::CreditInsufficient,
            "the client's credit does not cover this whole period; it lowers the amount to pay instead",
        ));
    }
    let now = state.clock.now();
    let message = format!(
        "Credit applied: {} for {} days",
        quote.credit_cents,
        days.days()
    );
    let application = CreditApplication {
        client_id,
        vehicle_id,
        quote,
        created_by: actor.by_words(),
        log: NewLogEntry::by(actor, client_id, message),
        only_if_due_by,
        now,
    };
    match state.store.apply_credit(&application).await {
        Ok(applied) => Ok(applied),
        Err(StoreError::PastDueChanged) => Err(ApiError::Conflict {
            code: ProblemCode::QuoteChanged,
            detail: "the client's credit was applied or spent by another request meanwhile; review the new summary".into(),
        }),
        Err(error) => Err(error.into()),
    }
}

/// The largest goodwill credit one grant gives: $1,000.00. A goodwill credit
/// makes up for days of service or a mistake, which cost far less; a larger
/// figure is a typing slip (an extra zero), refused before it reaches the
/// ledger (`validation_failed` on `amount_cents`).
pub const GRANT_MAX: Cents = Cents(100_000);

/// A goodwill credit, as staff asked it.
pub struct GrantCredit {
    pub client_id: Uuid,
    pub amount: Cents,
    pub reason: String,
}

/// Grants a client a goodwill credit: a `credit` ledger entry below zero
/// (which the next quote applies) and the Client Log line "Goodwill credit
/// of $25.00 granted by Sam Supervisor (staff): <reason>", written with the
/// grant in one transaction, once per `grant_key` whatever retries happen.
///
/// Problems: `422 validation_failed` (`amount_cents` not 1 to [`GRANT_MAX`],
/// `reason` not 1 to 500 characters), `404 client_not_found`.
pub async fn grant_credit(
    state: &AppState,
    actor: &Actor,
    staff_id: Option<Uuid>,
    grant_key: String,
    request: GrantCredit,
) -> ApiResult<CreditGrant> {
    if request.amount <= Cents::ZERO || request.amount > GRANT_MAX {
        return Err(ApiError::validation(
            ProblemCode::ValidationFailed,
            "amount_cents",
            format!("a goodwill credit is from 1 cent to {GRANT_MAX}"),
        ));
    }
    let reason = staff_reason(&request.reason, "credit")?;
    if state.store.client(request.client_id).await?.is_none() {
        return Err(CLIENT_NOT_FOUND);
    }
    let by = actor.by_words();
    let message = format!(
        "Goodwill credit of {} granted by {by}: {reason}",
        request.amount
    );
    let grant = NewCreditGrant {
        id: Uuid::new_v4(),
        client_id: request.client_id,
        amount: request.amount,
        reason,
        grant_key,
        granted_by_staff_id: staff_id,
        granted_by: by,
        log: NewLogEntry::by(actor, request.client_id, message),
        now: state.clock.now(),
    };
    Ok(state.store.grant_credit(&grant).await?)
}
