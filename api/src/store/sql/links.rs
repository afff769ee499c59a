//! [`LinkStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::webhooks::{emit, link_data};
use super::{client_log::insert_log, Backend};
use crate::domain::webhook::{EventType, LinkEventData};
use crate::domain::PaymentLink;
use crate::store::links::{LinkRow, PayerLink, PayerLinkRow};
use crate::store::{LinkStore, NewLink, NewLogEntry, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A link with its latest SMS (the outbox row it queued last); a `where`
/// clause follows.
pub(super) const LINK_SELECT: &str =
    "select l.id, l.client_id, l.vehicle_id, l.phone, l.quote, l.status, \
    l.sent_at, l.expires_at, l.opened_at, l.paid_at, l.revoked_at, l.payment_id, \
    o.status as sms_status, o.error_code as sms_error_code, \
    o.failure_reason as sms_failure_reason, l.sent_via, l.sender_name, l.payer, \
    l.vehicle_paid_through \
    from payment_links l \
    left join sms_outbox o on o.id = ( \
        select o2.id from sms_outbox o2 where o2.payment_link_id = l.id \
        order by o2.created_at desc limit 1) ";

/// A link by its token hash, with the client's first name and the vehicle's
/// description, for its payer (no SMS status), and what the out-of-date rule
/// reads ([`crate::domain::link_outdated`]), in the same statement (issue 16,
/// item 8: one read per page load): the vehicle's paid-through date now and
/// the client's account (`link_client_account!`).
pub(super) const PAYER_LINK: &str = concat!(
    "select l.id, l.client_id, l.vehicle_id, l.phone, l.quote, l.status, \
    l.sent_at, l.expires_at, l.opened_at, l.paid_at, l.revoked_at, l.payment_id, \
    cast(null as text) as sms_status, cast(null as bigint) as sms_error_code, \
    cast(null as text) as sms_failure_reason, \
    cast(null as text) as sent_via, cast(null as text) as sender_name, l.payer, \
    l.vehicle_paid_through, \
    c.first_name as client_first_name, c.last_name as client_last_name, \
    c.language as client_language, \
    v.description as vehicle_description, v.paid_through as vehicle_paid_through_now, ",
    link_client_account!(),
    "from payment_links l join clients c on c.id = l.client_id \
    left join vehicles v on v.id = l.vehicle_id and v.client_id = l.client_id \
    where l.token_hash = $1"
);

const INSERT_LINK: &str = "insert into payment_links (id, client_id, vehicle_id, token_hash, \
    phone, quote, amount_cents, status, sent_at, expires_at, created_by, sent_by_client, created_at, \
    updated_at, payer, vehicle_paid_through, sent_via, sender_name) \
    values ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9, $12, $13, $8, $8, $10, $11, $14, $15)";

/// A renewal ("Text me a new link") keeps who sent the link it replaces:
/// the staff member or the client (`$10`: the replaced link's id).
const INSERT_RENEWED_LINK: &str = "insert into payment_links (id, client_id, vehicle_id, \
    token_hash, phone, quote, amount_cents, status, sent_at, expires_at, created_by, sent_by_client, \
    created_at, updated_at, payer, vehicle_paid_through, sent_via, sender_name) \
    select $1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9, created_by, sent_by_client, $8, $8, $10, $11, \
    sent_via, sender_name from payment_links where id = $12";

const INSERT_LINK_SMS: &str = "insert into sms_outbox (id, payment_link_id, to_phone, \
    body_sealed, status, attempts, next_attempt_at, created_at, updated_at) \
    values ($1, $2, $3, $4, 'queued', 0, $5, $5, $5)";

const MARK_OPENED: &str = "update payment_links set status = 'opened', opened_at = $2, \
    updated_at = $2 where id = $1 and status = 'sent'";

pub(super) const CLAIM: &str = "update payment_links set status = 'paying', updated_at = $2 \
    where id = $1 and status in ('sent', 'opened') and expires_at > $2";

const RELEASE_STALE_CLAIMS: &str = "update payment_links set status = 'opened', updated_at = $2 \
    where status = 'paying' and updated_at < $1 and not exists ( \
        select 1 from payments p where p.payment_link_id = payment_links.id \
        and p.status in ('pending', 'unknown', 'succeeded', 'held_for_review', 'requires_action'))";

const REVOKE: &str = "update payment_links set status = 'revoked', revoked_at = $2, \
    updated_at = $2 where id = $1 and status in ('sent', 'opened')";

/// Links whose expiry is due to be recorded, oldest first (the partial index
/// `payment_links_unexpired_idx`).
const DUE_EXPIRIES: &str = "select id from payment_links \
    where expired_at is null and status in ('sent', 'opened') and expires_at <= $1 \
    order by expires_at limit $2";

/// Conditional: one caller records a link's expiry, whatever the race.
const RECORD_EXPIRY: &str = "update payment_links set expired_at = expires_at, updated_at = $2 \
    where id = $1 and expired_at is null and status in ('sent', 'opened') and expires_at <= $2 \
    returning client_id, vehicle_id, amount_cents, expires_at";

#[async_trait]
impl LinkStore for Backend {
    async fn create_link(&self, link: &NewLink) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if let Some(old) = link.replaces {
            let revoked = sqlx::query(REVOKE)
                .bind(old)
                .bind(link.sent_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if revoked != 1 {
                return Ok(false);
            }
        }
        let insert = sqlx::query(match link.replaces {
            Some(_) => INSERT_RENEWED_LINK,
            None => INSERT_LINK,
        })
        .bind(link.id)
        .bind(link.client_id)
        .bind(link.vehicle_id)
        .bind(&link.token_hash)
        .bind(&link.phone)
        .bind(sqlx::types::Json(&link.quote))
        .bind(link.quote.total_due_cents.0)
        .bind(link.sent_at)
        .bind(link.expires_at)
        .bind(match link.payer {
            crate::domain::LinkPayer::Client => "client",
            crate::domain::LinkPayer::ThirdParty => "third_party",
        })
        .bind(link.vehicle_paid_through);
        match link.replaces {
            Some(old) => insert.bind(old),
            None => insert
                .bind(link.created_by)
                .bind(link.sent_by_client)
                .bind(link.sent_by.as_ref().map(|s| s.via.as_str()))
                .bind(link.sent_by.as_ref().map(|s| s.name.clone())),
        }
        .execute(&mut *tx)
        .await?;
        sqlx::query(INSERT_LINK_SMS)
            .bind(Uuid::new_v4())
            .bind(link.id)
            .bind(&link.phone)
            .bind(&link.sms_body_sealed)
            .bind(link.sent_at)
            .execute(&mut *tx)
            .await?;
        insert_log(&mut *tx, &link.log, &link.log.message, link.sent_at).await?;
        let data = link_data(LinkEventData {
            link_id: link.id,
            client_id: link.client_id,
            vehicle_id: Some(link.vehicle_id),
            amount_cents: Some(link.quote.total_due_cents.0),
            currency: Some(crate::domain::CURRENCY.to_owned()),
            expires_at: Some(link.expires_at),
        });
        emit(&mut tx, EventType::LinkSent, data, link.sent_at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn link(&self, id: Uuid) -> Result<Option<PaymentLink>> {
        let row: Option<LinkRow> = sqlx::query_as(&format!("{LINK_SELECT}where l.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn link_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<PaymentLink>> {
        let row: Option<LinkRow> = sqlx::query_as(&format!("{LINK_SELECT}where l.token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn link_for_payer(&self, token_hash: &[u8]) -> Result<Option<PayerLink>> {
        let row: Option<PayerLinkRow> = sqlx::query_as(PAYER_LINK)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn client_links(&self, client_id: Uuid) -> Result<Vec<PaymentLink>> {
        let rows: Vec<LinkRow> = sqlx::query_as(&format!(
            "{LINK_SELECT}where l.client_id = $1 order by l.sent_at desc"
        ))
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn mark_link_opened(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let opened = sqlx::query(MARK_OPENED)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if opened == 1 {
            let (client_id,): (Uuid,) =
                sqlx::query_as("select client_id from payment_links where id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let data = link_data(LinkEventData {
                link_id: id,
                client_id,
                vehicle_id: None,
                amount_cents: None,
                currency: None,
                expires_at: None,
            });
            emit(&mut tx, EventType::LinkOpened, data, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_link(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let claimed = sqlx::query(CLAIM)
            .bind(id)
            .bind(now)
            .execute(&self.relaxed)
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    async fn release_stale_link_claims(
        &self,
        claimed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(sqlx::query(RELEASE_STALE_CLAIMS)
            .bind(claimed_before)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn revoke_link(&self, id: Uuid, log: &NewLogEntry, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(REVOKE)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if revoked == 1 {
            insert_log(&mut *tx, log, &log.message, now).await?;
        }
        tx.commit().await?;
        Ok(revoked == 1)
    }

    async fn record_link_expiries(&self, now: DateTime<Utc>, limit: i64) -> Result<u64> {
        let due: Vec<(Uuid,)> = sqlx::query_as(DUE_EXPIRIES)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut recorded = 0;
        for (id,) in due {
            let mut tx = self.begin_write().await?;
            let expired: Option<(Uuid, Uuid, i64, DateTime<Utc>)> = sqlx::query_as(RECORD_EXPIRY)
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some((client_id, vehicle_id, amount_cents, expires_at)) = expired {
                let data = link_data(LinkEventData {
                    link_id: id,
                    client_id,
                    vehicle_id: Some(vehicle_id),
                    amount_cents: Some(amount_cents),
                    currency: Some(crate::domain::CURRENCY.to_owned()),
                    expires_at: Some(expires_at),
                });
                emit(&mut tx, EventType::LinkExpired, data, now).await?;
                recorded += 1;
            }
            tx.commit().await?;
        }
        Ok(recorded)
    }
}
