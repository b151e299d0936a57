"""Builds the permits service from its parts: `bootstrap` wires the use cases on PostgreSQL,
`migrate` creates its schema, `rebuild` refills its read model from the event store. The
clock and the authorizer are parameters, so tests hand in a settable clock.

The service's grants extend the shared defaults (`lmis_shared.auth.DEFAULT_GRANTS`) without
editing them: commune officers read the files and employers of their commune; the police read
them and register temporary residence (kind `residence`), as the plans give them entry,
residence and exit of foreigners; province officers may enter residence too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from lmis_permits.adapters import postgres, projection
from lmis_permits.adapters.bulk_permits import PostgresPermitImports
from lmis_permits.adapters.lists import PostgresPermitLists
from lmis_permits.application.employers import Demands, Employers
from lmis_permits.application.foreign_workers import ForeignWorkers
from lmis_permits.application.imports import PermitImports
from lmis_permits.application.lists import EmployerAndDemandLists
from lmis_permits.application.ports import SOURCE
from lmis_permits.domain import demands, employers
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.settings import PermitsSettings
from lmis_shared.auth import DEFAULT_GRANTS, READ, WRITE, Authorizer, Grant, Role, grant
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.commands import Aggregate, CommandPath
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.privacy.erasure import EraseRequest, operator_context
from lmis_shared.privacy.postgres import personal_data
from lmis_shared.settings import CommonSettings

PERMITS_GRANTS: Mapping[Role, tuple[Grant, ...]] = {
    **DEFAULT_GRANTS,
    Role.PROVINCE_OFFICER: (*DEFAULT_GRANTS[Role.PROVINCE_OFFICER], grant([WRITE], ["residence"])),
    Role.COMMUNE_OFFICER: (
        *DEFAULT_GRANTS[Role.COMMUNE_OFFICER],
        grant([READ], ["permit", "employer"]),
    ),
    Role.POLICE: (
        *DEFAULT_GRANTS[Role.POLICE],
        grant([READ], ["permit", "employer"]),
        grant([WRITE], ["residence"]),
    ),
}


@dataclass(frozen=True)
class Permits:
    """Everything the permits service's entrypoints call."""

    employers: Employers
    demands: Demands
    foreign_workers: ForeignWorkers
    imports: PermitImports
    lists: EmployerAndDemandLists | None = None


def bootstrap(
    pool: asyncpg.Pool,
    settings: PermitsSettings,
    common: CommonSettings,
    *,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Permits:
    """The use cases on PostgreSQL. Refuses the development lookup key outside embedded mode."""
    clock = clock or SystemClock()
    authorizer = authorizer or Authorizer(PERMITS_GRANTS)
    rules = settings.rules()
    schema = settings.schema_name
    reads = postgres.PostgresPermitsReads(pool, schema)
    personal = personal_data(settings, common)
    secret = settings.lookup_secret(common.mode)

    def commands(aggregate: Aggregate[postgres.S]) -> CommandPath[postgres.S]:
        read_model = postgres.PermitsReadModel[postgres.S](schema, secret)
        streams = PostgresStreams(pool, schema, read_model, personal)
        return CommandPath(
            aggregate, streams, clock, SOURCE, idempotency_ttl=common.idempotency_ttl()
        )

    employers_ = Employers(commands(employers.AGGREGATE), reads, clock, authorizer, rules)
    return Permits(
        employers=employers_,
        demands=Demands(commands(demands.AGGREGATE), clock, authorizer, employers_),
        foreign_workers=ForeignWorkers(
            commands(fw.AGGREGATE), reads, clock, authorizer, rules, employers_
        ),
        imports=PermitImports(
            PostgresPermitImports(pool, schema, secret, personal), clock, authorizer, rules
        ),
        lists=EmployerAndDemandLists(PostgresPermitLists(pool, schema), clock, authorizer),
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create or upgrade the event store and the read model (idempotent)."""
    await postgres.migrate(pool, schema)


async def rebuild(pool: asyncpg.Pool, settings: PermitsSettings, common: CommonSettings) -> str:
    """Empty the read model and fill it again from the event store."""
    personal = personal_data(settings, common)
    secret = settings.lookup_secret(common.mode)
    rebuilt = await projection.rebuild(pool, settings.schema_name, personal, lookup_secret=secret)
    return f"permits: {rebuilt} files rebuilt"


async def erase(
    pool: asyncpg.Pool,
    settings: PermitsSettings,
    common: CommonSettings,
    subject_id: UUID,
    request: EraseRequest,
    actor: str,
) -> None:
    """Erase one foreign worker's personal data through its erase command (`lmis privacy
    erase`)."""
    permits = bootstrap(pool, settings, common)
    ctx = operator_context(actor, f"privacy-erase-{subject_id}")
    await permits.foreign_workers.erase(subject_id, request, ctx)
