//! Applying a client's credit to a vehicle's period
//! ([`crate::store::LedgerStore::apply_credit`]), with the pieces a recorded
//! payment uses too: the paid invoice, the invoices paid off, the
//! paid-through date.

use super::payments::{
    extend_paid_through, mark_paid_off_invoices, paid_invoice, vehicle_time_zone,
    OPEN_LINK_PAYMENTS_FOR_VEHICLE, VEHICLE_PAID_THROUGH,
};
use super::{client_log::insert_log, dialect, invoices::insert_invoice, ledger, Backend};
use crate::domain::ledger as rules;
use crate::store::{AppliedCredit, CreditApplication, Result, StoreError};
use chrono::NaiveDate;

pub(super) async fn apply_credit(store: &Backend, a: &CreditApplication) -> Result<AppliedCredit> {
    let mut tx = store.begin_write().await?;
    // Under the client's lock: the credit read here is the credit spent
    // here, and no payment or other application takes it meanwhile.
    sqlx::query(dialect::LOCK_CLIENT)
        .bind(a.client_id)
        .execute(&mut *tx)
        .await?;
    // Not while a link's payment for the vehicle is open: it pays the same
    // period, so both would (as for a payment, `insert_payment`).
    let open_links: i64 = sqlx::query_scalar(OPEN_LINK_PAYMENTS_FOR_VEHICLE)
        .bind(a.client_id)
        .bind(a.vehicle_id)
        .fetch_one(&mut *tx)
        .await?;
    if open_links > 0 {
        tx.rollback().await?;
        return Err(StoreError::VehiclePaymentInProgress);
    }
    let account = ledger::account(&mut tx, a.client_id).await?;
    if !a.quote.is_covered_by_credit()
        || !rules::quote_still_stands(&account, a.quote.past_due_cents, a.quote.credit_cents)
    {
        tx.rollback().await?;
        return Err(StoreError::PastDueChanged);
    }
    let paid_through: Option<Option<NaiveDate>> = sqlx::query_scalar(VEHICLE_PAID_THROUGH)
        .bind(a.vehicle_id)
        .bind(a.client_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(paid_through) = paid_through else {
        tx.rollback().await?;
        return Err(StoreError::Corrupt(format!(
            "vehicle {} is not client {}'s",
            a.vehicle_id, a.client_id
        )));
    };
    if let (Some(due_by), Some(through)) = (a.only_if_due_by, paid_through) {
        if through > due_by {
            // Paid meanwhile (another Auto Pay run): nothing is due any more.
            tx.rollback().await?;
            return Err(StoreError::PastDueChanged);
        }
    }
    let invoice = paid_invoice(
        a.client_id,
        Some(a.vehicle_id),
        &a.quote,
        &a.created_by,
        a.now,
    );
    // Its ledger charge (the period's fee and tax) is paid by the credit
    // already in the ledger: no payment entry.
    let number = insert_invoice(&mut tx, &invoice, a.now).await?;
    mark_paid_off_invoices(&mut tx, a.client_id, a.now).await?;
    let time_zone = vehicle_time_zone(&mut tx, a.vehicle_id).await?;
    let through = extend_paid_through(
        &mut tx,
        a.vehicle_id,
        paid_through,
        a.quote.monitor_days,
        &time_zone,
        a.now,
    )
    .await?;
    let message = format!(
        "{}, invoice #{number} (by {})",
        a.log.message, a.log.author_name
    );
    insert_log(&mut *tx, &a.log, &message, a.now).await?;
    tx.commit().await?;
    Ok(AppliedCredit {
        invoice_id: invoice.id,
        invoice_number: number,
        paid_through: through,
    })
}
