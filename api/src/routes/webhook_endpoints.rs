//! Outgoing webhooks' endpoints, managed by admins (issue 20, item 2;
//! docs/api.md, "Integrations"); the use cases and the delivery worker are in
//! `services::webhooks`. The payloads are described in the spec's `webhooks`
//! section (`openapi.rs`).

use crate::auth::{permits, Can};
use crate::domain::webhook::EventType;
use crate::error::ApiResult;
use crate::services::webhooks;
use crate::state::AppState;
use crate::store::{AttemptRecord, WebhookDelivery, WebhookEndpoint};
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A partner's URL and the events it takes.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreateWebhookEndpointRequest {
    /// Where events are POSTed: an absolute URL, `https://` in production.
    #[schema(example = "https://partner.example/hooks/payments", max_length = 2000)]
    pub url: String,
    /// At least one event type.
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
}

/// An endpoint just registered, with its signing secret: the only time the
/// secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookEndpointView {
    pub id: Uuid,
    /// The Standard Webhooks signing secret (`whsec_` + base64 of 32 bytes):
    /// give it to the partner's `standardwebhooks` library to verify
    /// `webhook-signature`.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// Whether an endpoint is sent events.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEndpointStatus {
    /// Sent events.
    Enabled,
    /// Sent nothing (see `disabled_reason`), and new events are not queued
    /// for it, until it is enabled again (`update_webhook_endpoint`, or a
    /// replay).
    Disabled,
}

/// Why an endpoint is disabled.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDisabledReason {
    /// Every attempt failed for 24 hours: PLUS Web tells admins.
    Failing,
    /// An admin paused it.
    Admin,
}

/// What an admin changes on an endpoint.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct UpdateWebhookEndpointRequest {
    /// `disabled` pauses the endpoint; `enabled` resumes it (and clears its
    /// failing state).
    pub status: WebhookEndpointStatus,
}

/// A registered endpoint (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    pub status: WebhookEndpointStatus,
    /// Since when every attempt has failed (UTC); `null` while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was disabled (UTC); `null` while enabled.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it is disabled; `null` while enabled.
    pub disabled_reason: Option<WebhookDisabledReason>,
    pub created_at: DateTime<Utc>,
}

impl From<WebhookEndpoint> for WebhookEndpointView {
    fn from(e: WebhookEndpoint) -> WebhookEndpointView {
        WebhookEndpointView {
            id: e.id,
            url: e.url,
            events: e.events,
            status: if e.status == "disabled" {
                WebhookEndpointStatus::Disabled
            } else {
                WebhookEndpointStatus::Enabled
            },
            failing_since: e.failing_since,
            disabled_at: e.disabled_at,
            disabled_reason: match e.disabled_reason.as_deref() {
                Some("admin") => Some(WebhookDisabledReason::Admin),
                Some(_) => Some(WebhookDisabledReason::Failing),
                None => None,
            },
            created_at: e.created_at,
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered; `null` when it did not answer.
    pub response_status: Option<i64>,
    /// Why the attempt failed; `null` when it succeeded (2xx).
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub duration_ms: i64,
}

impl From<AttemptRecord> for WebhookAttemptView {
    fn from(a: AttemptRecord) -> WebhookAttemptView {
        WebhookAttemptView {
            attempted_at: a.attempted_at,
            response_status: a.response_status,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Being attempted by a worker.
    Sending,
    /// The endpoint answered 2xx.
    Succeeded,
    /// Given up after 24 hours of failed attempts (it can be replayed).
    Failed,
}

/// One event sent (or to be sent) to one endpoint, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    pub id: i64,
    /// The event's id, sent as `webhook-id` on every attempt and replay.
    #[schema(example = "msg_2b7c0f4e9a1d4c3f8e6a5b4c3d2e1f00")]
    pub event_id: String,
    pub event_type: EventType,
    pub status: WebhookDeliveryStatus,
    pub attempts: i64,
    /// When it is (or was last) due (UTC).
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Its attempts, oldest first.
    pub attempt_log: Vec<WebhookAttemptView>,
}

impl From<WebhookDelivery> for WebhookDeliveryView {
    fn from(d: WebhookDelivery) -> WebhookDeliveryView {
        WebhookDeliveryView {
            id: d.id,
            event_id: d.event_id,
            event_type: EventType::parse(&d.event_type).unwrap_or(EventType::PaymentSucceeded),
            status: match d.status.as_str() {
                "sending" => WebhookDeliveryStatus::Sending,
                "succeeded" => WebhookDeliveryStatus::Succeeded,
                "failed" => WebhookDeliveryStatus::Failed,
                _ => WebhookDeliveryStatus::Pending,
            },
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            attempt_log: d.attempt_log.into_iter().map(Into::into).collect(),
        }
    }
}

/// Registers a webhook endpoint (admins only). The answer holds its signing
/// secret, once.
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "create_webhook_endpoint",
    request_body = CreateWebhookEndpointRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 201, body = CreatedWebhookEndpointView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/webhook-endpoints")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn create_webhook_endpoint(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    body: web::Json<CreateWebhookEndpointRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let created = webhooks::create(&state, &admin, body.url, body.events).await?;
    Ok(
        HttpResponse::build(StatusCode::CREATED).json(CreatedWebhookEndpointView {
            id: created.endpoint.id,
            secret: created.secret,
        }),
    )
}

/// Every webhook endpoint, newest first (admins only).
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "list_webhook_endpoints",
    responses(
        (status = 200, body = Vec<WebhookEndpointView>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[get("/webhook-endpoints")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn list_webhook_endpoints(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<WebhookEndpointView>>> {
    let endpoints = webhooks::list(&state).await?;
    Ok(web::Json(endpoints.into_iter().map(Into::into).collect()))
}

/// Pauses (`disabled`) or resumes (`enabled`) a webhook endpoint (admins
/// only). A disabled endpoint is sent nothing, and events that happen while
/// it is disabled are not queued for it; deliveries it already had wait and
/// go out once it is enabled (within their 24 hours; a replay sends one
/// again later).
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "update_webhook_endpoint",
    params(("id" = Uuid, Path, description = "Webhook endpoint id")),
    request_body = UpdateWebhookEndpointRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = WebhookEndpointView),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: no endpoint with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[patch("/webhook-endpoints/{id}")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn update_webhook_endpoint(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    body: web::Json<UpdateWebhookEndpointRequest>,
) -> ApiResult<web::Json<WebhookEndpointView>> {
    let enabled = body.status == WebhookEndpointStatus::Enabled;
    let endpoint = webhooks::set_enabled(&state, &admin, path.into_inner(), enabled).await?;
    Ok(web::Json(endpoint.into()))
}

/// Deletes a webhook endpoint and its delivery history (admins only).
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "delete_webhook_endpoint",
    params(("id" = Uuid, Path, description = "Webhook endpoint id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: no endpoint with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[delete("/webhook-endpoints/{id}")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn delete_webhook_endpoint(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    webhooks::delete(&state, &admin, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's newest 100 deliveries with every attempt (admins only).
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "Webhook endpoint id")),
    responses(
        (status = 200, body = Vec<WebhookDeliveryView>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: no endpoint with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[get("/webhook-endpoints/{id}/deliveries")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn list_webhook_deliveries(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<WebhookDeliveryView>>> {
    let deliveries = webhooks::deliveries(&state, path.into_inner()).await?;
    Ok(web::Json(deliveries.into_iter().map(Into::into).collect()))
}

/// Sends a delivery again, with the same event id, retried for another 24
/// hours; a disabled endpoint is enabled again (admins only).
#[utoipa::path(
    tag = "webhook endpoints", operation_id = "replay_webhook_delivery",
    params(
        ("id" = Uuid, Path, description = "Webhook endpoint id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: the endpoint has no delivery with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []))
)]
#[post("/webhook-endpoints/{id}/deliveries/{delivery_id}/replay")]
#[tracing::instrument(skip_all, fields(staff = %admin.id))]
pub async fn replay_webhook_delivery(
    Can(admin, _): Can<permits::Administer>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery_id) = path.into_inner();
    webhooks::replay(&state, &admin, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().finish())
}
