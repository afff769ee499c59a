-- Each ledger entry keeps the client's balance after it (domain::ledger::balance_after, written by
-- the store under the client's lock with the entry), so a quote, a link and a payment read the
-- account from the client's last entry instead of summing every entry on each request.
-- The backfill is the same running sum, in entry order; the API tests check every entry's running
-- balance against domain::ledger::balance of the entries up to it.
alter table ledger_entries add column balance_after_cents integer not null default 0;

drop trigger ledger_entries_no_update;
update ledger_entries set balance_after_cents = (
    select sum(earlier.amount_cents) from ledger_entries earlier
    where earlier.client_id = ledger_entries.client_id and earlier.id <= ledger_entries.id
);
create trigger ledger_entries_no_update before update on ledger_entries
begin
    select raise(abort, 'ledger entries are append-only');
end;

-- The account's read: the client's last entry, and their open payments.
create index payments_open_client_idx on payments (client_id)
    where status in ('pending', 'unknown', 'requires_action');
