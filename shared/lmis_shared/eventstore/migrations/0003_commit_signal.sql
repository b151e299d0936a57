-- Every transaction that appends events tells the relays at its commit, so a relay publishes
-- within milliseconds instead of at its next poll (lmis_shared.relay.wakeup listens).
--
-- NOTIFY is delivered only when the transaction commits and never when it rolls back: exactly
-- the moment the gap-safe relay can see the rows. The signal only wakes a relay; it still reads
-- with `read_all`'s rule (tx_id below the oldest running transaction). The payload is the
-- appending transaction's id, so a relay that woke and found those rows still held back by an
-- older transaction knows to look again soon (`Relay` chases it) rather than at its next poll.
-- One notification per statement (and PostgreSQL folds identical ones within a transaction).
--
-- The channel is `lmis.events.<schema>` (`commit_channel` in eventstore/postgres.py).
--
-- Cost, measured (bench/latency.py, the notes in its docstring): a single writer pays a few
-- percent per append; concurrent writers pay more, because PostgreSQL serialises the commits
-- of notifying transactions (a cluster-wide lock held until the commit is flushed).
create function signal_commit() returns trigger language plpgsql as $$
begin
    perform pg_notify('lmis.events.' || tg_table_schema, pg_current_xact_id()::text);
    return null;
end;
$$;

create trigger events_signal_commit
    after insert on events
    for each statement execute function signal_commit();
