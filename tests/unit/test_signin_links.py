"""The dashboard's one-time sign-in links: what `lmis up` prints signs in the role and unit it
was asked for, and a link is never an API token."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lmis_cli.launcher import Launcher
from lmis_shared.auth import (
    AuthenticationFailed,
    JwtAuthenticator,
    Role,
    ensure_local_keypair,
    read_signin_link,
)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_lmis_up_prints_a_link_for_the_role_and_unit_asked(tmp_path: Path) -> None:
    launcher = Launcher(tmp_path, load_demo=False, signin="commune_officer:03637")

    lines = launcher._dashboard_lines(8003)

    assert lines[0].strip() == "dashboard  http://127.0.0.1:8003/"
    link = lines[1].split()[-1]
    assert link.startswith("http://127.0.0.1:8003/signin/link?token=")
    _, public = ensure_local_keypair(tmp_path / "keys")
    grant = await read_signin_link(token_of(link), public, issuer="lmis-embedded", audience="lmis")
    assert grant.principal.role == Role.COMMUNE_OFFICER
    assert grant.principal.scope == "03637"
    assert grant.link_id


async def test_a_link_does_not_pass_as_an_api_token(tmp_path: Path) -> None:
    link = Launcher(tmp_path, load_demo=False)._dashboard_lines(8003)[1].split()[-1]
    _, public = ensure_local_keypair(tmp_path / "keys")
    api = JwtAuthenticator.from_public_key_file(public, issuer="lmis-embedded", audience="lmis")

    with pytest.raises(AuthenticationFailed):
        await api.authenticate(token_of(link))
