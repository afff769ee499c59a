-- Refunds (issue 17, item 1) and disputes (issue 15, item 5).
--
-- A refund gives back part or all of a payment that succeeded. Its row is written before the gateway is called
-- (status 'pending'), under its refund_key, which is the gateway's idempotency key: one refund per key, ever.
-- 'pending' also means the gateway accepted it but has not finished; 'unknown': the gateway's answer was lost
-- (the status sync asks again); 'succeeded' writes its ledger entry in the same transaction; 'failed' holds
-- nothing. A refund made in the gateway's dashboard is recorded as origin 'gateway' (no staff member asked).
-- The refunds of a payment that are not failed never add up to more than the payment (domain::refund).
create table refunds (
    id uuid primary key,
    payment_id uuid not null references payments (id),
    client_id uuid not null references clients (id),
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
    requested_by_staff_id uuid references staff_users (id),
    requested_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
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
alter table ledger_entries drop constraint ledger_entries_kind_check;
alter table ledger_entries add constraint ledger_entries_kind_check
    check (kind in ('charge', 'payment', 'refund', 'credit', 'adjustment', 'chargeback'));
-- 0008 declared the sign rule on the column, but it reads two columns: PostgreSQL named it ledger_entries_check.
alter table ledger_entries drop constraint ledger_entries_check;
alter table ledger_entries add constraint ledger_entries_amount_cents_check check (
    (kind = 'charge' and amount_cents >= 0)
    or (kind = 'payment' and amount_cents < 0)
    or (kind = 'refund' and amount_cents > 0)
    or (kind = 'credit' and amount_cents < 0)
    or (kind = 'chargeback' and amount_cents > 0)
    or kind = 'adjustment'
);
alter table ledger_entries add constraint ledger_entries_chargeback_payment_check
    check (kind <> 'chargeback' or payment_id is not null);
create unique index ledger_entries_chargeback_idx on ledger_entries (payment_id) where kind = 'chargeback';
