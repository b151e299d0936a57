"""The worker-file use cases on fakes of our own ports: versions, idempotency, one open file
per citizen, and who may do what where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_registry.adapters.memory import InMemoryWorkerFiles
from lmis_registry.application.ports import WorkerPage, WorkerSearch
from lmis_registry.application.workers import WorkerFiles
from lmis_registry.domain import workers as w
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext, EventStoreStreams
from lmis_shared.errors import ConcurrencyConflict, Forbidden, NotFound, PreconditionFailed
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import InMemoryEventStore
from tests.unit.worker_examples import command, registration

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PROVINCE = Principal("officer-1", Role.PROVINCE_OFFICER, "12")


@dataclass
class RecordingListing:
    queries: list[WorkerSearch] = field(default_factory=list)

    async def search(self, query: WorkerSearch) -> WorkerPage:
        self.queries.append(query)
        return WorkerPage([], None)


class LaggingReads(EventStoreStreams[w.WorkerFile]):
    """Reads that miss the last `lag` events: a writer that loaded before another committed."""

    lag = 0

    async def read(self, stream_id: UUID) -> list[RecordedEvent]:
        recorded = await super().read(stream_id)
        return recorded[: len(recorded) - self.lag]


@dataclass
class World:
    files: LaggingReads
    listing: RecordingListing
    app: WorkerFiles

    async def register(self, principal: Principal = PROVINCE, **changes: Any) -> UUID:
        result = await self.app.register(registration(**changes), ctx(principal))
        return UUID(result.body["id"])

    async def run(
        self, worker_id: UUID, *commands: w.AnyWorkerCommand, **context: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for each in commands:
            body = (await self.app.execute(worker_id, each, ctx(**context))).body
        return body

    async def appended(self) -> int:
        return len(await self.files.store.read_all(None))


def ctx(principal: Principal = PROVINCE, **fields: Any) -> CommandContext:
    return CommandContext(principal=principal, correlation_id=uuid4(), **fields)


@pytest.fixture
def world() -> World:
    files, listing = LaggingReads(InMemoryEventStore(), InMemoryWorkerFiles()), RecordingListing()
    return World(files, listing, WorkerFiles(files, listing, FixedClock(NOW), Authorizer()))


async def test_each_command_answers_the_files_new_version_and_status(world: World) -> None:
    worker_id = await world.register()
    body = await world.run(worker_id, command(w.SignContract), if_match=1)
    assert body == {"id": str(worker_id), "version": 2, "status": "contracted"}
    body = await world.run(worker_id, command(w.RecordDeparture), if_match=2)
    assert body["version"] == 3
    assert (await world.app.get(worker_id, PROVINCE)).status == w.WorkerStatus.departed


async def test_a_stale_if_match_is_refused_and_appends_nothing(world: World) -> None:
    worker_id = await world.register()
    await world.run(worker_id, command(w.EnrolTraining))
    with pytest.raises(PreconditionFailed) as caught:
        await world.run(worker_id, command(w.SignContract), if_match=1)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert await world.appended() == 2


async def test_a_writer_that_loses_the_race_gets_a_conflict(world: World) -> None:
    worker_id = await world.register()
    await world.run(worker_id, command(w.EnrolTraining))
    world.files.lag = 1  # this writer loaded the file before the enrolment was committed
    with pytest.raises(ConcurrencyConflict) as caught:
        await world.run(worker_id, command(w.SignContract))
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert await world.appended() == 2


async def test_a_repeated_idempotency_key_replays_the_first_answer(world: World) -> None:
    worker_id = await world.register()
    first = await world.app.execute(worker_id, command(w.SignContract), ctx(idempotency_key="k1"))
    again = await world.app.execute(worker_id, command(w.SignContract), ctx(idempotency_key="k1"))
    assert (again.body, again.replayed) == (first.body, True)
    assert await world.appended() == 2
    # a key is bound to its command: another command's "k1" is its own, not a reuse
    other = await world.app.execute(worker_id, command(w.Withdraw), ctx(idempotency_key="k1"))
    assert not other.replayed


async def test_an_update_that_changes_nothing_appends_nothing(world: World) -> None:
    worker_id = await world.register()
    body = await world.run(worker_id, w.UpdateProfile(full_name="Lò Thị Mai"))
    assert body == {"id": str(worker_id), "version": 1, "status": "registered"}
    assert await world.appended() == 1


async def test_a_citizen_has_one_open_file_and_may_open_another_once_it_is_closed(
    world: World,
) -> None:
    first = await world.register()
    with pytest.raises(w.OpenFileExists):
        await world.register()
    await world.run(
        first, command(w.SignContract), command(w.RecordDeparture), command(w.RecordReturn)
    )
    second = await world.register(registered_on="2026-01-05")
    await world.run(second, command(w.Withdraw, withdrawn_on="2026-02-01"))
    await world.register(registered_on="2026-03-02")
    assert await world.appended() == 7


async def test_a_citizen_id_corrected_to_one_with_an_open_file_is_refused(world: World) -> None:
    await world.register()
    other = await world.register(citizen_id="012198005678")
    with pytest.raises(w.OpenFileExists):
        await world.run(other, w.UpdateProfile(citizen_id="012198001234"))


async def test_a_commune_officer_works_only_on_files_of_that_commune(world: World) -> None:
    own = Principal("officer-2", Role.COMMUNE_OFFICER, "03637")
    other = Principal("officer-3", Role.COMMUNE_OFFICER, "03640")
    worker_id = await world.register(own)
    with pytest.raises(NotFound):  # as if it did not exist: no oracle
        await world.run(worker_id, command(w.SignContract), principal=other)
    with pytest.raises(NotFound):
        await world.app.history(worker_id, other)
    with pytest.raises(Forbidden):  # moving the file away needs rights over its new commune
        await world.run(worker_id, w.UpdateProfile(commune_code="03640"), principal=own)
    assert len(await world.app.history(worker_id, own)) == 1


async def test_a_list_is_limited_to_the_callers_scope_unless_they_may_read_anywhere(
    world: World,
) -> None:
    query = WorkerSearch(commune_code="03640", text="mai")
    await world.app.search(query, Principal("o", Role.COMMUNE_OFFICER, "03637"))
    await world.app.search(query, Principal("o", Role.PROVINCE_OFFICER, "12"))
    await world.app.search(query, Principal("o", Role.ADMIN, "00"))
    assert [q.scope for q in world.listing.queries] == ["03637", "12", None]
    assert all(q.commune_code == "03640" and q.text == "mai" for q in world.listing.queries)
    with pytest.raises(Forbidden):
        await world.app.search(query, Principal("o", Role.BANK, "12"))
