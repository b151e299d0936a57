"""The `lmis` command line: fixed interface that scripts rely on."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app

runner = CliRunner()


def test_token_prints_a_verifiable_token_with_role_and_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMIS_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "--role", "commune_officer", "--scope", "03637"])
    assert result.exit_code == 0, result.output
    public = (tmp_path / "keys" / "jwt.pub").read_bytes()
    claims = jwt.decode(result.output.strip(), public, algorithms=["RS256"], audience="lmis")
    assert (claims["role"], claims["scope"]) == ("commune_officer", "03637")
    assert claims["sub"] == "commune_officer-03637"  # not one subject for every demo token


def test_token_refuses_an_unknown_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMIS_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "--role", "mayor"])
    assert result.exit_code != 0
    assert "role" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["token", "--role", "commune_officer", "--scope", "12"],
        ["token", "--role", "province_officer", "--scope", "03637"],
        ["token", "--scope", "1"],
        ["signin-link", "--role", "commune_officer", "--scope", "12"],
    ],
)
def test_a_scope_that_does_not_fit_the_role_is_refused_in_words(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a traceback from the token signer (as `lmis token` printed before)."""
    monkeypatch.setenv("LMIS_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "unit" in result.output


def test_serving_an_unknown_service_is_refused_with_the_list_of_services() -> None:
    result = runner.invoke(app, ["serve", "payroll"])
    assert result.exit_code != 0
    assert "registry" in result.output


def test_up_refuses_an_as_of_that_is_not_a_date() -> None:
    result = runner.invoke(app, ["up", "--as-of", "next tuesday"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
