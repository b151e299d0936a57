"""`lmis privacy`: sealing a store written in clear (once, checked, idempotent), and erasing the
files whose retention period has passed (listed first, never without an actor)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app
from lmis_permits.bootstrap import migrate as migrate_permits
from lmis_registry.bootstrap import migrate as migrate_registry
from lmis_registry.settings import RegistrySettings
from lmis_shared.contracts import registry as r
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.privacy.migrate import seal_clear_events
from lmis_shared.privacy.postgres import personal_data
from lmis_shared.settings import CommonSettings
from tests.conftest import unique

pytestmark = pytest.mark.integration

LONG_AGO = datetime(2010, 5, 1, 8, 0, tzinfo=UTC)
PEOPLE = [
    r.Person(
        full_name=f"Hà Thị Lan {n}", date_of_birth=date(1990, 1, n), citizen_id=f"0121900{n:05d}"
    )
    for n in range(1, 4)
]


async def _clear_store(pool: asyncpg.Pool, schema: str) -> list[uuid.UUID]:
    """A registry store as it was before sealing: three closed files, personal data in clear."""
    await migrate_registry(pool, schema)
    clear = PostgresEventStore(pool, schema)  # no PersonalData: nothing is sealed
    ids = []
    for person in PEOPLE:
        stream = uuid.uuid4()
        registered = r.WorkerRegistered(
            person=person,
            sex=r.Sex.female,
            ethnicity="01",
            commune_code="03637",
            province_code="12",
            registered_on=date(2009, 1, 5),
        )
        withdrawn = r.WorkerWithdrawn(
            withdrawn_on=date(2010, 4, 30), reason=r.WithdrawalReason.failed_exam
        )
        ctx = AppendContext("officer-1", uuid.uuid4(), None, None, "/lmis/registry", LONG_AGO)
        events = [NewEvent(event_id=uuid.uuid4(), payload=e) for e in (registered, withdrawn)]
        await clear.append(stream, "worker", 0, events, ctx)
        ids.append(stream)
    return ids


async def _command_line_on(
    pool: asyncpg.Pool,
    database_url: str,
    registry_schema: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """`lmis` pointed at the test's registry schema and a fresh permits one (returned)."""
    permits_schema = unique("t_privacy_permits")
    await migrate_permits(pool, permits_schema)
    for name, value in {
        "LMIS_DATABASE_URL": database_url,
        "LMIS_DATA_DIR": str(data_dir),
        "LMIS_OTEL_EXPORTER": "none",
        "LMIS_REGISTRY_SCHEMA_NAME": registry_schema,
        "LMIS_PERMITS_SCHEMA_NAME": permits_schema,
    }.items():
        monkeypatch.setenv(name, value)
    return permits_schema


async def _events_text(pool: asyncpg.Pool, schema: str) -> str:
    rows = await pool.fetch(f'select to_jsonb(e)::text from "{schema}".events e')
    return "\n".join(row[0] for row in rows)


async def test_migrate_seals_clear_events_once_and_they_read_back(
    pg_pool: asyncpg.Pool, fresh_schema: str, tmp_path: Path
) -> None:
    ids = await _clear_store(pg_pool, fresh_schema)
    assert PEOPLE[0].citizen_id in await _events_text(pg_pool, fresh_schema)
    common = CommonSettings(data_dir=tmp_path)
    personal = personal_data(RegistrySettings(schema_name=fresh_schema), common)

    first = await seal_clear_events(pg_pool, fresh_schema, personal)
    again = await seal_clear_events(pg_pool, fresh_schema, personal)

    assert (first.streams, first.events) == (3, 3)
    assert (again.streams, again.events) == (0, 0)
    text = await _events_text(pg_pool, fresh_schema)
    assert not [p for p in PEOPLE if p.citizen_id in text or p.full_name in text]
    assert await pg_pool.fetchval(f'select count(*) from "{fresh_schema}".events') == 6
    store = PostgresEventStore(pg_pool, fresh_schema, personal)
    for stream, person in zip(ids, PEOPLE, strict=True):
        registered = (await store.read_stream(stream))[0].payload()
        assert isinstance(registered, r.WorkerRegistered)
        assert registered.person == person


async def test_the_store_stays_append_only_outside_the_migration(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    await _clear_store(pg_pool, fresh_schema)
    update = f"update \"{fresh_schema}\".events set data = '{{}}'::jsonb"
    with pytest.raises(asyncpg.RestrictViolationError):
        await pg_pool.execute(update)
    async with pg_pool.acquire() as conn, conn.transaction():
        await conn.execute("select set_config('lmis.seal_personal_data', 'on', true)")
        with pytest.raises(asyncpg.RestrictViolationError):  # the data only, even then
            await conn.execute(f"update \"{fresh_schema}\".events set actor = 'someone'")
    with pytest.raises(asyncpg.RestrictViolationError):
        await pg_pool.execute(f'delete from "{fresh_schema}".events')


async def test_files_past_retention_are_listed_then_erased_by_a_named_actor(
    pg_pool: asyncpg.Pool,
    database_url: str,
    fresh_schema: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = await _clear_store(pg_pool, fresh_schema)
    permits_schema = await _command_line_on(
        pg_pool, database_url, fresh_schema, tmp_path, monkeypatch
    )

    def lmis(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["privacy", *args])
        return result.exit_code, result.output

    assert (await asyncio.to_thread(lmis, "migrate"))[0] == 0
    code, listed = await asyncio.to_thread(lmis, "due")
    assert code == 0, listed
    assert {str(i) for i in ids} <= {w for line in listed.splitlines() for w in line.split()}
    assert "3 files due" in listed

    code, _ = await asyncio.to_thread(lmis, "erase", "--due", "--basis", "retention ended")
    assert code != 0  # no actor, nothing erased
    code, out = await asyncio.to_thread(
        lmis, "erase", "--due", "--actor", "dpo-1", "--basis", "Luật 91/2025/QH15: hết hạn lưu"
    )
    assert (code, out.strip()) == (0, "erased 3 files")

    assert "0 files due" in (await asyncio.to_thread(lmis, "due"))[1]
    erased = await pg_pool.fetch(f'select erased_by, wrapped_key from "{fresh_schema}".person_keys')
    assert [(e["erased_by"], e["wrapped_key"]) for e in erased] == [("dpo-1", None)] * 3
    actors = await pg_pool.fetch(
        f'select actor from "{fresh_schema}".events where event_type = $1',
        r.WorkerErased.event_type,
    )
    assert [a["actor"] for a in actors] == ["dpo-1"] * 3
    await pg_pool.execute(f'drop schema "{permits_schema}" cascade')


async def test_rotating_the_master_key_keeps_every_file_readable_with_the_new_key_alone(
    pg_pool: asyncpg.Pool,
    database_url: str,
    fresh_schema: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = await _clear_store(pg_pool, fresh_schema)
    permits_schema = await _command_line_on(
        pg_pool, database_url, fresh_schema, tmp_path, monkeypatch
    )
    runner = CliRunner()
    assert (await asyncio.to_thread(runner.invoke, app, ["privacy", "migrate"])).exit_code == 0

    new_key = "a-new-master-key-secret-of-more-than-32-characters"
    old_file = tmp_path / "keys" / "master.key"
    monkeypatch.setenv("LMIS_REGISTRY_MASTER_KEY", new_key)
    monkeypatch.setenv("LMIS_REGISTRY_PREVIOUS_MASTER_KEY_FILES", f'["{old_file}"]')
    rotated = await asyncio.to_thread(runner.invoke, app, ["privacy", "rotate-master-key"])
    assert "registry: 3 data keys re-wrapped" in rotated.output, rotated.output

    settings = RegistrySettings(schema_name=fresh_schema, master_key=new_key)  # no old key
    store = PostgresEventStore(
        pg_pool, fresh_schema, personal_data(settings, CommonSettings(data_dir=tmp_path))
    )
    for stream, person in zip(ids, PEOPLE, strict=True):
        registered = (await store.read_stream(stream))[0].payload()
        assert isinstance(registered, r.WorkerRegistered)
        assert registered.person == person
    await pg_pool.execute(f'drop schema "{permits_schema}" cascade')
