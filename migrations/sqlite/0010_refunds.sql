-- Refunds (issue 17, item 1) and disputes (issue 15, item 5).
--
-- A refund gives back part or all of a payment that succeeded. Its row is written before the gateway is called
-- (status 'pending'), under its refund_key, which is the gateway's idempotency key: one refund per key, ever.
-- 'pending' also means the gateway accepted it but has not finished; 'unknown': the gateway's answer was lost
-- (the status sync asks again); 'succeeded' writes its ledger entry in the same transaction; 'failed' holds
-- nothing. A refund made in the gateway's dashboard is recorded as origin 'gateway' (no staff member asked).
-- The refunds of a payment that are not failed never add up to more than the payment (domain::refund).
create table refunds (
    id blob primary key,
    payment_id blob not null references payments (id),
    client_id blob not null references clients (id),
    amount_cents bigint not null check (amount_cents > 0),
    currency text not null,
    reason text not null,
    status text not null check (status in ('pending', 'succeeded', 'failed', 'unknown')),
    failure_code text,
    origin text not null check (origin in ('api', 'gateway')),
    -- the gateway's idempotency key of the refund: one refund per key, ever
    refund_key text not null unique,
    -- the gateway's id of the refund (Stripe: re_…), once known
    gateway_reference text,
    requested_by_staff_id blob references staff_users (id),
    requested_by text not null,
    created_at text not null,
    updated_at text not null
);
create index refunds_payment_idx on refunds (payment_id, created_at);
create index refunds_open_idx on refunds (status) where status in ('pending', 'unknown');

-- Where a dispute (chargeback) the cardholder's bank opened on the payment stands: null (none), 'open' (the
-- bank holds the money while it decides), 'won' or 'lost' (final). The gateway's dispute id (Stripe: dp_…).
alter table payments add column dispute_status text check (dispute_status in ('open', 'won', 'lost'));
alter table payments add column dispute_reference text;
-- Stripe's refund and dispute events name the payment by the gateway's reference (pi_…).
create index payments_gateway_reference_idx on payments (gateway_reference);

-- 'chargeback': a lost dispute took the payment's disputed amount back to the cardholder. Above zero (the
-- client owes it again, like a refund), once per payment.
--
-- SQLite cannot change a CHECK constraint in place: the ledger is rebuilt
-- (https://www.sqlite.org/lang_altertable.html#otheralter), keeping its ids, indexes, append-only triggers and
-- autoincrement counter. No table references ledger_entries. Dropping a table fires none of its triggers.
create table ledger_entries_kept as select * from ledger_entries;
create table ledger_entries_seq_kept as select seq from sqlite_sequence where name = 'ledger_entries';
drop table ledger_entries;
create table ledger_entries (
    id integer primary key autoincrement,
    client_id blob not null references clients (id),
    kind text not null check (kind in ('charge', 'payment', 'refund', 'credit', 'adjustment', 'chargeback')),
    amount_cents bigint not null check (
        (kind = 'charge' and amount_cents >= 0)
        or (kind = 'payment' and amount_cents < 0)
        or (kind = 'refund' and amount_cents > 0)
        or (kind = 'credit' and amount_cents < 0)
        or (kind = 'chargeback' and amount_cents > 0)
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
    check (kind not in ('payment', 'refund', 'chargeback') or payment_id is not null)
);
insert into ledger_entries (id, client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, created_at)
select id, client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, created_at
from ledger_entries_kept order by id;
update sqlite_sequence set seq = max(seq, coalesce((select max(seq) from ledger_entries_seq_kept), 0))
where name = 'ledger_entries';
drop table ledger_entries_kept;
drop table ledger_entries_seq_kept;
create index ledger_entries_client_idx on ledger_entries (client_id, id);
-- One charge per invoice, one payment entry per payment and one chargeback per payment, whatever retries happen.
create unique index ledger_entries_charge_idx on ledger_entries (invoice_id) where kind = 'charge';
create unique index ledger_entries_payment_idx on ledger_entries (payment_id) where kind = 'payment';
create unique index ledger_entries_chargeback_idx on ledger_entries (payment_id) where kind = 'chargeback';
create trigger ledger_entries_no_update before update on ledger_entries
begin
    select raise(abort, 'ledger entries are append-only');
end;
create trigger ledger_entries_no_delete before delete on ledger_entries
begin
    select raise(abort, 'ledger entries are append-only');
end;
