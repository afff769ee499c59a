-- The language of a client's texts and My Account pages (issue 19, item 6): `en` (English, the default for
-- every client so far) or `es` (Spanish). Staff set it on the client page (PATCH /api/v1/clients/{client_id}).
alter table clients add column language text not null default 'en' check (language in ('en', 'es'));
