-- The agency feeds (search_path is set to notify's schema).

-- The catalogue: each feed's current definition (a read model of the `feed` streams, written
-- with each `lmis.notify.feed.defined.v1` in the append's transaction).
create table feeds (
    name               text        primary key,
    definition         jsonb       not null,
    catalogue_version  integer     not null,
    version            integer     not null,
    defined_at         timestamptz not null,
    defined_by         text        not null
);

-- What the fan-out remembers of each subject: its unit (events after registration name none)
-- and whether it is a borrower (the bank's feed).
create table feed_subjects (
    stream_id      uuid    primary key,
    commune_code   text,
    province_code  text,
    borrower       boolean not null default false
);

-- The feed outbox: one row per (feed, topic unit, source event), reduced to the feed's fields.
-- Ordered like an event store, (tx_id, seq), and read like one (below the oldest running
-- transaction), so the feed relay and the pull API never pass a row that commits later.
create table feed_outbox (
    tx_id           xid8        not null default pg_current_xact_id(),
    seq             bigint      not null generated always as identity,
    feed            text        not null,
    unit            text        not null default '',   -- a per-commune feed's commune
    event_id        uuid        not null,
    event_type      text        not null,
    stream_id       uuid        not null,
    stream_type     text        not null,
    version         bigint      not null,
    data            jsonb       not null,
    recorded_at     timestamptz not null,
    actor           text        not null,
    correlation_id  uuid        not null,
    causation_id    uuid,
    traceparent     text,
    source          text        not null,
    constraint feed_outbox_once primary key (feed, unit, event_id)
);

create index feed_outbox_order on feed_outbox (tx_id, seq);
create index feed_outbox_by_feed on feed_outbox (feed, unit, tx_id, seq);
