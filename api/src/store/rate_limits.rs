//! Fixed-window rate-limit counters shared by every API instance.

use super::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Rate-limit counters, one row per bucket.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one hit in `bucket`'s window `[window_start, window_end)`;
    /// returns the hits so far. A hit stamped with a window older than the
    /// stored one counts into the stored one (it never resets the count).
    async fn rate_limit_hit(
        &self,
        bucket: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Deletes the buckets whose window ended at or before `now`; returns how many.
    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64>;
    /// Hits in `bucket`'s window starting at `window_start`, without counting one.
    async fn rate_limit_count(&self, bucket: &str, window_start: DateTime<Utc>) -> Result<i64>;
}
