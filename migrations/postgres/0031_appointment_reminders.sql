-- Appointment reminders (issue 19, item 4: "and before its next service appointment"): a new notice kind, kept
-- under the same unique key (kind, subject_id, period) with subject_id the vehicle and period the appointment's
-- business day, so a moved appointment is reminded again.
alter table sms_notices drop constraint sms_notices_kind_check;
alter table sms_notices add constraint sms_notices_kind_check check (kind in ('payment_reminder', 'autopay_upcoming',
    'autopay_declined', 'card_expiring', 'appointment_reminder'));
