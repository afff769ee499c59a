-- Texts the product sends on its own (issue 19, items 3 and 4): a payment reminder before a vehicle's paid-through
-- date, the Auto Pay notices (a charge coming, a charge declined) and the Auto Pay card's expiry reminder. One row per
-- notice actually queued, written in the transaction that queues its SMS (and its Client Log line). The unique key
-- (kind, subject_id, period) is what makes each notice go once whatever the number of instances or runs: subject_id
-- is the vehicle (reminders, Auto Pay notices) or the card (expiry), period the paid-through date the notice is
-- about (or the card's expiry month). A phone that opted out gets no row: a run after it opts back in may send.
create table sms_notices (
    id blob primary key,
    kind text not null check (kind in ('payment_reminder', 'autopay_upcoming', 'autopay_declined', 'card_expiring')),
    client_id blob not null references clients (id),
    subject_id blob not null,
    period text not null,
    to_phone text not null,
    sms_outbox_id blob not null references sms_outbox (id),
    summary text not null,
    created_at text not null,
    updated_at text not null,
    unique (kind, subject_id, period)
);
create index sms_notices_client_idx on sms_notices (client_id, created_at);
