-- Receipts: every succeeded payment gets one, written in the transaction that records the success. A receipt
-- is a snapshot (who paid, the card, the lines, the total, each vehicle's new paid-through date, the location's
-- time zone), so it reads the same however the client, the location or the vehicle change later; refunds are
-- read with it from their own table.
--
-- A new table rather than columns on payments: nothing about a payment changes, and SQLite needs no rebuild.
-- The payer's reference is kept only as its SHA-256 (like payment_links.token_hash); the plain reference is
-- given once, in the answer to the payer who paid.
create sequence receipt_number_seq start 1;

create table receipts (
    id uuid primary key,
    payment_id uuid not null unique references payments (id),
    client_id uuid not null references clients (id),
    number bigint not null unique default nextval('receipt_number_seq'),
    reference_hash bytea not null unique,
    issued_at timestamptz not null,
    time_zone text not null,
    location_name text not null,
    -- domain::receipt::Payer as JSON: {"kind":"client","name":…} or {"kind":"third_party","phone_masked":…}
    payer jsonb not null,
    card_brand text,
    card_last4 text,
    lines jsonb not null,
    total_cents bigint not null check (total_cents > 0),
    currency text not null,
    -- [{vehicle_id, description, paid_through}]
    vehicles jsonb not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);

create index receipts_client_idx on receipts (client_id, issued_at);
