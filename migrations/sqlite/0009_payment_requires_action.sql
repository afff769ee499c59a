-- requires_action: the bank asks the payer, who is on our page, to authenticate (3-D Secure); the payment stays
-- open (it reserves its past due and holds its link) until the payer's browser has finished and the gateway's
-- answer is recorded, or the status sync cancels it (AUTHENTICATION_TIMEOUT_SECONDS).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt as in 0004 (same reasons: sqlx runs the
-- migration in a transaction, and no table references payments).
create table payments_new (
    id blob primary key,
    client_id blob not null references clients (id),
    vehicle_id blob references vehicles (id),
    invoice_id blob references invoices (id),
    payment_link_id blob references payment_links (id),
    amount_cents bigint not null check (amount_cents > 0),
    currency text not null,
    status text not null check (status in ('pending', 'succeeded', 'failed', 'unknown', 'held_for_review', 'requires_action')),
    method text not null check (method in ('card_on_file', 'new_card', 'payment_link', 'autopay')),
    card_id blob references cards (id),
    card_brand text,
    card_last4 text,
    -- the key the gateway is called with: one charge per key, ever
    gateway_key text not null unique,
    gateway_reference text,
    failure_code text,
    quote text not null,
    initiated_by text not null,
    created_at text not null,
    updated_at text not null,
    past_due_cents integer not null default 0 check (past_due_cents >= 0),
    charge_params text
);
insert into payments_new (id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents, charge_params)
select id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents, charge_params
from payments;
drop table payments;
alter table payments_new rename to payments;
create index payments_client_idx on payments (client_id, created_at);
create index payments_status_idx on payments (status);

-- The payment gateway's customer for the client (Stripe: `cus_…`), made the first time a card is kept and
-- reused ever after: the idempotency key it was created under is forgotten by Stripe after 24 hours.
alter table clients add column gateway_customer_id text;
