"""The registry's settings: the common ones plus its own, prefixed `LMIS_REGISTRY_`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_LOOKUP_KEY = "lmis-development-lookup-key-not-for-production"
MIN_LOOKUP_KEY_LENGTH = 32


class RegistrySettings(BaseSettings):
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
        key = self.lookup_key.get_secret_value()
        if mode != "embedded" and (
            key == DEVELOPMENT_LOOKUP_KEY or len(key) < MIN_LOOKUP_KEY_LENGTH
        ):
            raise ValueError(
                "LMIS_REGISTRY_LOOKUP_KEY must be set to a secret of at least "
                f"{MIN_LOOKUP_KEY_LENGTH} characters outside embedded mode"
            )
        return key.encode()
