-- A signed-in client may send a secure payment link to whoever pays for them (issue 18): the link is then sent
-- by the client (`sent_by_client`), not by a staff member (`created_by`); exactly one of the two is set.
--
-- SQLite cannot drop a NOT NULL constraint in place: payment_links is rebuilt
-- (https://www.sqlite.org/lang_altertable.html#otheralter). payments and sms_outbox reference it, and this runs in
-- a transaction with foreign keys on (see 0009): their references are set aside in a table without references,
-- cleared, and written back once the new table holds every link, so no reference is ever dangling.
create table payment_links_new (
    id blob primary key,
    client_id blob not null references clients (id),
    vehicle_id blob not null references vehicles (id),
    token_hash blob not null unique,
    phone text not null,
    quote text not null,
    amount_cents bigint not null check (amount_cents > 0),
    -- 'paying': claimed by one redeem while its charge runs (single use)
    status text not null check (status in ('sent', 'opened', 'paying', 'paid', 'revoked')),
    sent_at text not null,
    expires_at text not null,
    opened_at text,
    paid_at text,
    revoked_at text,
    payment_id blob,
    created_by blob references staff_users (id),
    sent_by_client blob references clients (id),
    created_at text not null,
    updated_at text not null,
    check ((created_by is null) <> (sent_by_client is null))
);
insert into payment_links_new (id, client_id, vehicle_id, token_hash, phone, quote, amount_cents, status, sent_at,
    expires_at, opened_at, paid_at, revoked_at, payment_id, created_by, sent_by_client, created_at, updated_at)
select id, client_id, vehicle_id, token_hash, phone, quote, amount_cents, status, sent_at,
    expires_at, opened_at, paid_at, revoked_at, payment_id, created_by, null, created_at, updated_at
from payment_links;

create table link_refs_aside (tbl text not null, row_id blob not null, link_id blob not null);
insert into link_refs_aside select 'payments', id, payment_link_id from payments where payment_link_id is not null;
insert into link_refs_aside select 'sms_outbox', id, payment_link_id from sms_outbox where payment_link_id is not null;
update payments set payment_link_id = null where payment_link_id is not null;
update sms_outbox set payment_link_id = null where payment_link_id is not null;

drop table payment_links;
alter table payment_links_new rename to payment_links;
create index payment_links_client_idx on payment_links (client_id, sent_at);

update payments set payment_link_id = (select a.link_id from link_refs_aside a where a.tbl = 'payments' and a.row_id = payments.id)
where id in (select row_id from link_refs_aside where tbl = 'payments');
update sms_outbox set payment_link_id = (select a.link_id from link_refs_aside a where a.tbl = 'sms_outbox' and a.row_id = sms_outbox.id)
where id in (select row_id from link_refs_aside where tbl = 'sms_outbox');
drop table link_refs_aside;
