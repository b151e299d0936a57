"""Bulk imports ask the population register, after the rows are saved (on fakes of our own
ports): the answers are recorded on the imported files at the clock's time, in batches; a
register that is down fails nothing, and its files stay unverified for follow-up."""

from __future__ import annotations

from datetime import date

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_registry.adapters.population_local import LocalPopulationRegister
from lmis_registry.application.import_identities import ImportedIdentities
from lmis_registry.application.imports import WorkerImports
from lmis_registry.domain import workers as w
from lmis_shared.auth import Authorizer
from lmis_shared.clock import FixedClock
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome, IdentitySource
from tests.unit.test_import_workers import GIANG, NOW, TONG, ctx, table_of

GIANG_IN_REGISTER = w.Identity("012096220871", "Giàng A Sử", date(1996, 7, 8), "03640")


class DownRegister:
    """A register that answers nothing: every question `unavailable`."""

    def __init__(self) -> None:
        self.asked = 0

    async def verify(self, identity: w.Identity) -> w.IdentityAnswer:
        self.asked += 1
        return w.IdentityAnswer(IdentityCheckOutcome.unavailable, IdentitySource.none)

    async def aclose(self) -> None:
        return None


def importer(bulk: InMemoryBulkFiles, register: object, batch: int = 100) -> WorkerImports:
    clock = FixedClock(NOW)
    identities = ImportedIdentities(register, bulk.streams, clock, batch_size=batch)  # type: ignore[arg-type]
    return WorkerImports(bulk, clock, Authorizer(), identities=identities)


async def identity_of(
    bulk: InMemoryBulkFiles, citizen_id: str
) -> tuple[w.IdentityStatus, list[str]]:
    [file] = [f for f in bulk.files.files.values() if f.person.citizen_id == citizen_id]
    recorded = await bulk.streams.read(file.id)
    return file.follow_up.identity, [r.event_type for r in recorded]


async def test_the_imported_files_answers_are_recorded_after_the_rows() -> None:
    bulk = InMemoryBulkFiles()
    register = LocalPopulationRegister({GIANG_IN_REGISTER.citizen_id: GIANG_IN_REGISTER})

    summary = await importer(bulk, register).run(table_of(GIANG, TONG), ctx())

    assert summary.imported == 2
    giang, giang_events = await identity_of(bulk, "012096220871")
    tong, _ = await identity_of(bulk, "012199017734")
    assert (giang, tong) == (w.IdentityStatus.verified, w.IdentityStatus.mismatch)  # not found
    assert giang_events[-1] == "lmis.registry.worker.identity_checked.v1"
    checked = (await bulk.store.read_all(None))[-1].payload()
    assert checked.checked_at == NOW  # type: ignore[attr-defined]


async def test_a_register_that_is_down_fails_nothing_and_is_not_asked_on_and_on() -> None:
    bulk = InMemoryBulkFiles()
    register = DownRegister()

    summary = await importer(bulk, register, batch=1).run(table_of(GIANG, TONG), ctx())

    assert (summary.imported, summary.rejected) == (2, 0)
    assert register.asked == 1  # the first batch found it down: the pass ended there
    for citizen in ("012096220871", "012199017734"):
        status, events = await identity_of(bulk, citizen)
        assert status == w.IdentityStatus.unverified  # listed for follow-up
        assert "lmis.registry.worker.identity_checked.v1" not in events
