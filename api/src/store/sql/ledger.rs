//! [`LedgerStore`] in SQL, compiled once per backend (see `sql/mod.rs`), and
//! what the other stores use to read and append ledger entries inside their
//! own transactions.

use super::{dialect, Backend, Db};
use crate::domain::ledger::{self as rules, EntryKind, LedgerEntry, OpenPayment};
use crate::domain::Cents;
use crate::store::{LedgerStore, NewLedgerEntry, Result, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const ENTRIES: &str = "select id, client_id, kind, amount_cents, invoice_id, payment_id, \
    vehicle_id, at from ledger_entries where client_id = $1 order by id";

const APPEND: &str = "insert into ledger_entries (client_id, kind, amount_cents, invoice_id, \
    payment_id, vehicle_id, at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $7) \
    returning id";

/// What the open payments of the client hold: every status for which
/// [`crate::domain::PaymentStatus::is_open`] is true (a payment waiting for
/// the payer's 3-D Secure answer reserves like one waiting for the gateway).
const OPEN_PAYMENTS: &str = "select past_due_cents, credit_cents from payments \
    where client_id = $1 and status in ('pending', 'unknown', 'requires_action')";

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    client_id: Uuid,
    kind: String,
    amount_cents: i64,
    invoice_id: Option<Uuid>,
    payment_id: Option<Uuid>,
    vehicle_id: Option<Uuid>,
    at: DateTime<Utc>,
}

impl TryFrom<EntryRow> for LedgerEntry {
    type Error = StoreError;
    fn try_from(r: EntryRow) -> Result<LedgerEntry> {
        Ok(LedgerEntry {
            kind: EntryKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("ledger entry {}: kind", r.id)))?,
            id: r.id,
            client_id: r.client_id,
            amount: Cents(r.amount_cents),
            invoice_id: r.invoice_id,
            payment_id: r.payment_id,
            vehicle_id: r.vehicle_id,
            at: r.at,
        })
    }
}

/// A client's ledger, oldest entry first.
pub(super) async fn entries<'e, E>(executor: E, client_id: Uuid) -> Result<Vec<LedgerEntry>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let rows: Vec<EntryRow> = sqlx::query_as(ENTRIES)
        .bind(client_id)
        .fetch_all(executor)
        .await?;
    rows.into_iter().map(LedgerEntry::try_from).collect()
}

/// The client's payments still waiting for their outcome.
pub(super) async fn open_payments<'e, E>(executor: E, client_id: Uuid) -> Result<Vec<OpenPayment>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let rows: Vec<(i64, i64)> = sqlx::query_as(OPEN_PAYMENTS)
        .bind(client_id)
        .fetch_all(executor)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(past_due, credit)| OpenPayment {
            past_due: Cents(past_due),
            credit: Cents(credit),
        })
        .collect())
}

/// The figures of the client's account, read on one connection of the pool
/// (a request takes no more connections for it than it did before ledgers).
pub(super) async fn account(pool: &sqlx::Pool<Db>, client_id: Uuid) -> Result<rules::Account> {
    let mut conn = pool.acquire().await?;
    let entries = entries(&mut *conn, client_id).await?;
    let open = open_payments(&mut *conn, client_id).await?;
    Ok(rules::account(&entries, &open))
}

/// Appends `entry`; returns its id.
pub(super) async fn append<'e, E>(executor: E, entry: &NewLedgerEntry) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    Ok(sqlx::query_scalar(APPEND)
        .bind(entry.client_id)
        .bind(entry.kind.as_str())
        .bind(entry.amount.0)
        .bind(entry.invoice_id)
        .bind(entry.payment_id)
        .bind(entry.vehicle_id)
        .bind(entry.at)
        .fetch_one(executor)
        .await?)
}

#[async_trait]
impl LedgerStore for Backend {
    async fn client_ledger(&self, client_id: Uuid) -> Result<Vec<LedgerEntry>> {
        entries(&self.pool, client_id).await
    }

    async fn append_ledger_entry(&self, entry: &NewLedgerEntry) -> Result<LedgerEntry> {
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(entry.client_id)
            .execute(&mut *tx)
            .await?;
        let id = append(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(LedgerEntry {
            id,
            client_id: entry.client_id,
            kind: entry.kind,
            amount: entry.amount,
            invoice_id: entry.invoice_id,
            payment_id: entry.payment_id,
            vehicle_id: entry.vehicle_id,
            at: entry.at,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::PaymentStatus;

    /// The reservation rule is the domain's: the statuses the query reads
    /// are exactly the open ones, `requires_action` among them.
    #[test]
    fn the_open_payments_query_reads_exactly_the_open_statuses() {
        for status in PaymentStatus::ALL {
            assert_eq!(
                super::OPEN_PAYMENTS.contains(&format!("'{}'", status.as_str())),
                status.is_open(),
                "{status:?}"
            );
        }
    }
}
