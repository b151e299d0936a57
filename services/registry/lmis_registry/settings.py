"""The registry's settings: the common ones plus its own, prefixed `LMIS_REGISTRY_`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lmis_shared.lookup_keys import DEVELOPMENT_LOOKUP_KEY, MIN_LOOKUP_KEY_LENGTH, lookup_secret
from lmis_shared.settings import ServiceSettings

__all__ = ["DEVELOPMENT_LOOKUP_KEY", "MIN_LOOKUP_KEY_LENGTH", "RegistrySettings"]


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REGISTRY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8001
    schema_name: str = "registry"
    lookup_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_LOOKUP_KEY),
        description="HMAC key of citizen-ID lookups (one open file per citizen); "
        "the development default is refused outside embedded mode",
    )

    def lookup_secret(self, mode: str) -> bytes:
        """The lookup key for a process running in `mode` ("embedded" or "production")."""
        return lookup_secret(self.lookup_key, mode, "LMIS_REGISTRY_LOOKUP_KEY")
