//! Refunds of payments, and disputes on them: written before the gateway is
//! called, then given their outcome; each change that moves money writes its
//! ledger entry and its Client Log line in the same transaction.

use super::{NewLogEntry, Result, StoreError};
use crate::domain::refund::{
    CreditRefundError, DisputeStatus, Refund, RefundDestination, RefundError, RefundOrigin,
    RefundSource, RefundStatus,
};
use crate::domain::CreditGrant;
use crate::domain::{Cents, Payment, PaymentStatus};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A refund to record before its gateway call.
#[derive(Clone, Debug)]
pub struct NewRefund {
    pub id: Uuid,
    pub payment_id: Uuid,
    /// What was asked; `None`: all that is left ([`crate::domain::refund::refund_amount`]).
    pub asked: Option<Cents>,
    pub reason: String,
    pub refund_key: String,
    pub requested_by_staff_id: Option<Uuid>,
    pub requested_by: String,
    /// `card`: written `pending` for the gateway; `credit`: written
    /// `succeeded` with its `credit` ledger entry and `kept_log`, and no
    /// gateway call.
    pub destination: RefundDestination,
    /// The Client Log line of a refund kept as credit (its amount is known
    /// only once the store has granted it).
    pub kept_log: Option<AmountLog>,
    pub now: DateTime<Utc>,
}

/// A Client Log line that names an amount the store decides:
/// `{before} {amount} {after}`.
#[derive(Clone, Debug)]
pub struct AmountLog {
    /// Its author (the `message` is not used).
    pub entry: NewLogEntry,
    pub before: String,
    pub after: String,
}

impl AmountLog {
    /// The line, for `amount`.
    pub fn message(&self, amount: Cents) -> String {
        format!("{} {amount} {}", self.before, self.after)
    }
}

/// A refund of a client's credit to record before its gateway call
/// ([`RefundStore::insert_credit_refund`]).
#[derive(Clone, Debug)]
pub struct NewCreditRefund {
    pub id: Uuid,
    pub client_id: Uuid,
    /// What was asked; `None`: all of the credit.
    pub asked: Option<Cents>,
    pub reason: String,
    pub refund_key: String,
    pub requested_by_staff_id: Option<Uuid>,
    pub requested_by: String,
    /// Only payments made since then can take it
    /// ([`crate::domain::refund::CREDIT_REFUND_WINDOW_DAYS`]).
    pub paid_since: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// What [`RefundStore::insert_credit_refund`] did.
#[derive(Clone, Debug)]
pub enum CreditRefundInsert {
    /// Written `pending` (source `credit`) on the chosen payment: call the
    /// gateway.
    Created(Refund),
    /// A refund with this key exists (a retry): this one.
    Existing(Refund),
    /// Refused by [`crate::domain::refund::credit_refund`].
    Refused(CreditRefundError),
}

/// A goodwill credit to grant ([`RefundStore::grant_credit`]).
#[derive(Clone, Debug)]
pub struct NewCreditGrant {
    pub id: Uuid,
    pub client_id: Uuid,
    pub amount: Cents,
    pub reason: String,
    /// One grant per key, ever.
    pub grant_key: String,
    pub granted_by_staff_id: Option<Uuid>,
    pub granted_by: String,
    pub log: NewLogEntry,
    pub now: DateTime<Utc>,
}

/// What [`RefundStore::insert_refund`] did.
#[derive(Clone, Debug)]
pub enum RefundInsert {
    /// Written `pending`: call the gateway.
    Created(Refund),
    /// A refund with this key exists (a retry): this one.
    Existing(Refund),
    /// The payment is not one that can be refunded (not `succeeded`).
    NotRefundable(PaymentStatus),
    /// A dispute on the payment forbids a refund
    /// ([`crate::domain::refund::dispute_allows_refund`]).
    Disputed(DisputeStatus),
    /// The amount is refused by [`crate::domain::refund::refund_amount`].
    Refused(RefundError),
}

/// A refund's new state, as the gateway reported it.
#[derive(Clone, Debug)]
pub struct RefundChange {
    pub refund_id: Uuid,
    pub status: RefundStatus,
    pub gateway_reference: Option<String>,
    pub failure_code: Option<String>,
    /// Written when the change is made (not for `pending`/`unknown`).
    pub log: Option<NewLogEntry>,
    pub now: DateTime<Utc>,
}

/// A refund made in the gateway's dashboard, revealed by its running total.
#[derive(Clone, Debug)]
pub struct OutsideRefund {
    pub payment_id: Uuid,
    /// The refund's reason ("Refunded in Stripe").
    pub reason: String,
    /// Who made it, for the refund and the Client Log ("Stripe Dashboard").
    pub requested_by: String,
    /// The gateway's running total of the payment's refunds.
    pub gateway_total: Cents,
    /// The Client Log line is `{log_before} {amount} {log_after}`
    /// ("Refunded in Stripe: $30.00 of the payment of …").
    pub log_before: String,
    pub log_after: String,
    pub now: DateTime<Utc>,
}

/// A dispute's new state on a payment.
#[derive(Clone, Debug)]
pub struct DisputeChange {
    pub payment_id: Uuid,
    pub status: DisputeStatus,
    pub reference: String,
    /// What a lost dispute took back.
    pub amount: Cents,
    pub log: NewLogEntry,
    pub now: DateTime<Utc>,
}

/// Refunds ([`RefundStatus`]) and disputes.
#[async_trait]
pub trait RefundStore: Send + Sync {
    /// Writes a `pending` refund of the payment under the client's lock,
    /// for the amount [`crate::domain::refund::refund_amount`] grants against the
    /// refunds that hold money, so concurrent requests for the same money
    /// grant it once. A refund with the same key is returned as is.
    async fn insert_refund(&self, refund: &NewRefund) -> Result<RefundInsert>;
    /// Records a refund's new state, if its state machine allows it, in one
    /// transaction: `→ succeeded` appends a `refund` ledger entry,
    /// `succeeded → failed` appends an `adjustment` that takes it back, and
    /// the log is written. Returns the refund as stored.
    async fn record_refund_change(&self, change: &RefundChange) -> Result<Refund>;
    /// Records a refund made in the gateway's dashboard: whatever the
    /// running total holds beyond the payment's refunds that hold money
    /// ([`crate::domain::refund::outside_refund`]), as a `succeeded` refund
    /// with its ledger entry and log line. `None` when there is nothing new
    /// (a repeated or out-of-order event).
    async fn record_outside_refund(&self, refund: &OutsideRefund) -> Result<Option<Refund>>;
    /// Writes a `pending` refund of the client's credit under the client's
    /// lock, on the payment and for the amount
    /// [`crate::domain::refund::credit_refund`] chooses against the credit
    /// left once the open payments and open credit refunds are counted
    /// ([`crate::domain::ledger::account_at`]), so concurrent requests for
    /// the same credit refund it once. A refund with the same key is
    /// returned as is.
    async fn insert_credit_refund(&self, refund: &NewCreditRefund) -> Result<CreditRefundInsert>;
    /// Grants a goodwill credit: the grant, its `credit` ledger entry and
    /// its log line in one transaction; a grant with the same key is
    /// returned as is (and nothing is written again).
    async fn grant_credit(&self, grant: &NewCreditGrant) -> Result<CreditGrant>;
    async fn refund(&self, id: Uuid) -> Result<Option<Refund>>;
    async fn refund_by_key(&self, refund_key: &str) -> Result<Option<Refund>>;
    /// A payment's refunds, oldest first.
    async fn payment_refunds(&self, payment_id: Uuid) -> Result<Vec<Refund>>;
    /// A client's refunds, oldest first.
    async fn client_refunds(&self, client_id: Uuid) -> Result<Vec<Refund>>;
    /// Refunds for the status sync: every `unknown` one, and `pending` ones
    /// not updated since `pending_before`.
    async fn refunds_to_sync(&self, pending_before: DateTime<Utc>) -> Result<Vec<Refund>>;
    /// The payment the gateway knows as `reference` (Stripe: `pi_…`).
    async fn payment_by_gateway_reference(&self, reference: &str) -> Result<Option<Payment>>;
    /// Records a dispute's new state on its payment when
    /// [`crate::domain::refund::dispute_changes`] allows it, with its log
    /// line; a `lost` one appends a `chargeback` ledger entry. False when
    /// nothing changed (a repeated or late event).
    async fn record_dispute(&self, change: &DisputeChange) -> Result<bool>;
}

#[derive(sqlx::FromRow)]
pub(super) struct RefundRow {
    id: Uuid,
    payment_id: Uuid,
    client_id: Uuid,
    amount_cents: i64,
    currency: String,
    reason: String,
    status: String,
    failure_code: Option<String>,
    origin: String,
    destination: String,
    source: String,
    refund_key: String,
    gateway_reference: Option<String>,
    requested_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    charge_reference: Option<String>,
}

impl TryFrom<RefundRow> for Refund {
    type Error = StoreError;
    fn try_from(r: RefundRow) -> Result<Refund> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("refund {}: {what}", r.id));
        Ok(Refund {
            status: RefundStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            origin: RefundOrigin::parse(&r.origin).ok_or_else(|| corrupt("origin"))?,
            destination: RefundDestination::parse(&r.destination)
                .ok_or_else(|| corrupt("destination"))?,
            source: RefundSource::parse(&r.source).ok_or_else(|| corrupt("source"))?,
            id: r.id,
            payment_id: r.payment_id,
            client_id: r.client_id,
            amount_cents: Cents(r.amount_cents),
            currency: r.currency,
            reason: r.reason,
            failure_code: r.failure_code,
            refund_key: r.refund_key,
            gateway_reference: r.gateway_reference,
            requested_by: r.requested_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            charge_reference: r.charge_reference,
        })
    }
}

/// Refunds from their rows.
pub(super) fn refunds(rows: Vec<RefundRow>) -> Result<Vec<Refund>> {
    rows.into_iter().map(Refund::try_from).collect()
}
