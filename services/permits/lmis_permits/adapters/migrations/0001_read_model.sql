-- The permits service's read model, in the service's schema next to its event store.
--
-- Rows are written by `adapters/postgres.py` in the same transaction as the events they come
-- from (append first, then the row), so the model is never behind the store; `rebuild()`
-- replays the store into empty tables and gives the same rows.
--
-- Only the facts are stored, never a status that time changes: a permit's status is computed
-- at query time from `authorisation` and its validity period (see domain/permit_status.py).

create table demands (
    id                    uuid    primary key,
    employer_tax_code     text    not null,
    position              text    not null,
    job_title             text    not null,
    number_of_foreigners  integer not null,
    period_start          date    not null,
    period_end            date    not null,
    status                text    not null,
    approved_number       integer,
    decision_number       text,
    decision_date         date,
    version               bigint  not null
);

create index demands_by_employer on demands (employer_tax_code, position);

create table foreign_workers (
    -- the order of registration, and the key of the list's cursor
    seq                 bigint  generated always as identity,
    id                  uuid    primary key,
    version             bigint  not null,
    status              text    not null,
    -- personal: served only to callers allowed to read the file, never logged
    full_name           text    not null,
    nationality         text    not null,
    employer_tax_code   text    not null,
    position            text    not null,
    commune_code        text    not null,
    province_code       text    not null,
    engaged_on          date    not null,
    ended_on            date,
    authorisation       text    not null check (authorisation in ('none', 'permit', 'exempt', 'revoked')),
    valid_from          date,
    valid_until         date,
    permit_number       text,
    constraint foreign_workers_seq unique (seq)
);

create index foreign_workers_by_province on foreign_workers (province_code, seq);
create index foreign_workers_by_commune on foreign_workers (commune_code, seq);
create index foreign_workers_by_employer on foreign_workers (employer_tax_code, position);
create index foreign_workers_by_expiry on foreign_workers (valid_until)
    where authorisation in ('permit', 'exempt');
