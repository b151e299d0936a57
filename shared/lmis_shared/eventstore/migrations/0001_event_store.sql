-- The event store of one service, in that service's schema (search_path is set to it).
--
-- Global order is (tx_id, seq): the id of the transaction that wrote the event, then a
-- sequence. A reader takes only rows with tx_id below the oldest transaction still running
-- (pg_snapshot_xmin), so a transaction that commits late can never land behind a position a
-- reader has already passed: the sequence-gap problem cannot occur. An append is a single
-- statement (in `append_events` below), so its xid is assigned after its snapshot saw the
-- stream's previous version: later versions of a stream always get a larger xid.

create table events (
    tx_id           xid8        not null default pg_current_xact_id(),
    seq             bigint      not null generated always as identity,
    event_id        uuid        not null,
    event_type      text        not null,
    stream_id       uuid        not null,
    stream_type     text        not null,
    version         bigint      not null check (version > 0),
    data            jsonb       not null,
    recorded_at     timestamptz not null,
    actor           text        not null,
    correlation_id  uuid        not null,
    causation_id    uuid,
    traceparent     text,
    source          text        not null,
    constraint events_stream_version primary key (stream_id, version),
    constraint events_event_id unique (event_id)
);

create index events_global_order on events (tx_id, seq);

-- Responses of commands that carried an idempotency key, written in the events' statement.
create table idempotency (
    key          text        primary key,
    fingerprint  text        not null,
    status_code  integer     not null,
    response     jsonb       not null,
    recorded_at  timestamptz not null
);

-- Events are immutable: refuse any change but insert, whoever asks.
create function events_are_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'events are append-only (% refused)', tg_op
        using errcode = 'restrict_violation';
end;
$$;

create trigger events_append_only
    before update or delete or truncate on events
    for each statement execute function events_are_append_only();

-- One append (or a batch of appends to several streams), as ONE statement: the client runs it
-- in autocommit, one round trip per command, no BEGIN/COMMIT. Its CTEs
--   1. `checks` read each stream's last version (and the id of the transaction that wrote it),
--   2. `verdict` says whether every stream is where the writer expected it,
--   3. `idem` records the idempotency key and response, only if the verdict is good
--      (`on conflict do nothing`: a racing twin waits for the first to commit, then inserts
--      nothing),
--   4. `ins` inserts the events, only if the verdict is good and the key was new.
-- The row returned tells the client which of these happened. A writer that lost a race for
-- the same version hits the primary key instead, which the client maps to a conflict too.
--
-- `verdict` also refuses when this transaction's id is below the one that wrote the stream's
-- last event. That can only happen inside a caller's transaction that wrote something before
-- appending (`append_in`); refusing keeps every stream in version order in (tx_id, seq).
--
-- It is a function, not a client-side statement, for its settings: a generic plan (the
-- planner would otherwise re-plan this statement on every call, which costs more than
-- running it) and a search_path pinned to this schema.
create function append_events(
    stream_ids uuid[], expected_versions bigint[],
    idem_key text, idem_fingerprint text, idem_status integer, idem_response text,
    idem_recorded_at timestamptz,
    event_ids uuid[], event_types text[], event_streams uuid[], stream_types text[],
    versions bigint[], datas text[], recorded_ats timestamptz[], actors text[],
    correlation_ids uuid[], causation_ids uuid[], traceparents text[], sources text[]
) returns table (ok boolean, idem_applied boolean, actuals bigint[], tx_id xid8, seqs bigint[])
language plpgsql
set plan_cache_mode = force_generic_plan
set search_path from current
as $$
#variable_conflict use_column
begin
    return query
    with checks as (
        select c.ord, c.expected, coalesce(l.version, 0) as actual, l.tx_id as last_tx
        from unnest(stream_ids, expected_versions) with ordinality as c(stream_id, expected, ord)
        left join lateral (
            select e.version, e.tx_id from events e
            where e.stream_id = c.stream_id order by e.version desc limit 1
        ) l on true
    ),
    verdict as (
        select coalesce(bool_and(
            actual = expected and (last_tx is null or last_tx <= pg_current_xact_id())
        ), true) as ok
        from checks
    ),
    idem as (
        insert into idempotency (key, fingerprint, status_code, response, recorded_at)
        select idem_key, idem_fingerprint, idem_status, idem_response::jsonb, idem_recorded_at
        from verdict where verdict.ok and idem_key is not null
        on conflict (key) do nothing
        returning 1
    ),
    ins as (
        insert into events (
            event_id, event_type, stream_id, stream_type, version, data, recorded_at,
            actor, correlation_id, causation_id, traceparent, source
        )
        select u.event_id, u.event_type, u.stream_id, u.stream_type, u.version, u.data::jsonb,
            u.recorded_at, u.actor, u.correlation_id, u.causation_id, u.traceparent, u.source
        from unnest(
            event_ids, event_types, event_streams, stream_types, versions, datas,
            recorded_ats, actors, correlation_ids, causation_ids, traceparents, sources
        ) with ordinality as u(
            event_id, event_type, stream_id, stream_type, version, data,
            recorded_at, actor, correlation_id, causation_id, traceparent, source, ord
        )
        where (select ok from verdict) and (idem_key is null or exists (select from idem))
        order by u.ord
        returning tx_id, seq
    )
    select
        (select ok from verdict),
        exists (select from idem),
        (select array_agg(actual order by ord) from checks),
        (select min(tx_id) from ins),
        (select array_agg(seq order by seq) from ins);
end;
$$;
