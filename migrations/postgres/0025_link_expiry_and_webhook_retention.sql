-- Issue 20: `link.expired`. A link expires by time passing (`expires_at`); the link expiry job
-- (services::jobs, `link_expiry`) records that moment once per link, by a conditional update of
-- `expired_at`, and writes the `link.expired` event in the same transaction. Links that expired before
-- this migration are marked as they are, without an event: no partner was told of them then, and a flood
-- of old expiries would tell nothing now.
alter table payment_links add column expired_at timestamptz;
update payment_links set expired_at = expires_at
where status in ('sent', 'opened') and expires_at <= now();
-- What the job looks for: unpaid, unrevoked links not yet marked, by expiry.
create index payment_links_unexpired_idx on payment_links (expires_at)
where expired_at is null and status in ('sent', 'opened');

-- The purge deletes webhook events older than WEBHOOK_RETENTION_DAYS (with their deliveries and attempts):
-- by creation time.
create index webhook_events_created_idx on webhook_events (created_at);

-- Why an endpoint is disabled: 'failing' (every attempt failed for 24 hours; PLUS Web tells admins) or
-- 'admin' (an admin paused it); null while it is enabled.
alter table webhook_endpoints add column disabled_reason text check (disabled_reason in ('failing', 'admin'));
update webhook_endpoints set disabled_reason = 'failing' where status = 'disabled';
