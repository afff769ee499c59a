-- Issue 16, item 8: every instance keeps the sessions and API keys it checked in memory
-- (auth::cache), and forgets one as soon as any instance, or anyone with SQL, changes it. These
-- triggers send `NOTIFY auth_changes` in the changing transaction (delivered at its commit, to every
-- instance's `LISTEN auth_changes`). Payloads: `session:<id>` (signed out, refreshed, or changed),
-- `api_key:<id>` (revoked, or its scopes or secret changed), `all` (a staff user's role or a client's
-- login changed, or live sessions were deleted: every cached session is forgotten).

create function auth_change_session() returns trigger language plpgsql as $$
begin
  perform pg_notify('auth_changes', 'session:' || old.id::text);
  return null;
end $$;

create trigger sessions_changed after update on sessions
  for each row execute function auth_change_session();

-- The purge deletes expired sessions only (refused anyway: the cache keeps each one's expiry); deleting
-- a live session by hand ends it everywhere.
create function auth_change_sessions_deleted() returns trigger language plpgsql as $$
begin
  if exists (select 1 from gone where gone.expires_at > now() and gone.revoked_at is null) then
    perform pg_notify('auth_changes', 'all');
  end if;
  return null;
end $$;

create trigger sessions_deleted after delete on sessions
  referencing old table as gone for each statement execute function auth_change_sessions_deleted();

create function auth_change_all() returns trigger language plpgsql as $$
begin
  perform pg_notify('auth_changes', 'all');
  return null;
end $$;

create trigger sessions_truncated after truncate on sessions
  for each statement execute function auth_change_all();
create trigger staff_users_changed after update or delete or truncate on staff_users
  for each statement execute function auth_change_all();
create trigger client_logins_changed after update or delete or truncate on client_logins
  for each statement execute function auth_change_all();

create function auth_change_api_key() returns trigger language plpgsql as $$
begin
  perform pg_notify('auth_changes', 'api_key:' || old.id::text);
  return null;
end $$;

-- Not `last_used_at`: it is written once a minute per key in use, and changes nothing a check reads.
create trigger api_keys_changed after update of revoked_at, scopes, key_hash, created_by or delete
  on api_keys for each row execute function auth_change_api_key();
create trigger api_keys_truncated after truncate on api_keys
  for each statement execute function auth_change_all();
