-- Issue 16, item 8: PostgreSQL's 0030 makes every change to a session, a staff user, a client login or an
-- API key notify the instances that cache them (auth::cache). SQLite has no such notice and no cache: its
-- checks read the embedded database file, which costs no network round trip. Nothing to change here;
-- the number stays the same on both stores.
select 1;
