-- Out-of-date links (issue 16): a link records its vehicle's paid-through date when it is sent, and is out of
-- date when the vehicle's paid-through date is no longer that one (another payment or a credit paid the period
-- it was sent for). Null: the vehicle had never been paid when the link was sent.
alter table payment_links add column vehicle_paid_through date;
-- Existing links: the vehicle's paid-through date now, which is the one at sending unless a period of the vehicle
-- was paid (a paid invoice, by a payment or a credit) after the link was sent, other than by the link's own
-- payment. Such a link, if still unpaid, gets a date no vehicle has (0001-01-01): it is out of date, as it showed
-- before. Only links sent within PAYMENT_LINK_TTL_SECONDS of the migration can still be paid; the others keep
-- the date for the record.
update payment_links set vehicle_paid_through = (
    select v.paid_through from vehicles v where v.id = payment_links.vehicle_id);
update payment_links set vehicle_paid_through = '0001-01-01'
where status in ('sent', 'opened', 'paying') and exists (
    select 1 from invoices i
    where i.vehicle_id = payment_links.vehicle_id and i.status = 'paid' and i.monitor_days is not null
    and i.created_at > payment_links.sent_at
    and not exists (
        select 1 from payments p where p.invoice_id = i.id and p.payment_link_id = payment_links.id));
