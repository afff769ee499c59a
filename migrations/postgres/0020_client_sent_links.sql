-- A signed-in client may send a secure payment link to whoever pays for them (issue 18): the link is then sent
-- by the client (`sent_by_client`), not by a staff member (`created_by`); exactly one of the two is set.
alter table payment_links alter column created_by drop not null;
alter table payment_links add column sent_by_client uuid references clients (id);
alter table payment_links add constraint payment_links_sender_check
    check ((created_by is null) <> (sent_by_client is null));
