"""The reporting service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its own,
prefixed `LMIS_REPORTING_`. The API and the stream processor read the same object.

    LMIS_REPORTING_HOST / _PORT            where the API listens (127.0.0.1:8003)
    LMIS_REPORTING_SCHEMA_NAME             the service's schema (`reporting`)
    LMIS_REPORTING_PROCESSOR_ID            faust app id = consumer group (`lmis-reporting`)
    LMIS_REPORTING_PROCESSOR_SOURCES       domains whose event topics the processor reads, and
                                           whose event stores a rebuild replays
                                           (`["registry","permits"]`)
    LMIS_REPORTING_PROCESSOR_BATCH_SIZE    most events applied in one transaction (500)
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lmis_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REPORTING_", extra="ignore")

    port: int = Field(8003, ge=1, le=65535, description="the API's port")
    schema_name: str = Field("reporting", description="the PostgreSQL schema the service owns")
    processor_id: str = Field("lmis-reporting", description="faust app id, also the consumer group")
    processor_sources: list[str] = Field(
        ["registry", "permits"],
        description="domains whose event topics the processor reads (and whose event stores, "
        "in the PostgreSQL schema of the same name, a rebuild replays)",
    )
    processor_batch_size: int = Field(
        500, ge=1, description="most events applied in one transaction"
    )

    def event_sources(self) -> list[str]:
        return [domain for domain in self.processor_sources if domain != self.schema_name]
