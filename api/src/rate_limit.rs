//! Fixed-window rate limits kept in the database (the `rate_limits` table), so
//! every instance counts into the same buckets. A hit is one atomic increment
//! made *before* the work it limits: however many requests arrive at once, no
//! more than the limit get through.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Duration, DurationRound, Utc};

/// The start of the window of length `window` (UTC-aligned) that holds `now`.
pub fn window_start(now: DateTime<Utc>, window: Duration) -> ApiResult<DateTime<Utc>> {
    now.duration_trunc(window)
        .map_err(|e| ApiError::Internal(e.into()))
}

/// `429 rate_limited`, with `Retry-After` until `until`.
pub fn refused(until: DateTime<Utc>, now: DateTime<Utc>, detail: &'static str) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: (until - now).num_seconds().max(1),
        detail,
    }
}

/// Counts one hit in `bucket` for the current `window`; more than `limit`
/// hits in it are refused with `429 rate_limited` (`detail` says what to do).
pub async fn hit(
    state: &AppState,
    bucket: &str,
    window: Duration,
    limit: i64,
    detail: &'static str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let start = window_start(now, window)?;
    if state.store.rate_limit_hit(bucket, start, now).await? > limit {
        return Err(refused(start + window, now, detail));
    }
    Ok(())
}
