//! [`IdempotencyStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::store::{IdempotencyBegin, IdempotencyStore, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const BEGIN: &str = "insert into idempotency_keys (principal, key, request_hash, status, \
    created_at, updated_at) values ($1, $2, $3, 'in_progress', $4, $4) \
    on conflict (principal, key) do nothing";

const RECORD: &str = "select request_hash, status, response_status, response_body \
    from idempotency_keys where principal = $1 and key = $2";

const TAKE_OVER: &str = "update idempotency_keys set updated_at = $3 \
    where principal = $1 and key = $2 and status = 'in_progress' and updated_at < $4";

const COMPLETE: &str = "update idempotency_keys set status = 'completed', response_status = $3, \
    response_body = $4, updated_at = $5 where principal = $1 and key = $2";

const RELEASE: &str =
    "delete from idempotency_keys where principal = $1 and key = $2 and status = 'in_progress'";

#[async_trait]
impl IdempotencyStore for Backend {
    async fn idempotency_begin(
        &self,
        principal: &str,
        key: &str,
        request_hash: &[u8],
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin> {
        let inserted = sqlx::query(BEGIN)
            .bind(principal)
            .bind(key)
            .bind(request_hash)
            .bind(now)
            .execute(&self.relaxed)
            .await?
            .rows_affected();
        if inserted == 1 {
            return Ok(IdempotencyBegin::Started);
        }
        let (hash, status, response_status, body): (Vec<u8>, String, Option<i64>, Option<String>) =
            sqlx::query_as(RECORD)
                .bind(principal)
                .bind(key)
                .fetch_one(&self.relaxed)
                .await?;
        if hash != request_hash {
            return Ok(IdempotencyBegin::Mismatch);
        }
        if let (Some(status), Some(body)) = (response_status, body) {
            return Ok(IdempotencyBegin::Completed { status, body });
        }
        debug_assert_eq!(status, "in_progress");
        let taken = sqlx::query(TAKE_OVER)
            .bind(principal)
            .bind(key)
            .bind(now)
            .bind(stale_before)
            .execute(&self.relaxed)
            .await?
            .rows_affected();
        Ok(if taken == 1 {
            IdempotencyBegin::Started
        } else {
            IdempotencyBegin::InProgress
        })
    }

    async fn idempotency_complete(
        &self,
        principal: &str,
        key: &str,
        status: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(COMPLETE)
            .bind(principal)
            .bind(key)
            .bind(status)
            .bind(body)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn idempotency_release(&self, principal: &str, key: &str) -> Result<()> {
        sqlx::query(RELEASE)
            .bind(principal)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
