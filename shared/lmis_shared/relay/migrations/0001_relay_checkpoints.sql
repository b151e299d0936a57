-- How far the relay has published this service's events, per broker cluster and topic.
--
-- Keyed by the broker's cluster id: the embedded broker keeps messages in memory and gets a
-- new cluster id at every start, so a restarted broker has no checkpoint here and the relay
-- republishes the whole event store to it. A real Kafka cluster keeps its id and its data.
-- (tx_id, seq) is the last event the broker acknowledged, in the event store's global order.

create table relay_checkpoints (
    cluster_id  text        not null,
    topic       text        not null,
    tx_id       xid8        not null,
    seq         bigint      not null,
    updated_at  timestamptz not null default now(),
    constraint relay_checkpoints_pkey primary key (cluster_id, topic)
);
