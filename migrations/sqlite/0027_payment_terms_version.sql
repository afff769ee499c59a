-- The version of the usage terms the payer accepted (domain::terms), kept
-- with the payment (issue 18). Null for payments that carried none: staff and
-- Auto Pay payments, My Account payments, and those made before it was kept.
alter table payments add column terms_version text;
