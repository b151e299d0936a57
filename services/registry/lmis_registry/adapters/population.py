"""Which population register the registry asks (`RegistrySettings.population_register`)."""

from __future__ import annotations

from pathlib import Path

from lmis_registry.adapters.population_local import FIXTURE, LocalPopulationRegister
from lmis_registry.adapters.population_national import NationalPopulationRegister
from lmis_registry.application.population import PopulationRegister
from lmis_registry.settings import RegistrySettings
from lmis_shared.settings import CommonSettings


def population_register(
    settings: RegistrySettings, common: CommonSettings
) -> PopulationRegister | None:
    """None (`none`, the default: production never needs the exchange to start), the local
    copy, or the national exchange, which needs its URL, client id and secret (refused at
    start otherwise)."""
    kind = settings.population_register
    if kind == "local":
        extra = settings.population_register_file or local_register_file(common)
        return LocalPopulationRegister(files=(FIXTURE, extra))
    if kind == "national":
        url, client, secret = (
            settings.population_register_url,
            settings.population_register_client_id,
            settings.population_register_secret,
        )
        if url is None or client is None or secret is None:
            raise ValueError(
                "LMIS_REGISTRY_POPULATION_REGISTER=national needs _URL, _CLIENT_ID and _SECRET"
            )
        return NationalPopulationRegister(
            str(url),
            client,
            secret,
            timeout_seconds=settings.population_register_timeout_seconds,
            attempts=settings.population_register_attempts,
        )
    return None


def local_register_file(common: CommonSettings) -> Path:
    """The local register's file that `lmis demo` writes its generated citizens to."""
    return common.data_dir / "population" / "register.csv"
