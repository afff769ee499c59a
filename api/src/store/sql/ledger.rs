//! Reading a client's account, compiled once per backend (see `sql/mod.rs`):
//! the entries and open payments that [`ledger::account`] and
//! [`ledger::paid_invoices`] take.

use super::Db;
use crate::domain::ledger::{self as rules, EntryKind, LedgerEntry, OpenPayment};
use crate::domain::Cents;
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The account's entries, in ledger order: each invoice's new charges and
/// each payment that succeeded.
const ENTRIES: &str = "select kind, amount_cents, invoice_id, payment_id, vehicle_id, at from ( \
        select 'charge' as kind, total_cents - past_due_cents as amount_cents, \
            id as invoice_id, null as payment_id, vehicle_id, issued_at as at, 0 as seq \
        from invoices where client_id = $1 and status <> 'void' \
        union all \
        select 'payment', -amount_cents, invoice_id, id, vehicle_id, updated_at, 1 \
        from payments where client_id = $1 and status = 'succeeded' \
    ) e order by at, seq";

/// What the open payments of the client hold.
const OPEN_PAYMENTS: &str = "select past_due_cents from payments \
    where client_id = $1 and status in ('pending', 'unknown')";

type EntryRow = (
    String,
    i64,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    DateTime<Utc>,
);

/// A client's ledger, oldest entry first.
pub(super) async fn entries<'e, E>(executor: E, client_id: Uuid) -> Result<Vec<LedgerEntry>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let rows: Vec<EntryRow> = sqlx::query_as(ENTRIES)
        .bind(client_id)
        .fetch_all(executor)
        .await?;
    rows.into_iter()
        .map(|(kind, amount, invoice_id, payment_id, vehicle_id, at)| {
            Ok(LedgerEntry {
                id: 0,
                client_id,
                kind: EntryKind::parse(&kind).ok_or_else(|| {
                    StoreError::Corrupt(format!("ledger of {client_id}: kind {kind}"))
                })?,
                amount: Cents(amount),
                invoice_id,
                payment_id,
                vehicle_id,
                at,
            })
        })
        .collect()
}

/// The client's payments still waiting for their outcome.
pub(super) async fn open_payments<'e, E>(executor: E, client_id: Uuid) -> Result<Vec<OpenPayment>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let rows: Vec<i64> = sqlx::query_scalar(OPEN_PAYMENTS)
        .bind(client_id)
        .fetch_all(executor)
        .await?;
    Ok(rows
        .into_iter()
        .map(|past_due| OpenPayment {
            past_due: Cents(past_due),
            credit: Cents::ZERO,
        })
        .collect())
}

/// The figures of the client's account, read from the pool.
pub(super) async fn account(pool: &sqlx::Pool<Db>, client_id: Uuid) -> Result<rules::Account> {
    let (entries, open) =
        tokio::try_join!(entries(pool, client_id), open_payments(pool, client_id))?;
    Ok(rules::account(&entries, &open))
}
