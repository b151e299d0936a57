"""Builds the permits service from its parts. Every side-effecting dependency is a parameter,
so tests hand in a settable clock and the real PostgreSQL, and production the real ones.

The service's grants extend the shared defaults (`lmis_shared.auth.DEFAULT_GRANTS`) without
editing them: commune officers read the files and employers of their commune; the police read
them and register temporary residence (kind `residence`), as the plans give them entry,
residence and exit of foreigners; province officers may enter residence too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from lmis_permits.adapters import postgres
from lmis_permits.application.employers import Demands, Employers
from lmis_permits.application.foreign_workers import ForeignWorkers
from lmis_permits.application.ports import Ledger, PermitsReads
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import DEFAULT_GRANTS, READ, WRITE, Authorizer, Grant, Role, grant
from lmis_shared.clock import Clock, SystemClock

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


def bootstrap(
    ledger: Ledger,
    reads: PermitsReads,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
    rules: PermitRules | None = None,
) -> Permits:
    clock = clock or SystemClock()
    authorizer = authorizer or Authorizer(PERMITS_GRANTS)
    rules = rules or PermitRules()
    employers = Employers(ledger, reads, clock, authorizer, rules)
    return Permits(
        employers=employers,
        demands=Demands(ledger, clock, authorizer, employers),
        foreign_workers=ForeignWorkers(ledger, reads, clock, authorizer, rules, employers),
    )


def bootstrap_postgres(
    pool: asyncpg.Pool,
    schema: str,
    clock: Clock | None = None,
    rules: PermitRules | None = None,
) -> Permits:
    return bootstrap(
        postgres.PostgresLedger(pool, schema),
        postgres.PostgresPermitsReads(pool, schema),
        clock=clock,
        rules=rules,
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create or upgrade the event store and the read model (idempotent)."""
    await postgres.migrate(pool, schema)
