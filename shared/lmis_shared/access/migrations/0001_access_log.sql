-- The access record of one service, in that service's schema (search_path is set to it): who
-- read, listed, exported or imported whose personal data, and why. Each entry carries the
-- SHA-256 of the one before it (`prev_hash`) and its own (`hash` = sha256(prev_hash ||
-- the entry's canonical text, `lmis_shared.access.record`)), so an edited, removed or
-- reordered entry breaks the chain at that entry (`lmis audit verify`).

create table access_log (
    id              bigint      primary key check (id > 0),
    recorded_at     timestamptz not null,
    actor           text        not null,
    role            text        not null,
    unit            text        not null,
    action          text        not null,
    subjects        text[]      not null,
    fields          text[]      not null,
    purpose         text,
    correlation_id  uuid,
    trace_id        text,
    prev_hash       bytea       not null,
    hash            bytea       not null
);

create index access_log_subjects on access_log using gin (subjects);
create index access_log_actor on access_log (actor, id);

-- The record is append-only, like the events: refuse any change but insert, whoever asks.
create function access_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the access record is append-only (% refused)', tg_op
        using errcode = 'restrict_violation';
end;
$$;

create trigger access_log_append_only
    before update or delete or truncate on access_log
    for each statement execute function access_log_is_append_only();

-- One entry, as ONE statement (autocommit, one round trip). The table lock is taken by every
-- writer and by no reader (SHARE ROW EXCLUSIVE conflicts with itself, not with SELECT): the
-- writers take turns for the few microseconds between reading the head and inserting after
-- it, so the chain stays one line, never a fork, and no id is skipped. `canonical` is the
-- entry's canonical text, made by the client from the same values it passes here; `verify`
-- makes it again from the stored columns, so a column edited later no longer matches.
create function append_access(
    recorded_at timestamptz, actor text, role text, unit text, action text,
    subjects text[], fields text[], purpose text, correlation_id uuid, trace_id text,
    canonical text
) returns bigint
language plpgsql
set search_path from current
as $$
declare
    head_id bigint;
    head_hash bytea;
begin
    lock table access_log in share row exclusive mode;
    select a.id, a.hash into head_id, head_hash from access_log a order by a.id desc limit 1;
    head_id := coalesce(head_id, 0) + 1;
    head_hash := coalesce(head_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    insert into access_log values (
        head_id, recorded_at, actor, role, unit, action, subjects, fields, purpose,
        correlation_id, trace_id, head_hash, sha256(head_hash || convert_to(canonical, 'UTF8'))
    );
    return head_id;
end;
$$;
