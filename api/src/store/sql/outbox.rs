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
        Ok(())
    }

    async fn outbox_delivery(
        &self,
        provider_id: &str,
        status: SmsStatus,
        failure: Option<SmsFailure>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(DELIVERY)
            .bind(provider_id)
            .bind(status.as_str())
            .bind(now)
            .bind(failure.and_then(|f| f.provider_code))
            .bind(failure.map(|f| f.reason.as_str()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
