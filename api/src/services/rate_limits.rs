//! Rate limits: fixed windows kept in the database (the `rate_limits` table),
//! so every instance counts into the same buckets. A hit is one atomic
//! increment made *before* the work it limits: however many requests arrive
//! at once, no more than the limit get through.
//!
//! Except the per-address limits of the payer's pages (opening or redeeming
//! a link, opening a receipt): those are counted in each instance's memory
//! ([`crate::services::address_limits`]), an abuse brake whose database row
//! per visitor cost more than the page itself.
//!
//! Each limit the product enforces has a named function here (the sign-in
//! throttle, which combines several buckets, lives in `auth::throttle`).

use crate::error::{ApiError, ApiResult};
use crate::services::address_limits::{Checked, PerAddress};
use crate::state::AppState;
use chrono::{DateTime, Duration, DurationRound, Utc};
use uuid::Uuid;

/// What a payer is told when a link limit refuses them.
const TOO_MANY_LINK_TRIES: &str = "too many attempts; wait a moment and try again";

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
/// more); `serve` runs it in the `purge` job ([`crate::services::jobs::purge`]).
/// Returns how many went.
pub async fn purge(state: &AppState) -> Result<u64, crate::store::StoreError> {
    state.store.purge_rate_limits(state.clock.now()).await
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

/// A staff member or an API key (`principal`: `staff:<id>`, `api_key:<id>`,
/// [`crate::domain::Actor::principal`]) sends (or resends) a payment link: at
/// most `LINK_SENDS_PER_STAFF_PER_HOUR` an hour each.
pub async fn link_send(state: &AppState, principal: &str) -> ApiResult<()> {
    hit(
        state,
        &format!("{principal}:link-sends"),
        Duration::hours(1),
        state.settings.link_sends_per_staff_per_hour,
        "too many payment links sent this hour; wait a while or ask a supervisor",
    )
    .await
}

/// A client sends a payment link from My Account to whoever pays for them:
/// at most `LINK_SENDS_PER_CLIENT_PER_DAY` per UTC day.
pub async fn client_link_send(state: &AppState, client_id: Uuid) -> ApiResult<()> {
    hit(
        state,
        &format!("client:{client_id}:link-sends"),
        Duration::days(1),
        state.settings.link_sends_per_client_per_day,
        "too many payment links sent today; try again tomorrow or call us",
    )
    .await
}

/// The payer of an expired link asks for a new one ("Text me a new link"):
/// at most `LINK_RENEWALS_PER_PHONE_PER_DAY` per UTC day to one phone
/// (E.164), whatever the link, so nobody can text a number over and over.
pub async fn link_renewal(state: &AppState, phone: &str) -> ApiResult<()> {
    hit(
        state,
        &format!("phone:{phone}:link-renewals"),
        Duration::days(1),
        state.settings.link_renewals_per_phone_per_day,
        "too many new links asked for today; call the support team",
    )
    .await
}

/// A request made with API key `key_id`: at most
/// `API_KEY_REQUESTS_PER_MINUTE` a minute, counted before the key's scopes
/// are checked (a key probing what it may do is counted too).
pub async fn api_key_request(state: &AppState, key_id: Uuid) -> ApiResult<()> {
    hit(
        state,
        &format!("api_key:{key_id}:requests"),
        Duration::minutes(1),
        state.settings.api_key_requests_per_minute,
        "too many requests with this API key; wait for Retry-After (docs/api.md, Integrations)",
    )
    .await
}

/// The bucket of the payment-link requests from `ip`.
fn link_bucket(ip: &str) -> String {
    format!("ip:{ip}:links")
}

/// The database bucket of the receipt requests from `ip`.
fn receipt_bucket(ip: &str) -> String {
    format!("ip:{ip}:receipts")
}

/// Counts a request from `ip` in `limits` (this instance's memory, see
/// [`crate::services::address_limits`]), or in the database bucket `bucket`
/// when `limits` does not track `ip`: at most `LINK_RATE_LIMIT_PER_MINUTE`
/// a minute, `429 rate_limited` beyond.
async fn per_address(
    state: &AppState,
    limits: &PerAddress,
    ip: &str,
    bucket: impl FnOnce() -> String,
) -> ApiResult<()> {
    match limits.check(ip) {
        Checked::Allowed => Ok(()),
        Checked::Refused {
            retry_after_seconds,
        } => Err(ApiError::TooManyRequests {
            retry_after: retry_after_seconds,
            detail: TOO_MANY_LINK_TRIES,
        }),
        Checked::Untracked => {
            hit(
                state,
                &bucket(),
                Duration::minutes(1),
                state.settings.link_rate_limit_per_minute,
                TOO_MANY_LINK_TRIES,
            )
            .await
        }
    }
}

/// A request from `ip` to open or redeem a payment link: at most
/// `LINK_RATE_LIMIT_PER_MINUTE` a minute per instance, whatever the link
/// (counted in memory; in the database past `LINK_RATE_LIMIT_ADDRESSES`).
pub async fn link_request_from(state: &AppState, ip: &str) -> ApiResult<()> {
    per_address(state, &state.link_limits, ip, || link_bucket(ip)).await
}

/// A request from `ip` to open a receipt by its reference: at most
/// `LINK_RATE_LIMIT_PER_MINUTE` a minute per instance (the link limit's
/// number, counted apart), whatever the receipt.
pub async fn receipt_request_from(state: &AppState, ip: &str) -> ApiResult<()> {
    per_address(state, &state.receipt_limits, ip, || receipt_bucket(ip)).await
}

/// Forgets the addresses whose per-address allowance is full again, in this
/// instance's memory (every instance's scheduler runs it, as does `purge`).
/// Returns how many are still tracked.
pub fn forget_idle_addresses(state: &AppState) -> usize {
    state.link_limits.forget_idle() + state.receipt_limits.forget_idle()
}

/// An attempt to pay link `link_id` (the decline lock): at most
/// `LINK_DECLINE_LIMIT` per 10 minutes reach the gateway, each counted before
/// anything is charged; beyond it the link is locked for the window.
pub async fn link_payment_attempt(state: &AppState, link_id: Uuid) -> ApiResult<()> {
    hit(
        state,
        &format!("link:{link_id}:attempts"),
        Duration::minutes(10),
        state.settings.link_decline_limit,
        TOO_MANY_LINK_TRIES,
    )
    .await
}

/// A client pays with a new card (card testing: a stolen list tried one card
/// after another): at most `CLIENT_NEW_CARD_ATTEMPTS_PER_HOUR` an hour.
pub async fn new_card_attempt(state: &AppState, client_id: Uuid) -> ApiResult<()> {
    hit(
        state,
        &format!("client:{client_id}:new-card-attempts"),
        Duration::hours(1),
        state.settings.client_new_card_attempts_per_hour,
        "too many payments with new cards; wait a while, or pay with a card on file",
    )
    .await
}

/// A card is saved on file for a client (with a payment or without): at most
/// `CLIENT_CARD_SAVES_PER_DAY` per UTC day.
pub async fn card_save(state: &AppState, client_id: Uuid) -> ApiResult<()> {
    hit(
        state,
        &format!("client:{client_id}:card-saves"),
        Duration::days(1),
        state.settings.client_card_saves_per_day,
        "too many cards saved today; try again tomorrow or call us",
    )
    .await
}
