-- The scheduler inside `serve` (services::jobs). A lease is one row per name, held by one process
-- until expires_at: taken by a conditional write (free, or its holder's lease expired), renewed
-- while the holder works, deleted when it is done. A holder that crashed loses it when it expires.
-- Jobs use one lease each ("status_sync", "purge", "autopay:<location id>"); Auto Pay also takes
-- one per client, vehicle and period while it charges it, so two runs never charge a period twice.
create table leases (
    name text primary key,
    holder text not null,
    expires_at timestamptz not null,
    acquired_at timestamptz not null
);

-- When each job last started, succeeded and failed (any instance): when a job is due, and the
-- last success per job on /metrics.
create table scheduled_jobs (
    name text primary key,
    last_started_at timestamptz,
    last_succeeded_at timestamptz,
    last_failed_at timestamptz,
    last_error text,
    updated_at timestamptz not null
);

-- A delivery report (Twilio status callback) that arrived before the create request's answer
-- stored the message's SID: kept here and applied once the SID is stored. Purged after a day.
create table sms_early_reports (
    provider_message_id text primary key,
    status text not null,
    error_code bigint,
    failure_reason text,
    received_at timestamptz not null
);

create index idempotency_keys_created_idx on idempotency_keys (created_at);
