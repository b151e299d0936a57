-- sending_organisations: the register's read model, one row per organisation, written in the
-- transaction that appends its events. The licence number is unique: a contract names a
-- licensed enterprise by it (`worker.sender_checked`).
create table sending_organisations (
    organisation_id      uuid primary key,
    version              bigint  not null,
    kind                 text    not null,
    name                 text    not null,
    licence_number       text unique,
    licence_status       text    not null,
    licensed_on          date,
    licence_valid_until  date,
    markets              text[]  not null,
    complaints           integer not null,
    last_complaint_on    date
);

create index sending_organisations_order on sending_organisations (name, organisation_id);
