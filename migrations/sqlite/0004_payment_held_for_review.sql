-- held_for_review: the gateway reported a success for another amount or currency than the payment's.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt as its documentation
-- prescribes (https://www.sqlite.org/lang_altertable.html#otheralter). sqlx runs every SQLite
-- migration in a transaction, where foreign_keys cannot be switched off; it need not be: no table
-- references payments, so dropping it deletes no parent row.
create table payments_new (
    id blob primary key,
    client_id blob not null references clients (id),
    vehicle_id blob references vehicles (id),
    invoice_id blob references invoices (id),
    payment_link_id blob references payment_links (id),
    amount_cents bigint not null check (amount_cents > 0),
    currency text not null,
    status text not null check (status in ('pending', 'succeeded', 'failed', 'unknown', 'held_for_review')),
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
    past_due_cents integer not null default 0 check (past_due_cents >= 0)
);
insert into payments_new (id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents)
select id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents
from payments;
drop table payments;
alter table payments_new rename to payments;
create index payments_client_idx on payments (client_id, created_at);
create index payments_status_idx on payments (status);
