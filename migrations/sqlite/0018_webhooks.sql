-- Outgoing webhooks (issue 20, item 2; docs/api.md, "Integrations"), following the Standard Webhooks
-- specification. An endpoint is a partner's URL with the event types it takes; its signing secret is kept
-- sealed (like sms_outbox.body_sealed) because every delivery must sign with it. `events` is the
-- space-separated list of event types. `failing_since` is the time of the first failed attempt since the
-- last success: an endpoint failing for 24 h is `disabled`.
create table webhook_endpoints (
    id blob primary key,
    url text not null,
    events text not null,
    secret_sealed blob not null,
    status text not null check (status in ('enabled', 'disabled')),
    failing_since text,
    disabled_at text,
    created_by blob not null references staff_users (id),
    created_at text not null,
    updated_at text not null
);

-- The events outbox: written in the transaction of the change the event announces. `id` (`msg_…`) is the
-- stable `webhook-id` partners de-duplicate by; `payload` is the exact body every attempt sends.
create table webhook_events (
    id text primary key,
    type text not null,
    payload text not null,
    created_at text not null
);

-- One event for one endpoint, written with the event for every enabled endpoint that takes its type.
-- `sending` with `next_attempt_at` in the future is a worker's lease; retried until `retry_until`.
create table webhook_deliveries (
    id integer primary key,
    event_id text not null references webhook_events (id),
    endpoint_id blob not null references webhook_endpoints (id),
    status text not null check (status in ('pending', 'sending', 'succeeded', 'failed')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    retry_until text not null,
    created_at text not null,
    updated_at text not null
);
create index webhook_deliveries_due_idx on webhook_deliveries (status, next_attempt_at);
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id);

-- Each attempt, for the admins' view: the HTTP status the endpoint answered, or why there was none.
create table webhook_attempts (
    id blob primary key,
    delivery_id integer not null references webhook_deliveries (id),
    attempted_at text not null,
    response_status integer,
    error text,
    duration_ms integer not null
);
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id, attempted_at);
