"""Administrative units in the real PostgreSQL: both hierarchies loaded, listed in Vietnamese
order, rolled up through the closure table, and loaded once however often migration runs."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator

import asyncpg
import pytest

from lmis_reporting.adapters.units import PostgresUnits, UnitSource, migrate_units
from lmis_reporting.bootstrap import migrate
from lmis_reporting.domain.units import Hierarchy, Unit, unit_sort_key
from lmis_shared.sql import in_schema
from tests.conftest import unique

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def loaded(database_url: str) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """One schema with both hierarchies, shared by the read-only tests of this module."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    assert pool is not None
    schema = unique("t_units")
    await migrate(pool, schema)
    yield pool, schema
    await pool.execute(f"DROP SCHEMA {schema} CASCADE")
    await pool.close()


@pytest.fixture
async def scratch(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    """A schema of its own for a test that writes, dropped afterwards."""
    yield fresh_schema
    await pg_pool.execute(f"DROP SCHEMA IF EXISTS {fresh_schema} CASCADE")


@pytest.fixture
def units(loaded: tuple[asyncpg.Pool, str]) -> PostgresUnits:
    return PostgresUnits(*loaded)


async def test_the_current_hierarchy_has_34_provinces_and_no_districts(
    units: PostgresUnits, loaded: tuple[asyncpg.Pool, str]
) -> None:
    pool, schema = loaded
    provinces = await units.children("current", None)
    levels = await pool.fetch(
        in_schema(
            "SELECT level, count(*) AS n FROM {s}.units WHERE hierarchy = 'current' GROUP BY 1",
            schema,
        )
    )

    assert len(provinces) == 34
    assert {r["level"]: r["n"] for r in levels}.keys() == {"province", "commune"}
    assert 3000 < {r["level"]: r["n"] for r in levels}["commune"] < 3500


async def test_the_legacy_hierarchy_has_63_provinces_about_700_districts_and_10000_communes(
    units: PostgresUnits, loaded: tuple[asyncpg.Pool, str]
) -> None:
    pool, schema = loaded
    counts = await pool.fetch(
        in_schema(
            "SELECT level, count(*) AS n FROM {s}.units WHERE hierarchy = 'legacy' GROUP BY 1",
            schema,
        )
    )

    assert len(await units.children("legacy", None)) == 63
    assert {r["level"]: r["n"] for r in counts} == {
        "province": 63,
        "district": 696,
        "commune": 10051,
    }


async def test_lai_chau_is_12_in_both_hierarchies_with_its_communes(units: PostgresUnits) -> None:
    current = await units.get("current", "12")
    legacy = await units.get("legacy", "12")
    communes = await units.children("current", "12")

    assert current is not None
    assert current.name == "Lai Châu"
    assert legacy is not None
    assert legacy.name == "Tỉnh Lai Châu"
    assert len(communes) == 38
    assert {u.level for u in communes} == {"commune"}
    assert Unit("03637", "Xã Mường Kim", "commune", "12", "current", "12") in communes


async def test_in_the_legacy_hierarchy_lai_chau_has_districts_and_they_have_communes(
    units: PostgresUnits,
) -> None:
    districts = await units.children("legacy", "12")
    tam_duong = next(d for d in districts if d.name == "Huyện Tam Đường")
    communes = await units.children("legacy", tam_duong.code)

    assert len(districts) == 8
    assert {d.level for d in districts} == {"district"}
    assert len(communes) == 13
    assert {c.province_code for c in communes} == {"12"}
    assert "Thị trấn Tam Đường" in [c.name for c in communes]


async def test_children_come_in_vietnamese_order_d_then_d_with_stroke_then_e(
    units: PostgresUnits,
) -> None:
    names = [u.name for u in await units.children("current", "66")]  # Đắk Lắk

    assert names == sorted(names, key=unit_sort_key)
    last_d = max(i for i, n in enumerate(names) if n in ("Xã Dur Kmăl", "Xã Dray Bhăng"))
    first_dd = names.index("Xã Đắk Liêng")
    first_e = names.index("Xã Ea Bá")
    assert last_d < first_dd < first_e


async def test_names_are_kept_in_nfc(loaded: tuple[asyncpg.Pool, str]) -> None:
    pool, schema = loaded
    names = [r["name"] for r in await pool.fetch(in_schema("SELECT name FROM {s}.units", schema))]

    assert all(unicodedata.is_normalized("NFC", n) for n in names)


async def test_a_province_rolls_up_every_commune_at_any_depth(units: PostgresUnits) -> None:
    current = await units.descendant_codes("current", "12")
    legacy = await units.descendant_codes("legacy", "12")
    everything = await units.descendant_codes("legacy", "12", level=None)

    assert len(current) == 38
    assert "03637" in current
    assert len(legacy) == 106
    assert len(everything) == 1 + 8 + 106  # the province, its districts, their communes
    assert await units.descendant_codes("current", "03637") == ["03637"]


async def test_a_legacy_commune_has_its_province_and_district_above_it(
    units: PostgresUnits,
) -> None:
    above = await units.ancestors("legacy", "03390")  # Thị trấn Tam Đường

    assert [(u.code, u.level) for u in above] == [("12", "province"), ("106", "district")]


async def test_migrating_again_loads_nothing_and_changes_nothing(
    loaded: tuple[asyncpg.Pool, str],
) -> None:
    pool, schema = loaded
    before = await pool.fetch(
        in_schema("SELECT hierarchy, loaded_at FROM {s}.unit_sources ORDER BY 1", schema)
    )

    reloaded = await migrate_units(pool, schema)

    after = await pool.fetch(
        in_schema("SELECT hierarchy, loaded_at FROM {s}.unit_sources ORDER BY 1", schema)
    )
    assert reloaded == []
    assert after == before
    assert await pool.fetchval(in_schema("SELECT count(*) FROM {s}.units", schema)) == 3355 + 10810


def tiny_source(version: str, name: str, hierarchy: Hierarchy = "current") -> UnitSource:
    def read() -> list[Unit]:
        return [
            Unit("12", name, "province", None, hierarchy, "12"),
            Unit("03637", "Xã Mường Kim", "commune", "12", hierarchy, "12"),
        ]

    return UnitSource(hierarchy, version, read)


async def test_a_new_version_of_the_data_replaces_that_hierarchy_only(
    pg_pool: asyncpg.Pool, scratch: str
) -> None:
    legacy = tiny_source("v1", "Tỉnh Lai Châu", "legacy")
    await migrate_units(pg_pool, scratch, [tiny_source("v1", "Lai Châu"), legacy])

    reloaded = await migrate_units(pg_pool, scratch, [tiny_source("v2", "Lai Châu (2)"), legacy])

    units = PostgresUnits(pg_pool, scratch)
    assert reloaded == ["current"]
    assert [u.name for u in await units.children("current", None)] == ["Lai Châu (2)"]
    assert await units.descendant_codes("current", "12") == ["03637"]
    assert [u.name for u in await units.children("legacy", None)] == ["Tỉnh Lai Châu"]


async def test_migrations_started_together_load_the_data_once(
    pg_pool: asyncpg.Pool, scratch: str
) -> None:
    schema = scratch

    results = await asyncio.gather(
        *(migrate_units(pg_pool, schema, [tiny_source("v1", "Lai Châu")]) for _ in range(3))
    )

    assert sorted(results) == [[], [], ["current"]]
    assert await pg_pool.fetchval(in_schema("SELECT count(*) FROM {s}.units", schema)) == 2
