-- The client's account ledger: an append-only list of entries per client, the one source of the
-- balance, the past due balance, the credit and which invoices are paid (domain::ledger computes
-- them; no SQL does).
--
-- Sign convention: amount_cents is signed from the client's side. Above zero it raises what the
-- client owes (a charge, a refund paid back to the client, a debit adjustment); below zero it
-- lowers it (a payment, a credit, a credit adjustment). The balance is the sum: above zero owed,
-- below zero the client's credit.
--
-- Kinds: 'charge' (an invoice's new charges: its total minus the balance it carries forward),
-- 'payment' (a payment that succeeded, with the invoice it was made for), and, written by later
-- features, 'refund' (money given back for a payment), 'credit' (credit kept by the client) and
-- 'adjustment' (a correction by staff, either sign). Entries are ordered by id.
create table ledger_entries (
    id bigint generated always as identity primary key,
    client_id uuid not null references clients (id),
    kind text not null check (kind in ('charge', 'payment', 'refund', 'credit', 'adjustment')),
    amount_cents bigint not null check (
        (kind = 'charge' and amount_cents >= 0)
        or (kind = 'payment' and amount_cents < 0)
        or (kind = 'refund' and amount_cents > 0)
        or (kind = 'credit' and amount_cents < 0)
        or kind = 'adjustment'
    ),
    invoice_id uuid references invoices (id),
    payment_id uuid references payments (id),
    vehicle_id uuid references vehicles (id),
    -- when it happened (UTC); created_at is when the row was written (a backfill writes it later)
    at timestamptz not null,
    -- append-only: there is no updated_at
    created_at timestamptz not null,
    check (kind <> 'charge' or invoice_id is not null),
    check (kind not in ('payment', 'refund') or payment_id is not null)
);
create index ledger_entries_client_idx on ledger_entries (client_id, id);
-- One charge per invoice and one payment entry per payment, whatever retries happen.
create unique index ledger_entries_charge_idx on ledger_entries (invoice_id) where kind = 'charge';
create unique index ledger_entries_payment_idx on ledger_entries (payment_id) where kind = 'payment';

create function ledger_entries_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'ledger entries are append-only';
end;
$$;
create trigger ledger_entries_append_only before update or delete on ledger_entries
    for each row execute function ledger_entries_append_only();

-- Backfill, oldest first: each invoice's charge (void invoices charge nothing), then each payment
-- that succeeded, after the charge of the invoice it created.
insert into ledger_entries (client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, created_at)
select client_id, kind, amount_cents, invoice_id, payment_id, vehicle_id, at, at
from (
    select client_id, 'charge' as kind, total_cents - past_due_cents as amount_cents, id as invoice_id,
        null::uuid as payment_id, vehicle_id, issued_at as at, 0 as seq, number
    from invoices where status <> 'void'
    union all
    select client_id, 'payment', -amount_cents, invoice_id, id, vehicle_id, updated_at, 1, 0
    from payments where status = 'succeeded'
) entries
order by at, seq, number;

-- The credit a payment's quote applies: while the payment is open (pending or unknown) it is
-- reserved for it, like its past due, so no other payment applies it too.
alter table payments add column credit_cents bigint not null default 0 check (credit_cents >= 0);

-- A quote or invoice line that subtracts the client's credit.
alter table invoice_lines drop constraint invoice_lines_kind_check;
alter table invoice_lines add constraint invoice_lines_kind_check
    check (kind in ('monitoring', 'past_due', 'tax', 'credit'));
