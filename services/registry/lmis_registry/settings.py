"""The registry's settings: everything it reads from the environment, prefixed
`LMIS_REGISTRY_` (the common ones are `lmis_shared.settings.CommonSettings`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import SettingsConfigDict

from lmis_shared.lookup_keys import DEVELOPMENT_LOOKUP_KEY, MIN_LOOKUP_KEY_LENGTH, lookup_secret
from lmis_shared.settings import PersonalDataSettings

__all__ = ["DEVELOPMENT_LOOKUP_KEY", "MIN_LOOKUP_KEY_LENGTH", "RegistrySettings"]


class RegistrySettings(PersonalDataSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REGISTRY_", extra="ignore")

    port: int = Field(8001, ge=1, le=65535, description="the API's port")
    schema_name: str = Field("registry", description="the PostgreSQL schema the service owns")
    lookup_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_LOOKUP_KEY),
        description="HMAC key of citizen-ID lookups (one open file per citizen); "
        "the development default is refused outside embedded mode",
    )

    # The population register (`application/population.py`): `local` (a CSV copy: what
    # `lmis up` sets), `national` (the national exchange: `adapters/population_national.py`),
    # `none` (the default: no check recorded, identities stay unverified until the commune
    # police confirm them on the ground).
    population_register: Literal["local", "national", "none"] = Field(
        "none", description="local | national | none (`lmis up`: local)"
    )
    population_register_file: Path | None = Field(
        None, description="local register: extra CSV (default <data_dir>/population/register.csv)"
    )
    population_register_url: HttpUrl | None = Field(None, description="national exchange URL")
    population_register_client_id: str | None = Field(None, description="national exchange")
    population_register_secret: SecretStr | None = Field(None, description="national exchange")
    population_register_timeout_seconds: float = Field(5.0, gt=0, le=60)
    population_register_attempts: int = Field(3, ge=1, le=10)

    # Bulk imports prepare their rows in worker processes (`adapters/import_pool.py`),
    # started on the first import: None picks as many as the cores (at most 4; they run
    # niced, below the service's own process), 0 prepares them in the service's process.
    import_processes: int | None = Field(
        None,
        ge=0,
        le=32,
        description="worker processes of bulk imports (0: none; default: the cores, at most 4)",
    )

    def lookup_secret(self, mode: str) -> bytes:
        """The lookup key for a process running in `mode` ("embedded" or "production")."""
        return lookup_secret(self.lookup_key, mode, "LMIS_REGISTRY_LOOKUP_KEY")
