//! [`InvoiceStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::{client_log::insert_log, dialect, ledger, Backend, Db};
use crate::domain::ledger::{self as rules, EntryKind};
use crate::domain::Invoice;
use crate::store::invoices::{invoices, InvoiceRefundRow, InvoiceRow, LineRow};
use crate::store::{InvoiceStore, NewInvoice, NewLedgerEntry, NewLogEntry, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const CLIENT_INVOICES: &str = "select id, number, client_id, vehicle_id, status, monitor_days, \
    subtotal_cents, tax_cents, past_due_cents, total_cents, issued_at, created_by \
    from invoices where client_id = $1 order by issued_at desc, number desc";

const CLIENT_INVOICE_LINES: &str = "select l.invoice_id, l.kind, l.description, l.amount_cents \
    from invoice_lines l join invoices i on i.id = l.invoice_id \
    where i.client_id = $1 order by l.invoice_id, l.position";

/// The refunds (not failed) of the payments that paid the client's invoices.
const CLIENT_INVOICE_REFUNDS: &str = "select p.invoice_id, r.id, r.amount_cents, r.status, \
    r.destination, r.source, r.created_at from refunds r join payments p on p.id = r.payment_id \
    where r.client_id = $1 and r.status <> 'failed' and p.invoice_id is not null \
    order by r.created_at, r.id";

const INSERT_LINES: &str =
    "insert into invoice_lines (invoice_id, position, kind, description, amount_cents) ";

/// Writes `invoice`, its lines and its charge in the client's ledger inside
/// `tx` (taking the client's lock); returns its number.
pub(super) async fn insert_invoice(
    tx: &mut sqlx::Transaction<'_, Db>,
    invoice: &NewInvoice,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut ledger = ledger::Appender::lock(tx, invoice.client_id).await?;
    let number = insert_invoice_rows(tx, invoice, now).await?;
    if let Some(charge) = invoice_charge(invoice) {
        ledger.append(tx, &charge).await?;
    }
    Ok(number)
}

/// Writes `invoice` and its lines, not its ledger charge ([`invoice_charge`],
/// which the caller appends); returns its number.
pub(super) async fn insert_invoice_rows(
    tx: &mut sqlx::Transaction<'_, Db>,
    invoice: &NewInvoice,
    now: DateTime<Utc>,
) -> Result<i64> {
    let number: i64 = sqlx::query_scalar(dialect::INSERT_INVOICE)
        .bind(invoice.id)
        .bind(invoice.client_id)
        .bind(invoice.vehicle_id)
        .bind(&invoice.status)
        .bind(invoice.monitor_days.map(|d| d.days()))
        .bind(invoice.subtotal.0)
        .bind(invoice.tax.0)
        .bind(invoice.past_due.0)
        .bind(invoice.total.0)
        .bind(&invoice.created_by)
        .bind(invoice.issued_at)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
    if !invoice.lines.is_empty() {
        let mut lines = sqlx::QueryBuilder::new(INSERT_LINES);
        lines.push_values(
            (0_i64..).zip(&invoice.lines),
            |mut row, (position, line)| {
                row.push_bind(invoice.id)
                    .push_bind(position)
                    .push_bind(line.kind.as_str())
                    .push_bind(&line.description)
                    .push_bind(line.amount_cents.0);
            },
        );
        lines.build().execute(&mut **tx).await?;
    }
    Ok(number)
}

/// The ledger charge of `invoice`: its new charges
/// ([`rules::invoice_charges`]), none for a void invoice.
pub(super) fn invoice_charge(invoice: &NewInvoice) -> Option<NewLedgerEntry> {
    (invoice.status != "void").then(|| NewLedgerEntry {
        client_id: invoice.client_id,
        kind: EntryKind::Charge,
        amount: rules::invoice_charges(invoice.total, invoice.past_due),
        invoice_id: Some(invoice.id),
        payment_id: None,
        vehicle_id: invoice.vehicle_id,
        at: invoice.issued_at,
    })
}

#[async_trait]
impl InvoiceStore for Backend {
    async fn client_invoices(&self, client_id: Uuid) -> Result<Vec<Invoice>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<InvoiceRow> = sqlx::query_as(CLIENT_INVOICES)
            .bind(client_id)
            .fetch_all(&mut *conn)
            .await?;
        let lines: Vec<LineRow> = sqlx::query_as(CLIENT_INVOICE_LINES)
            .bind(client_id)
            .fetch_all(&mut *conn)
            .await?;
        let refunds: Vec<InvoiceRefundRow> = sqlx::query_as(CLIENT_INVOICE_REFUNDS)
            .bind(client_id)
            .fetch_all(&mut *conn)
            .await?;
        let entries = ledger::entries(&mut *conn, client_id).await?;
        invoices(rows, lines, refunds, &rules::paid_invoices(&entries))
    }

    async fn add_invoice(
        &self,
        invoice: &NewInvoice,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let number = insert_invoice(&mut tx, invoice, now).await?;
        let message = format!("{}, invoice #{number}", log.message);
        insert_log(&mut *tx, log, &message, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
