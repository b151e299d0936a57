"""Builds the reporting service from its parts (the composition root), creates its tables and
rebuilds its read model. Tests build the use cases from fakes instead (tests/unit)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import asyncpg

from lmis_reporting.adapters import filings, markets, signin_links, targets
from lmis_reporting.adapters.candidate_reads import PostgresCandidates
from lmis_reporting.adapters.filings import FilingRows, PostgresFilings
from lmis_reporting.adapters.indicator_reads import PostgresIndicatorReads
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.markets import PostgresMarkets
from lmis_reporting.adapters.peers import PeerApis
from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_reporting.adapters.report_pdf import render_pdf
from lmis_reporting.adapters.report_xlsx import render_xlsx
from lmis_reporting.adapters.signin_links import PostgresSignInLinks
from lmis_reporting.adapters.targets import PostgresTargets, TargetRows
from lmis_reporting.adapters.units import PostgresUnits, migrate_units
from lmis_reporting.application.candidates import Candidates
from lmis_reporting.application.dashboard import DashboardQueries
from lmis_reporting.application.filings import FILING_GRANTS, ReportFilings
from lmis_reporting.application.overstay_risk import OverstayRisk
from lmis_reporting.application.ports import KnownReads, SignInLinks
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.application.reports import ReportDocuments
from lmis_reporting.application.targets import TargetCommands
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing.rebuilding import rebuild_projection
from lmis_shared.processing.replay_parts import parts_for_this_machine
from lmis_shared.settings import CommonSettings


@dataclass(frozen=True)
class Reporting:
    """Everything the reporting service's HTTP entrypoints call."""

    queries: ReportingQueries
    targets: TargetCommands
    reports: ReportDocuments
    filings: ReportFilings
    dashboard: DashboardQueries
    """The officials' pages (`entrypoints/pages.py`), over the same queries."""
    signin_links: SignInLinks
    peers: PeerApis
    """The APIs a figure's list lives in, asked with the officer's own token."""
    candidates: Candidates
    """Returnees matching a demand for foreign workers (`application/candidates.py`)."""
    overstay_risk: OverstayRisk
    """Communes and destinations ranked for early action (`application/overstay_risk.py`)."""


def bootstrap(
    pool: asyncpg.Pool,
    settings: ReportingSettings,
    common: CommonSettings,
    *,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Reporting:
    """`clock` dates the stock indicators and the targets set (default: the system's)."""
    schema = settings.schema_name
    # the default grants, and commune officers filing their commune's reports
    authorizer = authorizer or Authorizer(FILING_GRANTS)
    clock = clock or SystemClock()
    units = PostgresUnits(pool, schema)
    reads = PostgresIndicatorReads(pool, schema)
    rows = PostgresTargets(pool, schema)
    queries = ReportingQueries(
        units, reads, reads, PostgresMarkets(pool, schema), rows, authorizer, clock, _known(reads)
    )
    streams = PostgresStreams(pool, schema, TargetRows(schema))
    commands = TargetCommands(units, rows, streams, authorizer, clock)
    documents = ReportDocuments(queries, units, clock)
    filed = ReportFilings(
        documents,
        {"xlsx": render_xlsx, "pdf": render_pdf},
        units,
        PostgresFilings(pool, schema),
        PostgresStreams(pool, schema, FilingRows(schema)),
        authorizer,
        clock,
    )
    peers = PeerApis(
        {
            "registry": settings.registry_url,
            "permits": settings.permits_url,
            "notify": settings.notify_url,
            "reporting": "http://reporting",  # its own API, in process (`pages.py`)
        }
    )
    dashboard = DashboardQueries(queries, commands, filed, clock)
    return Reporting(
        queries,
        commands,
        documents,
        filed,
        dashboard,
        PostgresSignInLinks(pool, schema),
        peers,
        Candidates(PostgresCandidates(pool, schema), authorizer),
        OverstayRisk(units, reads, authorizer, clock),
    )


def _known(reads: PostgresIndicatorReads) -> Callable[[date], KnownReads]:
    def known_on(day: date) -> KnownReads:
        past = reads.known_on(day)
        return KnownReads(past, past)

    return known_on


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create or upgrade the service's tables and load the administrative units, the seeded
    targets and the market lists (idempotent).

    The API reads `indicator_counts` and `stream_facts` before the processor may have
    started, so the projection's tables are created here too, not only by the processor.
    """
    # reporting's own facts (targets set) are events too
    await PostgresEventStore.migrate(pool, schema)
    await IndicatorProjection(pool, schema).migrate()
    await migrate_units(pool, schema)
    await targets.migrate(pool, schema)
    await markets.migrate(pool, schema)
    await filings.migrate(pool, schema)
    await signin_links.migrate(pool, schema)


async def rebuild(pool: asyncpg.Pool, settings: ReportingSettings, common: CommonSettings) -> str:
    """Rebuild the indicator counts and facts from the event stores of the domains the
    processor reads (each in the PostgreSQL schema of its name), in memory, swapped in at the
    end while the processor, the commands and the relays go on (`rebuild_projection`); the
    replay split by stream over the machine's cores."""
    replayed = await rebuild_projection(
        pool,
        settings.schema_name,
        IndicatorProjection.name,
        IndicatorProjection.event_types,
        IndicatorReplica(),
        settings.event_sources(),
        processes=parts_for_this_machine(),
        dsn=common.database_dsn(),
    )
    return f"reporting: {replayed} events replayed"
