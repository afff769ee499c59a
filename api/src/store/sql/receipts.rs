//! [`ReceiptStore`] in SQL, compiled once per backend (see `sql/mod.rs`),
//! and the receipt a payment's success writes in its transaction.

use super::{dialect, Backend, Db};
use crate::domain::receipt::payer;
use crate::domain::refund::{RefundDestination, RefundSource};
use crate::domain::{Line, PaidThrough, Payer, PhoneNumber, Receipt, ReceiptRefund};
use crate::store::receipts::{ReceiptFacts, ReceiptRow};
use crate::store::{NewReceipt, ReceiptStore, Result, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A receipt's text in the outbox (no payment link of its own), unless the
/// phone opted out of texts.
const INSERT_RECEIPT_SMS: &str = "insert into sms_outbox (id, payment_link_id, to_phone, \
    body_sealed, status, attempts, next_attempt_at, created_at, updated_at) \
    select $1, null, $2, $3, 'queued', 0, $4, $4, $4 \
    where not exists (select 1 from sms_opt_outs where phone = $2)";

/// A receipt with its payment's invoice number; a `where` clause follows.
pub(super) const RECEIPT_SELECT: &str =
    "select r.id, r.number, r.payment_id, i.number as invoice_number, \
    r.issued_at, r.time_zone, r.location_name, r.payer, r.card_brand, r.card_last4, r.lines, \
    r.total_cents, r.currency, r.vehicles \
    from receipts r join payments p on p.id = r.payment_id \
    left join invoices i on i.id = p.invoice_id ";

/// The receipt of a payment that has just succeeded, as it is issued.
pub(super) struct ReceiptIssue<'a> {
    pub receipt: &'a NewReceipt,
    pub payment_id: Uuid,
    pub client_id: Uuid,
    /// The number of the invoice the payment created.
    pub invoice_number: i64,
    pub card_brand: Option<&'a str>,
    pub card_last4: Option<&'a str>,
    pub lines: &'a [Line],
    pub total_cents: i64,
    pub currency: &'a str,
    /// The vehicle paid for and its new paid-through date.
    pub paid_through: Option<(Uuid, NaiveDate)>,
    pub now: DateTime<Utc>,
}

/// Writes the receipt of a payment that has just succeeded, inside the
/// transaction that records the success, and returns it as issued (no
/// refunds yet).
///
/// Its receipt text is queued (sealed) in the same transaction: to the
/// payer's phone and, when a third party paid, to the client's too.
pub(super) async fn insert_receipt(
    tx: &mut sqlx::Transaction<'_, Db>,
    issued: ReceiptIssue<'_>,
    facts: ReceiptFacts,
) -> Result<Receipt> {
    let name = format!("{} {}", facts.first_name, facts.last_name);
    let vehicles: Vec<PaidThrough> = issued
        .paid_through
        .map(|(vehicle_id, paid_through)| PaidThrough {
            vehicle_id,
            description: facts.vehicle_description.unwrap_or_default(),
            paid_through,
        })
        .into_iter()
        .collect();
    let paid_by = payer(&name, &facts.client_phone, facts.link_phone.as_deref());
    let number: i64 = sqlx::query_scalar(dialect::INSERT_RECEIPT)
        .bind(issued.receipt.id)
        .bind(issued.payment_id)
        .bind(issued.client_id)
        .bind(issued.receipt.reference.hash())
        .bind(issued.now)
        .bind(&facts.time_zone)
        .bind(&facts.location_name)
        .bind(sqlx::types::Json(&paid_by))
        .bind(issued.card_brand)
        .bind(issued.card_last4)
        .bind(sqlx::types::Json(issued.lines))
        .bind(issued.total_cents)
        .bind(issued.currency)
        .bind(sqlx::types::Json(&vehicles))
        .fetch_one(&mut **tx)
        .await?;
    let payer_phone = match paid_by {
        Payer::ThirdParty { .. } => facts.link_phone.as_deref(),
        Payer::Client { .. } => None,
    };
    for phone in payer_phone
        .into_iter()
        .chain([facts.client_phone.as_str()])
        .filter_map(|phone| PhoneNumber::parse(phone).ok())
    {
        sqlx::query(INSERT_RECEIPT_SMS)
            .bind(Uuid::new_v4())
            .bind(phone.to_string())
            .bind(&issued.receipt.sms_body_sealed)
            .bind(issued.now)
            .execute(&mut **tx)
            .await?;
    }
    ReceiptRow {
        id: issued.receipt.id,
        number,
        payment_id: issued.payment_id,
        invoice_number: Some(issued.invoice_number),
        issued_at: issued.now,
        time_zone: facts.time_zone,
        location_name: facts.location_name,
        payer: sqlx::types::Json(paid_by),
        card_brand: issued.card_brand.map(str::to_owned),
        card_last4: issued.card_last4.map(str::to_owned),
        lines: sqlx::types::Json(issued.lines.to_vec()),
        total_cents: issued.total_cents,
        currency: issued.currency.to_owned(),
        vehicles: sqlx::types::Json(vehicles),
    }
    .into_receipt(Vec::new())
}

/// The refunds of payment `payment_id` that succeeded, oldest first.
const REFUNDS_OF: &str = "select amount_cents, created_at, destination, source from refunds \
    where payment_id = $1 and status = 'succeeded' order by created_at, id";

/// The refunds of payment `payment_id` that succeeded, oldest first, dated
/// on the clock of the location whose zone is `time_zone`.
async fn refunds_of(
    pool: &sqlx::Pool<Db>,
    payment_id: Uuid,
    time_zone: &str,
) -> Result<Vec<ReceiptRefund>> {
    let rows: Vec<(i64, DateTime<Utc>, String, String)> = sqlx::query_as(REFUNDS_OF)
        .bind(payment_id)
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(|(amount, created_at, destination, source)| {
            let corrupt =
                |what: &str| StoreError::Corrupt(format!("refund of {payment_id}: {what}"));
            Ok(ReceiptRefund::new(
                crate::domain::Cents(amount),
                created_at,
                RefundDestination::parse(&destination).ok_or_else(|| corrupt("destination"))?,
                RefundSource::parse(&source).ok_or_else(|| corrupt("source"))?,
                time_zone,
            ))
        })
        .collect()
}

async fn receipt(pool: &sqlx::Pool<Db>, row: ReceiptRow) -> Result<Receipt> {
    let refunds = refunds_of(pool, row.payment_id(), row.time_zone()).await?;
    row.into_receipt(refunds)
}

async fn receipt_of(pool: &sqlx::Pool<Db>, row: Option<ReceiptRow>) -> Result<Option<Receipt>> {
    match row {
        Some(row) => Ok(Some(receipt(pool, row).await?)),
        None => Ok(None),
    }
}

#[async_trait]
impl ReceiptStore for Backend {
    async fn receipt_by_reference_hash(&self, reference_hash: &[u8]) -> Result<Option<Receipt>> {
        let row: Option<ReceiptRow> =
            sqlx::query_as(&format!("{RECEIPT_SELECT}where r.reference_hash = $1"))
                .bind(reference_hash)
                .fetch_optional(&self.pool)
                .await?;
        receipt_of(&self.pool, row).await
    }

    async fn client_receipt(&self, client_id: Uuid, id: Uuid) -> Result<Option<Receipt>> {
        let row: Option<ReceiptRow> = sqlx::query_as(&format!(
            "{RECEIPT_SELECT}where r.id = $1 and r.client_id = $2"
        ))
        .bind(id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        receipt_of(&self.pool, row).await
    }

    async fn client_receipts(&self, client_id: Uuid) -> Result<Vec<Receipt>> {
        let rows: Vec<ReceiptRow> = sqlx::query_as(&format!(
            "{RECEIPT_SELECT}where r.client_id = $1 order by r.issued_at desc, r.number desc"
        ))
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        let mut receipts = Vec::with_capacity(rows.len());
        for row in rows {
            receipts.push(receipt(&self.pool, row).await?);
        }
        Ok(receipts)
    }

    async fn payment_receipt(&self, payment_id: Uuid) -> Result<Option<Receipt>> {
        let row: Option<ReceiptRow> =
            sqlx::query_as(&format!("{RECEIPT_SELECT}where r.payment_id = $1"))
                .bind(payment_id)
                .fetch_optional(&self.pool)
                .await?;
        receipt_of(&self.pool, row).await
    }
}
