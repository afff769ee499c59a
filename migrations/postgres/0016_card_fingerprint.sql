-- The gateway's fingerprint of a card's number (Stripe: PaymentMethod.card.fingerprint), so that
-- saving a card the client has on file already keeps one card, not two (domain::is_same_card).
-- Cards kept before this have none: brand, last 4 and expiry decide for them.
alter table cards add column fingerprint text;

create index cards_client_fingerprint_idx on cards (client_id, fingerprint) where deleted_at is null;
