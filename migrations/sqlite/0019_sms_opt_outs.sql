-- Phones that answered STOP to one of our texts (issue 19, item 4): no reminder, payment link or
-- receipt is sent to them until they answer START. One row per phone (E.164), whichever client
-- it belongs to: the carrier's opt-out is the phone's, not a client's.
create table sms_opt_outs (
    phone text primary key,
    opted_out_at text not null
);
