"""`GET /v1/workers` on the real PostgreSQL: filters, the caller's scope, search on names with
and without diacritics, cursor pages, and a read model that a rebuild reproduces exactly."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from lmis_registry.adapters.rebuild import rebuild_worker_list
from tests.integration.worker_api import (
    DEPART,
    SIGN_CONTRACT,
    SIGN_THROUGH_SONA,
    SONA,
    Api,
    running_api,
)
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

INDIVIDUAL_TO_JAPAN = SIGN_CONTRACT | {
    "destination_country": "JP",
    "programme": "japan_technical_intern",
    "sending_organisation": {"kind": "individual_contract"},
}


@dataclass
class Files:
    """Four files: An and Đào departed (Lai Châu), Mai in Hà Nội, Anh registered."""

    api: Api
    an: str
    dao: str
    mai: str
    anh: str

    async def names(self, role: str = "admin", scope: str = "00", **params: Any) -> list[str]:
        response = await self.api.client.get(
            "/v1/workers", params=params, headers=self.api.auth(role, scope)
        )
        assert response.status_code == 200, response.text
        return [item["full_name"] for item in response.json()["items"]]


@pytest.fixture(scope="module")
async def files(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> AsyncIterator[Files]:
    """Built once for the module: the tests below only read (the rebuild restores its table)."""
    schema = f"t_{secrets.token_hex(4)}"
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    assert pool is not None
    tmp_path = tmp_path_factory.mktemp("worker_list")
    async with pool, running_api(tmp_path, database_url, schema, pool) as api:
        an = await api.register(
            full_name="Nguyễn Văn An",
            sex="male",
            ethnicity="Kinh",
            citizen_id="012098000001",
            priority_groups=[],
            registered_on="2026-01-10",
        )
        dao = await api.register(
            full_name="Đặng Thị Đào",
            citizen_id="012198000002",
            commune_code="03640",
            priority_groups=["poor_household"],
            registered_on="2026-02-10",
        )
        mai = await api.register(
            api.auth("admin", "00"),
            citizen_id="012198000003",
            commune_code="00004",
            registered_on="2026-03-10",
        )
        anh = await api.register(
            full_name="Nguyễn Văn Anh",
            sex="male",
            citizen_id="012098000004",
            priority_groups=["demobilised_soldier"],
            registered_on="2026-04-10",
        )
        await api.register_sender(SONA)
        await api.run(an, ("sign-contract", SIGN_THROUGH_SONA), ("record-departure", DEPART))
        await api.run(
            dao,
            ("sign-contract", INDIVIDUAL_TO_JAPAN),
            ("record-departure", DEPART | {"departure_date": "2022-03-01"}),
        )
        yield Files(api, an, dao, mai, anh)


async def test_the_list_is_newest_registration_first(files: Files) -> None:
    assert await files.names() == ["Nguyễn Văn Anh", "Lò Thị Mai", "Đặng Thị Đào", "Nguyễn Văn An"]


async def test_officers_see_only_files_in_their_scope(files: Files) -> None:
    assert await files.names("commune_officer", "03637") == ["Nguyễn Văn Anh", "Nguyễn Văn An"]
    assert await files.names("province_officer", "12") == [
        "Nguyễn Văn Anh",
        "Đặng Thị Đào",
        "Nguyễn Văn An",
    ]
    # a filter cannot widen the scope: it only narrows it
    assert await files.names("commune_officer", "03637", commune="03640") == []
    forbidden = await files.api.client.get("/v1/workers", headers=files.api.auth("bank", "12"))
    assert forbidden.status_code == 403


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "departed"}, ["Đặng Thị Đào", "Nguyễn Văn An"]),
        (
            {"status": ["registered", "departed"], "commune": "03637"},
            ["Nguyễn Văn Anh", "Nguyễn Văn An"],
        ),
        ({"province": "01"}, ["Lò Thị Mai"]),
        ({"destination": "jp"}, ["Đặng Thị Đào"]),
        ({"programme": "korea_eps"}, ["Nguyễn Văn An"]),
        ({"sending_organisation": "123/LĐTBXH-GP"}, ["Nguyễn Văn An"]),
        ({"sending_organisation": "công ty cổ phần nhân lực sona"}, ["Nguyễn Văn An"]),
        ({"sending_organisation": "individual_contract"}, ["Đặng Thị Đào"]),
        ({"priority_group": "poor_household"}, ["Đặng Thị Đào"]),
        ({"departed_from": "2022-01-01"}, ["Đặng Thị Đào"]),
        ({"departed_to": "2021-12-31"}, ["Nguyễn Văn An"]),
    ],
)
async def test_every_filter_given_must_hold(
    files: Files, params: dict[str, Any], expected: list[str]
) -> None:
    assert await files.names(**params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguyen van an", ["Nguyễn Văn Anh", "Nguyễn Văn An"]),  # words match at their start
        ("Nguyễn Văn Anh", ["Nguyễn Văn Anh"]),
        ("dang thi dao", ["Đặng Thị Đào"]),  # đ is a letter of its own, searched as d
        ("ĐÀO", ["Đặng Thị Đào"]),
        ("mai lo", ["Lò Thị Mai"]),  # every word, in any order
        ("thi 50%", []),
    ],
)
async def test_names_are_found_with_or_without_diacritics(
    files: Files, q: str, expected: list[str]
) -> None:
    assert await files.names(q=q) == expected


async def test_pages_follow_the_cursor_through_every_file_once(files: Files) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        response = await files.api.client.get(
            "/v1/workers", params=params, headers=files.api.auth("admin", "00")
        )
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [files.anh, files.mai, files.dao, files.an]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"status": "sailing"}, "query.status.0"),
        ({"limit": 0}, "query.limit"),
        ({"province": "1"}, "query.province"),
    ],
)
async def test_a_bad_query_parameter_is_a_422_naming_it(
    files: Files, params: dict[str, Any], field: str
) -> None:
    response = await files.api.client.get(
        "/v1/workers", params=params, headers=files.api.auth("admin", "00")
    )
    assert_invalid(response, field)


async def test_a_rebuild_from_the_event_store_gives_the_same_read_model(files: Files) -> None:
    query = f"select * from {files.api.schema}.worker_list order by worker_id"
    before = [dict(r) for r in await files.api.pool.fetch(query)]
    vandalism = f"update {files.api.schema}.worker_list set status = 'x'"
    await files.api.pool.execute(vandalism)
    personal = files.api.personal
    assert await rebuild_worker_list(files.api.pool, files.api.schema, personal) == 4
    assert [dict(r) for r in await files.api.pool.fetch(query)] == before
    assert len(before) == 4
