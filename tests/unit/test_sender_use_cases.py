"""The register's use cases and the contract check through `WorkerFiles`, on in-memory fakes
of the ports: who may do what, the licence-number lookup, and a refused contract appending
nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from lmis_registry.adapters.memory import InMemoryWorkerFiles
from lmis_registry.adapters.sender_memory import InMemoryRegister
from lmis_registry.application.sender_ports import SenderSearch
from lmis_registry.application.senders import SenderLookup, SendingOrganisations
from lmis_registry.application.workers import WorkerFiles
from lmis_registry.domain import senders
from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import InvalidField
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext, EventStoreStreams
from lmis_shared.errors import Forbidden
from lmis_shared.eventstore.memory import InMemoryEventStore
from tests.unit.worker_examples import command, registration

CLOCK = FixedClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
DEPARTMENT = Principal("officer-1", Role.PROVINCE_OFFICER, "12")
COMMUNE = Principal("officer-2", Role.COMMUNE_OFFICER, "03637")
SONA = senders.RegisterSendingOrganisation.model_validate(
    {
        "kind": "licensed_enterprise",
        "name": "Công ty Cổ phần Nhân lực Sona",
        "licence_number": "123/LĐTBXH-GP",
        "markets": ["KR", "JP"],
    }
)


def ctx(principal: Principal = DEPARTMENT) -> CommandContext:
    return CommandContext(principal=principal, correlation_id=uuid4())


class World:
    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.register = InMemoryRegister()
        streams = EventStoreStreams(self.store, self.register)
        self.senders = SendingOrganisations(streams, self.register, CLOCK)
        files = EventStoreStreams(self.store, InMemoryWorkerFiles())
        lookup = SenderLookup(files, self.register)
        self.workers = WorkerFiles(files, NoList(), CLOCK, Authorizer(), senders=lookup)


class NoList:
    async def search(self, query: object) -> object:
        raise AssertionError("not listed here")


async def test_the_department_registers_and_a_commune_officer_may_not() -> None:
    world = World()
    with pytest.raises(Forbidden):
        await world.senders.register(SONA, ctx(COMMUNE))
    created = await world.senders.register(SONA, ctx())
    found = await world.senders.search(SenderSearch(market="JP"), COMMUNE)
    assert [s.id for s in found.items] == [UUID(created.body["id"])]


async def test_a_contract_named_by_licence_number_is_checked_and_a_refusal_appends_nothing() -> (
    None
):
    world = World()
    worker = await world.workers.register(registration(), ctx())
    worker_id = UUID(worker.body["id"])
    by_licence = {"kind": "licensed_enterprise", "name": "Sona", "licence_number": "123/LĐTBXH-GP"}
    contract = command(w.SignContract, sending_organisation=by_licence)
    before = len(await world.store.read_all(None))
    with pytest.raises(InvalidField):
        await world.workers.execute(worker_id, contract, ctx())
    assert len(await world.store.read_all(None)) == before
    await world.senders.register(SONA, ctx())
    signed = await world.workers.execute(worker_id, contract, ctx())
    assert signed.body["status"] == "contracted"
    file = await world.workers.get(worker_id, DEPARTMENT)
    assert file.contract is not None
    assert file.contract.sender_check == "verified"
    assert file.contract.sending_organisation.name == "Công ty Cổ phần Nhân lực Sona"


async def test_an_id_of_another_kind_of_stream_is_no_organisation() -> None:
    world = World()
    worker = await world.workers.register(registration(), ctx())
    lookup = SenderLookup(EventStoreStreams(world.store, InMemoryWorkerFiles()), world.register)
    assert await lookup.find(UUID(worker.body["id"]), None) is None
