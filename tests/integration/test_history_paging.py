"""A file's history a page at a time: `limit` events after the `after` cursor, and the cursor of
the next page until the last one."""

from __future__ import annotations

import pytest

from tests.integration.worker_api import DEPART, SIGN_CONTRACT, Api
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration


async def test_a_history_is_read_a_page_at_a_time(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))
    url = f"/v1/workers/{worker_id}/history"

    first = (await api.client.get(url, params={"limit": 2}, headers=api.auth())).json()
    assert [e["version"] for e in first["events"]] == [1, 2]
    assert first["next_cursor"] == 2
    params = {"limit": 2, "after": first["next_cursor"]}
    last = (await api.client.get(url, params=params, headers=api.auth())).json()
    assert [e["version"] for e in last["events"]] == [3]
    assert last["next_cursor"] is None
    whole = (await api.client.get(url, headers=api.auth())).json()
    assert [e["version"] for e in whole["events"]] == [1, 2, 3]

    too_many = await api.client.get(url, params={"limit": 100_000}, headers=api.auth())
    assert_invalid(too_many, "query.limit")
