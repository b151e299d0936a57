"""What the service apps the integration tests run in-process share: settings that trust the
tokens the test signs, those tokens, a client of an app with its lifespan running, and an app
served over real HTTP (for a browser, or for a client that is not ours)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from lmis_cli.embedded import free_port
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.settings import CommonSettings

ISSUER, AUDIENCE = "lmis-test", "lmis"


def signed_settings(database_url: str, data_dir: Path) -> tuple[CommonSettings, Path]:
    """Settings on the test PostgreSQL whose apps trust the tokens signed with the private key
    returned beside them (a key pair kept in `data_dir`/keys)."""
    private, public = ensure_local_keypair(data_dir / "keys")
    common = CommonSettings(
        database_url=database_url,
        data_dir=data_dir,
        otel_exporter="none",
        jwt_public_key_file=public,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        # tests load plans as one caller as fast as they can; test_request_limits sets its own
        write_rate_per_minute=1e9,
        write_burst=10**9,
        import_rate_per_minute=1e9,
        import_burst=10**9,
    )
    return common, private


def signed_token(private_key: Path, role: str, scope: str, subject: str = "officer-1") -> str:
    """A token the apps of `signed_settings` trust, for half an hour."""
    return issue_token(
        private_key,
        subject=subject,
        role=role,
        scope=scope,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(minutes=30),
    )


def bearer(private_key: Path, role: str, scope: str, subject: str = "officer-1") -> dict[str, str]:
    """The Authorization header of a `signed_token`."""
    return {"Authorization": f"Bearer {signed_token(private_key, role, scope, subject)}"}


@asynccontextmanager
async def app_client(
    app: FastAPI, base_url: str, **client: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """`app` with its lifespan running, and a client that calls it in-process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base_url, **client) as c,
    ):
        yield c


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` on a free port in a thread of its own (lifespan and all); its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
