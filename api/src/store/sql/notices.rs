//! [`NoticeStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::client_log::insert_log;
use super::Backend;
use crate::domain::NoticeKind;
use crate::store::notices::{
    DeclineNoticeDue, NewNotice, NoticeOutcome, NoticeStore, SentNoticeRow,
};
use crate::store::{Result, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

const OPTED_OUT: &str = "select opted_out_at from sms_opt_outs where phone = $1";

/// The unique key decides: a second insert of one notice does nothing.
const INSERT_NOTICE: &str = "insert into sms_notices (id, kind, client_id, subject_id, period, \
    to_phone, sms_outbox_id, summary, created_at, updated_at) \
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
    on conflict (kind, subject_id, period) do nothing";

const INSERT_NOTICE_SMS: &str = "insert into sms_outbox (id, payment_link_id, to_phone, \
    body_sealed, status, attempts, next_attempt_at, created_at, updated_at) \
    values ($1, null, $2, $3, 'queued', 0, $4, $4, $4)";

const LAST_NOTICE: &str = "select n.kind, n.summary, n.to_phone, n.created_at, o.status, \
    case when n.kind = 'card_expiring' then null else n.subject_id end \
    from sms_notices n join sms_outbox o on o.id = n.sms_outbox_id \
    where n.client_id = $1 order by n.created_at desc, n.id limit 1";

const CANDIDATES: &str = "select c.id from clients c where c.location_id = $1 and ( \
    exists (select 1 from vehicles v where v.client_id = c.id \
        and v.paid_through >= $2 and v.paid_through <= $3) \
    or (c.autopay_enabled and c.autopay_card_id is not null)) order by c.id";

const APPOINTMENT_CANDIDATES: &str = "select distinct v.client_id from vehicles v \
    join clients c on c.id = v.client_id where c.location_id = $1 \
    and v.next_appointment_at >= $2 and v.next_appointment_at < $3 order by v.client_id";

const DECLINE_NOTICES_DUE: &str = "select d.payment_id, p.period \
    from autopay_decline_notices_due d join payments p on p.id = d.payment_id \
    where d.claimed_until is null or d.claimed_until < $1 \
    order by d.created_at, d.payment_id";

/// One conditional update: of any number of callers at once, one takes it.
const CLAIM_DECLINE_NOTICE: &str = "update autopay_decline_notices_due \
    set claimed_until = $3, updated_at = $2 \
    where payment_id = $1 and (claimed_until is null or claimed_until < $2)";

const RELEASE_DECLINE_NOTICE: &str = "update autopay_decline_notices_due \
    set claimed_until = null, updated_at = $2 where payment_id = $1";

const DECLINE_NOTICE_DONE: &str = "delete from autopay_decline_notices_due where payment_id = $1";

const BY_PHONE: &str = "select id from clients where phone = $1 order by id";

type LastRow = (String, String, String, DateTime<Utc>, String, Option<Uuid>);

#[async_trait]
impl NoticeStore for Backend {
    async fn record_notice(&self, notice: &NewNotice) -> Result<NoticeOutcome> {
        let mut tx = self.begin_write().await?;
        let opted_out: Option<DateTime<Utc>> = sqlx::query_scalar(OPTED_OUT)
            .bind(&notice.to_phone)
            .fetch_optional(&mut *tx)
            .await?;
        if opted_out.is_some() {
            return Ok(NoticeOutcome::OptedOut);
        }
        let outbox_id = Uuid::new_v4();
        // The outbox row first: the notice references it.
        sqlx::query(INSERT_NOTICE_SMS)
            .bind(outbox_id)
            .bind(&notice.to_phone)
            .bind(&notice.body_sealed)
            .bind(notice.now)
            .execute(&mut *tx)
            .await?;
        let kept = sqlx::query(INSERT_NOTICE)
            .bind(Uuid::new_v4())
            .bind(notice.kind.as_str())
            .bind(notice.client_id)
            .bind(notice.subject_id)
            .bind(&notice.period)
            .bind(&notice.to_phone)
            .bind(outbox_id)
            .bind(&notice.summary)
            .bind(notice.now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if kept == 0 {
            // Dropping the transaction rolls the outbox row back.
            return Ok(NoticeOutcome::AlreadySent);
        }
        insert_log(&mut *tx, &notice.log, &notice.log.message, notice.now).await?;
        tx.commit().await?;
        Ok(NoticeOutcome::Queued)
    }

    async fn last_notice(&self, client_id: Uuid) -> Result<Option<SentNoticeRow>> {
        let row: Option<LastRow> = sqlx::query_as(LAST_NOTICE)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(
            |(kind, summary, to_phone, sent_at, sms_status, vehicle_id)| {
                Ok(SentNoticeRow {
                    kind: NoticeKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("notice kind {kind:?}")))?,
                    summary,
                    to_phone,
                    sent_at,
                    sms_status,
                    vehicle_id,
                })
            },
        )
        .transpose()
    }

    async fn notice_candidates(
        &self,
        location_id: Uuid,
        from: NaiveDate,
        through: NaiveDate,
    ) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(CANDIDATES)
            .bind(location_id)
            .bind(from)
            .bind(through)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn appointment_candidates(
        &self,
        location_id: Uuid,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(APPOINTMENT_CANDIDATES)
            .bind(location_id)
            .bind(from)
            .bind(until)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn clients_by_phone(&self, phone: &str) -> Result<Vec<Uuid>> {
        Ok(sqlx::query_scalar(BY_PHONE)
            .bind(phone)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn sms_opted_out_at(&self, phone: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(OPTED_OUT)
            .bind(phone)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn decline_notices_due(&self, now: DateTime<Utc>) -> Result<Vec<DeclineNoticeDue>> {
        Ok(sqlx::query_as(DECLINE_NOTICES_DUE)
            .bind(now)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn claim_decline_notice(
        &self,
        payment_id: Uuid,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(sqlx::query(CLAIM_DECLINE_NOTICE)
            .bind(payment_id)
            .bind(now)
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    async fn release_decline_notice(&self, payment_id: Uuid, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(RELEASE_DECLINE_NOTICE)
            .bind(payment_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn decline_notice_done(&self, payment_id: Uuid) -> Result<()> {
        sqlx::query(DECLINE_NOTICE_DONE)
            .bind(payment_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
