"""How far `read_all` may read: the store's own horizon, not the whole cluster's.

The global order is (tx_id, seq), and a reader must never pass a position behind which an
event can still commit. The plain rule, `tx_id < pg_snapshot_xmin(pg_current_snapshot())`,
waits for the oldest transaction holding an id ANYWHERE in the cluster: every other service's
commands, every processor's batch, a rebuild. Measured, that was most of the time from an HTTP
command to its event on the broker under load (a projection's batch holds an id for tens or
hundreds of milliseconds; bench/latency.py).

The horizon here waits only for the transactions that can still append to THIS store: those
in progress that hold a lock on any relation of its schema (pg_locks). Every append touches
the schema before it takes a transaction id, so such a transaction shows in pg_locks from
before its id exists until after its commit is visible:
  * locks on a statement's relations are taken before it runs, and an id is assigned by the
    first write, so a transaction whose first statement reads or writes the schema holds a
    lock there before it has an id, and keeps it to its end;
  * at commit PostgreSQL makes the transaction visible (the proc array) before it releases
    its locks, so a transaction no longer seen holding a lock has committed or aborted.

`HORIZON` reads, in ONE statement, the snapshot's xmax (every id assigned later is at or above
it: xmax is the latest completed id + 1) and then pg_locks (one call, materialised): the
horizon is the smaller of xmax and the lowest id of a transaction holding a lock in the schema.
`read_all` then reads below it in a NEXT statement, with a snapshot taken after that scan. An
appender with an id below the horizon was therefore not holding a lock at the scan, so it had
already finished (its events are in the next snapshot) or has not touched the schema yet, and
then its id came before the scan while its first touch comes after: the one order this rule
forbids (below). An appender that touches the schema after the scan gets its id after the scan
too, at or above xmax.

The rule appenders keep (and every path in this code base does): a transaction that appends
touches the store's schema (reads it or writes it) before it takes a transaction id. An append
in autocommit, a command's transaction (it reads the stream first), an import's (it writes the
schema's person keys, then COPYs) all do. A transaction that first writes ANOTHER schema (or
calls `pg_current_xact_id()`) and only then appends here could have its events passed by a
reader; there is none, and `tests/integration/test_event_store_horizon.py` shows both sides.

Conservative where it cannot tell: a transaction of any kind that touched the schema (a read
model's writer, a long read inside a writing transaction) holds the horizon back as the plain
rule did. pg_lock_status takes the lock manager's partition locks briefly: one call per relay
round, a few per second when idle-but-chasing, is cheap next to a round's own statements.
"""

from __future__ import annotations

from typing import Any

# xids in pg_locks are 32 bits: each is widened to the epoch of xmax, which a running
# transaction's id is always within 2^31 of (2^31 + 2^32 = 6442450944)
HORIZON = """
with snapshot as (select pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax),
locks as materialized (
    select locktype, database, relation, transactionid, virtualtransaction, mode, granted
    from pg_locks
),
touching as (
    select l.virtualtransaction from locks l
    join pg_class c on c.oid = l.relation
    where l.locktype = 'relation'
      and l.database = (select oid from pg_database where datname = current_database())
      and c.relnamespace = (select oid from pg_namespace where nspname = $1)
),
ids as (
    select l.transactionid::text::bigint as xid32 from locks l
    where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
      and l.virtualtransaction in (select virtualtransaction from touching)
)
select least(s.xmax, (
    select min(s.xmax + (xid32 - s.xmax % 4294967296 + 6442450944) % 4294967296 - 2147483648)
    from ids
)) from snapshot s
"""
"""The store's horizon (a transaction id, as bigint) for the schema named $1."""


async def horizon(reader: Any, schema: str) -> int:
    """The id below which every transaction that may append to `schema` has ended (`reader`:
    a pool or a connection, in autocommit: the read that uses it must take a new snapshot)."""
    value: int = await reader.fetchval(HORIZON, schema)
    return value
