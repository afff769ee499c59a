-- PostgreSQL's 0035 fills vehicle_paid_through of links inserted by instances older than 0032 during a
-- rolling deploy. The embedded SQLite store runs one instance, upgraded whole: nothing to change here; the
-- number stays the same on both stores.
select 1;
