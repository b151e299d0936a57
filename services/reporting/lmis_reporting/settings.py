"""The reporting service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its
own, prefixed `LMIS_REPORTING_`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lmis_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REPORTING_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="where the API listens")
    port: int = Field(default=8003, description="the API's port")
    schema_name: str = Field(
        default="reporting", description="the PostgreSQL schema the service owns"
    )
