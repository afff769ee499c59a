-- What the gateway was asked (JSON: single_use, source, description, off_session), so the status sync can
-- repeat the same request with the same idempotency key while the gateway keeps it (Stripe: 24 hours).
-- Null for payments from before.
alter table payments add column charge_params jsonb;
