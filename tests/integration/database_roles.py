"""A database laid out as production's: owned by `lmis` (CloudNativePG's application owner,
deploy/base/postgres-cluster.yaml), with one login role per service (`managed.roles` there,
deploy/postgres-init/ in compose), on the test's real PostgreSQL.

Roles are cluster-wide and named as in the manifests, so they are created if absent and
shared by the tests of a run; each database is the test's own.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from lmis_cli.services import SERVICES, settings_of

OWNER = "lmis"
SERVICE_ROLES = {name: settings_of(name).database_role for name in SERVICES}


async def create_database_with_roles(admin_url: str) -> tuple[str, dict[str, str]]:
    """A new database owned by `lmis`, every service's role ready; returns its name and each
    role's (new) password."""
    name = f"roles_{secrets.token_hex(4)}"
    passwords: dict[str, str] = {}
    conn = await asyncpg.connect(admin_url)
    try:
        for role in (OWNER, *SERVICE_ROLES.values()):
            # what CloudNativePG and the compose init script do: a login role with a password
            exists = await conn.fetchval("select 1 from pg_roles where rolname = $1", role)
            if not exists:
                await conn.execute(f'create role "{role}" login')
            passwords[role] = secrets.token_urlsafe(24)
            await conn.execute(f"alter role \"{role}\" password '{passwords[role]}'")
        await conn.execute(f'create database "{name}" owner "{OWNER}"')
    finally:
        await conn.close()
    return name, passwords


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'drop database "{name}" with (force)')
    finally:
        await conn.close()


def url_as(admin_url: str, role: str, database: str) -> str:
    """`admin_url`'s server, as `role` (no password: the test server trusts local logins)."""
    parts = urlsplit(admin_url)
    address = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{address}", path=f"/{database}"))
