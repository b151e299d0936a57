"""The permits service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its own,
prefixed `LMIS_PERMITS_`. The legal limits are settings because the law changes (domain.md
marks the extension window *(check)*) and provinces differ."""

from __future__ import annotations

from datetime import date

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lmis_permits.domain.rules import PermitRules
from lmis_shared.lookup_keys import DEVELOPMENT_LOOKUP_KEY, lookup_secret
from lmis_shared.records import record_from
from lmis_shared.settings import PersonalDataSettings


class PermitsSettings(PersonalDataSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_PERMITS_", extra="ignore")

    port: int = Field(default=8002, ge=1, le=65535, description="the API's port")
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
    vietnamese_first_days: int = Field(
        default=15,
        ge=0,
        description="days a position is announced for Vietnamese workers before the demand "
        "for foreigners is explained (Decree 70/2023)",
    )
    vietnamese_first_from: date = Field(
        default=date(2024, 1, 1),
        description="demands explained from this day need the announcement",
    )

    lookup_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_LOOKUP_KEY),
        description="HMAC key of passport lookups (import file ids); "
        "the development default is refused outside embedded mode",
    )

    def lookup_secret(self, mode: str) -> bytes:
        return lookup_secret(self.lookup_key, mode, "LMIS_PERMITS_LOOKUP_KEY")

    def rules(self) -> PermitRules:
        """The legal limits as the domain takes them: each is the setting of the same name."""
        return record_from(PermitRules, self)
