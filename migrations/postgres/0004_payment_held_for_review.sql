-- held_for_review: the gateway reported a success for another amount or currency than the payment's.
alter table payments drop constraint payments_status_check;
alter table payments add constraint payments_status_check
    check (status in ('pending', 'succeeded', 'failed', 'unknown', 'held_for_review'));
