//! Fixed-window rate limits kept in the database (the `rate_limits` table), so
//! every instance counts into the same buckets. A hit is one atomic increment
//! made *before* the work it limits: however many requests arrive at once, no
//! more than the limit get through.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Duration, DurationRound, Utc};

/// A fixed window `[start, end)` of a rate limit, aligned on UTC multiples
/// of its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// The window of length `length` that holds `now`.
    pub fn containing(now: DateTime<Utc>, length: Duration) -> ApiResult<Window> {
        let start = now
            .duration_trunc(length)
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(Window {
            start,
            end: start + length,
        })
    }
}

/// Counts one hit in `bucket` for `window`; returns the hits so far in it.
pub async fn count(state: &AppState, bucket: &str, window: Window) -> ApiResult<i64> {
    Ok(state
        .store
        .rate_limit_hit(bucket, window.start, window.end, state.clock.now())
        .await?)
}

/// Deletes every bucket whose window has ended (they count nothing any
/// more); `serve` runs it with the status sync. Returns how many went.
pub async fn purge(state: &AppState) -> ApiResult<u64> {
    Ok(state.store.purge_rate_limits(state.clock.now()).await?)
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
    let window = Window::containing(state.clock.now(), window)?;
    if count(state, bucket, window).await? > limit {
        return Err(refused(window.end, state.clock.now(), detail));
    }
    Ok(())
}
