"""Signing in to the dashboard: one-time links in embedded mode (refused in production, by the
service and by `lmis signin-link`), the session cookie's attributes, CSRF on the sign-out form,
the same authorisation as the API, and OpenID Connect with PKCE against a provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app as lmis
from lmis_reporting.entrypoints.http import create_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import ensure_local_keypair, signin_link
from lmis_shared.settings import CommonSettings
from tests.integration.apps import (
    AUDIENCE,
    ISSUER,
    app_client,
    served,
    signed_settings,
    signed_token,
)
from tests.integration.oidc_provider import Provider
from tests.integration.reporting_schema import migrated_reporting_schema

pytestmark = pytest.mark.integration

DASHBOARD = "https://dashboard.test"  # the session cookie is Secure: it travels over https


@pytest.fixture(scope="module")
async def schema(database_url: str) -> AsyncIterator[str]:
    async with migrated_reporting_schema(database_url, "t_dash_signin") as name:
        yield name


@pytest.fixture
async def embedded(
    database_url: str, schema: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    common, private = signed_settings(database_url, tmp_path)
    app = create_app(common, ReportingSettings(schema_name=schema, notify_url="http://127.0.0.1:9"))
    async with app_client(app, DASHBOARD) as client:
        yield client, private


def production(database_url: str, public_key: Path, issuer: str, data_dir: Path) -> CommonSettings:
    """Production mode's settings on the test database, trusting `issuer`'s tokens."""
    return CommonSettings(
        mode="production",
        database_url=database_url,
        kafka_bootstrap="127.0.0.1:9",
        jwt_public_key_file=public_key,
        jwt_issuer=issuer,
        jwt_audience=AUDIENCE,
        otel_exporter="none",
        data_dir=data_dir,
    )


def link(private: Path, role: str = "commune_officer", scope: str = "03637") -> str:
    made = signin_link(
        DASHBOARD, private, subject="o-1", role=role, scope=scope, issuer=ISSUER, audience=AUDIENCE
    )
    return made.removeprefix(DASHBOARD)


async def test_a_signin_link_signs_in_once_with_a_locked_down_cookie(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, private = embedded
    once = link(private)

    first = await client.get(once)
    page = await client.get("/")
    again = await httpx.AsyncClient(transport=client._transport, base_url=DASHBOARD).get(once)

    assert first.status_code == 303
    assert first.headers["location"] == "/"
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert page.status_code == 200
    assert "Mường Kim" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert again.status_code == 401
    assert "set-cookie" not in again.headers


async def test_without_a_session_the_dashboard_asks_to_sign_in(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, _ = embedded

    page = await client.get("/")
    figures = await client.get("/figures.json")

    assert page.status_code == 303
    assert page.headers["location"] == "/signin"
    assert figures.status_code == 401


async def test_a_link_is_no_api_token_and_an_api_token_no_link(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, private = embedded
    token = parse_qs(urlsplit(link(private)).query)["token"][0]
    api_token = signed_token(private, "commune_officer", "03637")

    as_bearer = await client.get(
        "/v1/indicators/departed",
        params={"unit": "03637", "period": "2026"},
        headers={"Authorization": f"Bearer {token}"},
    )
    as_link = await client.get("/signin/link", params={"token": api_token})

    assert as_bearer.status_code == 401
    assert as_link.status_code == 401


async def test_signing_out_needs_the_forms_csrf_token(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, private = embedded
    await client.get(link(private))
    page = await client.get("/")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]

    forged = await client.post("/signout", data={"csrf_token": "not-it"})
    still_in = await client.get("/")
    signed_out = await client.post("/signout", data={"csrf_token": csrf})
    after = await client.get("/")

    assert forged.status_code == 403
    assert still_in.status_code == 200
    assert signed_out.status_code == 303
    assert after.status_code == 303
    assert after.headers["location"] == "/signin"


async def test_the_dashboard_refuses_what_the_api_refuses(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, private = embedded
    await client.get(link(private, "commune_officer", "03637"))

    province = await client.get("/", params={"unit": "12"})
    figures = await client.get("/figures.json", params={"unit": "12"})
    neighbour = await client.get("/", params={"unit": "03640"})

    assert province.status_code == 403
    assert figures.status_code == 403
    assert neighbour.status_code == 403


async def test_the_figures_as_of_a_past_day_are_dated_then_and_a_day_to_come_is_refused(
    embedded: tuple[httpx.AsyncClient, Path],
) -> None:
    client, private = embedded
    await client.get(link(private, "commune_officer", "03637"))

    past = await client.get("/figures.json", params={"as_of": "2025-01-01"})
    future = await client.get("/figures.json", params={"as_of": "2999-01-01"})

    assert past.status_code == 200
    assert past.json()["as_of"] == "2025-01-01"
    assert future.status_code == 422


async def test_production_mode_refuses_every_signin_link(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    private, public = ensure_local_keypair(tmp_path / "keys")
    common = production(database_url, public, ISSUER, tmp_path)
    app = create_app(common, ReportingSettings(schema_name=schema))
    async with app_client(app, DASHBOARD) as client:
        answer = await client.get(link(private))

    assert answer.status_code == 404
    assert "set-cookie" not in answer.headers


def test_lmis_signin_link_refuses_in_production_mode() -> None:
    result = CliRunner().invoke(lmis, ["signin-link"], env={"LMIS_MODE": "production"})

    assert result.exit_code == 2
    assert "embedded mode only" in result.output
    assert "http" not in result.output


def test_lmis_signin_link_prints_a_link_in_embedded_mode(tmp_path: Path) -> None:
    env = {"LMIS_MODE": "embedded", "LMIS_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(
        lmis, ["signin-link", "--role", "commune_officer", "--scope", "03637"], env=env
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("http://127.0.0.1:8003/signin/link?token=")


async def test_openid_connect_signs_in_with_pkce(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    private, public = ensure_local_keypair(tmp_path / "keys")
    provider = Provider(private, public)
    with served(provider.app("province_officer", "12")) as issuer:
        provider.issuer = issuer
        common = production(database_url, public, issuer, tmp_path)
        own = ReportingSettings(
            schema_name=schema, oidc_client_id="lmis-dashboard", notify_url="http://127.0.0.1:9"
        )
        async with app_client(create_app(common, own), DASHBOARD) as client:
            start = await client.get("/signin/oidc")
            request = {
                k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()
            }
            code = provider.grant(request)
            back = await client.get(
                "/signin/callback", params={"code": code, "state": request["state"]}
            )
            page = await client.get("/")
            replayed = await client.get(
                "/signin/callback", params={"code": code, "state": request["state"]}
            )

    assert start.headers["location"].startswith(f"{issuer}/authorize?")
    assert request["code_challenge_method"] == "S256"
    assert request["response_type"] == "code"
    assert request["client_id"] == "lmis-dashboard"
    assert len(provider.verifiers_seen) == 1  # the provider checked the verifier once
    assert back.status_code == 303
    assert back.headers["location"] == "/"
    assert page.status_code == 200
    assert "Lai Châu" in page.text
    assert replayed.status_code == 401
