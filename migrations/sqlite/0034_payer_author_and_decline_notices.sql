-- The Client Log names someone paying a link sent to a phone other than the client's as its own kind of
-- author, `payer`: before, such a payment was written as by `system`, which says the company did it.
-- SQLite cannot change a CHECK constraint in place: client_log is rebuilt with its rows, as in 0014
-- (https://www.sqlite.org/lang_altertable.html#otheralter); no table refers to it.
create table client_log_new (
    id blob primary key,
    client_id blob not null references clients (id),
    author_kind text not null check (author_kind in ('staff', 'client', 'system', 'api_key', 'payer')),
    author_name text not null,
    message text not null,
    created_at text not null,
    updated_at text not null
);
insert into client_log_new (id, client_id, author_kind, author_name, message, created_at, updated_at)
    select id, client_id, author_kind, author_name, message, created_at, updated_at from client_log;
drop table client_log;
alter table client_log_new rename to client_log;
create index client_log_client_idx on client_log (client_id, created_at);

-- Payments by such a payer written before this migration, named "Payer at (737) 555-0199".
update client_log set author_kind = 'payer' where author_kind = 'system' and author_name like 'Payer at %';

-- A declined Auto Pay charge whose text to the client is still to be queued. Written in the transaction that
-- fails the payment, so a notice that cannot be queued right after the decline (the database refused it, the
-- process stopped) is not lost: the status sync queues it and deletes the row (services::notices).
create table autopay_decline_notices_due (
    payment_id blob primary key references payments (id),
    created_at text not null,
    updated_at text not null
);
