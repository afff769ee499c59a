-- requires_action: the bank asks the payer, who is on our page, to authenticate (3-D Secure); the payment stays
-- open (it reserves its past due and its credit, and holds its link) until the payer's browser has finished and
-- the gateway's answer is recorded, or the status sync cancels it (AUTHENTICATION_TIMEOUT_SECONDS).
--
-- SQLite cannot change a CHECK constraint in place: the payments table is rebuilt
-- (https://www.sqlite.org/lang_altertable.html#otheralter). Since 0008, ledger_entries references payments, and
-- sqlx runs this migration in a transaction with foreign keys on, where `PRAGMA foreign_keys` cannot be turned off:
-- dropping payments while ledger entries point at it would count a violation per entry, which even
-- `PRAGMA defer_foreign_keys` reports at commit (the count is never taken back by the rows of the new table). So
-- the ledger is set aside first, in a table without references, and written back once the new payments table
-- holds every payment: no reference is ever dangling, and the ledger keeps its ids, indexes, append-only
-- triggers and autoincrement counter. Dropping a table fires none of its triggers.
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
    charge_params text,
    credit_cents integer not null default 0 check (credit_cents >= 0)
);
insert into payments_new (id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents, charge_params, credit_cents)
select id, client_id, vehicle_id, invoice_id, payment_link_id, amount_cents, currency, status,
    method, card_id, card_brand, card_last4, gateway_key, gateway_reference, failure_code, quote, initiated_by,
    created_at, updated_at, past_due_cents, charge_params, credit_cents
from payments;

-- The ledger, set aside without references, with its autoincrement counter.
create table ledger_entries_kept as select * from ledger_entries;
create table ledger_entries_seq_kept as select seq from sqlite_sequence where name = 'ledger_entries';
drop table ledger_entries;

drop table payments;
alter table payments_new rename to payments;
create index payments_client_idx on payments (client_id, created_at);
create index payments_status_idx on payments (status);

-- The ledger as 0008 made it, written back.
create table ledger_entries (
    id integer primary key autoincrement,
    client_id blob not null references clients (id),
    kind text not null check (kind in ('charge', 'payment', 'refund', 'credit', 'adjustment')),
    amount_cents bigint not null check (
        (kind = 'charge' and amount_cents >= 0)
        or (kind = 'payment' and amount_cents < 0)
        or (kind = 'refund' and amount_cents > 0)
        or (kind = 'credit' and amount_cents < 0)
        or kind = 'adjustment'
    ),
    invoice_id blob references invoices (id),
    payment_id blob references payments (id),
    vehicle_id blob references vehicles (id),
    -- when it happened (UTC); created_at is when the row was written (a backfill writes it later)
    at text not null,
    -- append-only: there is no updated_at
    created_at text not null,
    check (kind <> 'charge' or invoice_id is not null),
    check (kind not in ('payment', 'refund') or payment_id is not null)
);
insert into ledger_entries (id, client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, created_at)
select id, client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, created_at
from ledger_entries_kept order by id;
update sqlite_sequence set seq = max(seq, coalesce((select max(seq) from ledger_entries_seq_kept), 0))
where name = 'ledger_entries';
drop table ledger_entries_kept;
drop table ledger_entries_seq_kept;
create index ledger_entries_client_idx on ledger_entries (client_id, id);
-- One charge per invoice and one payment entry per payment, whatever retries happen.
create unique index ledger_entries_charge_idx on ledger_entries (invoice_id) where kind = 'charge';
create unique index ledger_entries_payment_idx on ledger_entries (payment_id) where kind = 'payment';
create trigger ledger_entries_no_update before update on ledger_entries
begin
    select raise(abort, 'ledger entries are append-only');
end;
create trigger ledger_entries_no_delete before delete on ledger_entries
begin
    select raise(abort, 'ledger entries are append-only');
end;

-- The payment gateway's customer for the client (Stripe: `cus_…`), made the first time a card is kept and
-- reused ever after: the idempotency key it was created under is forgotten by Stripe after 24 hours.
alter table clients add column gateway_customer_id text;
