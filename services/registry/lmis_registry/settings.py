"""The registry's settings: the common ones plus its own, prefixed `LMIS_REGISTRY_`."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REGISTRY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8001
    schema_name: str = "registry"
