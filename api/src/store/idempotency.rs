//! Idempotency records: the first answer to a request made under an
//! `Idempotency-Key`, replayed to its retries.

use super::{IdempotencyBegin, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Idempotency records, one per principal and key.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Starts a request under an idempotency key (see [`IdempotencyBegin`]).
    /// An in-progress claim last touched before `stale_before` is taken over.
    async fn idempotency_begin(
        &self,
        principal: &str,
        key: &str,
        request_hash: &[u8],
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin>;
    /// Stores the answer replayed to retries of the same request.
    async fn idempotency_complete(
        &self,
        principal: &str,
        key: &str,
        status: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Forgets an unfinished claim so the request can be retried.
    async fn idempotency_release(&self, principal: &str, key: &str) -> Result<()>;
}
