//! Receipts: one per succeeded payment, written by
//! [`super::PaymentStore::record_payment_outcome`] in its transaction; read
//! here by the payer's reference, by the signed-in client, and by staff.

use super::{Result, StoreError};
use crate::domain::receipt::{local_time, receipt_number};
use crate::domain::{Cents, Line, PaidThrough, Payer, Receipt, ReceiptRefund};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

/// Reading receipts. Each answer carries the refunds of its payment.
#[async_trait]
pub trait ReceiptStore: Send + Sync {
    /// The receipt whose reference hashes to `reference_hash`.
    async fn receipt_by_reference_hash(&self, reference_hash: &[u8]) -> Result<Option<Receipt>>;
    /// Receipt `id` when it is `client_id`'s (else `None`: another client's
    /// receipt does not exist for them).
    async fn client_receipt(&self, client_id: Uuid, id: Uuid) -> Result<Option<Receipt>>;
    /// A client's receipts, newest first.
    async fn client_receipts(&self, client_id: Uuid) -> Result<Vec<Receipt>>;
    /// The receipt of payment `payment_id` (`None` unless it succeeded).
    async fn payment_receipt(&self, payment_id: Uuid) -> Result<Option<Receipt>>;
}

/// What a receipt says about who paid and where, read with the payment in
/// the transaction that records its success.
#[derive(sqlx::FromRow)]
pub(super) struct ReceiptFacts {
    pub first_name: String,
    pub last_name: String,
    pub client_phone: String,
    /// The location's IANA time zone, e.g. `America/Chicago`.
    pub time_zone: String,
    pub location_name: String,
    /// The phone the paid link was sent to (`None` without a link).
    pub link_phone: Option<String>,
    pub vehicle_description: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct ReceiptRow {
    pub(super) id: Uuid,
    pub(super) number: i64,
    pub(super) payment_id: Uuid,
    pub(super) invoice_number: Option<i64>,
    pub(super) issued_at: DateTime<Utc>,
    pub(super) time_zone: String,
    pub(super) location_name: String,
    pub(super) payer: sqlx::types::Json<Payer>,
    pub(super) card_brand: Option<String>,
    pub(super) card_last4: Option<String>,
    pub(super) lines: sqlx::types::Json<Vec<Line>>,
    pub(super) total_cents: i64,
    pub(super) currency: String,
    pub(super) vehicles: sqlx::types::Json<Vec<PaidThrough>>,
}

impl ReceiptRow {
    pub(super) fn payment_id(&self) -> Uuid {
        self.payment_id
    }

    /// The location's IANA time zone, which dates the receipt and its refunds.
    pub(super) fn time_zone(&self) -> &str {
        &self.time_zone
    }

    /// The receipt, with its payment's refunds.
    pub(super) fn into_receipt(self, refunds: Vec<ReceiptRefund>) -> Result<Receipt> {
        if self.number <= 0 {
            return Err(StoreError::Corrupt(format!("receipt {}: number", self.id)));
        }
        let local = local_time(self.issued_at, &self.time_zone);
        Ok(Receipt {
            id: self.id,
            receipt_number: receipt_number(local.date.year(), self.number),
            payment_id: self.payment_id,
            invoice_number: self.invoice_number,
            issued_at: self.issued_at,
            issued_at_local: local.rfc3339,
            local_date: local.date,
            local_time: local.time,
            time_zone: self.time_zone,
            time_zone_abbreviation: local.zone_abbreviation,
            location_name: self.location_name,
            payer: self.payer.0,
            card_brand: self.card_brand,
            card_last4: self.card_last4,
            lines: self.lines.0,
            total_cents: Cents(self.total_cents),
            currency: self.currency,
            refunds,
            vehicles: self.vehicles.0,
        })
    }
}
