-- Migration 0030 made every update of a staff user or a client login notify `auth_changes` with `all`, so
-- that every instance forgot every cached session: also a name, an email, a password or an `updated_at`
-- written, which change nothing a session check reads. The check (`SESSION_ACTIVE`, store/sql/access.rs)
-- reads a staff user's `id` and `role` and a client login's `client_id`: only a change of one of those (or a
-- deleted row, or a truncate, as before) notifies now. Row triggers with a `when` clause, since `update of`
-- alone fires for a column set to the value it had.

drop trigger staff_users_changed on staff_users;
drop trigger client_logins_changed on client_logins;

create trigger staff_users_changed after update of id, role on staff_users
  for each row
  when (old.id is distinct from new.id or old.role is distinct from new.role)
  execute function auth_change_all();
create trigger staff_users_deleted after delete or truncate on staff_users
  for each statement execute function auth_change_all();

create trigger client_logins_changed after update of id, client_id on client_logins
  for each row
  when (old.id is distinct from new.id or old.client_id is distinct from new.client_id)
  execute function auth_change_all();
create trigger client_logins_deleted after delete or truncate on client_logins
  for each statement execute function auth_change_all();
