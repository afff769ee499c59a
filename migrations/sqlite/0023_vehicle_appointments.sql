-- Issue 18: a vehicle's next service appointment (an instant, shown in the location's time zone, and the name of
-- the service location).
alter table vehicles add column next_appointment_at text;
alter table vehicles add column next_appointment_location text;
