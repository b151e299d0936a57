"""`lmis migrate --check` tells whether the database is at this code's version, changing nothing.

What every LMIS pod's init container runs before it serves (deploy/base/wait-for-schema.yaml):
non-zero on an empty database, on a schema missing one script and on data of another version,
0 once `lmis migrate` has run; `--wait` returns as soon as a migration running beside it ends.
Each test has a database of its own on the real PostgreSQL, since `lmis migrate` creates the
services' schemas under their production names.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from click.testing import Result
from typer.testing import CliRunner

from lmis_cli.embedded import free_port
from lmis_cli.main import app
from lmis_cli.services import SERVICES
from tests.integration.database_roles import (
    OWNER,
    SERVICE_ROLES,
    create_database_with_roles,
    drop_database,
    url_as,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def empty_database(database_url: str, pg_pool: asyncpg.Pool) -> AsyncIterator[str]:
    name = f"migrate_{secrets.token_hex(4)}"
    await pg_pool.execute(f'create database "{name}"')
    yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    await pg_pool.execute(f'drop database "{name}" with (force)')


def _lmis(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"LMIS_DATABASE_URL": database_url})


def test_an_empty_database_is_not_migrated_and_stays_empty(empty_database: str) -> None:
    result = _lmis(empty_database, "migrate", "--check")

    assert result.exit_code == 1, result.output
    for name in SERVICES:
        assert f"{name}: schema {name} lacks eventstore/0001_" in result.output
    schemas = asyncio.run(_fetch(empty_database, "select nspname from pg_namespace"))
    assert not set(SERVICES) & {row["nspname"] for row in schemas}  # nothing was created


def test_after_migrate_every_schema_is_at_this_codes_version(empty_database: str) -> None:
    assert _lmis(empty_database, "migrate").exit_code == 0

    result = _lmis(empty_database, "migrate", "--check")

    assert result.exit_code == 0, result.output
    assert f"up to date: {', '.join(SERVICES)}" in result.output


def test_a_script_not_applied_or_data_of_another_version_is_found(empty_database: str) -> None:
    assert _lmis(empty_database, "migrate").exit_code == 0
    [dropped] = asyncio.run(
        _fetch(
            empty_database,
            "delete from registry.schema_migrations"
            " where name = (select max(name) from registry.schema_migrations)"
            " returning name, checksum",
        )
    )
    asyncio.run(_fetch(empty_database, "update reporting.unit_sources set version = 'older'"))

    result = _lmis(empty_database, "migrate", "--check")

    assert result.exit_code == 1, result.output
    assert f"registry: schema registry lacks {dropped['name']}\n" in result.output
    assert "reporting: schema reporting lacks units/" in result.output
    assert "permits" not in result.output
    assert "notify" not in result.output
    # only the services asked about
    assert _lmis(empty_database, "migrate", "--check", "permits", "notify").exit_code == 0
    # `lmis migrate` loads the units of this version (the script is put back as it was: run
    # again on its own tables it would fail, as it should)
    asyncio.run(
        _fetch(
            empty_database,
            "insert into registry.schema_migrations (name, checksum)"
            f" values ('{dropped['name']}', '{dropped['checksum']}')",
        )
    )
    assert _lmis(empty_database, "migrate").exit_code == 0
    assert _lmis(empty_database, "migrate", "--check").exit_code == 0


def test_waiting_ends_when_the_migration_beside_it_has_run(empty_database: str) -> None:
    # a process of its own, as in the init container (the CLI runner is not thread-safe)
    waiting = subprocess.Popen(
        [sys.executable, "-m", "lmis_cli", "migrate", "--check", "--wait", "120"],
        env={**os.environ, "LMIS_DATABASE_URL": empty_database},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _lmis(empty_database, "migrate").exit_code == 0
        output, _ = waiting.communicate(timeout=150)  # a bound on the wait, not on speed
    finally:
        waiting.kill()

    assert waiting.returncode == 0, output.decode()
    assert b"up to date" in output


def test_a_services_role_waits_for_its_schema_migrated_and_granted(database_url: str) -> None:
    # as in Kubernetes: the init container logs in as its service's role, `lmis migrate` as
    # the owner, which creates the schemas and then grants each role its own
    name, _ = asyncio.run(create_database_with_roles(database_url))
    try:
        as_registry = url_as(database_url, SERVICE_ROLES["registry"], name)
        assert _lmis(as_registry, "migrate", "--check", "registry").exit_code == 1
        assert _lmis(url_as(database_url, OWNER, name), "migrate").exit_code == 0

        result = _lmis(as_registry, "migrate", "--check", "registry")

        assert result.exit_code == 0, result.output
        # another service's schema is not the registry's to read
        other = _lmis(as_registry, "migrate", "--check", "permits")
        assert other.exit_code == 1
        assert other.output.startswith("permits: ")
    finally:
        asyncio.run(drop_database(database_url, name))


def test_an_unreachable_database_is_not_migrated() -> None:
    result = _lmis(f"postgresql://lmis@127.0.0.1:{free_port()}/lmis", "migrate", "--check")

    assert result.exit_code == 1
    assert "database unreachable" in result.output


def test_an_unknown_service_is_refused(empty_database: str) -> None:
    result = _lmis(empty_database, "migrate", "--check", "payroll")

    assert result.exit_code == 2
    assert "unknown service 'payroll'" in result.output
    # naming services is for checking: a migration always brings every schema up
    assert _lmis(empty_database, "migrate", "registry").exit_code == 2


async def _fetch(database_url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()
