-- Receipts: every succeeded payment gets one, written in the transaction that records the success. A receipt
-- is a snapshot (who paid, the card, the lines, the total, each vehicle's new paid-through date, the location's
-- time zone), so it reads the same however the client, the location or the vehicle change later; refunds are
-- read with it from their own table.
--
-- A new table rather than columns on payments: nothing about a payment changes, and no table is rebuilt.
-- The payer's reference is kept only as its SHA-256 (like payment_links.token_hash); the plain reference is
-- given once, in the answer to the payer who paid. Numbers are one above the highest so far (SQLite lets one
-- writer in at a time).
create table receipts (
    id blob primary key,
    payment_id blob not null unique references payments (id),
    client_id blob not null references clients (id),
    number bigint not null unique,
    reference_hash blob not null unique,
    issued_at text not null,
    time_zone text not null,
    location_name text not null,
    -- domain::receipt::Payer as JSON: {"kind":"client","name":…} or {"kind":"third_party","phone_masked":…}
    payer text not null,
    card_brand text,
    card_last4 text,
    lines text not null,
    total_cents bigint not null check (total_cents > 0),
    currency text not null,
    -- [{vehicle_id, description, paid_through}]
    vehicles text not null,
    created_at text not null,
    updated_at text not null
);

create index receipts_client_idx on receipts (client_id, issued_at);

-- A later migration that rebuilds payments (as 0009 does) must set receipts aside first, as 0009 does with
-- ledger_entries: receipts reference payments.
