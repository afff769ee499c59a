//! [`WebhookStore`] in SQL, compiled once per backend (see `sql/mod.rs`),
//! and [`emit`], which the other stores call inside their transactions.

use super::{dialect, Backend, Connection};
use crate::domain::webhook::{
    events_from_text, events_to_text, new_event_id, EventType, LinkEventData, PaymentEventData,
    RefundEventData,
};
use crate::store::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, NewWebhookEndpoint, Result, StoreError,
    WebhookDelivery, WebhookEndpoint, WebhookStore,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// How long an event is retried (Standard Webhooks suggests about a day).
pub const RETRY_WINDOW: Duration = Duration::hours(24);

/// The events of one change, each `(id, type, payload, created_at)`: the
/// rows follow (`sqlx::QueryBuilder::push_values`).
const INSERT_EVENTS: &str = "insert into webhook_events (id, type, payload, created_at) ";

/// One delivery for each enabled endpoint that takes an event's type, for the
/// events whose ids follow `$1` (created at) and `$2` (retried until): see
/// [`insert_deliveries_sql`].
const INSERT_DELIVERIES: &str = "insert into webhook_deliveries (event_id, endpoint_id, \
    status, attempts, next_attempt_at, retry_until, created_at, updated_at) \
    select e.id, w.id, 'pending', 0, $1, $2, $1, $1 \
    from webhook_events e join webhook_endpoints w on w.status = 'enabled' \
    and (' ' || w.events || ' ') like ('% ' || e.type || ' %') \
    where e.id in ";

/// `INSERT_DELIVERIES` for `n` events: their ids are `$3` … `$(n + 2)`.
pub(super) fn insert_deliveries_sql(n: usize) -> String {
    let ids: Vec<String> = (0..n).map(|i| format!("${}", i + 3)).collect();
    format!("{INSERT_DELIVERIES}({})", ids.join(", "))
}

const ENDPOINT_COLUMNS: &str =
    "select id, url, events, status, failing_since, disabled_at, disabled_reason, created_at \
    from webhook_endpoints ";

const INSERT_ENDPOINT: &str = "insert into webhook_endpoints (id, url, events, secret_sealed, \
    status, created_by, created_at, updated_at) values ($1, $2, $3, $4, 'enabled', $5, $6, $6)";

const INSERT_ATTEMPT: &str = "insert into webhook_attempts (id, delivery_id, attempted_at, \
    response_status, error, duration_ms) values ($1, $2, $3, $4, $5, $6)";

const FINISH_DELIVERY: &str = "update webhook_deliveries set status = $2, \
    next_attempt_at = $3, updated_at = $4 where id = $1";

const ENDPOINT_HEALTHY: &str =
    "update webhook_endpoints set failing_since = null, updated_at = $2 where id = $1";

const ENDPOINT_FAILING: &str = "update webhook_endpoints set \
    failing_since = coalesce(failing_since, $2), updated_at = $2 where id = $1";

/// Conditional, so that one worker disables (and reports) an endpoint once.
const ENDPOINT_DISABLE: &str = "update webhook_endpoints set status = 'disabled', \
    disabled_at = $2, disabled_reason = 'failing', updated_at = $2 \
    where id = $1 and status = 'enabled' and failing_since <= $3";

const DELIVERIES: &str = "select d.id, d.event_id, e.type, d.status, d.attempts, \
    d.next_attempt_at, d.created_at from webhook_deliveries d \
    join webhook_events e on e.id = d.event_id \
    where d.endpoint_id = $1 order by d.id desc limit $2";

const ATTEMPTS: &str = "select attempted_at, response_status, error, duration_ms \
    from webhook_attempts where delivery_id = $1 order by attempted_at";

const REPLAY: &str = "update webhook_deliveries set status = 'pending', next_attempt_at = $3, \
    retry_until = $4, updated_at = $3 where id = $2 and endpoint_id = $1";

const REENABLE: &str = "update webhook_endpoints set status = 'enabled', failing_since = null, \
    disabled_at = null, disabled_reason = null, updated_at = $2 where id = $1";

/// An admin pauses an endpoint (kept as it is when already disabled).
const ADMIN_DISABLE: &str = "update webhook_endpoints set status = 'disabled', \
    disabled_at = $2, disabled_reason = 'admin', updated_at = $2 \
    where id = $1 and status = 'enabled'";

/// Writes event `event` with `data` into the outbox, with a delivery for
/// every enabled endpoint subscribed to it, on the caller's transaction: the
/// event is recorded if and only if the change it announces is. The body is
/// Standard Webhooks' `{type, timestamp, data}`; it is kept as sent.
pub(super) async fn emit(
    conn: &mut Connection,
    event: EventType,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    emit_all(conn, vec![(event, data)], now).await
}

/// [`emit`] for the several events one change announces (a link's payment:
/// `payment.succeeded` and `link.paid`), in two statements whatever their
/// number: the events (inserted in this order), then their deliveries (in
/// no particular order: Standard Webhooks receivers do not rely on one, and
/// docs/api.md says events are not ordered).
pub(super) async fn emit_all(
    conn: &mut Connection,
    events: Vec<(EventType, serde_json::Value)>,
    now: DateTime<Utc>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let timestamp = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let rows: Vec<(String, EventType, String)> = events
        .into_iter()
        .map(|(event, data)| {
            let payload = serde_json::json!({
                "type": event.as_str(),
                "timestamp": timestamp,
                "data": data,
            })
            .to_string();
            (new_event_id(), event, payload)
        })
        .collect();
    let mut insert_events = sqlx::QueryBuilder::new(INSERT_EVENTS);
    insert_events.push_values(&rows, |mut row, (id, event, payload)| {
        row.push_bind(id)
            .push_bind(event.as_str())
            .push_bind(payload)
            .push_bind(now);
    });
    insert_events.build().execute(&mut *conn).await?;
    let insert_deliveries = insert_deliveries_sql(rows.len());
    let mut query = sqlx::query(&insert_deliveries)
        .bind(now)
        .bind(now + RETRY_WINDOW);
    for (id, _, _) in &rows {
        query = query.bind(id);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

type EndpointRow = (
    Uuid,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    DateTime<Utc>,
);

fn endpoint(row: EndpointRow) -> WebhookEndpoint {
    let (id, url, events, status, failing_since, disabled_at, disabled_reason, created_at) = row;
    WebhookEndpoint {
        id,
        url,
        events: events_from_text(&events),
        status,
        failing_since,
        disabled_at,
        disabled_reason,
        created_at,
    }
}

type ClaimRow = (
    i64,
    Uuid,
    String,
    i64,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
);

/// Events the purge takes: older than the retention, none of their
/// deliveries still to be sent.
const PURGEABLE_EVENTS: &str = "select e.id from webhook_events e where e.created_at < $1 \
    and not exists (select 1 from webhook_deliveries d where d.event_id = e.id \
    and d.status in ('pending', 'sending'))";

#[async_trait]
impl WebhookStore for Backend {
    async fn insert_webhook_endpoint(&self, e: &NewWebhookEndpoint) -> Result<WebhookEndpoint> {
        sqlx::query(INSERT_ENDPOINT)
            .bind(e.id)
            .bind(&e.url)
            .bind(events_to_text(&e.events))
            .bind(&e.secret_sealed)
            .bind(e.created_by)
            .bind(e.now)
            .execute(&self.pool)
            .await?;
        self.webhook_endpoint(e.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("new webhook endpoint vanished".into()))
    }

    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        let rows: Vec<EndpointRow> =
            sqlx::query_as(&format!("{ENDPOINT_COLUMNS}order by created_at desc"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(endpoint).collect())
    }

    async fn webhook_endpoint(&self, id: Uuid) -> Result<Option<WebhookEndpoint>> {
        let row: Option<EndpointRow> = sqlx::query_as(&format!("{ENDPOINT_COLUMNS}where id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(endpoint))
    }

    async fn set_webhook_endpoint_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookEndpoint>> {
        sqlx::query(if enabled { REENABLE } else { ADMIN_DISABLE })
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        self.webhook_endpoint(id).await
    }

    async fn delete_webhook_endpoint(&self, id: Uuid) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "delete from webhook_attempts where delivery_id in \
             (select id from webhook_deliveries where endpoint_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from webhook_deliveries where endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("delete from webhook_endpoints where id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted == 1)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let rows: Vec<ClaimRow> = sqlx::query_as(dialect::CLAIM_WEBHOOKS)
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, endpoint_id, event_id, attempts, retry_until, payload, url, secret)| {
                    Some(ClaimedDelivery {
                        id,
                        endpoint_id,
                        event_id,
                        attempts,
                        retry_until,
                        payload: payload?,
                        url: url?,
                        secret_sealed: secret?,
                    })
                },
            )
            .collect())
    }

    async fn finish_webhook_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &AttemptRecord,
        outcome: DeliveryOutcome,
        disable_if_failing_since: DateTime<Utc>,
    ) -> Result<bool> {
        let now = attempt.attempted_at;
        let mut tx = self.begin_write().await?;
        sqlx::query(INSERT_ATTEMPT)
            .bind(Uuid::new_v4())
            .bind(delivery.id)
            .bind(now)
            .bind(attempt.response_status)
            .bind(&attempt.error)
            .bind(attempt.duration_ms)
            .execute(&mut *tx)
            .await?;
        let (status, next) = match outcome {
            DeliveryOutcome::Succeeded => ("succeeded", now),
            DeliveryOutcome::Retry(at) => ("pending", at),
            DeliveryOutcome::Failed => ("failed", now),
        };
        sqlx::query(FINISH_DELIVERY)
            .bind(delivery.id)
            .bind(status)
            .bind(next)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let mut disabled = false;
        if outcome == DeliveryOutcome::Succeeded {
            sqlx::query(ENDPOINT_HEALTHY)
                .bind(delivery.endpoint_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(ENDPOINT_FAILING)
                .bind(delivery.endpoint_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            disabled = sqlx::query(ENDPOINT_DISABLE)
                .bind(delivery.endpoint_id)
                .bind(now)
                .bind(disable_if_failing_since)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        }
        tx.commit().await?;
        Ok(disabled)
    }

    async fn webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        type Row = (
            i64,
            String,
            String,
            String,
            i64,
            DateTime<Utc>,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = sqlx::query_as(DELIVERIES)
            .bind(endpoint_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut deliveries = Vec::with_capacity(rows.len());
        for (id, event_id, event_type, status, attempts, next_attempt_at, created_at) in rows {
            let log: Vec<(DateTime<Utc>, Option<i64>, Option<String>, i64)> =
                sqlx::query_as(ATTEMPTS)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
            deliveries.push(WebhookDelivery {
                id,
                event_id,
                event_type,
                status,
                attempts,
                next_attempt_at,
                created_at,
                attempt_log: log
                    .into_iter()
                    .map(
                        |(attempted_at, response_status, error, duration_ms)| AttemptRecord {
                            attempted_at,
                            response_status,
                            error,
                            duration_ms,
                        },
                    )
                    .collect(),
            });
        }
        Ok(deliveries)
    }

    async fn replay_webhook_delivery(
        &self,
        endpoint_id: Uuid,
        delivery_id: i64,
        now: DateTime<Utc>,
        retry_until: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let replayed = sqlx::query(REPLAY)
            .bind(endpoint_id)
            .bind(delivery_id)
            .bind(now)
            .bind(retry_until)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if replayed {
            sqlx::query(REENABLE)
                .bind(endpoint_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(replayed)
    }

    async fn purge_webhook_events(&self, before: DateTime<Utc>) -> Result<u64> {
        // In batches of 500 events, each its own short transaction, so a
        // large backlog never holds the write lock for long.
        let mut purged = 0;
        loop {
            let batch = self.purge_webhook_events_once(before).await?;
            purged += batch;
            if batch < 500 {
                return Ok(purged);
            }
        }
    }
}

impl Backend {
    async fn purge_webhook_events_once(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        // Ordered, so that the three statements take the same 500.
        let purgeable = format!("{PURGEABLE_EVENTS} order by e.created_at, e.id limit 500");
        sqlx::query(&format!(
            "delete from webhook_attempts where delivery_id in (select d.id \
             from webhook_deliveries d where d.event_id in ({purgeable}))"
        ))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "delete from webhook_deliveries where event_id in ({purgeable})"
        ))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let events = sqlx::query(&format!(
            "delete from webhook_events where id in ({purgeable})"
        ))
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(events)
    }
}

/// A payment as events describe it (no card number, no receipt reference).
pub(super) fn payment_data(p: &crate::domain::Payment, link_paid: bool) -> serde_json::Value {
    serde_json::to_value(PaymentEventData {
        payment_id: p.id,
        client_id: p.client_id,
        vehicle_id: p.vehicle_id,
        payment_link_id: p.payment_link_id,
        link_id: p.payment_link_id.filter(|_| link_paid),
        amount_cents: p.amount_cents.0,
        currency: p.currency.clone(),
        status: p.status.as_str().to_owned(),
        method: p.method.as_str().to_owned(),
        invoice_number: p.invoice_number,
        failure_code: p.failure_code.clone(),
    })
    .unwrap_or_default()
}

/// A refund as `payment.refunded` describes it.
pub(super) fn refund_data(r: &crate::domain::refund::Refund) -> serde_json::Value {
    serde_json::to_value(RefundEventData {
        refund_id: r.id,
        payment_id: r.payment_id,
        client_id: r.client_id,
        amount_cents: r.amount_cents.0,
        currency: r.currency.clone(),
        status: r.status.as_str().to_owned(),
        destination: r.destination.as_str().to_owned(),
    })
    .unwrap_or_default()
}

/// A payment link as `link.sent` and `link.opened` describe it.
pub(super) fn link_data(d: LinkEventData) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_default()
}
