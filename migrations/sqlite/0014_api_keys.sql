-- API keys: a partner system's credential (issue 20, item 1). The secret is shown once, in the answer that
-- creates the key, and kept only as the SHA-256 of its random part (like payment_links.token_hash): 256 bits
-- from the OS CSPRNG need no slow hash. `scopes` is the space-separated list the key was given (OAuth 2.0's
-- notation, RFC 6749 section 3.3). A key acts for the company; `created_by` is the admin who made it, and the
-- staff user a payment link it sends is recorded as created by. Revoking sets `revoked_at`; the row stays so
-- that Client Log lines and the admin's list still name the key. `last_used_at` is written at most once a
-- minute per key (services::api_keys).
create table api_keys (
    id blob primary key,
    name text not null,
    scopes text not null,
    key_hash blob not null unique,
    -- the first characters of the key (`pk_test_AbCd`), so an admin can tell keys apart; not a secret
    key_prefix text not null,
    created_by blob not null references staff_users (id),
    last_used_at text,
    revoked_at text,
    created_at text not null,
    updated_at text not null
);

-- The Client Log names an API key as the author of what it did. SQLite cannot change a CHECK constraint in
-- place: client_log is rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter); no table refers to it.
create table client_log_new (
    id blob primary key,
    client_id blob not null references clients (id),
    author_kind text not null check (author_kind in ('staff', 'client', 'system', 'api_key')),
    author_name text not null,
    message text not null,
    created_at text not null,
    updated_at text not null
);
insert into client_log_new (id, client_id, author_kind, author_name, message, created_at, updated_at)
    select id, client_id, author_kind, author_name, message, created_at, updated_at from client_log;
drop table client_log;
alter table client_log_new rename to client_log;
create index client_log_client_idx on client_log (client_id, created_at);
