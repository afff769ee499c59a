//! Invoices and their lines.

use super::{NewInvoice, NewLogEntry, Result, StoreError};
use crate::domain::{ledger, Cents, Invoice, Line, LineKind, CURRENCY};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A client's invoices. A payment's invoice is written by
/// [`super::PaymentStore::record_payment_outcome`], in its transaction.
#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// A client's invoices with their lines, newest first; their status is
    /// read from the client's ledger ([`ledger::paid_invoices`]).
    async fn client_invoices(&self, client_id: Uuid) -> Result<Vec<Invoice>>;
    /// Adds an invoice, its charge in the client's ledger and its client log
    /// comment (with the invoice number appended) in one transaction.
    async fn add_invoice(
        &self,
        invoice: &NewInvoice,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()>;
}

#[derive(sqlx::FromRow)]
pub(super) struct InvoiceRow {
    id: Uuid,
    number: i64,
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    status: String,
    monitor_days: Option<i64>,
    subtotal_cents: i64,
    tax_cents: i64,
    past_due_cents: i64,
    total_cents: i64,
    issued_at: DateTime<Utc>,
    created_by: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct LineRow {
    invoice_id: Uuid,
    kind: String,
    description: String,
    amount_cents: i64,
}

/// Invoices from their rows and all their lines; `paid` are the invoices the
/// client's ledger counts as paid ([`ledger::paid_invoices`]).
pub(super) fn invoices(
    rows: Vec<InvoiceRow>,
    lines: Vec<LineRow>,
    paid: &HashSet<Uuid>,
) -> Result<Vec<Invoice>> {
    let mut by_invoice: HashMap<Uuid, Vec<Line>> = HashMap::new();
    for line in lines {
        let kind = LineKind::parse(&line.kind).ok_or_else(|| {
            StoreError::Corrupt(format!("invoice {}: line kind", line.invoice_id))
        })?;
        by_invoice.entry(line.invoice_id).or_default().push(Line {
            kind,
            description: line.description,
            amount_cents: Cents(line.amount_cents),
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Invoice {
            lines: by_invoice.remove(&r.id).unwrap_or_default(),
            id: r.id,
            number: r.number,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            status: ledger::invoice_status(r.id, r.status == "void", paid).into(),
            monitor_days: r.monitor_days,
            subtotal_cents: Cents(r.subtotal_cents),
            tax_cents: Cents(r.tax_cents),
            past_due_cents: Cents(r.past_due_cents),
            total_cents: Cents(r.total_cents),
            currency: CURRENCY.into(),
            issued_at: r.issued_at,
            created_by: r.created_by,
        })
        .collect())
}
