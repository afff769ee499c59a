-- PostgreSQL's 0033 narrows the triggers of its 0030 (auth change notices) to the columns a session check
-- reads. SQLite has neither the notices nor the cache; the number stays the same on both stores.
select 1;
