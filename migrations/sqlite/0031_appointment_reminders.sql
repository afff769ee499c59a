-- Appointment reminders (issue 19, item 4: "and before its next service appointment"): a new notice kind, kept
-- under the same unique key (kind, subject_id, period) with subject_id the vehicle and period the appointment's
-- business day, so a moved appointment is reminded again. SQLite cannot alter a CHECK constraint: the table is
-- rebuilt with its rows (nothing references sms_notices).
create table sms_notices_new (
    id blob primary key,
    kind text not null check (kind in ('payment_reminder', 'autopay_upcoming', 'autopay_declined', 'card_expiring',
        'appointment_reminder')),
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
insert into sms_notices_new (id, kind, client_id, subject_id, period, to_phone, sms_outbox_id, summary, created_at,
    updated_at)
select id, kind, client_id, subject_id, period, to_phone, sms_outbox_id, summary, created_at, updated_at
from sms_notices;
drop table sms_notices;
alter table sms_notices_new rename to sms_notices;
create index sms_notices_client_idx on sms_notices (client_id, created_at);
