//! Invoices and their lines.

use super::{NewInvoice, NewLogEntry, Result, StoreError};
use crate::domain::invoice::InvoiceRefund;
use crate::domain::refund::{RefundDestination, RefundSource, RefundStatus};
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

/// A refund of the payment that paid an invoice.
#[derive(sqlx::FromRow)]
pub(super) struct InvoiceRefundRow {
    invoice_id: Uuid,
    id: Uuid,
    amount_cents: i64,
    status: String,
    destination: String,
    source: String,
    created_at: DateTime<Utc>,
}

/// Invoices from their rows, all their lines and the refunds of the payments
/// that paid them; `paid` are the invoices the client's ledger counts as paid
/// ([`ledger::paid_invoices`]).
pub(super) fn invoices(
    rows: Vec<InvoiceRow>,
    lines: Vec<LineRow>,
    refund_rows: Vec<InvoiceRefundRow>,
    paid: &HashSet<Uuid>,
) -> Result<Vec<Invoice>> {
    let mut refunds: HashMap<Uuid, Vec<InvoiceRefund>> = HashMap::new();
    for r in refund_rows {
        let status = RefundStatus::parse(&r.status)
            .ok_or_else(|| StoreError::Corrupt(format!("refund {}: status", r.id)))?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("refund {}: {what}", r.id));
        let destination =
            RefundDestination::parse(&r.destination).ok_or_else(|| corrupt("destination"))?;
        let source = RefundSource::parse(&r.source).ok_or_else(|| corrupt("source"))?;
        refunds
            .entry(r.invoice_id)
            .or_default()
            .push(InvoiceRefund {
                id: r.id,
                amount_cents: Cents(r.amount_cents),
                status,
                destination,
                source,
                created_at: r.created_at,
            });
    }
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
        .map(|r| {
            let refunds = refunds.remove(&r.id).unwrap_or_default();
            Invoice {
                refunded_cents: refunds
                    .iter()
                    .filter(|r| r.status == RefundStatus::Succeeded)
                    .map(|r| r.amount_cents)
                    .sum(),
                refunds,
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
            }
        })
        .collect())
}
