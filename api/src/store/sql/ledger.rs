//! [`LedgerStore`] in SQL, compiled once per backend (see `sql/mod.rs`), and
//! what the other stores use to read and append ledger entries inside their
//! own transactions.

use super::{dialect, Backend, Connection, Db};
use crate::domain::ledger::{self as rules, EntryKind, LedgerEntry, OpenPayment};
use crate::domain::Cents;
use crate::store::{
    AppliedCredit, CreditApplication, LedgerStore, NewLedgerEntry, Result, StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const ENTRIES: &str = "select id, client_id, kind, amount_cents, invoice_id, payment_id, \
    vehicle_id, at from ledger_entries where client_id = $1 order by id";

/// Entries with their running balances: the rows follow
/// (`sqlx::QueryBuilder::push_values`), then `returning id`.
const APPEND: &str = "insert into ledger_entries (client_id, kind, amount_cents, invoice_id, \
    payment_id, vehicle_id, at, created_at, balance_after_cents) ";

/// The client's running balance: the one kept with their last entry.
pub(super) const BALANCE: &str = "select balance_after_cents from ledger_entries \
    where client_id = $1 order by id desc limit 1";

/// What the open payments of the client hold: every status for which
/// [`crate::domain::PaymentStatus::is_open`] is true (a payment waiting for
/// the payer's 3-D Secure answer reserves like one waiting for the gateway).
///
/// An open refund of the client's credit (source `credit`, `pending` or
/// `unknown` at the gateway) reserves the credit it pays out the same way:
/// read as an open payment that applies that credit and collects nothing, so
/// no quote, credit application or second credit refund spends it meanwhile.
pub(super) const OPEN_PAYMENTS: &str = concat!(
    "select past_due_cents, credit_cents from payments \
    where client_id = $1 and status in ",
    crate::open_payment_statuses_sql!(),
    " union all select cast(0 as bigint), amount_cents from refunds \
    where client_id = $1 and source = 'credit' and status in ('pending', 'unknown')"
);

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

/// The client's balance: the running balance kept with their last entry
/// (zero for a client without entries).
pub(super) async fn balance(conn: &mut Connection, client_id: Uuid) -> Result<Cents> {
    let balance: Option<i64> = sqlx::query_scalar(BALANCE)
        .bind(client_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Cents(balance.unwrap_or(0)))
}

/// The figures of the client's account: their balance and what their open
/// payments hold, read on one connection (or in the caller's transaction).
pub(super) async fn account(conn: &mut Connection, client_id: Uuid) -> Result<rules::Account> {
    let balance = balance(&mut *conn, client_id).await?;
    let open = open_payments(&mut *conn, client_id).await?;
    Ok(rules::account_at(balance, &open))
}

/// A client's ledger opened for appending inside a transaction: the client's
/// lock is held and their running balance known, so entries are appended
/// (several in one insert: [`Appender::append_all`]) without reading the
/// balance again.
pub(super) struct Appender {
    client_id: Uuid,
    balance: Cents,
}

impl Appender {
    /// Takes the client's lock for the rest of the caller's transaction (a
    /// no-op when the caller holds it already) and reads their balance.
    pub(super) async fn lock(conn: &mut Connection, client_id: Uuid) -> Result<Self> {
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(client_id)
            .execute(&mut *conn)
            .await?;
        let balance = balance(&mut *conn, client_id).await?;
        Ok(Self { client_id, balance })
    }

    /// For a transaction that holds the client's lock and has read their
    /// balance ([`BALANCE`]'s answer, zero when they have no entry) after it
    /// took the lock.
    pub(super) fn locked(client_id: Uuid, balance: Cents) -> Self {
        Self { client_id, balance }
    }

    /// Appends `entry` (of this client) with its running balance; returns
    /// its id.
    pub(super) async fn append(
        &mut self,
        conn: &mut Connection,
        entry: &NewLedgerEntry,
    ) -> Result<i64> {
        let ids = self.append_all(conn, std::slice::from_ref(entry)).await?;
        ids.first()
            .copied()
            .ok_or_else(|| StoreError::Corrupt("appended ledger entry has no id".into()))
    }

    /// Appends `entries` (of this client), in this order, each with its
    /// running balance, in one statement; returns their ids in that order.
    pub(super) async fn append_all(
        &mut self,
        conn: &mut Connection,
        entries: &[NewLedgerEntry],
    ) -> Result<Vec<i64>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let mut balance = self.balance;
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry.client_id != self.client_id {
                return Err(StoreError::Corrupt(format!(
                    "ledger entry for client {} appended to client {}'s ledger",
                    entry.client_id, self.client_id
                )));
            }
            balance = rules::balance_after(balance, entry.amount);
            rows.push((entry, balance));
        }
        let mut insert = sqlx::QueryBuilder::new(APPEND);
        insert.push_values(&rows, |mut row, (entry, after)| {
            row.push_bind(entry.client_id)
                .push_bind(entry.kind.as_str())
                .push_bind(entry.amount.0)
                .push_bind(entry.invoice_id)
                .push_bind(entry.payment_id)
                .push_bind(entry.vehicle_id)
                .push_bind(entry.at)
                .push_bind(entry.at)
                .push_bind(after.0);
        });
        insert.push(" returning id");
        let mut ids: Vec<i64> = insert.build_query_scalar().fetch_all(&mut *conn).await?;
        // Ids grow in insertion order on both stores; sorted so the answer
        // never depends on the order rows come back in.
        ids.sort_unstable();
        if ids.len() != rows.len() {
            return Err(StoreError::Corrupt(format!(
                "{} ledger entries appended, {} ids returned",
                rows.len(),
                ids.len()
            )));
        }
        self.balance = balance;
        Ok(ids)
    }
}

/// Appends `entry` with its running balance; returns its id. Takes the
/// client's lock for the rest of the caller's transaction (see
/// [`Appender::lock`]), so entries and their running balances are written
/// one at a time per client.
pub(super) async fn append(conn: &mut Connection, entry: &NewLedgerEntry) -> Result<i64> {
    Appender::lock(conn, entry.client_id)
        .await?
        .append(conn, entry)
        .await
}

#[async_trait]
impl LedgerStore for Backend {
    async fn client_ledger(&self, client_id: Uuid) -> Result<Vec<LedgerEntry>> {
        entries(&self.pool, client_id).await
    }

    async fn append_ledger_entry(&self, entry: &NewLedgerEntry) -> Result<LedgerEntry> {
        let mut tx = self.begin_write().await?;
        let id = append(&mut tx, entry).await?;
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

    async fn apply_credit(&self, application: &CreditApplication) -> Result<AppliedCredit> {
        super::credits::apply_credit(self, application).await
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::PaymentStatus;

    /// The reservation rule is the domain's: the statuses the queries of
    /// open payments read are exactly the open ones, `requires_action` among
    /// them.
    #[test]
    fn the_open_payments_queries_read_exactly_the_open_statuses() {
        for query in [super::OPEN_PAYMENTS, super::super::clients::CLIENT_VEHICLE] {
            for status in PaymentStatus::ALL {
                assert_eq!(
                    query.contains(&format!("'{}'", status.as_str())),
                    status.is_open(),
                    "{status:?} in {query}"
                );
            }
        }
    }
}
