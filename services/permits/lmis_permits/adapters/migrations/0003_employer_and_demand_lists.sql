-- The employer list and the demand list (`GET /v1/employers`, `GET /v1/demands`).
--
-- employers: one row per employer, written with its events like the other rows. `search_name`
-- and `search_zone` are the name and industrial zone folded for search (lower case, no
-- diacritics, đ → d; `lmis_shared.text.search_key`) after a leading space.
create table employers (
    id               uuid    primary key,
    version          bigint  not null,
    tax_code         text    not null unique,
    name             text    not null,
    search_name      text    not null,
    address          text    not null,
    commune_code     text    not null,
    province_code    text    not null,
    industrial_zone  text,
    search_zone      text,
    sector           text    not null,
    search_sector    text    not null,
    registered_on    date    not null
);

create index employers_order on employers (registered_on desc, id desc);
create index employers_by_commune on employers (commune_code);
create index employers_by_province on employers (province_code);

-- demands get the employer's unit (the scope of the list) and the day each was submitted and
-- decided. Rows written before this migration have none until `lmis rebuild permits`.
alter table demands add column commune_code text;
alter table demands add column province_code text;
alter table demands add column submitted_on date;
alter table demands add column decided_on date;

create index demands_order on demands (submitted_on desc, id desc);
create index demands_by_commune on demands (commune_code);
create index demands_by_province on demands (province_code);
