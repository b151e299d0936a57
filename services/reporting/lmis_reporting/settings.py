"""The reporting service's settings: the common ones (`CommonSettings`, `LMIS_*`) plus its own,
prefixed `LMIS_REPORTING_`. The API and the stream processor read the same object.

    LMIS_REPORTING_HOST / _PORT            where the API listens (127.0.0.1:8003)
    LMIS_REPORTING_SCHEMA_NAME             the service's schema (`reporting`)
    LMIS_REPORTING_PROCESSOR_ID            faust app id = consumer group (`lmis-reporting`)
    LMIS_REPORTING_PROCESSOR_SOURCES       domains whose event topics the processor reads, and
                                           whose event stores a rebuild replays
                                           (`["registry","permits","notify"]`: notify's
                                           alerts are counted like the other facts)
    LMIS_REPORTING_PROCESSOR_BATCH_SIZE    most events applied in one transaction (500)

The officials' dashboard (`entrypoints/pages.py`):
    LMIS_REPORTING_REGISTRY_URL / _PERMITS_URL / _NOTIFY_URL
                                           the APIs whose lists a figure links to, asked with
                                           the signed-in officer's own token
    LMIS_REPORTING_OIDC_CLIENT_ID / _SECRET   the dashboard as a client of the identity provider
                                           (authorisation code + PKCE; none: no OIDC sign-in)
    LMIS_REPORTING_SESSION_SECRET          signs the session cookie (none: a random key per
                                           process, so sessions end when it restarts)
    LMIS_REPORTING_REFRESH_SECONDS         how often an open page asks for new figures (10)
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lmis_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REPORTING_", extra="ignore")

    port: int = Field(8003, ge=1, le=65535, description="the API's port")
    schema_name: str = Field("reporting", description="the PostgreSQL schema the service owns")
    processor_id: str = Field("lmis-reporting", description="faust app id, also the consumer group")
    processor_sources: list[str] = Field(
        ["registry", "permits", "notify"],
        description="domains whose event topics the processor reads (and whose event stores, "
        "in the PostgreSQL schema of the same name, a rebuild replays)",
    )
    processor_batch_size: int = Field(
        500, ge=1, description="most events applied in one transaction"
    )

    registry_url: str = Field("http://127.0.0.1:8001", description="the registry API")
    permits_url: str = Field("http://127.0.0.1:8002", description="the permits API")
    notify_url: str = Field("http://127.0.0.1:8004", description="the notify API")
    oidc_client_id: str | None = Field(
        None, description="the dashboard's client id at the identity provider (OIDC sign-in)"
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="its secret, for a confidential client (PKCE is used either way)"
    )
    session_secret: SecretStr | None = Field(
        None, description="signs the dashboard's session cookie; the same on every replica"
    )
    refresh_seconds: float = Field(
        10.0, gt=0, description="how often an open dashboard asks for new figures"
    )

    def event_sources(self) -> list[str]:
        return [domain for domain in self.processor_sources if domain != self.schema_name]
