"""One open file per citizen, on the real PostgreSQL: a second open file is a 409, racing
registrations cannot both win, a closed file frees the citizen, and the lookup table holds a
keyed hash, never the citizen ID."""

from __future__ import annotations

import asyncio

import pytest

from lmis_registry.adapters.open_files import citizen_key
from lmis_registry.adapters.rebuild import rebuild_open_files
from lmis_registry.settings import DEVELOPMENT_LOOKUP_KEY
from tests.integration.worker_api import DEPART, RETURN, SIGN_CONTRACT, Api, worker

pytestmark = pytest.mark.integration

CITIZEN = "012198001234"


async def claims(api: Api) -> list[tuple[str, str]]:
    query = f"select citizen_key, worker_id::text from {api.schema}.open_files"
    return [(r[0], r[1]) for r in await api.pool.fetch(query)]


async def test_a_second_open_file_of_a_citizen_is_a_conflict(api: Api) -> None:
    await api.register()
    second = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
    assert second.status_code == 409
    assert second.json()["type"] == "urn:lmis:problem:open-file-exists"
    assert CITIZEN not in second.text
    assert len(await api.store.read_all(None)) == 1


async def test_a_citizen_may_open_a_new_file_once_the_last_one_is_closed(api: Api) -> None:
    first = await api.register()
    await api.run(
        first,
        ("sign-contract", SIGN_CONTRACT),
        ("record-departure", DEPART),
        ("record-return", RETURN),
    )
    second = await api.register()
    await api.run(second, ("withdraw", {"reason": "health"}))
    third = await api.register()
    assert len({first, second, third}) == 3
    assert [w for _, w in await claims(api)] == [third]


async def test_of_racing_registrations_of_one_citizen_exactly_one_wins(api: Api) -> None:
    answers = await asyncio.gather(
        *(api.client.post("/v1/workers", json=worker(), headers=api.auth()) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert len(await api.store.read_all(None)) == 1  # the losers' appends were rolled back
    assert len(await claims(api)) == 1


async def test_the_lookup_table_holds_a_keyed_hash_not_the_citizen_id(api: Api) -> None:
    worker_id = await api.register()
    [(key, holder)] = await claims(api)
    assert holder == worker_id
    assert CITIZEN not in key
    assert key == citizen_key(DEVELOPMENT_LOOKUP_KEY.encode(), CITIZEN)


async def test_a_corrected_citizen_id_moves_the_claim(api: Api) -> None:
    worker_id = await api.register()
    corrected = await api.client.patch(
        f"/v1/workers/{worker_id}", json={"citizen_id": "012198005678"}, headers=api.auth()
    )
    assert corrected.status_code == 200, corrected.text
    await api.register()  # the old number is free again
    taken = await api.client.post(
        "/v1/workers", json=worker(citizen_id="012198005678"), headers=api.auth()
    )
    assert taken.status_code == 409


async def test_the_claims_rebuild_from_the_event_store(api: Api) -> None:
    closed = await api.register()
    await api.run(closed, ("withdraw", {"reason": "personal"}))
    await api.register()
    await api.register(citizen_id="012198005678")
    before = sorted(await claims(api))
    await api.pool.execute(f"delete from {api.schema}.open_files")
    assert (
        await rebuild_open_files(
            api.pool, api.schema, DEVELOPMENT_LOOKUP_KEY.encode(), api.personal
        )
        == 2
    )
    assert sorted(await claims(api)) == before


async def test_only_a_caller_who_may_read_the_open_file_learns_there_is_one(api: Api) -> None:
    await api.register()  # in commune 03637
    elsewhere = api.auth(role="commune_officer", scope="03640")
    refused = await api.client.post(
        "/v1/workers", json=worker(commune_code="03640"), headers=elsewhere
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:lmis:problem:registration-refused"
    assert "open file" not in refused.text
    assert "open-file" not in refused.text
    assert "03637" not in refused.text
    province = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
    assert province.json()["type"] == "urn:lmis:problem:open-file-exists"
