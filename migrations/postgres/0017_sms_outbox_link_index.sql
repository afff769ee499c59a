-- no-transaction
-- A link's latest SMS (store::sql::links::LINK_SELECT, read by every send, open, redeem and staff
-- list of links) was found by scanning the whole outbox, which keeps every text ever sent: a redeem
-- read each outbox row about twice, so its cost grew with the company's history. Built
-- concurrently (outside a transaction, hence the directive above) so that a large outbox keeps
-- taking writes while the index is made.
create index concurrently if not exists sms_outbox_link_idx on sms_outbox (payment_link_id, created_at);
