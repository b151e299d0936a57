"""The permits service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its own,
prefixed `LMIS_PERMITS_`. The legal limits are settings because the law changes (domain.md
marks the extension window *(check)*) and provinces differ."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lmis_permits.domain.rules import PermitRules
from lmis_shared.lookup_keys import DEVELOPMENT_LOOKUP_KEY, lookup_secret
from lmis_shared.settings import ServiceSettings


class PermitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_PERMITS_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="where the API listens")
    port: int = Field(default=8002, description="the API's port")
    schema_name: str = Field(default="permits", description="the PostgreSQL schema it owns")
    max_permit_years: int = Field(default=2, ge=1, description="longest work permit")
    max_extension_years: int = Field(default=2, ge=1, description="longest (single) extension")
    max_exemption_years: int = Field(default=2, ge=1, description="longest exemption")
    extension_opens_days_before: int = Field(
        default=45, ge=1, description="first day to apply for an extension, before expiry"
    )
    extension_closes_days_before: int = Field(
        default=5, ge=0, description="last day to apply for an extension, before expiry"
    )
    expiring_within_days: int = Field(
        default=45, ge=0, description="default horizon of the `expiring` permit status"
    )

    lookup_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_LOOKUP_KEY),
        description="HMAC key of passport lookups (import file ids); "
        "the development default is refused outside embedded mode",
    )

    def lookup_secret(self, mode: str) -> bytes:
        return lookup_secret(self.lookup_key, mode, "LMIS_PERMITS_LOOKUP_KEY")

    def rules(self) -> PermitRules:
        return PermitRules(
            max_permit_years=self.max_permit_years,
            max_extension_years=self.max_extension_years,
            max_exemption_years=self.max_exemption_years,
            extension_opens_days_before=self.extension_opens_days_before,
            extension_closes_days_before=self.extension_closes_days_before,
            expiring_within_days=self.expiring_within_days,
        )
