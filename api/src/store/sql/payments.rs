//! [`PaymentStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::invoices::{insert_invoice_rows, invoice_charge};
use super::receipts::{insert_receipt, ReceiptIssue};
use super::webhooks::{emit_all, payment_data};
use super::{cards::keep_card, client_log::insert_log, dialect};
use super::{ledger, Backend, Db};
use crate::domain::ledger::{self as rules, EntryKind};
use crate::domain::webhook::EventType;
use crate::domain::PaymentMethod;
use crate::domain::{
    link_outdated, next_paid_through, period_key, AccountNow, BusinessDay, Cents, InvoiceAmounts,
    LocationTimeZone, MonitorDays, Payment, PaymentStatus, Quote, CURRENCY,
};
use crate::store::payments::{payments, OutcomeRow, PaymentRow};
use crate::store::{
    NewInvoice, NewLedgerEntry, NewLogEntry, NewPayment, PaymentOutcome, PaymentStore, Result,
    StoreError,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;
use uuid::Uuid;

/// A payment with its invoice's number, what its refunds gave back and hold,
/// and its dispute; a `where` clause follows.
pub(super) const PAYMENT_SELECT: &str = "select p.id, p.client_id, p.vehicle_id, p.invoice_id, \
    i.number as invoice_number, p.payment_link_id, p.amount_cents, p.currency, p.status, \
    p.method, p.card_brand, p.card_last4, p.failure_code, p.gateway_reference, p.gateway_key, \
    p.quote, p.charge_params, p.card_id, p.initiated_by, p.created_at, p.updated_at, \
    p.terms_version, \
    cast(coalesce((select sum(r.amount_cents) from refunds r \
        where r.payment_id = p.id and r.status = 'succeeded'), 0) as bigint) as refunded_cents, \
    cast(coalesce((select sum(r.amount_cents) from refunds r \
        where r.payment_id = p.id and r.status <> 'failed'), 0) as bigint) as refund_held_cents, \
    p.dispute_status \
    from payments p left join invoices i on i.id = p.invoice_id ";

/// A payment about to be given its outcome, with its vehicle's paid-through
/// date, the client's balance (run after the client's lock is taken) and
/// what its receipt would say about who paid and where.
pub(super) const OUTCOME_SELECT: &str = "select p.id, p.client_id, p.vehicle_id, p.invoice_id, \
    i.number as invoice_number, p.payment_link_id, p.amount_cents, p.currency, p.status, \
    p.method, p.card_brand, p.card_last4, p.failure_code, p.gateway_reference, p.gateway_key, \
    p.quote, p.charge_params, p.card_id, p.initiated_by, p.created_at, p.updated_at, \
    p.terms_version, \
    v.paid_through as vehicle_paid_through, \
    (select e.balance_after_cents from ledger_entries e where e.client_id = p.client_id \
        order by e.id desc limit 1) as client_balance_cents, \
    c.first_name, c.last_name, c.phone as client_phone, \
    l.time_zone, l.name as location_name, pl.phone as link_phone, \
    v.description as vehicle_description \
    from payments p join clients c on c.id = p.client_id \
    join locations l on l.id = c.location_id \
    left join invoices i on i.id = p.invoice_id \
    left join vehicles v on v.id = p.vehicle_id \
    left join payment_links pl on pl.id = p.payment_link_id where p.id = $1";

const DECLINE_NOTICE_DUE: &str =
    "insert into autopay_decline_notices_due (payment_id, created_at, \
    updated_at) values ($1, $2, $2) on conflict (payment_id) do nothing";

const INSERT_PAYMENT: &str = "insert into payments (id, client_id, vehicle_id, payment_link_id, \
    amount_cents, currency, status, method, card_id, card_brand, card_last4, gateway_key, quote, \
    past_due_cents, credit_cents, initiated_by, created_at, updated_at, charge_params, \
    terms_version, period) \
    values ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, \
    $17, $18, $19) \
    on conflict (gateway_key) do nothing";

/// A link claimed for a refused payment is payable again (for a new quote).
const RELEASE_LINK: &str = "update payment_links set status = 'opened', updated_at = $2 \
    where id = $1 and status = 'paying'";

const TOUCH_OPEN_PAYMENT: &str = "update payments set updated_at = $2 \
    where gateway_key = $1 and status in ('pending', 'unknown')";

const MARK_SUCCEEDED: &str = concat!(
    "update payments set status = 'succeeded', invoice_id = $2, \
    gateway_reference = $3, card_brand = coalesce(card_brand, $4), \
    card_last4 = coalesce(card_last4, $5), updated_at = $6 \
    where id = $1 and status in ",
    crate::open_payment_statuses_sql!()
);

/// The vehicle's paid-through date, when it is this client's vehicle.
pub(super) const VEHICLE_PAID_THROUGH: &str =
    "select paid_through from vehicles where id = $1 and client_id = $2";

/// The time zone of the location whose client owns the vehicle.
const VEHICLE_TIME_ZONE: &str = "select l.time_zone from vehicles v \
    join clients c on c.id = v.client_id join locations l on l.id = c.location_id \
    where v.id = $1";

const SET_CARD: &str = "update payments set card_id = $2 where id = $1";

pub(super) const OPEN_INVOICES: &str =
    "select id from invoices where client_id = $1 and status = 'open'";

const MARK_INVOICE_PAID: &str =
    "update invoices set status = 'paid', updated_at = $2 where id = $1";

const EXTEND_VEHICLE: &str = "update vehicles set paid_through = $2, updated_at = $3 where id = $1";

const MARK_LINK_PAID: &str = "update payment_links set status = 'paid', paid_at = $2, \
    payment_id = $3, updated_at = $2 where id = $1";

const MARK_FAILED: &str = concat!(
    "update payments set status = 'failed', failure_code = $2, \
    updated_at = $3 where id = $1 and status in ",
    crate::open_payment_statuses_sql!(),
    " and ($4 is null or updated_at < $4)"
);

/// A declined card leaves the link payable until it expires.
const REOPEN_PAYMENT_LINK: &str = "update payment_links set status = 'opened', updated_at = $2 \
    where id = (select payment_link_id from payments where id = $1) and status = 'paying'";

const MARK_HELD: &str = "update payments set status = 'held_for_review', failure_code = $2, \
    gateway_reference = $3, updated_at = $4 \
    where id = $1 and status in ('pending', 'unknown', 'failed', 'requires_action')";

const REVOKE_PAYMENT_LINK: &str = "update payment_links set status = 'revoked', \
    revoked_at = $2, updated_at = $2 \
    where id = (select payment_link_id from payments where id = $1) \
    and status in ('sent', 'opened', 'paying')";

const MARK_REQUIRES_ACTION: &str = "update payments set status = 'requires_action', \
    gateway_reference = $2, updated_at = $3 where id = $1 and status = 'pending'";

const AWAITING_AUTHENTICATION: &str = "where p.status = 'requires_action' and p.updated_at < $1 \
    order by p.created_at";

const MARK_UNKNOWN: &str =
    "update payments set status = 'unknown', updated_at = $2 where id = $1 and status = 'pending'";

/// The paid invoice of a period paid from `quote` (by a payment, or with
/// the client's credit): the quote's lines, the balance it carries forward.
pub(super) fn paid_invoice(
    client_id: Uuid,
    vehicle_id: Option<Uuid>,
    quote: &Quote,
    created_by: &str,
    now: DateTime<Utc>,
) -> NewInvoice {
    let amounts = InvoiceAmounts::from_quote(quote, true);
    NewInvoice {
        id: Uuid::new_v4(),
        client_id,
        vehicle_id,
        status: "paid".into(),
        monitor_days: Some(quote.monitor_days),
        lines: amounts.lines,
        subtotal: amounts.subtotal,
        tax: amounts.tax,
        past_due: amounts.past_due,
        total: amounts.total,
        created_by: created_by.to_owned(),
        issued_at: now,
    }
}

/// Marks paid the client's open invoices whose charges the ledger now
/// covers ([`rules::paid_invoices`]), inside `tx` (the client locked).
pub(super) async fn mark_paid_off_invoices(
    tx: &mut sqlx::Transaction<'_, Db>,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let entries = ledger::entries(&mut **tx, client_id).await?;
    let paid = rules::paid_invoices(&entries);
    let open: Vec<Uuid> = sqlx::query_scalar(OPEN_INVOICES)
        .bind(client_id)
        .fetch_all(&mut **tx)
        .await?;
    let now_paid: HashSet<Uuid> = open.into_iter().filter(|id| paid.contains(id)).collect();
    for id in now_paid {
        sqlx::query(MARK_INVOICE_PAID)
            .bind(id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Extends a vehicle paid through `paid_through` by a period of `days`
/// ([`next_paid_through`]) inside `tx` (its client locked); returns the new
/// date. A lapsed period restarts on the business day at `now` in
/// `time_zone`, the IANA zone of the vehicle's location
/// ([`BusinessDay::at`]), never the UTC day.
pub(super) async fn extend_paid_through(
    tx: &mut sqlx::Transaction<'_, Db>,
    vehicle_id: Uuid,
    paid_through: Option<NaiveDate>,
    days: MonitorDays,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<NaiveDate> {
    let today = BusinessDay::at(now, LocationTimeZone::or_utc(time_zone));
    let through = next_paid_through(paid_through, today, days);
    sqlx::query(EXTEND_VEHICLE)
        .bind(vehicle_id)
        .bind(through)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(through)
}

/// The IANA time zone of the location whose client owns vehicle `vehicle_id`.
pub(super) async fn vehicle_time_zone(
    tx: &mut sqlx::Transaction<'_, Db>,
    vehicle_id: Uuid,
) -> Result<String> {
    Ok(sqlx::query_scalar(VEHICLE_TIME_ZONE)
        .bind(vehicle_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// A link's basis under the client's lock, in one statement: whether a
/// payment with charge key `$2` exists already (a retry), the vehicle's
/// paid-through date recorded when the link (`$1`) was sent, the vehicle's
/// now, how many payments for the vehicle are open, and the client's account
/// (`link_client_account!`).
pub(super) const LINK_GUARD: &str = concat!(
    "select exists(select 1 from payments k where k.gateway_key = $2) as retry, \
    l.vehicle_paid_through, v.paid_through, \
    (select count(*) from payments p where p.client_id = l.client_id \
        and p.vehicle_id = l.vehicle_id \
        and p.status in ",
    crate::open_payment_statuses_sql!(),
    ") as open_for_vehicle, ",
    link_client_account!(),
    "from payment_links l \
    left join vehicles v on v.id = l.vehicle_id and v.client_id = l.client_id \
    where l.id = $1"
);

/// How many payments through a link are open for a client's vehicle.
pub(super) const OPEN_LINK_PAYMENTS_FOR_VEHICLE: &str = concat!(
    "select count(*) from payments \
    where client_id = $1 and vehicle_id = $2 and payment_link_id is not null \
    and status in ",
    crate::open_payment_statuses_sql!()
);

/// [`OPEN_LINK_PAYMENTS_FOR_VEHICLE`] (`$1`, `$2`) and whether a payment with
/// charge key `$3` exists already (a retry), in one statement.
pub(super) const OPEN_LINK_PAYMENTS_AND_KEY: &str = concat!(
    "select \
    (select count(*) from payments where client_id = $1 and vehicle_id = $2 \
        and payment_link_id is not null and status in ",
    crate::open_payment_statuses_sql!(),
    ") as open_links, \
    exists(select 1 from payments k where k.gateway_key = $3) as retry"
);

/// What [`refusal`] decided.
enum Checked {
    /// A payment with the charge key exists already: nothing was checked.
    Retry,
    /// The new payment must not be written, for this reason.
    Refused(StoreError),
    /// The new payment may be written.
    Allowed,
}

/// Why the new payment `p` must not be written, decided in `tx` under its
/// client's lock ([`PaymentStore::insert_payment`] lists the rules), unless
/// its charge key names a payment already (a retry): each first check is
/// read with whether the key is taken, in one statement.
async fn refusal(tx: &mut sqlx::Transaction<'_, Db>, p: &NewPayment) -> Result<Checked> {
    let collects = p.quote.past_due_cents != Cents::ZERO || p.quote.credit_cents != Cents::ZERO;
    if let Some(link_id) = p.payment_link_id {
        type Guard = (
            bool,
            Option<NaiveDate>,
            Option<NaiveDate>,
            i64,
            Option<i64>,
            i64,
        );
        let guard: Option<Guard> = sqlx::query_as(LINK_GUARD)
            .bind(link_id)
            .bind(&p.gateway_key)
            .fetch_optional(&mut **tx)
            .await?;
        let Some((retry, sent_paid_through, paid_through, open_for_vehicle, balance, held)) = guard
        else {
            return Err(StoreError::Corrupt(format!(
                "payment's link {link_id} vanished"
            )));
        };
        if retry {
            return Ok(Checked::Retry);
        }
        if open_for_vehicle > 0 {
            return Ok(Checked::Refused(StoreError::VehiclePaymentInProgress));
        }
        let now = AccountNow::from_ledger(Cents(balance.unwrap_or(0)), Cents(held), paid_through);
        return Ok(if link_outdated(&p.quote, sent_paid_through, &now) {
            Checked::Refused(StoreError::PastDueChanged)
        } else {
            Checked::Allowed
        });
    }
    // Any other payment (Take a Payment, Make a Payment, Auto Pay): not while
    // a link's payment for the vehicle is open.
    let (open_links, retry): (i64, bool) = sqlx::query_as(OPEN_LINK_PAYMENTS_AND_KEY)
        .bind(p.client_id)
        .bind(p.vehicle_id)
        .bind(&p.gateway_key)
        .fetch_one(&mut **tx)
        .await?;
    if retry {
        return Ok(Checked::Retry);
    }
    if open_links > 0 {
        return Ok(Checked::Refused(StoreError::VehiclePaymentInProgress));
    }
    // The period the payer was shown: paid by another payment (a link's, just
    // recorded) or a credit since, this one would pay the following period.
    if let Some(shown) = p.expected_paid_through {
        let paid_through: Option<Option<NaiveDate>> = sqlx::query_scalar(VEHICLE_PAID_THROUGH)
            .bind(p.vehicle_id)
            .bind(p.client_id)
            .fetch_optional(&mut **tx)
            .await?;
        if paid_through != Some(shown) {
            return Ok(Checked::Refused(StoreError::PaidThroughChanged));
        }
    }
    if collects {
        let account = ledger::account(tx, p.client_id).await?;
        if !rules::quote_still_stands(&account, p.quote.past_due_cents, p.quote.credit_cents) {
            return Ok(Checked::Refused(StoreError::PastDueChanged));
        }
    }
    Ok(Checked::Allowed)
}

#[async_trait]
impl PaymentStore for Backend {
    async fn insert_payment(&self, p: &NewPayment) -> Result<Payment> {
        let insert = sqlx::query(INSERT_PAYMENT)
            .bind(p.id)
            .bind(p.client_id)
            .bind(p.vehicle_id)
            .bind(p.payment_link_id)
            .bind(p.quote.total_due_cents.0)
            .bind(CURRENCY)
            .bind(p.method.as_str())
            .bind(p.card_id)
            .bind(&p.card_brand)
            .bind(&p.card_last4)
            .bind(&p.gateway_key)
            .bind(sqlx::types::Json(&p.quote))
            .bind(p.quote.past_due_cents.0)
            .bind(p.quote.credit_cents.0)
            .bind(&p.initiated_by)
            .bind(p.now)
            .bind(sqlx::types::Json(&p.charge_params))
            .bind(&p.terms_version)
            .bind(p.expected_paid_through.map(period_key));
        // Under the client's lock: what the checks read is what the write
        // relies on, and no other payment of the client is written meanwhile.
        let mut tx = self.begin_write().await?;
        sqlx::query(dialect::LOCK_CLIENT)
            .bind(p.client_id)
            .execute(&mut *tx)
            .await?;
        let retry = match refusal(&mut tx, p).await? {
            Checked::Retry => true,
            Checked::Allowed => false,
            Checked::Refused(refused) => {
                if let Some(link_id) = p.payment_link_id {
                    sqlx::query(RELEASE_LINK)
                        .bind(link_id)
                        .bind(p.now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                return Err(refused);
            }
        };
        let inserted = !retry && insert.execute(&mut *tx).await?.rows_affected() == 1;
        tx.commit().await?;
        if inserted {
            return Ok(p.pending());
        }
        sqlx::query(TOUCH_OPEN_PAYMENT)
            .bind(&p.gateway_key)
            .bind(p.now)
            .execute(&self.pool)
            .await?;
        self.payment_by_gateway_key(&p.gateway_key)
            .await?
            .ok_or_else(|| StoreError::Corrupt("inserted payment vanished".into()))
    }

    async fn payment(&self, id: Uuid) -> Result<Option<Payment>> {
        let row: Option<PaymentRow> = sqlx::query_as(&format!("{PAYMENT_SELECT}where p.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn payment_by_gateway_key(&self, gateway_key: &str) -> Result<Option<Payment>> {
        let row: Option<PaymentRow> =
            sqlx::query_as(&format!("{PAYMENT_SELECT}where p.gateway_key = $1"))
                .bind(gateway_key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn record_payment_outcome(&self, s: &PaymentOutcome) -> Result<Payment> {
        let mut tx = self.begin_write_as(s.commit).await?;
        // Outcomes of one client's payments are recorded one at a time, and
        // all lock the client row first: two payments paying off the same
        // open invoices would otherwise deadlock. The lock also guards the
        // client's vehicles, open invoices and ledger, which only recorded
        // outcomes change; the payment itself changes state only by the
        // conditional update below.
        sqlx::query(dialect::LOCK_PAYMENT_CLIENT)
            .bind(s.payment_id)
            .execute(&mut *tx)
            .await?;
        let row: OutcomeRow = sqlx::query_as(OUTCOME_SELECT)
            .bind(s.payment_id)
            .fetch_one(&mut *tx)
            .await?;
        let paid_through = row.vehicle_paid_through;
        let receipt_facts = row.receipt_facts;
        let payment: Payment = row.payment.try_into()?;
        // The client's lock is held and the balance read after it was taken.
        let mut ledger = ledger::Appender::locked(
            payment.client_id,
            Cents(row.client_balance_cents.unwrap_or(0)),
        );
        if !payment.status.can_become(PaymentStatus::Succeeded) {
            tx.rollback().await?;
            return Ok(payment);
        }
        let invoice = paid_invoice(
            payment.client_id,
            payment.vehicle_id,
            &payment.quote,
            &payment.initiated_by,
            s.now,
        );
        let number = insert_invoice_rows(&mut tx, &invoice, s.now).await?;
        let card_brand = s.card.as_ref().map(|c| c.brand.clone());
        let card_last4 = s.card.as_ref().map(|c| c.last4.clone());
        let updated = sqlx::query(MARK_SUCCEEDED)
            .bind(payment.id)
            .bind(invoice.id)
            .bind(&s.gateway_reference)
            .bind(&card_brand)
            .bind(&card_last4)
            .bind(s.now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            // Failed in the meantime (a decline recorded elsewhere).
            tx.rollback().await?;
            return self
                .payment(payment.id)
                .await?
                .ok_or_else(|| StoreError::Corrupt("recorded payment vanished".into()));
        }
        // The invoice's charge and the payment, in one statement.
        let payment_entry = NewLedgerEntry {
            client_id: payment.client_id,
            kind: EntryKind::Payment,
            amount: -payment.amount_cents,
            invoice_id: Some(invoice.id),
            payment_id: Some(payment.id),
            vehicle_id: payment.vehicle_id,
            at: s.now,
        };
        let entries: Vec<NewLedgerEntry> = invoice_charge(&invoice)
            .into_iter()
            .chain([payment_entry])
            .collect();
        ledger.append_all(&mut tx, &entries).await?;
        // The card the payment kept: the new one, or the same card already
        // on file (then the payment names that one, and nothing is logged).
        let mut kept_card_id = None;
        if let Some((card, log)) = &s.saved_card {
            let kept = keep_card(&mut tx, card, s.now).await?;
            if !kept.already_on_file {
                insert_log(&mut *tx, log, &log.message, s.now).await?;
            }
            sqlx::query(SET_CARD)
                .bind(payment.id)
                .bind(kept.card.id)
                .execute(&mut *tx)
                .await?;
            kept_card_id = Some(kept.card.id);
        }
        if invoice.past_due > Cents::ZERO {
            // What the payment pays beyond its own invoice pays off older
            // ones: only then can an open invoice become paid.
            mark_paid_off_invoices(&mut tx, payment.client_id, s.now).await?;
        }
        let mut new_paid_through = None;
        if let Some(vehicle_id) = payment.vehicle_id {
            let through = extend_paid_through(
                &mut tx,
                vehicle_id,
                paid_through,
                payment.quote.monitor_days,
                &receipt_facts.time_zone,
                s.now,
            )
            .await?;
            new_paid_through = Some((vehicle_id, through));
        }
        if let Some(link_id) = payment.payment_link_id {
            sqlx::query(MARK_LINK_PAID)
                .bind(link_id)
                .bind(s.now)
                .bind(payment.id)
                .execute(&mut *tx)
                .await?;
        }
        let card_brand = payment.card_brand.clone().or(card_brand);
        let card_last4 = payment.card_last4.clone().or(card_last4);
        let receipt = insert_receipt(
            &mut tx,
            ReceiptIssue {
                receipt: &s.receipt,
                payment_id: payment.id,
                client_id: payment.client_id,
                invoice_number: number,
                card_brand: card_brand.as_deref(),
                card_last4: card_last4.as_deref(),
                lines: &invoice.lines,
                total_cents: payment.amount_cents.0,
                currency: &payment.currency,
                paid_through: new_paid_through,
                now: s.now,
            },
            receipt_facts,
        )
        .await?;
        let message = format!("{}, invoice #{number}", s.log.message);
        insert_log(&mut *tx, &s.log, &message, s.now).await?;
        let succeeded = Payment {
            status: PaymentStatus::Succeeded,
            invoice_id: Some(invoice.id),
            invoice_number: Some(number),
            ..payment.clone()
        };
        let mut events = vec![(EventType::PaymentSucceeded, payment_data(&succeeded, false))];
        if let Some(link_id) = payment.payment_link_id {
            let data = payment_data(&succeeded, true);
            debug_assert_eq!(data["link_id"], serde_json::json!(link_id));
            events.push((EventType::LinkPaid, data));
        }
        emit_all(&mut tx, events, s.now).await?;
        tx.commit().await?;
        Ok(Payment {
            status: PaymentStatus::Succeeded,
            invoice_id: Some(invoice.id),
            invoice_number: Some(number),
            gateway_reference: Some(s.gateway_reference.clone()),
            card_brand,
            card_last4,
            card_id: kept_card_id.or(payment.card_id),
            issued_receipt: Some(Box::new(crate::domain::IssuedReceipt {
                receipt,
                reference: s.receipt.reference.clone(),
            })),
            updated_at: s.now,
            ..payment
        })
    }

    async fn fail_payment(
        &self,
        id: Uuid,
        failure_code: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
        untouched_since: Option<DateTime<Utc>>,
    ) -> Result<Payment> {
        let mut tx = self.begin_write().await?;
        let failed = sqlx::query(MARK_FAILED)
            .bind(id)
            .bind(failure_code)
            .bind(now)
            .bind(untouched_since)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if failed == 1 {
            sqlx::query(REOPEN_PAYMENT_LINK)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            insert_log(&mut *tx, log, &log.message, now).await?;
            let row: PaymentRow = sqlx::query_as(&format!("{PAYMENT_SELECT}where p.id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let failed: Payment = row.try_into()?;
            let mut events = vec![(EventType::PaymentFailed, payment_data(&failed, false))];
            if failed.method == PaymentMethod::Autopay {
                events.push((EventType::AutopayFailed, payment_data(&failed, false)));
            }
            emit_all(&mut tx, events, now).await?;
            if failed.method == PaymentMethod::Autopay {
                // The client's text about the decline is owed from now on,
                // whatever becomes of the call that queues it.
                sqlx::query(DECLINE_NOTICE_DUE)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.payment(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("failed payment vanished".into()))
    }

    async fn mark_payment_unknown(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(MARK_UNKNOWN)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn hold_payment(
        &self,
        id: Uuid,
        reason: &str,
        gateway_reference: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<Payment> {
        let mut tx = self.begin_write().await?;
        let held = sqlx::query(MARK_HELD)
            .bind(id)
            .bind(reason)
            .bind(gateway_reference)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if held == 1 {
            sqlx::query(REVOKE_PAYMENT_LINK)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            insert_log(&mut *tx, log, &log.message, now).await?;
        }
        tx.commit().await?;
        self.payment(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("held payment vanished".into()))
    }

    async fn payments_to_sync(&self, pending_before: DateTime<Utc>) -> Result<Vec<Payment>> {
        let rows = sqlx::query_as(&format!(
            "{PAYMENT_SELECT}where p.status = 'unknown' \
            or (p.status = 'pending' and p.updated_at < $1) order by p.created_at"
        ))
        .bind(pending_before)
        .fetch_all(&self.pool)
        .await?;
        payments(rows)
    }

    async fn client_payments(&self, client_id: Uuid) -> Result<Vec<Payment>> {
        let rows = sqlx::query_as(&format!(
            "{PAYMENT_SELECT}where p.client_id = $1 order by p.created_at desc"
        ))
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        payments(rows)
    }

    async fn mark_payment_requires_action(
        &self,
        id: Uuid,
        gateway_reference: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(sqlx::query(MARK_REQUIRES_ACTION)
            .bind(id)
            .bind(gateway_reference)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    async fn payments_awaiting_authentication(
        &self,
        since_before: DateTime<Utc>,
    ) -> Result<Vec<Payment>> {
        let rows = sqlx::query_as(&format!("{PAYMENT_SELECT}{AWAITING_AUTHENTICATION}"))
            .bind(since_before)
            .fetch_all(&self.pool)
            .await?;
        payments(rows)
    }
}
