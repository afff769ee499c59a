-- One row per sign-in: the access token carries its id (`sid`), and every request checks it is still
-- active (not signed out, the account still there with the same role). Purged after it expires.
create table sessions (
    id uuid primary key,
    audience text not null check (audience in ('plus', 'myaccount')),
    -- the staff user's or the client's id
    subject uuid not null,
    -- the staff role signed in with; null for clients
    role text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index sessions_expires_at on sessions (expires_at);
