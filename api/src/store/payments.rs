//! Payments: written before the gateway is called, then given their outcome
//! (succeeded, failed, unknown, held for review); open ones are synced with
//! the gateway.

use super::{NewLogEntry, NewPayment, PaymentOutcome, Result, StoreError};
use crate::domain::refund::{self, DisputeStatus};
use crate::domain::{Cents, ChargeParams, Payment, PaymentMethod, PaymentStatus, Quote};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Payments and their state machine ([`PaymentStatus`]).
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Records a payment before its gateway call; when a payment with the
    /// same gateway key exists, returns that one instead, its `updated_at`
    /// set to now when it is still open (a retry is about to charge it again).
    /// Every new payment is written under the client's lock, after these
    /// checks (a refused payment's link, if it claimed one, is released):
    ///
    /// - a payment through a link: refused with
    ///   [`StoreError::VehiclePaymentInProgress`] while another payment for
    ///   the vehicle is open, and with [`StoreError::PastDueChanged`] when the
    ///   link is out of date ([`crate::domain::link_outdated`]: past due,
    ///   credit, or the vehicle's paid-through date since it was sent);
    /// - any other card payment (Take a Payment, My Account, Auto Pay):
    ///   refused with [`StoreError::VehiclePaymentInProgress`] while a link's
    ///   payment for the vehicle is open (two payers must not pay one period
    ///   unknowingly);
    /// - any other whose quote collects more past due, or applies more
    ///   credit, than the account has now
    ///   ([`crate::domain::ledger::quote_still_stands`]):
    ///   [`StoreError::PastDueChanged`];
    /// - any other whose quote was made from another paid-through date than
    ///   the vehicle's now ([`NewPayment::expected_paid_through`], when
    ///   stated: a link's payment or a credit paid that period since):
    ///   [`StoreError::PaidThroughChanged`].
    async fn insert_payment(&self, payment: &NewPayment) -> Result<Payment>;
    async fn payment(&self, id: Uuid) -> Result<Option<Payment>>;
    async fn payment_by_gateway_key(&self, gateway_key: &str) -> Result<Option<Payment>>;
    /// Records that the gateway took the money, in one transaction: marks the
    /// payment succeeded, creates its invoice from the quote snapshot, writes
    /// the invoice's charge and the payment in the client's ledger, marks the
    /// open invoices the payment paid off ([`crate::domain::ledger::paid_invoices`]),
    /// extends the vehicle's paid-through date, marks its link paid, issues
    /// its receipt (`outcome.receipt`; the payment returned carries the
    /// receipt's reference) and writes the client log (with the invoice
    /// number appended). A payment already succeeded is returned as is
    /// (without a reference).
    async fn record_payment_outcome(&self, outcome: &PaymentOutcome) -> Result<Payment>;
    /// Marks an open payment failed and logs it; a final payment is returned as is.
    /// With `untouched_since`, only a payment not updated since then (the
    /// status sync's verdict on a charge the gateway never saw must not hit a
    /// retry that is charging it now).
    async fn fail_payment(
        &self,
        id: Uuid,
        failure_code: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
        untouched_since: Option<DateTime<Utc>>,
    ) -> Result<Payment>;
    /// `pending → unknown`: the gateway's answer was lost.
    async fn mark_payment_unknown(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// `pending | unknown | failed → held_for_review` with `reason` (kept as the
    /// payment's `failure_code`) and the gateway's reference, in one
    /// transaction with `log`: no invoice, no paid-through, and its payment
    /// link, while still payable, is revoked (money may have been taken: the
    /// payer must not pay again before a person looks). A succeeded or held
    /// payment is left as it is. Returns the payment as stored.
    async fn hold_payment(
        &self,
        id: Uuid,
        reason: &str,
        gateway_reference: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<Payment>;
    /// `pending → requires_action` with the gateway's reference of the charge
    /// (Stripe's PaymentIntent id, which the confirm retrieves): the bank asks
    /// the payer to authenticate. False when the payment was not `pending`.
    async fn mark_payment_requires_action(
        &self,
        id: Uuid,
        gateway_reference: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Payments in `requires_action` since before `since_before` (their payer
    /// left without finishing): the status sync cancels them.
    async fn payments_awaiting_authentication(
        &self,
        since_before: DateTime<Utc>,
    ) -> Result<Vec<Payment>>;
    /// Payments for the status sync to ask the gateway about: every `unknown`
    /// one, and `pending` ones not updated since `pending_before`.
    async fn payments_to_sync(&self, pending_before: DateTime<Utc>) -> Result<Vec<Payment>>;
    /// A client's payments, newest first.
    async fn client_payments(&self, client_id: Uuid) -> Result<Vec<Payment>>;
}

#[derive(sqlx::FromRow)]
pub(super) struct PaymentRow {
    id: Uuid,
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    invoice_id: Option<Uuid>,
    invoice_number: Option<i64>,
    payment_link_id: Option<Uuid>,
    amount_cents: i64,
    currency: String,
    status: String,
    method: String,
    card_brand: Option<String>,
    card_last4: Option<String>,
    failure_code: Option<String>,
    gateway_reference: Option<String>,
    gateway_key: String,
    quote: sqlx::types::Json<Quote>,
    charge_params: Option<sqlx::types::Json<ChargeParams>>,
    card_id: Option<Uuid>,
    initiated_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Read by `PAYMENT_SELECT` (other selects leave them out: zero, none).
    #[sqlx(default)]
    refunded_cents: i64,
    #[sqlx(default)]
    refund_held_cents: i64,
    #[sqlx(default)]
    dispute_status: Option<String>,
    /// Read by `PAYMENT_SELECT` and `OUTCOME_SELECT` (none elsewhere).
    #[sqlx(default)]
    terms_version: Option<String>,
}

/// A payment about to be given its outcome, its vehicle's paid-through date,
/// the client's running balance (`None` before their first ledger entry) and
/// the facts its receipt would state.
#[derive(sqlx::FromRow)]
pub(super) struct OutcomeRow {
    #[sqlx(flatten)]
    pub payment: PaymentRow,
    pub vehicle_paid_through: Option<NaiveDate>,
    pub client_balance_cents: Option<i64>,
    #[sqlx(flatten)]
    pub receipt_facts: super::receipts::ReceiptFacts,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = StoreError;
    fn try_from(r: PaymentRow) -> Result<Payment> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("payment {}: {what}", r.id));
        let status = PaymentStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?;
        let dispute_status = match r.dispute_status.as_deref() {
            None => None,
            Some(s) => Some(DisputeStatus::parse(s).ok_or_else(|| corrupt("dispute status"))?),
        };
        let refundable_cents = match status {
            PaymentStatus::Succeeded if refund::dispute_allows_refund(dispute_status) => {
                refund::refundable(Cents(r.amount_cents), Cents(r.refund_held_cents))
            }
            _ => Cents::ZERO,
        };
        Ok(Payment {
            status,
            refunded_cents: Cents(r.refunded_cents),
            refundable_cents,
            dispute_status,
            method: PaymentMethod::parse(&r.method).ok_or_else(|| corrupt("method"))?,
            id: r.id,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            invoice_id: r.invoice_id,
            invoice_number: r.invoice_number,
            payment_link_id: r.payment_link_id,
            amount_cents: Cents(r.amount_cents),
            currency: r.currency,
            card_brand: r.card_brand,
            card_last4: r.card_last4,
            failure_code: r.failure_code,
            gateway_reference: r.gateway_reference,
            gateway_key: r.gateway_key,
            quote: r.quote.0,
            charge_params: r.charge_params.map(|p| p.0),
            card_id: r.card_id,
            issued_receipt: None,
            terms_version: r.terms_version,
            initiated_by: r.initiated_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Payments from their rows.
pub(super) fn payments(rows: Vec<PaymentRow>) -> Result<Vec<Payment>> {
    rows.into_iter().map(Payment::try_from).collect()
}
