"""The citizen-lookup key: a development default in embedded mode, a real secret otherwise."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from lmis_registry.settings import DEVELOPMENT_LOOKUP_KEY, RegistrySettings


def test_embedded_mode_may_use_the_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMIS_REGISTRY_LOOKUP_KEY", raising=False)
    assert RegistrySettings().lookup_secret("embedded") == DEVELOPMENT_LOOKUP_KEY.encode()


@pytest.mark.parametrize("key", [DEVELOPMENT_LOOKUP_KEY, "short"])
def test_production_refuses_the_development_key_or_a_short_one(key: str) -> None:
    settings = RegistrySettings(lookup_key=SecretStr(key))
    with pytest.raises(ValueError, match="LMIS_REGISTRY_LOOKUP_KEY"):
        settings.lookup_secret("production")


def test_production_takes_its_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMIS_REGISTRY_LOOKUP_KEY", "k" * 40)
    assert RegistrySettings().lookup_secret("production") == b"k" * 40
