-- Issue 18: staff see who sent each link. `sent_via` says how it was sent ('staff': PLUS Web or an API
-- key; 'my_account': the client from My Account; 'reply': the client texted PAY), `sender_name` who (the
-- staff member or API key, or the client), as they were named when the link was sent. A renewal ("Text me a
-- new link") keeps both from the link it replaces. Older links get them from `created_by` and
-- `sent_by_client`; one of those is always set, and a client's send before replies existed was from My Account.
alter table payment_links add column sent_via text check (sent_via in ('staff', 'my_account', 'reply'));
alter table payment_links add column sender_name text;
update payment_links set sent_via = 'staff',
    sender_name = (select s.name from staff_users s where s.id = payment_links.created_by)
where created_by is not null;
update payment_links set sent_via = 'my_account',
    sender_name = (select c.first_name || ' ' || c.last_name from clients c where c.id = payment_links.sent_by_client)
where created_by is null and sent_by_client is not null;
-- Who the link's payer is, decided when it was sent: 'client' when it went to the client's own phone, else
-- 'third_party' (someone who pays for them). The text, the pay page and the payment's history are worded
-- for that reader.
alter table payment_links add column payer text check (payer in ('client', 'third_party'));
update payment_links set payer = case
    when phone = (select c.phone from clients c where c.id = payment_links.client_id) then 'client'
    else 'third_party' end;
