-- The worker files' own tables beside the event store (search_path is set to the schema).
--
-- open_files: one row per citizen with an open file, the constraint behind "one open file per
-- person at a time". Written in the transaction that appends the file's events, so two racing
-- registrations of one citizen cannot both commit. The key is an HMAC of the citizen ID (the
-- key is a secret of the service), never the ID itself.
create table open_files (
    citizen_key  text primary key,
    worker_id    uuid not null unique
);

-- worker_list: the list read model, one row per file, kept in the transaction that appends the
-- file's events and rebuildable from the event store. Names are personal data: they are here
-- to be searched, never logged. `search_name` is the name folded for search (lower case, no
-- diacritics, đ → d) after a leading space, so a word prefix is a `like '% word%'` match.
create table worker_list (
    worker_id            uuid primary key,
    version              bigint not null,
    status               text not null,
    full_name            text not null,
    search_name          text not null,
    commune_code         text not null,
    province_code        text not null,
    priority_groups      text[] not null,
    registered_on        date not null,
    destination_country  text,
    programme            text,
    sending_kind         text,
    sending_name         text,
    sending_licence      text,
    departure_date       date
);

-- list order is newest registration first, ties by id: the cursor is (registered_on, id)
create index worker_list_order on worker_list (registered_on desc, worker_id desc);
create index worker_list_province on worker_list (province_code, registered_on desc, worker_id desc);
create index worker_list_commune on worker_list (commune_code, registered_on desc, worker_id desc);
