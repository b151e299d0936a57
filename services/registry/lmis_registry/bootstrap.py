"""Builds the registry from its parts on PostgreSQL, creates its tables, rebuilds its read
models. Tests hand in their own pool, clock and authorizer; unit tests build the use cases
on the in-memory fakes instead (`adapters/memory.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.adapters.identity_records import PostgresIdentityRecords
from lmis_registry.adapters.import_pool import ImportPool, WorkerSetup, import_pool_of
from lmis_registry.adapters.loan_list import LoanReadModel, PostgresLoanList
from lmis_registry.adapters.migrations import MIGRATIONS
from lmis_registry.adapters.population import population_register
from lmis_registry.adapters.rebuild import (
    rebuild_loan_list,
    rebuild_open_files,
    rebuild_sender_list,
    rebuild_worker_list,
)
from lmis_registry.adapters.sender_list import PostgresSenderList, SenderReadModel
from lmis_registry.adapters.worker_files import WorkerReadModel
from lmis_registry.adapters.worker_list import PostgresWorkerList
from lmis_registry.application.import_identities import ImportedIdentities
from lmis_registry.application.imports import WorkerImports
from lmis_registry.application.job_reports import JobCreationReports
from lmis_registry.application.loans import Loans
from lmis_registry.application.population import PopulationRegister
from lmis_registry.application.sender_imports import SenderImports
from lmis_registry.application.senders import SenderLookup, SendingOrganisations
from lmis_registry.application.workers import WorkerFiles
from lmis_registry.settings import RegistrySettings
from lmis_shared.access.postgres import ACCESS_MIGRATIONS
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import apply_migrations
from lmis_shared.privacy.erasure import EraseRequest, operator_context
from lmis_shared.privacy.postgres import migrate as privacy_migrate
from lmis_shared.privacy.postgres import personal_data
from lmis_shared.settings import CommonSettings


@dataclass(frozen=True)
class Registry:
    """Everything the registry's entrypoints call."""

    workers: WorkerFiles
    loans: Loans
    imports: WorkerImports
    senders: SendingOrganisations
    sender_imports: SenderImports
    job_reports: JobCreationReports
    population: PopulationRegister | None = None
    """The population register the workers' files and imports ask (None: not connected)."""
    import_pool: ImportPool | None = None
    """The imports' worker processes (None: rows prepared in the service's process)."""

    async def aclose(self) -> None:
        """Close what talks to other systems (the national exchange's HTTP client) and stop
        the imports' worker processes."""
        if self.population is not None:
            await self.population.aclose()
        if self.import_pool is not None:
            await self.import_pool.aclose()


def bootstrap(
    pool: asyncpg.Pool,
    settings: RegistrySettings,
    common: CommonSettings,
    *,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Registry:
    """The registry on PostgreSQL; the lookup key (refused in production when it is the
    development one) keys the citizen-ID lookups."""
    clock = clock or SystemClock()
    authorizer = authorizer or Authorizer()
    schema = settings.schema_name
    secret = settings.lookup_secret(common.mode)
    ttl = common.idempotency_ttl()
    personal = personal_data(settings, common)
    files = PostgresStreams(pool, schema, WorkerReadModel(schema, secret), personal)
    bulk = PostgresBulkFiles(pool, schema, secret, personal)
    store = PostgresEventStore(pool, schema, personal)
    identity_records = PostgresIdentityRecords(pool, schema, secret, store, files)
    import_pool = import_pool_of(bulk, settings, WorkerSetup(secret, personal.wrapper, authorizer))
    directory = PostgresSenderList(pool, schema)
    register = PostgresStreams(pool, schema, SenderReadModel(schema), personal)
    population = population_register(settings, common)
    lookup = SenderLookup(register, directory)
    sending_organisations = SendingOrganisations(register, directory, clock, ttl)
    return Registry(
        workers=WorkerFiles(
            files,
            PostgresWorkerList(pool, schema),
            clock,
            authorizer,
            ttl,
            population=population,
            senders=lookup,
        ),
        loans=Loans(
            PostgresStreams(pool, schema, LoanReadModel(schema), personal),
            clock,
            authorizer,
            PostgresLoanList(pool, schema),
            ttl,
        ),
        imports=WorkerImports(
            bulk,
            clock,
            authorizer,
            identities=None
            if population is None
            else ImportedIdentities(population, identity_records, clock),
            prepared=import_pool,
        ),
        senders=sending_organisations,
        sender_imports=SenderImports(sending_organisations, directory),
        job_reports=JobCreationReports.on(PostgresStreams(pool, schema), clock, authorizer, ttl),
        population=population,
        import_pool=import_pool,
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """The event store's tables, the data keys', then the registry's own
    (`adapters/migrations/`) and the access record (`lmis_shared.access`)."""
    await PostgresEventStore.migrate(pool, schema)
    await privacy_migrate(pool, schema)
    await apply_migrations(pool, schema, [*MIGRATIONS, *ACCESS_MIGRATIONS])


async def rebuild(pool: asyncpg.Pool, settings: RegistrySettings, common: CommonSettings) -> str:
    """The worker list, the open-file claims and the loan list, folded again from the event
    store."""
    schema = settings.schema_name
    personal = personal_data(settings, common)
    files = await rebuild_worker_list(pool, schema, personal)
    await rebuild_open_files(pool, schema, settings.lookup_secret(common.mode), personal)
    loan_rows = await rebuild_loan_list(pool, schema)
    sender_rows = await rebuild_sender_list(pool, schema)
    return (
        f"registry: {files} worker files rebuilt, {loan_rows} loans,"
        f" {sender_rows} sending organisations"
    )


async def erase(
    pool: asyncpg.Pool,
    settings: RegistrySettings,
    common: CommonSettings,
    subject_id: UUID,
    request: EraseRequest,
    actor: str,
) -> None:
    """Erase one worker's personal data through its erase command (`lmis privacy erase`)."""
    registry = bootstrap(pool, settings, common)
    ctx = operator_context(actor, f"privacy-erase-{subject_id}")
    await registry.workers.erase(subject_id, request, ctx)
