//! Outgoing webhooks (issue 20, item 2; docs/api.md, "Integrations"): admins
//! register partners' endpoints; events are written to an outbox by the
//! stores, in the transaction of the change they announce
//! (`store/sql/webhooks.rs`, `emit`); the worker here delivers them, signed
//! as the Standard Webhooks specification says ([`crate::domain::webhook`]),
//! at least once, with exponential backoff for 24 hours. Every API instance
//! runs a worker: a delivery is claimed by one at a time (a lease).

use crate::auth::Staff;
use crate::config::AppEnv;
use crate::domain::webhook::{self, BadUrl, EventType};
use crate::error::{ApiError, ApiResult, FieldError, ProblemCode};
use crate::state::AppState;
use crate::store::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, NewWebhookEndpoint, StoreError,
    WebhookDelivery, WebhookEndpoint,
};
use chrono::{Duration, Utc};
use std::sync::OnceLock;
use uuid::Uuid;

/// How long an endpoint may fail before it is disabled, and an event retried.
pub const RETRY_WINDOW: Duration = Duration::hours(24);
/// How long a worker may hold a claimed delivery before another may take it
/// (above the request timeout).
const LEASE: Duration = Duration::seconds(60);
/// How long one attempt waits for the endpoint's answer.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
/// Deliveries the admins' view lists per endpoint.
pub const DELIVERIES_LISTED: i64 = 100;

/// An endpoint just created, with its secret (shown once).
#[derive(Debug)]
pub struct CreatedEndpoint {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        code: ProblemCode::ValidationFailed,
        detail: message.to_owned(),
        errors: vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }],
    }
}

const NO_ENDPOINT: ApiError = ApiError::NotFound {
    code: ProblemCode::NotFound,
    detail: "no webhook endpoint with this id",
};

/// Registers an endpoint for `events` (at least one, no repeats) at `url`
/// (`https://` in production): `422 validation_failed` otherwise.
pub async fn create(
    state: &AppState,
    admin: &Staff,
    url: String,
    mut events: Vec<EventType>,
) -> ApiResult<CreatedEndpoint> {
    let url = url.trim().to_owned();
    let https_only = state.settings.app_env == AppEnv::Production;
    match webhook::check_url(&url, https_only) {
        Ok(()) => {}
        Err(BadUrl::NotHttps) => return Err(invalid("url", "the URL must be https://")),
        Err(BadUrl::NotAUrl) => {
            return Err(invalid("url", "an absolute http(s):// URL is required"))
        }
    }
    events.sort_by_key(|e| e.as_str());
    events.dedup();
    if events.is_empty() {
        return Err(invalid("events", "subscribe to at least one event type"));
    }
    let secret = webhook::generate_secret();
    let endpoint = state
        .store
        .insert_webhook_endpoint(&NewWebhookEndpoint {
            id: Uuid::new_v4(),
            url,
            events,
            secret_sealed: state.sealer.seal(&secret),
            created_by: admin.id,
            now: state.clock.now(),
        })
        .await?;
    tracing::info!(webhook_endpoint = %endpoint.id, admin = %admin.id, "webhook endpoint registered");
    Ok(CreatedEndpoint { endpoint, secret })
}

/// Every endpoint, newest first.
pub async fn list(state: &AppState) -> ApiResult<Vec<WebhookEndpoint>> {
    Ok(state.store.webhook_endpoints().await?)
}

/// How many endpoints are disabled because every attempt failed for the
/// retry window (`disabled_reason` `failing`; not those an admin paused):
/// the number PLUS Web's banner tells admins (`staff_me`).
pub async fn disabled_for_failing(state: &AppState) -> ApiResult<i64> {
    let endpoints = state.store.webhook_endpoints().await?;
    let failing = endpoints
        .iter()
        .filter(|e| e.status == "disabled" && e.disabled_reason.as_deref() == Some("failing"))
        .count();
    Ok(i64::try_from(failing).unwrap_or(i64::MAX))
}

/// Enables or disables (pauses) an endpoint (`404 not_found`). A disabled
/// endpoint gets no deliveries of new events and its pending ones wait;
/// enabling it clears its failing state, and what waits is sent.
pub async fn set_enabled(
    state: &AppState,
    admin: &Staff,
    id: Uuid,
    enabled: bool,
) -> ApiResult<WebhookEndpoint> {
    let endpoint = state
        .store
        .set_webhook_endpoint_enabled(id, enabled, state.clock.now())
        .await?
        .ok_or(NO_ENDPOINT)?;
    tracing::info!(webhook_endpoint = %id, admin = %admin.id, enabled, "webhook endpoint status set");
    Ok(endpoint)
}

/// Deletes an endpoint and its delivery history (`404 not_found`).
pub async fn delete(state: &AppState, admin: &Staff, id: Uuid) -> ApiResult<()> {
    if !state.store.delete_webhook_endpoint(id).await? {
        return Err(NO_ENDPOINT);
    }
    tracing::info!(webhook_endpoint = %id, admin = %admin.id, "webhook endpoint deleted");
    Ok(())
}

/// An endpoint's newest deliveries with their attempts (`404 not_found`).
pub async fn deliveries(state: &AppState, id: Uuid) -> ApiResult<Vec<WebhookDelivery>> {
    if state.store.webhook_endpoint(id).await?.is_none() {
        return Err(NO_ENDPOINT);
    }
    Ok(state
        .store
        .webhook_deliveries(id, DELIVERIES_LISTED)
        .await?)
}

/// Sends a delivery again (same event id, so the partner can tell), retried
/// for another 24 hours; a disabled endpoint is enabled again.
/// `404 not_found` when the endpoint has no such delivery.
pub async fn replay(
    state: &AppState,
    admin: &Staff,
    endpoint_id: Uuid,
    delivery_id: i64,
) -> ApiResult<()> {
    let now = state.clock.now();
    if !state
        .store
        .replay_webhook_delivery(endpoint_id, delivery_id, now, now + RETRY_WINDOW)
        .await?
    {
        return Err(ApiError::NotFound {
            code: ProblemCode::NotFound,
            detail: "this webhook endpoint has no delivery with this id",
        });
    }
    tracing::info!(webhook_endpoint = %endpoint_id, delivery = delivery_id, admin = %admin.id, "webhook delivery replayed");
    Ok(())
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // A redirect is a failed attempt: the partner registers the URL
            // that answers (Standard Webhooks).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// Delivers what is due now; returns how many deliveries were attempted.
pub async fn drain(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let claimed = state
        .store
        .claim_webhook_deliveries(now, now + LEASE, 20)
        .await?;
    let count = claimed.len();
    for delivery in claimed {
        let attempt = attempt(state, &delivery).await;
        let now = attempt.attempted_at;
        let outcome = if attempt.error.is_none() {
            DeliveryOutcome::Succeeded
        } else {
            let base = Duration::milliseconds(state.settings.webhook_retry_base_ms);
            let next = now + webhook::backoff(base, delivery.attempts);
            if next > delivery.retry_until {
                DeliveryOutcome::Failed
            } else {
                DeliveryOutcome::Retry(next)
            }
        };
        if let Some(error) = &attempt.error {
            tracing::warn!(webhook_endpoint = %delivery.endpoint_id, event = %delivery.event_id, attempts = delivery.attempts, %error, "webhook not delivered");
        }
        let disabled = state
            .store
            .finish_webhook_delivery(&delivery, &attempt, outcome, now - RETRY_WINDOW)
            .await?;
        if disabled {
            tracing::error!(webhook_endpoint = %delivery.endpoint_id, "webhook endpoint disabled: every delivery to it has failed for 24 hours; fix it and replay its deliveries");
        }
    }
    Ok(count)
}

/// One signed POST of `delivery`: a 2xx answer is a success.
async fn attempt(state: &AppState, delivery: &ClaimedDelivery) -> AttemptRecord {
    let started = std::time::Instant::now();
    let attempted_at = state.clock.now();
    let done = |response_status: Option<i64>, error: Option<String>| AttemptRecord {
        attempted_at,
        response_status,
        error,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    };
    let Some(secret) = state.sealer.open(&delivery.secret_sealed) else {
        return done(
            None,
            Some("the endpoint's secret cannot be unsealed (server secret changed?)".into()),
        );
    };
    let timestamp = Utc::now().timestamp();
    let Some(signature) = webhook::sign(&secret, &delivery.event_id, timestamp, &delivery.payload)
    else {
        return done(None, Some("the endpoint's secret is malformed".into()));
    };
    let sent = http()
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            done(Some(i64::from(response.status().as_u16())), None)
        }
        Ok(response) => {
            let status = response.status().as_u16();
            done(
                Some(i64::from(status)),
                Some(format!("the endpoint answered HTTP {status}")),
            )
        }
        // Without the URL: it may carry the partner's own token.
        Err(error) => done(
            None,
            Some(format!(
                "no answer from the endpoint: {}",
                error.without_url()
            )),
        ),
    }
}

/// Runs [`drain`] every `WEBHOOK_POLL_INTERVAL_MS`, and again at once while
/// there was work.
pub fn spawn_worker(state: actix_web::web::Data<AppState>) {
    let poll = std::time::Duration::from_millis(
        u64::try_from(state.settings.webhook_poll_interval_ms).unwrap_or(1000),
    );
    tokio::spawn(async move {
        loop {
            match drain(&state).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "webhook worker failed; retrying"),
            }
            tokio::time::sleep(poll).await;
        }
    });
}
