"""Outside embedded mode a process refuses to start on a default that serves embedded mode only
(the database, broker and token issuer `lmis up` runs on this machine): a production process
left without its address would otherwise talk to localhost, or accept the wrong tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from pydantic import ValidationError

from lmis_shared.settings import CommonSettings, required_outside_embedded

PRODUCTION = {
    "database_url": "postgresql://lmis_registry@db.example:5432/lmis",
    "kafka_bootstrap": "kafka.example:9092",
    "jwt_jwks_url": "https://sso.example/certs",
    "jwt_issuer": "https://sso.example/realms/lmis",
}
VARIABLES = {
    "database_url": "LMIS_DATABASE_URL",
    "kafka_bootstrap": "LMIS_KAFKA_BOOTSTRAP",
    "jwt_jwks_url": "LMIS_JWT_JWKS_URL",
    "jwt_issuer": "LMIS_JWT_ISSUER",
}


def production(**values: Any) -> CommonSettings:
    return CommonSettings.model_validate({"mode": "production", **values})


def test_production_starts_with_every_address_given() -> None:
    settings = production(**PRODUCTION)
    assert settings.database_url == PRODUCTION["database_url"]


@pytest.mark.parametrize("field", sorted(PRODUCTION))
def test_production_refuses_an_embedded_default_and_names_its_variable(field: str) -> None:
    given = {k: v for k, v in PRODUCTION.items() if k != field}
    with pytest.raises(ValidationError, match=VARIABLES[field]) as refused:
        production(**given)
    assert "LMIS_MODE=production" in str(refused.value)
    for other in given:  # only what is missing is named
        if other != "jwt_jwks_url":  # the key group names both of its variables
            assert VARIABLES[other] not in str(refused.value)


def test_a_value_equal_to_the_embedded_default_counts_as_given() -> None:
    # e.g. a broker that really listens on 127.0.0.1:9092 beside the process (a sidecar)
    production(**PRODUCTION | {"kafka_bootstrap": "127.0.0.1:9092"})


def test_either_token_key_source_is_enough(tmp_path: Path) -> None:
    without_url = {k: v for k, v in PRODUCTION.items() if k != "jwt_jwks_url"}
    production(**without_url, jwt_public_key_file=tmp_path / "jwt.pub")
    with pytest.raises(ValidationError, match="LMIS_JWT_PUBLIC_KEY_FILE or LMIS_JWT_JWKS_URL"):
        production(**without_url)


def test_the_variables_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMIS_MODE", "production")
    for field, value in PRODUCTION.items():
        monkeypatch.setenv(VARIABLES[field], str(value))
    assert CommonSettings().kafka_bootstrap == PRODUCTION["kafka_bootstrap"]
    monkeypatch.delenv("LMIS_DATABASE_URL")
    with pytest.raises(ValidationError, match="LMIS_DATABASE_URL"):
        CommonSettings()


def test_embedded_mode_keeps_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMIS_MODE", raising=False)
    monkeypatch.delenv("LMIS_DATABASE_URL", raising=False)
    assert CommonSettings().database_url.startswith("postgresql://postgres@127.0.0.1")


def test_what_is_refused_is_what_the_deployments_must_provide() -> None:
    # the deployment tests derive their requirements from the same marks
    required = {v for group in required_outside_embedded(CommonSettings) for v in group}
    assert set(VARIABLES.values()) <= required


def test_the_password_joins_the_dsn_quoted_and_only_when_given() -> None:
    # a Kubernetes pod gets the DSN (an address, with its role) and the role's password apart
    password = "p@ss:w/rd?#%"
    settings = production(**PRODUCTION, database_password=password)
    dsn = urlsplit(settings.database_dsn())
    assert (dsn.username, unquote(dsn.password or "")) == ("lmis_registry", password)
    assert (dsn.hostname, dsn.port, dsn.path) == ("db.example", 5432, "/lmis")
    assert production(**PRODUCTION).database_dsn() == PRODUCTION["database_url"]
    assert password not in repr(settings)
