-- The Client Log names someone paying a link sent to a phone other than the client's as its own kind of
-- author, `payer`: before, such a payment was written as by `system`, which says the company did it.
alter table client_log drop constraint client_log_author_kind_check;
alter table client_log add constraint client_log_author_kind_check
    check (author_kind in ('staff', 'client', 'system', 'api_key', 'payer'));

-- Payments by such a payer written before this migration, named "Payer at (737) 555-0199".
update client_log set author_kind = 'payer' where author_kind = 'system' and author_name like 'Payer at %';

-- A declined Auto Pay charge whose text to the client is still to be queued. Written in the transaction that
-- fails the payment, so a notice that cannot be queued right after the decline (the database refused it, the
-- process stopped) is not lost: the status sync queues it and deletes the row (services::notices).
create table autopay_decline_notices_due (
    payment_id uuid primary key references payments (id),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
