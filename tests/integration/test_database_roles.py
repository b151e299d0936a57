"""One database role per service, rights on its own schema only; the owner migrates.

A database laid out as production's (`database_roles.py`) is migrated by the real `lmis
migrate` as the owner `lmis`; then each service's role is tried directly on the real
PostgreSQL: it reads and writes its own schema, cannot read or write another service's, cannot
change any schema nor any event (append-only, whoever asks); reporting's and notify's roles
read the event tables their rebuilds replay (reporting's include notify's, whose alerts it
counts), and each `lmis rebuild` runs as its role.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app
from lmis_cli.services import SERVICES, settings_of
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.processing import POSITIONS_MIGRATION
from tests.conftest import unique
from tests.integration.database_roles import (
    OWNER,
    SERVICE_ROLES,
    create_database_with_roles,
    drop_database,
    url_as,
)


class Database:
    def __init__(self, admin_url: str, name: str) -> None:
        self.admin_url = admin_url
        self.name = name

    def url(self, role: str) -> str:
        return url_as(self.admin_url, role, self.name)

    def lmis(self, role: str, *args: str) -> str:
        result = CliRunner().invoke(app, list(args), env={"LMIS_DATABASE_URL": self.url(role)})
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[Database]:
    name, _ = asyncio.run(create_database_with_roles(database_url))
    db = Database(database_url, name)
    migrated = db.lmis(OWNER, "migrate")
    for service, role in SERVICE_ROLES.items():
        assert f"granted {service} to {role}" in migrated
    yield db
    asyncio.run(drop_database(database_url, name))


class RolledBack(Exception):
    """Raised to end a transaction whose writes the test only needed to try."""


async def _as(database: Database, role: str, *statements: str) -> list[object]:
    """Run `statements` as `role` in one transaction, rolled back; returns each one's first
    value (or the error it raised, which ends the transaction)."""
    conn = await asyncpg.connect(database.url(role))
    results: list[object] = []
    try:
        async with conn.transaction():
            for statement in statements:
                try:
                    results.append(await conn.fetchval(statement))
                except asyncpg.PostgresError as error:
                    results.append(error)
                    break
            raise RolledBack
    except RolledBack:
        pass
    finally:
        await conn.close()
    return results


def _insert_event(schema: str) -> str:
    values = [
        f"'{uuid.uuid4()}'", "'test.tried'", f"'{uuid.uuid4()}'", "'test'", "1",
        f"'{json.dumps({'tried': True})}'", f"'{datetime.now(UTC).isoformat()}'",
        "'officer-1'", f"'{uuid.uuid4()}'", "'test'",
    ]  # fmt: skip
    return (
        f"insert into {schema}.events (event_id, event_type, stream_id, stream_type, version,"
        " data, recorded_at, actor, correlation_id, source)"
        f" values ({', '.join(values)}) returning seq"
    )


def _schema(service: str) -> str:
    return settings_of(service).schema_name


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_service_role_reads_and_writes_its_own_schema(database: Database, service: str) -> None:
    s = _schema(service)
    results = asyncio.run(
        _as(
            database,
            SERVICE_ROLES[service],
            _insert_event(s),
            f"select count(*) from {s}.events",
            f"insert into {s}.idempotency values ('k', 'f', 201, '{{}}', now()) returning 1",
            f"delete from {s}.idempotency where key = 'k' returning 1",
        )
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[1] == 1


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_service_role_cannot_read_or_write_another_services_tables(
    database: Database, service: str
) -> None:
    role = SERVICE_ROLES[service]
    readable_events = set(settings_of(service).event_sources())
    for other in SERVICES:
        if other == service:
            continue
        s = _schema(other)
        tries = [_insert_event(s), f"select count(*) from {s}.idempotency"]
        if other not in readable_events:
            tries.append(f"select count(*) from {s}.events")
        for statement in tries:
            [result] = asyncio.run(_as(database, role, statement))
            assert isinstance(result, asyncpg.InsufficientPrivilegeError), (role, statement)


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_service_role_may_change_a_schema(database: Database, service: str) -> None:
    s = _schema(service)
    for statement in (f"create table {s}.intruder (x int)", f"drop table {s}.idempotency"):
        [result] = asyncio.run(_as(database, SERVICE_ROLES[service], statement))
        assert isinstance(result, asyncpg.InsufficientPrivilegeError), statement


@pytest.mark.parametrize("change", ["update {s}.events set actor = 'x'", "delete from {s}.events"])
def test_events_stay_append_only_for_the_services_role(database: Database, change: str) -> None:
    s = _schema("registry")
    inserted, refused = asyncio.run(
        _as(database, SERVICE_ROLES["registry"], _insert_event(s), change.format(s=s))
    )
    assert isinstance(inserted, int)
    assert isinstance(refused, asyncpg.RestrictViolationError)


def test_reporting_and_notify_read_exactly_the_event_tables_their_rebuilds_replay(
    database: Database,
) -> None:
    for service in ("reporting", "notify"):
        sources = settings_of(service).event_sources()
        assert sources, f"{service} replays other services' events"
        for source in sources:
            s = _schema(source)
            [count] = asyncio.run(
                _as(database, SERVICE_ROLES[service], f"select count(*) from {s}.events")
            )
            assert count == 0, (service, source, count)


def test_reporting_counts_notifys_alerts_from_its_events_not_from_its_alert_list(
    database: Database,
) -> None:
    notify = _schema("notify")
    assert "notify" in settings_of("reporting").event_sources()
    events, alert_list = asyncio.run(
        _as(
            database,
            SERVICE_ROLES["reporting"],
            f"select count(*) from {notify}.events where stream_type = 'alert'",
            f"select count(*) from {notify}.alerts",
        )
    )
    assert events == 0
    assert isinstance(alert_list, asyncpg.InsufficientPrivilegeError)


def test_notify_reads_the_producers_data_keys_and_no_other_table_of_theirs(
    database: Database,
) -> None:
    # the feeds' key grant: SELECT on registry's and permits' person_keys, nothing more
    notify = SERVICE_ROLES["notify"]
    sources = settings_of("notify").key_sources()
    assert sources == ["registry", "permits"]
    for source in sources:
        s = _schema(source)
        [listed] = asyncio.run(
            _as(
                database,
                OWNER,
                "select string_agg(table_name, ',') from information_schema.tables"
                f" where table_schema = '{s}' and table_type = 'BASE TABLE'",
            )
        )
        others = set(str(listed).split(",")) - {"person_keys", "events"}
        assert {"idempotency", "access_log"} <= others, others
        [count] = asyncio.run(_as(database, notify, f"select count(*) from {s}.person_keys"))
        assert count == 0, (source, count)
        tries = [f"select count(*) from {s}.{t}" for t in sorted(others)]
        tries += [f"delete from {s}.person_keys", f"update {s}.person_keys set wrapped_key = null"]
        for statement in tries:
            [result] = asyncio.run(_as(database, notify, statement))
            assert isinstance(result, asyncpg.InsufficientPrivilegeError), statement
    # no other service is granted a producer's keys
    for service, role in SERVICE_ROLES.items():
        for source in sources:
            if service in ("notify", source):
                continue
            statement = f"select count(*) from {_schema(source)}.person_keys"
            [result] = asyncio.run(_as(database, role, statement))
            assert isinstance(result, asyncpg.InsufficientPrivilegeError), (role, statement)


@pytest.mark.parametrize("service", [n for n, d in SERVICES.items() if d.rebuild])
def test_lmis_rebuild_runs_as_the_services_role(database: Database, service: str) -> None:
    assert service in database.lmis(SERVICE_ROLES[service], "rebuild", service)


async def _start_up_checks(url: str, migrations: list[Migration]) -> list[str]:
    pool = await create_pool(url)
    try:
        return await apply_migrations(pool, "notify", migrations)
    finally:
        await pool.close()


def test_a_processes_start_up_check_of_its_tables_needs_no_ddl_once_migrated(
    database: Database,
) -> None:
    # the relay and the processors apply their migrations at start, as their service's role
    url = database.url(SERVICE_ROLES["notify"])
    assert asyncio.run(_start_up_checks(url, [POSITIONS_MIGRATION, *MIGRATIONS])) == []
    # a migration `lmis migrate` has not applied yet is the owner's to run
    newer = Migration("notify/9999_not_yet.sql", "create table not_yet (x int)")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(_start_up_checks(url, [newer]))


def test_outside_embedded_mode_migrate_fails_while_a_services_role_is_missing(
    database: Database,
) -> None:
    # a schema whose role nobody created (lmis_<schema>), e.g. before the operator made it
    schema = unique("t")
    env = {
        "LMIS_MODE": "production",
        "LMIS_DATABASE_URL": database.url(OWNER),
        "LMIS_KAFKA_BOOTSTRAP": "kafka.example:9092",
        "LMIS_JWT_JWKS_URL": "https://sso.example/certs",
        "LMIS_JWT_ISSUER": "https://sso.example/realms/lmis",
        "LMIS_NOTIFY_SCHEMA_NAME": schema,
    }
    result = CliRunner().invoke(app, ["migrate"], env=env)
    assert result.exit_code == 1
    assert f"no role lmis_{schema} in the database" in result.output
    assert "granted registry to lmis_registry" in result.output  # the others' are done
