//! [`RefundStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::payments::PAYMENT_SELECT;
use super::webhooks::{emit, refund_data};
use super::{client_log::insert_log, dialect, ledger, Backend, Db};
use crate::domain::ledger::EntryKind;
use crate::domain::refund::{
    self as rules, CreditRefundCandidate, DisputeStatus, Refund, RefundDestination, RefundOrigin,
    RefundSource, RefundStatus,
};
use crate::domain::webhook::EventType;
use crate::domain::CreditGrant;
use crate::domain::{Cents, Payment, PaymentStatus};
use crate::store::payments::PaymentRow;
use crate::store::refunds::{refunds, RefundRow};
use crate::store::{
    CreditRefundInsert, DisputeChange, NewCreditGrant, NewCreditRefund, NewLedgerEntry,
    NewLogEntry, NewRefund, OutsideRefund, RefundChange, RefundInsert, RefundStore, Result,
    StoreError,
};
use async_trait::async_trait;
use uuid::Uuid;

/// A refund with the gateway reference of the payment it refunds; a `where`
/// clause follows.
const REFUND_SELECT: &str = "select r.id, r.payment_id, r.client_id, r.amount_cents, r.currency, \
    r.reason, r.status, r.failure_code, r.origin, r.destination, r.source, r.refund_key, \
    r.gateway_reference, \
    r.requested_by, r.created_at, r.updated_at, p.gateway_reference as charge_reference \
    from refunds r join payments p on p.id = r.payment_id ";

const INSERT_REFUND: &str = "insert into refunds (id, payment_id, client_id, amount_cents, \
    currency, reason, status, origin, refund_key, gateway_reference, requested_by_staff_id, \
    requested_by, created_at, updated_at, destination, source) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)";

/// What a refund needs of its payment.
const PAYMENT_FOR_REFUND: &str = "select client_id, vehicle_id, invoice_id, status, \
    amount_cents, currency, dispute_status from payments where id = $1";

/// What the payment's refunds hold: every one but the failed.
const HELD: &str = "select cast(coalesce(sum(amount_cents), 0) as bigint) from refunds \
    where payment_id = $1 and status <> 'failed'";

/// What the payment's refunds through the gateway hold: those [`HELD`]
/// counts but the ones kept as credit, which the gateway never saw, so its
/// running refund total does not count them.
const HELD_AT_GATEWAY: &str = "select cast(coalesce(sum(amount_cents), 0) as bigint) \
    from refunds where payment_id = $1 and status <> 'failed' and destination = 'card'";

const UPDATE_REFUND: &str = "update refunds set status = $2, \
    gateway_reference = coalesce($3, gateway_reference), \
    failure_code = coalesce($4, failure_code), updated_at = $5 where id = $1 and status = $6";

/// The client's payments a credit refund could go back to, newest first:
/// succeeded through the gateway since `$2`, with what their refunds hold.
const CREDIT_REFUND_PAYMENTS: &str = "select p.id, p.amount_cents, p.dispute_status, \
    cast(coalesce((select sum(r.amount_cents) from refunds r \
        where r.payment_id = p.id and r.status <> 'failed'), 0) as bigint) as held_cents \
    from payments p where p.client_id = $1 and p.status = 'succeeded' \
    and p.gateway_reference is not null and p.created_at >= $2 \
    order by p.created_at desc, p.id";

const GRANT_SELECT: &str = "select id, client_id, amount_cents, currency, reason, granted_by, \
    created_at from credit_grants ";

const INSERT_GRANT: &str = "insert into credit_grants (id, client_id, amount_cents, currency, \
    reason, grant_key, granted_by_staff_id, granted_by, created_at) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

#[derive(sqlx::FromRow)]
struct CreditRefundPayment {
    id: Uuid,
    amount_cents: i64,
    dispute_status: Option<String>,
    held_cents: i64,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    client_id: Uuid,
    amount_cents: i64,
    currency: String,
    reason: String,
    granted_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<GrantRow> for CreditGrant {
    fn from(r: GrantRow) -> CreditGrant {
        CreditGrant {
            id: r.id,
            client_id: r.client_id,
            amount_cents: Cents(r.amount_cents),
            currency: r.currency,
            reason: r.reason,
            granted_by: r.granted_by,
            created_at: r.created_at,
        }
    }
}

const SET_DISPUTE: &str = "update payments set dispute_status = $2, dispute_reference = $3, \
    updated_at = $4 where id = $1";

#[derive(sqlx::FromRow)]
struct PaymentForRefund {
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    invoice_id: Option<Uuid>,
    status: String,
    amount_cents: i64,
    currency: String,
    dispute_status: Option<String>,
}

impl PaymentForRefund {
    fn status(&self) -> Result<PaymentStatus> {
        PaymentStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt("payment: status".into()))
    }

    fn dispute(&self) -> Result<Option<DisputeStatus>> {
        self.dispute_status
            .as_deref()
            .map(|s| {
                DisputeStatus::parse(s)
                    .ok_or_else(|| StoreError::Corrupt("payment: dispute status".into()))
            })
            .transpose()
    }
}

async fn payment_for_refund<'e, E>(executor: E, payment_id: Uuid) -> Result<PaymentForRefund>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    sqlx::query_as(PAYMENT_FOR_REFUND)
        .bind(payment_id)
        .fetch_optional(executor)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("payment {payment_id} vanished")))
}

async fn held<'e, E>(executor: E, payment_id: Uuid) -> Result<Cents>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    held_by(executor, HELD, payment_id).await
}

/// What `query` ([`HELD`] or [`HELD_AT_GATEWAY`]) sums for the payment.
async fn held_by<'e, E>(executor: E, query: &str, payment_id: Uuid) -> Result<Cents>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let held: i64 = sqlx::query_scalar(query)
        .bind(payment_id)
        .fetch_one(executor)
        .await?;
    Ok(Cents(held))
}

#[async_trait]
impl RefundStore for Backend {
    async fn insert_refund(&self, r: &NewRefund) -> Result<RefundInsert> {
        let mut tx = self.begin_write().await?;
        // One client's refunds and payment outcomes are written one at a
        // time: the sum of a payment's refunds is read and extended under it.
        sqlx::query(dialect::LOCK_PAYMENT_CLIENT)
            .bind(r.payment_id)
            .execute(&mut *tx)
            .await?;
        let existing: Option<RefundRow> =
            sqlx::query_as(&format!("{REFUND_SELECT}where r.refund_key = $1"))
                .bind(&r.refund_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(existing) = existing {
            tx.rollback().await?;
            return Ok(RefundInsert::Existing(existing.try_into()?));
        }
        let payment = payment_for_refund(&mut *tx, r.payment_id).await?;
        let status = payment.status()?;
        if status != PaymentStatus::Succeeded {
            tx.rollback().await?;
            return Ok(RefundInsert::NotRefundable(status));
        }
        if let Some(dispute) = payment
            .dispute()?
            .filter(|d| !rules::dispute_allows_refund(Some(*d)))
        {
            tx.rollback().await?;
            return Ok(RefundInsert::Disputed(dispute));
        }
        let held = held(&mut *tx, r.payment_id).await?;
        let amount = match rules::refund_amount(r.asked, Cents(payment.amount_cents), held) {
            Ok(amount) => amount,
            Err(refused) => {
                tx.rollback().await?;
                return Ok(RefundInsert::Refused(refused));
            }
        };
        // A refund kept as credit moves no money at the gateway: it is made
        // here, with its ledger entry and log line, or not at all.
        let status = match r.destination {
            RefundDestination::Card => RefundStatus::Pending,
            RefundDestination::Credit => RefundStatus::Succeeded,
        };
        sqlx::query(INSERT_REFUND)
            .bind(r.id)
            .bind(r.payment_id)
            .bind(payment.client_id)
            .bind(amount.0)
            .bind(&payment.currency)
            .bind(&r.reason)
            .bind(status.as_str())
            .bind(RefundOrigin::Api.as_str())
            .bind(&r.refund_key)
            .bind(None::<String>)
            .bind(r.requested_by_staff_id)
            .bind(&r.requested_by)
            .bind(r.now)
            .bind(r.destination.as_str())
            .bind(RefundSource::Payment.as_str())
            .execute(&mut *tx)
            .await?;
        if r.destination == RefundDestination::Credit {
            let entry = NewLedgerEntry {
                client_id: payment.client_id,
                kind: EntryKind::Credit,
                amount: -amount,
                invoice_id: payment.invoice_id,
                payment_id: Some(r.payment_id),
                vehicle_id: payment.vehicle_id,
                at: r.now,
            };
            ledger::append(&mut tx, &entry).await?;
            if let Some(log) = &r.kept_log {
                insert_log(&mut *tx, &log.entry, &log.message(amount), r.now).await?;
            }
        }
        let created: RefundRow = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(r.id)
            .fetch_one(&mut *tx)
            .await?;
        let created: Refund = created.try_into()?;
        if created.status == RefundStatus::Succeeded {
            emit(
                &mut tx,
                EventType::PaymentRefunded,
                refund_data(&created),
                r.now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(RefundInsert::Created(created))
    }

    async fn record_refund_change(&self, c: &RefundChange) -> Result<Refund> {
        let before = self
            .refund(c.refund_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("refund {} vanished", c.refund_id)))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(before.client_id)
            .execute(&mut *tx)
            .await?;
        let row: RefundRow = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(c.refund_id)
            .fetch_one(&mut *tx)
            .await?;
        let refund: Refund = row.try_into()?;
        let current = refund.status;
        if current != c.status && !current.can_become(c.status) {
            tx.rollback().await?;
            return Ok(refund);
        }
        sqlx::query(UPDATE_REFUND)
            .bind(refund.id)
            .bind(c.status.as_str())
            .bind(&c.gateway_reference)
            .bind(&c.failure_code)
            .bind(c.now)
            .bind(current.as_str())
            .execute(&mut *tx)
            .await?;
        if current != c.status {
            let payment = payment_for_refund(&mut *tx, refund.payment_id).await?;
            let entry = |kind, amount| NewLedgerEntry {
                client_id: refund.client_id,
                kind,
                amount,
                invoice_id: payment.invoice_id,
                payment_id: Some(refund.payment_id),
                vehicle_id: payment.vehicle_id,
                at: c.now,
            };
            match (current, c.status) {
                (_, RefundStatus::Succeeded) => {
                    ledger::append(&mut tx, &entry(EntryKind::Refund, refund.amount_cents)).await?;
                }
                // The gateway took back a refund it had reported made.
                (RefundStatus::Succeeded, RefundStatus::Failed) => {
                    ledger::append(&mut tx, &entry(EntryKind::Adjustment, -refund.amount_cents))
                        .await?;
                }
                _ => {}
            }
            if let Some(log) = &c.log {
                insert_log(&mut *tx, log, &log.message, c.now).await?;
            }
        }
        let row: RefundRow = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(c.refund_id)
            .fetch_one(&mut *tx)
            .await?;
        let changed: Refund = row.try_into()?;
        if current != c.status && c.status == RefundStatus::Succeeded {
            emit(
                &mut tx,
                EventType::PaymentRefunded,
                refund_data(&changed),
                c.now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn record_outside_refund(&self, o: &OutsideRefund) -> Result<Option<Refund>> {
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_PAYMENT_CLIENT)
            .bind(o.payment_id)
            .execute(&mut *tx)
            .await?;
        let payment = payment_for_refund(&mut *tx, o.payment_id).await?;
        let held = held(&mut *tx, o.payment_id).await?;
        let at_gateway = held_by(&mut *tx, HELD_AT_GATEWAY, o.payment_id).await?;
        let left = rules::refundable(Cents(payment.amount_cents), held);
        // The gateway's total counts only what went back through it: a
        // refund kept as credit is no part of it, though it holds its money.
        let amount =
            rules::outside_refund(o.gateway_total, at_gateway).map(|outside| outside.min(left));
        let (PaymentStatus::Succeeded, Some(amount)) = (payment.status()?, amount) else {
            tx.rollback().await?;
            return Ok(None);
        };
        if amount <= Cents::ZERO {
            tx.rollback().await?;
            return Ok(None);
        }
        let id = Uuid::new_v4();
        let inserted = sqlx::query(&format!(
            "{INSERT_REFUND} on conflict (refund_key) do nothing"
        ))
        .bind(id)
        .bind(o.payment_id)
        .bind(payment.client_id)
        .bind(amount.0)
        .bind(&payment.currency)
        .bind(&o.reason)
        .bind(RefundStatus::Succeeded.as_str())
        .bind(RefundOrigin::Gateway.as_str())
        .bind(rules::outside_refund_key(o.payment_id, o.gateway_total))
        .bind(None::<String>)
        .bind(None::<Uuid>)
        .bind(&o.requested_by)
        .bind(o.now)
        .bind(RefundDestination::Card.as_str())
        .bind(RefundSource::Payment.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let entry = NewLedgerEntry {
            client_id: payment.client_id,
            kind: EntryKind::Refund,
            amount,
            invoice_id: payment.invoice_id,
            payment_id: Some(o.payment_id),
            vehicle_id: payment.vehicle_id,
            at: o.now,
        };
        ledger::append(&mut tx, &entry).await?;
        let log = NewLogEntry {
            client_id: payment.client_id,
            author_kind: crate::domain::AuthorKind::System,
            author_name: o.requested_by.clone(),
            message: format!("{} {amount} {}", o.log_before, o.log_after),
        };
        insert_log(&mut *tx, &log, &log.message, o.now).await?;
        let row: RefundRow = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let refund: Refund = row.try_into()?;
        emit(
            &mut tx,
            EventType::PaymentRefunded,
            refund_data(&refund),
            o.now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(refund))
    }

    async fn insert_credit_refund(&self, r: &NewCreditRefund) -> Result<CreditRefundInsert> {
        let mut tx = self.begin_write().await?;
        // Under the client's lock: the credit read here is the credit this
        // refund reserves (as an open credit refund) before the lock is let go.
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(r.client_id)
            .execute(&mut *tx)
            .await?;
        let existing: Option<RefundRow> =
            sqlx::query_as(&format!("{REFUND_SELECT}where r.refund_key = $1"))
                .bind(&r.refund_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(existing) = existing {
            tx.rollback().await?;
            return Ok(CreditRefundInsert::Existing(existing.try_into()?));
        }
        let account = ledger::account(&mut tx, r.client_id).await?;
        let payments: Vec<CreditRefundPayment> = sqlx::query_as(CREDIT_REFUND_PAYMENTS)
            .bind(r.client_id)
            .bind(r.paid_since)
            .fetch_all(&mut *tx)
            .await?;
        let mut candidates = Vec::with_capacity(payments.len());
        for p in &payments {
            let dispute = p
                .dispute_status
                .as_deref()
                .map(|s| {
                    DisputeStatus::parse(s)
                        .ok_or_else(|| StoreError::Corrupt("payment: dispute status".into()))
                })
                .transpose()?;
            if rules::dispute_allows_refund(dispute) {
                candidates.push(CreditRefundCandidate {
                    payment_id: p.id,
                    refundable: rules::refundable(Cents(p.amount_cents), Cents(p.held_cents)),
                });
            }
        }
        let (payment_id, amount) = match rules::credit_refund(r.asked, account.credit, &candidates)
        {
            Ok(chosen) => chosen,
            Err(refused) => {
                tx.rollback().await?;
                return Ok(CreditRefundInsert::Refused(refused));
            }
        };
        let payment = payment_for_refund(&mut *tx, payment_id).await?;
        sqlx::query(INSERT_REFUND)
            .bind(r.id)
            .bind(payment_id)
            .bind(r.client_id)
            .bind(amount.0)
            .bind(&payment.currency)
            .bind(&r.reason)
            .bind(RefundStatus::Pending.as_str())
            .bind(RefundOrigin::Api.as_str())
            .bind(&r.refund_key)
            .bind(None::<String>)
            .bind(r.requested_by_staff_id)
            .bind(&r.requested_by)
            .bind(r.now)
            .bind(RefundDestination::Card.as_str())
            .bind(RefundSource::Credit.as_str())
            .execute(&mut *tx)
            .await?;
        let created: RefundRow = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(r.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(CreditRefundInsert::Created(created.try_into()?))
    }

    async fn grant_credit(&self, g: &NewCreditGrant) -> Result<CreditGrant> {
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(g.client_id)
            .execute(&mut *tx)
            .await?;
        let existing: Option<GrantRow> =
            sqlx::query_as(&format!("{GRANT_SELECT}where grant_key = $1"))
                .bind(&g.grant_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(existing) = existing {
            tx.rollback().await?;
            return Ok(existing.into());
        }
        sqlx::query(INSERT_GRANT)
            .bind(g.id)
            .bind(g.client_id)
            .bind(g.amount.0)
            .bind(crate::domain::CURRENCY)
            .bind(&g.reason)
            .bind(&g.grant_key)
            .bind(g.granted_by_staff_id)
            .bind(&g.granted_by)
            .bind(g.now)
            .execute(&mut *tx)
            .await?;
        let entry = NewLedgerEntry {
            client_id: g.client_id,
            kind: EntryKind::Credit,
            amount: -g.amount,
            invoice_id: None,
            payment_id: None,
            vehicle_id: None,
            at: g.now,
        };
        ledger::append(&mut tx, &entry).await?;
        insert_log(&mut *tx, &g.log, &g.log.message, g.now).await?;
        let row: GrantRow = sqlx::query_as(&format!("{GRANT_SELECT}where id = $1"))
            .bind(g.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    async fn refund(&self, id: Uuid) -> Result<Option<Refund>> {
        let row: Option<RefundRow> = sqlx::query_as(&format!("{REFUND_SELECT}where r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn refund_by_key(&self, refund_key: &str) -> Result<Option<Refund>> {
        let row: Option<RefundRow> =
            sqlx::query_as(&format!("{REFUND_SELECT}where r.refund_key = $1"))
                .bind(refund_key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn payment_refunds(&self, payment_id: Uuid) -> Result<Vec<Refund>> {
        let rows = sqlx::query_as(&format!(
            "{REFUND_SELECT}where r.payment_id = $1 order by r.created_at, r.id"
        ))
        .bind(payment_id)
        .fetch_all(&self.pool)
        .await?;
        refunds(rows)
    }

    async fn client_refunds(&self, client_id: Uuid) -> Result<Vec<Refund>> {
        let rows = sqlx::query_as(&format!(
            "{REFUND_SELECT}where r.client_id = $1 order by r.created_at, r.id"
        ))
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        refunds(rows)
    }

    async fn refunds_to_sync(
        &self,
        pending_before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Refund>> {
        let rows = sqlx::query_as(&format!(
            "{REFUND_SELECT}where r.origin = 'api' and (r.status = 'unknown' \
            or (r.status = 'pending' and r.updated_at < $1)) order by r.created_at"
        ))
        .bind(pending_before)
        .fetch_all(&self.pool)
        .await?;
        refunds(rows)
    }

    async fn payment_by_gateway_reference(&self, reference: &str) -> Result<Option<Payment>> {
        let row: Option<PaymentRow> =
            sqlx::query_as(&format!("{PAYMENT_SELECT}where p.gateway_reference = $1"))
                .bind(reference)
                .fetch_optional(&self.pool)
                .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn record_dispute(&self, d: &DisputeChange) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_PAYMENT_CLIENT)
            .bind(d.payment_id)
            .execute(&mut *tx)
            .await?;
        let payment = payment_for_refund(&mut *tx, d.payment_id).await?;
        if !rules::dispute_changes(payment.dispute()?, d.status) {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(SET_DISPUTE)
            .bind(d.payment_id)
            .bind(d.status.as_str())
            .bind(&d.reference)
            .bind(d.now)
            .execute(&mut *tx)
            .await?;
        if d.status == DisputeStatus::Lost && payment.status()? == PaymentStatus::Succeeded {
            let amount = d.amount.min(Cents(payment.amount_cents));
            if amount > Cents::ZERO {
                let entry = NewLedgerEntry {
                    client_id: payment.client_id,
                    kind: EntryKind::Chargeback,
                    amount,
                    invoice_id: payment.invoice_id,
                    payment_id: Some(d.payment_id),
                    vehicle_id: payment.vehicle_id,
                    at: d.now,
                };
                ledger::append(&mut tx, &entry).await?;
            }
        }
        insert_log(&mut *tx, &d.log, &d.log.message, d.now).await?;
        tx.commit().await?;
        Ok(true)
    }
}
