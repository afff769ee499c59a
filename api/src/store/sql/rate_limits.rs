//! [`RateLimitStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::store::{RateLimitStore, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A newer window starts the count again; a hit stamped with an older window
/// (an instance whose clock is behind) counts into the stored, newer one: it
/// never resets a count.
pub(super) const HIT: &str =
    "insert into rate_limits (bucket, window_start, expires_at, hits, created_at, \
    updated_at) values ($1, $2, $3, 1, $4, $4) \
    on conflict (bucket) do update set \
    hits = case when excluded.window_start > rate_limits.window_start \
        then 1 else rate_limits.hits + 1 end, \
    expires_at = case when excluded.window_start > rate_limits.window_start \
        then excluded.expires_at else rate_limits.expires_at end, \
    window_start = case when excluded.window_start > rate_limits.window_start \
        then excluded.window_start else rate_limits.window_start end, \
    updated_at = excluded.updated_at \
    returning hits";

const PURGE: &str = "delete from rate_limits where expires_at <= $1";

const COUNT: &str = "select hits from rate_limits where bucket = $1 and window_start = $2";

#[async_trait]
impl RateLimitStore for Backend {
    async fn rate_limit_hit(
        &self,
        bucket: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(HIT)
            .bind(bucket)
            .bind(window_start)
            .bind(window_end)
            .bind(now)
            .fetch_one(&self.relaxed)
            .await?)
    }

    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query(PURGE)
            .bind(now)
            .execute(&self.relaxed)
            .await?
            .rows_affected())
    }

    async fn rate_limit_count(&self, bucket: &str, window_start: DateTime<Utc>) -> Result<i64> {
        let hits: Option<i64> = sqlx::query_scalar(COUNT)
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(&self.pool)
            .await?;
        Ok(hits.unwrap_or(0))
    }
}
