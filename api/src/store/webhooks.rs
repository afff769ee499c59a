//! Outgoing webhooks: partners' endpoints, the events outbox (written by the
//! stores of the changes they announce, in the same transaction), and the
//! deliveries the worker claims and records (docs/api.md, "Integrations").

use super::Result;
use crate::domain::webhook::EventType;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An endpoint an admin registers.
#[derive(Clone, Debug)]
pub struct NewWebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    /// The `whsec_…` secret, sealed (`sms::seal`).
    pub secret_sealed: Vec<u8>,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
}

/// An endpoint as stored (never its secret).
#[derive(Clone, Debug)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    /// `enabled`, or `disabled` after failing for the retry window (24 h).
    pub status: String,
    /// Since when every attempt has failed (UTC); `None` after a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// `failing` (disabled after failing for the retry window) or `admin`
    /// (paused by an admin); `None` while enabled.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A delivery a worker has claimed, with what it needs to send it.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub endpoint_id: Uuid,
    pub event_id: String,
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i64,
    pub url: String,
    pub secret_sealed: Vec<u8>,
    pub retry_until: DateTime<Utc>,
}

/// What one attempt got back.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered, if it answered.
    pub response_status: Option<i64>,
    /// Why the attempt failed (no answer, or a non-2xx one).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// How an attempt leaves its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Succeeded,
    /// Try again at this time.
    Retry(DateTime<Utc>),
    /// Given up: the retry window is over.
    Failed,
}

/// A delivery and its attempts, for the admins' view.
#[derive(Clone, Debug)]
pub struct WebhookDelivery {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `sending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub attempt_log: Vec<AttemptRecord>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_webhook_endpoint(&self, e: &NewWebhookEndpoint) -> Result<WebhookEndpoint>;
    /// Every endpoint, newest first.
    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>>;
    async fn webhook_endpoint(&self, id: Uuid) -> Result<Option<WebhookEndpoint>>;
    /// Enables (`true`: clears `failing_since`) or disables (`false`, reason
    /// `admin`) an endpoint; `None` when there is no such endpoint.
    async fn set_webhook_endpoint_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookEndpoint>>;
    /// Deletes an endpoint with its deliveries and their attempts; false when
    /// there is no such endpoint.
    async fn delete_webhook_endpoint(&self, id: Uuid) -> Result<bool>;
    /// Claims up to `limit` due deliveries of enabled endpoints (pending, or
    /// sending with an expired lease) until `lease_until`, one worker each
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite).
    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>>;
    /// Records an attempt and its outcome, and the endpoint's health: a
    /// success clears `failing_since`; a failure sets it when unset, and
    /// disables the endpoint when it was set before `disable_if_failing_since`.
    /// Returns true when this call disabled the endpoint.
    async fn finish_webhook_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &AttemptRecord,
        outcome: DeliveryOutcome,
        disable_if_failing_since: DateTime<Utc>,
    ) -> Result<bool>;
    /// An endpoint's newest `limit` deliveries with their attempts.
    async fn webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Queues a delivery again now, with the same event id, retried until
    /// `retry_until`; re-enables its endpoint. False when there is no such
    /// delivery of that endpoint.
    async fn replay_webhook_delivery(
        &self,
        endpoint_id: Uuid,
        delivery_id: i64,
        now: DateTime<Utc>,
        retry_until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Deletes the events created before `before` with their deliveries and
    /// attempts, except an event with a delivery still to be sent (pending or
    /// sending: a replay keeps its event until it is done). Returns how many
    /// events went.
    async fn purge_webhook_events(&self, before: DateTime<Utc>) -> Result<u64>;
}
