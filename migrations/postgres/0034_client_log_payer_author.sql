-- The Client Log names someone paying a link sent to a phone other than the client's as its own kind of
-- author, `payer`: before, such a payment was written as by `system`, which says the company did it.
alter table client_log drop constraint client_log_author_kind_check;
alter table client_log add constraint client_log_author_kind_check
    check (author_kind in ('staff', 'client', 'system', 'api_key', 'payer'));

-- Payments by such a payer written before this migration, named "Payer at (737) 555-0199".
update client_log set author_kind = 'payer' where author_kind = 'system' and author_name like 'Payer at %';
