"""The worker files' read model on PostgreSQL: each command's open-file claim and list row,
written in the append's transaction by `PostgresStreams` (`lmis_shared.commands.postgres`),
so the read model and the one-open-file rule never disagree with the event store.

The append comes first in the transaction (`PostgresEventStore.append_in` explains why); a
refused claim (`OpenFileExists`) rolls the append back with it.
"""

from __future__ import annotations

from lmis_registry.adapters import open_files, worker_list
from lmis_registry.domain.workers import WorkerFile
from lmis_shared.commands import Change
from lmis_shared.eventstore.postgres import Connection


class WorkerReadModel:
    """`ReadModel[WorkerFile]`: the open-file claim and the `worker_list` row of a file."""

    def __init__(self, schema: str, lookup_secret: bytes) -> None:
        self._schema = schema
        self._secret = lookup_secret

    async def guard(self, connection: Connection, change: Change[WorkerFile]) -> None:
        return None  # the claim is taken after the append, which it rolls back if refused

    async def apply(self, connection: Connection, change: Change[WorkerFile]) -> None:
        await open_files.sync(connection, self._schema, self._secret, change.before, change.after)
        await worker_list.upsert(connection, self._schema, [change.after])
