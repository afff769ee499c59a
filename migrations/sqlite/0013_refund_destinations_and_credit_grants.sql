-- Refunds kept as credit, credit refunded, and goodwill credits (issue 17, item 2).
--
-- destination: where a refund's money goes. 'card' (back through the gateway, the only kind before) or 'credit'
-- (the client chose to keep it with us: no gateway call, the refund is 'succeeded' when written and its ledger
-- entry is a 'credit' below zero that the next quote applies).
-- source: what a refund gives back. 'payment' (part of the payment it names) or 'credit' (the client's credit,
-- paid out to the card of that recent payment: its ledger entry is the usual 'refund' above zero, which uses the
-- credit up). A credit refund always goes to a card.
alter table refunds add column destination text not null default 'card'
    check (destination in ('card', 'credit'));
alter table refunds add column source text not null default 'payment'
    check (source in ('payment', 'credit') and (source = 'payment' or destination = 'card'));
-- The reservations of a client's open credit refunds are read with their open payments.
create index refunds_open_client_idx on refunds (client_id) where status in ('pending', 'unknown');

-- A goodwill credit granted by staff: who, how much, why, under the key of the request that granted it (one grant
-- per key, ever, whatever retries happen). Its ledger entry is a 'credit' below zero, written in the same
-- transaction.
create table credit_grants (
    id blob primary key,
    client_id blob not null references clients (id),
    amount_cents bigint not null check (amount_cents > 0),
    currency text not null,
    reason text not null,
    grant_key text not null unique,
    granted_by_staff_id blob references staff_users (id),
    granted_by text not null,
    created_at text not null
);
create index credit_grants_client_idx on credit_grants (client_id, created_at);
