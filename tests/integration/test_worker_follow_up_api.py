"""Following worker files up through the registry's API on the real PostgreSQL: the identity
checked against the (local) population register at registration, the commune police's
residence check, the follow-up list, and the family visits of an overstayer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from lmis_registry.adapters.population_local import write_citizens
from lmis_registry.domain.workers import Identity
from tests.integration.worker_api import DEPART, SIGN_CONTRACT, Api, running_api

pytestmark = pytest.mark.integration

MAI = Identity("012198001234", "Lò Thị Mai", date(1998, 4, 12), "03637")
SUNG = dict(  # not in the register
    full_name="Vàng A Sùng", date_of_birth="1995-07-20", sex="male", citizen_id="012095009999"
)
OVERSTAY = {"date": "2024-10-01", "source": "embassy"}
VISIT = {
    "visited_on": "2024-11-02",
    "visited_by": "commune_officer",
    "outcome": "family_met",
    "next_step": "visit_again",
}


@pytest.fixture
async def api(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Api]:
    """The registry with a local population register that knows Lò Thị Mai only."""
    register = tmp_path / "population.csv"
    write_citizens(register, [MAI])
    async with running_api(
        tmp_path,
        database_url,
        fresh_schema,
        pg_pool,
        population_register="local",
        population_register_file=register,
    ) as running:
        yield running


async def file_of(api: Api, worker_id: str) -> dict:
    response = await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    assert response.status_code == 200
    return dict(response.json())


async def listed(api: Api, query: str) -> list[str]:
    response = await api.client.get(f"/v1/workers?{query}", headers=api.auth())
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_each_registration_records_the_registers_answer(api: Api) -> None:
    known = await api.register()
    unknown = await api.register(**SUNG)

    checked = (await file_of(api, known))["follow_up"]
    assert checked["identity"] == "verified"
    assert checked["identity_check"]["source"] == "local_register"
    assert checked["identity_check"]["checked_at"].startswith("2026-11-23")
    assert (await file_of(api, unknown))["follow_up"]["identity"] == "mismatch"
    assert await listed(api, "identity=unverified&identity=mismatch") == [unknown]
    assert await listed(api, "identity=verified") == [known]


async def test_a_file_checked_again_once_the_register_knows_the_citizen_is_verified(
    api: Api, tmp_path: Path
) -> None:
    worker_id = await api.register(**SUNG)
    sung = Identity(SUNG["citizen_id"], SUNG["full_name"], date(1995, 7, 20), "03637")
    write_citizens(tmp_path / "population.csv", [MAI, sung])  # the register's copy updated

    checked = await api.command(worker_id, "check-identity", {})

    assert checked.status_code == 200, checked.text
    assert (await file_of(api, worker_id))["follow_up"]["identity"] == "verified"
    assert await listed(api, "identity=mismatch") == []


async def test_a_confirmed_residence_check_takes_the_file_off_the_follow_up_list(
    api: Api,
) -> None:
    worker_id = await api.register(**SUNG)

    checked = await api.command(
        worker_id, "record-residence-check", {"checked_on": "2026-11-20", "outcome": "confirmed"}
    )

    assert checked.status_code == 200, checked.text
    body = await file_of(api, worker_id)
    assert body["follow_up"]["identity"] == "verified"
    assert body["follow_up"]["residence_check"]["checked_by"] == "commune_police"
    assert await listed(api, "identity=mismatch") == []


async def test_an_overstayers_family_visit_is_recorded_and_named_by_role(api: Api) -> None:
    worker_id = await api.register(registered_on="2021-01-04")
    await api.run(
        worker_id,
        ("sign-contract", SIGN_CONTRACT),
        ("record-departure", DEPART),
        ("report-overstaying", OVERSTAY),
    )

    visited = await api.command(worker_id, "record-family-visit", VISIT)

    assert visited.status_code == 200, visited.text
    [visit] = (await file_of(api, worker_id))["follow_up"]["family_visits"]
    assert visit == VISIT
    history = await api.client.get(f"/v1/workers/{worker_id}/history", headers=api.auth())
    assert history.json()["events"][-1]["type"] == "lmis.registry.worker.family_visit_recorded.v1"


async def test_a_family_visit_of_a_worker_abroad_legally_is_refused(api: Api) -> None:
    worker_id = await api.register(registered_on="2021-01-04")
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))

    refused = await api.command(worker_id, "record-family-visit", VISIT)

    assert refused.status_code == 409
    assert refused.json()["current_state"] == "departed"


async def test_a_visitor_given_as_a_name_is_refused_without_echoing_it(api: Api) -> None:
    worker_id = await api.register()
    refused = await api.command(
        worker_id, "record-family-visit", VISIT | {"visited_by": "Nguyễn Văn Tâm"}
    )
    assert refused.status_code == 422
    assert "Tâm" not in refused.text
