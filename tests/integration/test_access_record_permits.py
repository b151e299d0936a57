"""The access record in the permits service, the same as the registry's: a foreign worker's
file, history and list pages are recorded, and only an admin lists the record."""

from __future__ import annotations

import pytest

from lmis_shared.access.postgres import PostgresAccessLog
from tests.integration.test_permits_api import Api, api, employer_with_demand, new_worker

pytestmark = pytest.mark.integration
__all__ = ["api"]  # the permits API fixture, used by name


async def test_reading_a_foreign_workers_file_history_and_list_is_recorded(api: Api) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    for path in (f"/v1/foreign-workers/{worker_id}", f"/v1/foreign-workers/{worker_id}/history"):
        assert (await api.get(path)).status_code == 200
    assert (await api.get("/v1/foreign-workers")).status_code == 200

    admin = api.auth("admin", "80")
    listed = await api.client.get("/v1/audit/access", params={"subject": worker_id}, headers=admin)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(e["action"], e["fields"][0], e["subjects"]) for e in items] == [
        ("list", "full_name", [worker_id]),
        ("read", "history", [worker_id]),
        ("read", "person", [worker_id]),
    ]
    assert {(e["actor"], e["role"], e["unit"]) for e in items} == {
        ("officer-1", "province_officer", "80")
    }
    assert (await PostgresAccessLog(api.pool, api.schema).verify()).entries == 3


async def test_only_an_admin_reads_the_permits_record(api: Api) -> None:
    refused = await api.client.get(
        "/v1/audit/access", params={"actor": "officer-1"}, headers=api.auth("police", "80")
    )
    assert refused.status_code == 403
