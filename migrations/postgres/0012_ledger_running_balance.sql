-- Each ledger entry keeps the client's balance after it (domain::ledger::balance_after, written by
-- the store under the client's lock with the entry), so a quote, a link and a payment read the
-- account from the client's last entry instead of summing every entry on each request.
-- The backfill is the same running sum, in entry order; the API tests check every entry's running
-- balance against domain::ledger::balance of the entries up to it.
alter table ledger_entries add column balance_after_cents bigint;

alter table ledger_entries disable trigger ledger_entries_append_only;
update ledger_entries e set balance_after_cents = running.balance
from (
    select id, sum(amount_cents) over (partition by client_id order by id) as balance
    from ledger_entries
) running
where running.id = e.id;
alter table ledger_entries enable trigger ledger_entries_append_only;

alter table ledger_entries alter column balance_after_cents set not null;

-- The account's read: the client's last entry, and their open payments.
create index payments_open_client_idx on payments (client_id)
    where status in ('pending', 'unknown', 'requires_action');
