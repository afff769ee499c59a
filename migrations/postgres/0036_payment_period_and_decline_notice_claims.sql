-- The period a payment pays, named as Auto Pay and the notices name it (`domain::period_key`): the vehicle's
-- paid-through date the payment's quote was made from (YYYY-MM-DD), or 'unpaid' for a vehicle never paid. Written
-- when the payer stated it (Take a Payment and Make a Payment with `expected_paid_through`, every Auto Pay charge);
-- null otherwise, and for payments written before. The notice of a declined Auto Pay charge names this period, not
-- the vehicle's when the notice is queued.
alter table payments add column period text;

-- A status sync handling an owed decline notice claims it first (one conditional update), so two syncs at once
-- handle it once; a claim left by a sync that stopped lapses at `claimed_until`.
alter table autopay_decline_notices_due add column claimed_until timestamptz;
