-- The whole payments domain. Money is integer cents (bigint); tax rates are
-- parts per million; every table has created_at/updated_at.

create table locations (
    id uuid primary key,
    name text not null,
    accepts_payments boolean not null,
    tax_rate_ppm bigint not null check (tax_rate_ppm between 0 and 1000000),
    daily_rate_cents bigint check (daily_rate_cents >= 0),
    price_14_cents bigint check (price_14_cents >= 0),
    price_30_cents bigint check (price_30_cents >= 0),
    time_zone text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create table clients (
    id uuid primary key,
    location_id uuid not null references locations (id),
    first_name text not null,
    last_name text not null,
    phone text not null,
    email text not null,
    plan_days bigint not null check (plan_days in (14, 30)),
    autopay_enabled boolean not null default false,
    autopay_card_id uuid,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index clients_last_name_idx on clients (lower(last_name));
create index clients_phone_idx on clients (phone);

create table vehicles (
    id uuid primary key,
    client_id uuid not null references clients (id),
    description text not null,
    plate text,
    device_serial text not null,
    paid_through date,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index vehicles_client_idx on vehicles (client_id);

create table cards (
    id uuid primary key,
    client_id uuid not null references clients (id),
    gateway_token text not null,
    brand text not null,
    last4 text not null check (length(last4) = 4),
    exp_month bigint not null check (exp_month between 1 and 12),
    exp_year bigint not null,
    deleted_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index cards_client_idx on cards (client_id);

create sequence invoice_number_seq start 1001;
create table invoices (
    id uuid primary key,
    number bigint not null unique default nextval('invoice_number_seq'),
    client_id uuid not null references clients (id),
    vehicle_id uuid references vehicles (id),
    status text not null check (status in ('open', 'paid', 'void')),
    monitor_days bigint check (monitor_days in (14, 30)),
    subtotal_cents bigint not null,
    tax_cents bigint not null,
    -- balance carried forward from earlier invoices: shown, not charged again
    past_due_cents bigint not null,
    total_cents bigint not null check (total_cents = subtotal_cents + tax_cents + past_due_cents),
    created_by text not null,
    issued_at timestamptz not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index invoices_client_idx on invoices (client_id, issued_at);

create table invoice_lines (
    invoice_id uuid not null references invoices (id),
    position bigint not null,
    kind text not null check (kind in ('monitoring', 'past_due', 'tax')),
    description text not null,
    amount_cents bigint not null,
    primary key (invoice_id, position)
);

create table staff_users (
    id uuid primary key,
    email text not null unique,
    name text not null,
    role text not null check (role in ('agent', 'supervisor', 'admin')),
    password_hash text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create table client_logins (
    id uuid primary key,
    client_id uuid not null unique references clients (id),
    email text not null unique,
    password_hash text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create table payment_links (
    id uuid primary key,
    client_id uuid not null references clients (id),
    vehicle_id uuid not null references vehicles (id),
    token_hash bytea not null unique,
    phone text not null,
    quote jsonb not null,
    amount_cents bigint not null check (amount_cents > 0),
    -- 'paying': claimed by one redeem while its charge runs (single use)
    status text not null check (status in ('sent', 'opened', 'paying', 'paid', 'revoked')),
    sent_at timestamptz not null,
    expires_at timestamptz not null,
    opened_at timestamptz,
    paid_at timestamptz,
    revoked_at timestamptz,
    payment_id uuid,
    created_by uuid not null references staff_users (id),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index payment_links_client_idx on payment_links (client_id, sent_at);

create table payments (
    id uuid primary key,
    client_id uuid not null references clients (id),
    vehicle_id uuid references vehicles (id),
    invoice_id uuid references invoices (id),
    payment_link_id uuid references payment_links (id),
    amount_cents bigint not null check (amount_cents > 0),
    currency text not null,
    status text not null check (status in ('pending', 'succeeded', 'failed', 'unknown')),
    method text not null check (method in ('card_on_file', 'new_card', 'payment_link', 'autopay')),
    card_id uuid references cards (id),
    card_brand text,
    card_last4 text,
    -- the key the gateway is called with: one charge per key, ever
    gateway_key text not null unique,
    gateway_reference text,
    failure_code text,
    quote jsonb not null,
    initiated_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index payments_client_idx on payments (client_id, created_at);
create index payments_status_idx on payments (status);

create table client_log (
    id uuid primary key,
    client_id uuid not null references clients (id),
    author_kind text not null check (author_kind in ('staff', 'client', 'system')),
    author_name text not null,
    message text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index client_log_client_idx on client_log (client_id, created_at);

create table idempotency_keys (
    principal text not null,
    key text not null,
    request_hash bytea not null,
    status text not null check (status in ('in_progress', 'completed')),
    response_status bigint,
    response_body text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (principal, key)
);

create table sms_outbox (
    id uuid primary key,
    payment_link_id uuid references payment_links (id),
    to_phone text not null,
    -- the body carries a link token, so it is stored sealed (encrypted)
    body_sealed bytea not null,
    status text not null check (status in ('queued', 'sending', 'sent', 'delivered', 'failed')),
    attempts bigint not null default 0,
    next_attempt_at timestamptz not null,
    provider_message_id text,
    last_error text,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index sms_outbox_due_idx on sms_outbox (status, next_attempt_at);

-- Fixed-window counters shared by every API instance (rate limits).
create table rate_limits (
    bucket text primary key,
    window_start timestamptz not null,
    hits bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
