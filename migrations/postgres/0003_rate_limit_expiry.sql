-- When a rate-limit row's window ends: after it the row counts nothing and is purged
-- (rate_limit::purge, run by `serve`). Rows from before hold windows of at most 30 days.
alter table rate_limits add column expires_at timestamptz;
update rate_limits set expires_at = window_start + interval '30 days';
alter table rate_limits alter column expires_at set not null;
create index rate_limits_expires_at on rate_limits (expires_at);
