-- The past due balance a payment collects (its quote's past_due_cents): while the payment is open
-- (pending or unknown) it is reserved, so no other payment collects it too.
alter table payments add column past_due_cents bigint not null default 0 check (past_due_cents >= 0);
update payments set past_due_cents = (quote ->> 'past_due_cents')::bigint;
