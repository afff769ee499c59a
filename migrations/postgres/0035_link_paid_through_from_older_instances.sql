-- A rolling deploy of 0032: instances still running the release before it insert links without
-- vehicle_paid_through, which would make each such link out of date at once wherever the vehicle was ever
-- paid. A link inserted without it gets its vehicle's paid-through date at that moment, which is exactly what
-- the current release writes itself (null stays null for a vehicle never paid). Can be dropped once no instance
-- older than 0032 can run.
create function payment_links_vehicle_paid_through() returns trigger language plpgsql as $$
begin
  if new.vehicle_paid_through is null then
    select v.paid_through into new.vehicle_paid_through from vehicles v where v.id = new.vehicle_id;
  end if;
  return new;
end
$$;

create trigger payment_links_vehicle_paid_through
  before insert on payment_links
  for each row execute function payment_links_vehicle_paid_through();
