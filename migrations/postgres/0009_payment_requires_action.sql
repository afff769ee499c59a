-- requires_action: the bank asks the payer, who is on our page, to authenticate (3-D Secure); the payment stays
-- open (it reserves its past due and holds its link) until the payer's browser has finished and the gateway's
-- answer is recorded, or the status sync cancels it (AUTHENTICATION_TIMEOUT_SECONDS).
alter table payments drop constraint payments_status_check;
alter table payments add constraint payments_status_check
    check (status in ('pending', 'succeeded', 'failed', 'unknown', 'held_for_review', 'requires_action'));

-- The payment gateway's customer for the client (Stripe: `cus_…`), made the first time a card is kept and
-- reused ever after: the idempotency key it was created under is forgotten by Stripe after 24 hours.
alter table clients add column gateway_customer_id text;
