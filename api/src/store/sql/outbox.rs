//! [`OutboxStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::{dialect, Backend};
use crate::domain::SmsFailure;
use crate::sms::SmsStatus;
use crate::store::{OutboxMessage, OutboxResult, OutboxStore, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

const ACCEPTED: &str = "update sms_outbox set status = $2, provider_message_id = $3, \
    body_sealed = $4, last_error = null, updated_at = $5 where id = $1";

const RETRY: &str = "update sms_outbox set status = 'queued', last_error = $2, \
    next_attempt_at = $3, updated_at = $4 where id = $1";

const FAILED: &str = "update sms_outbox set status = 'failed', last_error = $2, \
    body_sealed = $3, updated_at = $4, error_code = $5, failure_reason = $6 where id = $1";

/// A late "sent" never overwrites "delivered" or "failed".
const DELIVERY: &str = "update sms_outbox set status = $2, updated_at = $3, error_code = $4, \
    failure_reason = $5 where provider_message_id = $1 and status not in ('delivered', 'failed')";

/// Whether a message with this provider SID is stored.
const KNOWN_SID: &str = "select count(*) from sms_outbox where provider_message_id = $1";

/// A report for a SID not stored yet. A later report replaces an earlier
/// one, except that nothing moves a report out of `delivered` or `failed`.
const KEEP_EARLY: &str = "insert into sms_early_reports (provider_message_id, status, \
    error_code, failure_reason, received_at) values ($1, $2, $4, $5, $3) \
    on conflict (provider_message_id) do update set status = excluded.status, \
        error_code = excluded.error_code, failure_reason = excluded.failure_reason, \
        received_at = excluded.received_at \
    where sms_early_reports.status not in ('delivered', 'failed')";

const EARLY: &str = "select status, error_code, failure_reason from sms_early_reports \
    where provider_message_id = $1";

const FORGET_EARLY: &str = "delete from sms_early_reports where provider_message_id = $1";

type ClaimedRow = (
    Uuid,
    String,
    Vec<u8>,
    i64,
    Option<DateTime<Utc>>,
    Option<bool>,
);

#[async_trait]
impl OutboxStore for Backend {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let rows: Vec<ClaimedRow> = sqlx::query_as(dialect::CLAIM_OUTBOX)
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, to_phone, body_sealed, attempts, link_expires_at, link_closed)| {
                    OutboxMessage {
                        id,
                        to_phone,
                        body_sealed,
                        attempts,
                        link_expires_at,
                        link_closed: link_closed.unwrap_or(false),
                    }
                },
            )
            .collect())
    }

    async fn finish_outbox(
        &self,
        id: Uuid,
        result: &OutboxResult,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let query = match result {
            OutboxResult::Accepted {
                provider_id,
                status,
            } => sqlx::query(ACCEPTED)
                .bind(id)
                .bind(status.as_str())
                .bind(provider_id)
                .bind(Vec::<u8>::new())
                .bind(now),
            OutboxResult::Retry {
                error,
                next_attempt_at,
            } => sqlx::query(RETRY)
                .bind(id)
                .bind(error)
                .bind(*next_attempt_at)
                .bind(now),
            OutboxResult::Failed { error, failure } => sqlx::query(FAILED)
                .bind(id)
                .bind(error)
                .bind(Vec::<u8>::new())
                .bind(now)
                .bind(failure.provider_code)
                .bind(failure.reason.as_str()),
        };
        query.execute(&self.pool).await?;
        if let OutboxResult::Accepted { provider_id, .. } = result {
            // A report that arrived before this answer was stored.
            self.apply_early_report(provider_id, now).await?;
        }
        Ok(())
    }

    async fn outbox_delivery(
        &self,
        provider_id: &str,
        status: SmsStatus,
        failure: Option<SmsFailure>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let applied = sqlx::query(DELIVERY)
            .bind(provider_id)
            .bind(status.as_str())
            .bind(now)
            .bind(failure.and_then(|f| f.provider_code))
            .bind(failure.map(|f| f.reason.as_str()))
            .execute(&self.pool)
            .await?
            .rows_affected();
        if applied > 0 {
            return Ok(());
        }
        let known: i64 = sqlx::query_scalar(KNOWN_SID)
            .bind(provider_id)
            .fetch_one(&self.pool)
            .await?;
        if known > 0 {
            // Already delivered or failed: a late report changes nothing.
            return Ok(());
        }
        // Early: the create request's answer (with this SID) is not stored
        // yet. Kept, then applied if the SID was stored meanwhile (each side
        // writes, then looks for the other's write, so one of them applies it).
        sqlx::query(KEEP_EARLY)
            .bind(provider_id)
            .bind(status.as_str())
            .bind(now)
            .bind(failure.and_then(|f| f.provider_code))
            .bind(failure.map(|f| f.reason.as_str()))
            .execute(&self.pool)
            .await?;
        self.apply_early_report(provider_id, now).await
    }

    async fn set_sms_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if opted_out {
            sqlx::query(
                "insert into sms_opt_outs (phone, opted_out_at) values ($1, $2) \
                 on conflict (phone) do nothing",
            )
            .bind(phone)
            .bind(now)
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query("delete from sms_opt_outs where phone = $1")
                .bind(phone)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn sms_opted_out(&self, phone: &str) -> Result<bool> {
        let found: Option<String> =
            sqlx::query_scalar("select phone from sms_opt_outs where phone = $1")
                .bind(phone)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }
}

impl Backend {
    /// Applies the early report kept for `provider_id`, once a message with
    /// that SID is stored, and forgets it.
    async fn apply_early_report(&self, provider_id: &str, now: DateTime<Utc>) -> Result<()> {
        let early: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(EARLY)
            .bind(provider_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some((status, error_code, failure_reason)) = early else {
            return Ok(());
        };
        let known: i64 = sqlx::query_scalar(KNOWN_SID)
            .bind(provider_id)
            .fetch_one(&self.pool)
            .await?;
        if known == 0 {
            return Ok(());
        }
        sqlx::query(DELIVERY)
            .bind(provider_id)
            .bind(&status)
            .bind(now)
            .bind(error_code)
            .bind(failure_reason)
            .execute(&self.pool)
            .await?;
        sqlx::query(FORGET_EARLY)
            .bind(provider_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
