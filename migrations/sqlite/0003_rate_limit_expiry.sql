-- When a rate-limit row's window ends: after it the row counts nothing and is purged
-- (rate_limit::purge, run by `serve`). Rows from before hold windows of at most 30 days.
-- Timestamps are RFC 3339 text in UTC, as sqlx writes them.
alter table rate_limits add column expires_at text not null default '';
update rate_limits set expires_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', window_start, '+30 days');
create index rate_limits_expires_at on rate_limits (expires_at);
