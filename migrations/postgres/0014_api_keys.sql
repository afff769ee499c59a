-- API keys: a partner system's credential (issue 20, item 1). The secret is shown once, in the answer that
-- creates the key, and kept only as the SHA-256 of its random part (like payment_links.token_hash): 256 bits
-- from the OS CSPRNG need no slow hash. `scopes` is the space-separated list the key was given (OAuth 2.0's
-- notation, RFC 6749 section 3.3). A key acts for the company; `created_by` is the admin who made it, and the
-- staff user a payment link it sends is recorded as created by. Revoking sets `revoked_at`; the row stays so
-- that Client Log lines and the admin's list still name the key. `last_used_at` is written at most once a
-- minute per key (services::api_keys).
create table api_keys (
    id uuid primary key,
    name text not null,
    scopes text not null,
    key_hash bytea not null unique,
    -- the first characters of the key (`pk_test_AbCd`), so an admin can tell keys apart; not a secret
    key_prefix text not null,
    created_by uuid not null references staff_users (id),
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

-- The Client Log names an API key as the author of what it did.
alter table client_log drop constraint client_log_author_kind_check;
alter table client_log add constraint client_log_author_kind_check
    check (author_kind in ('staff', 'client', 'system', 'api_key'));
