"""Settings shared by every LMIS process.

One pydantic-settings object per process. Common values are read from `LMIS_*` variables;
each service subclasses `ServiceSettings` with its own prefix (`LMIS_REGISTRY_*`, ...) for the
values that differ per service. Validated at start: a production process refuses to start
with development keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Values every process needs: where the data, the database and the broker are."""

    model_config = SettingsConfigDict(env_prefix="LMIS_", extra="ignore")

    mode: Literal["embedded", "production"] = Field(
        "embedded", description="embedded = one machine, servers from wheels; production = external"
    )
    data_dir: Path = Field(Path(".lmis"), description="where embedded data, keys and traces live")
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5433/lmis", description="PostgreSQL DSN (asyncpg)"
    )
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers")
    topic_prefix: str = Field("lmis", description="prefix of every topic name")
    otel_exporter: Literal["jsonl", "otlp", "none"] = Field(
        "jsonl", description="jsonl writes spans to <data_dir>/traces; otlp uses OTEL_* variables"
    )
    log_level: str = Field("INFO", description="root log level")
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="serve Prometheus metrics on this port (none: off)"
    )
    metrics_host: str = Field(
        "127.0.0.1", description="where the metrics port listens (0.0.0.0 in a pod)"
    )
    jwt_public_key_file: Path | None = Field(
        None, description="PEM public key to verify tokens (embedded: <data_dir>/keys/jwt.pub)"
    )
    jwt_jwks_url: str | None = Field(
        None, description="issuer JWKS URL (production, e.g. Keycloak)"
    )
    jwt_issuer: str = Field("lmis-embedded", description="expected `iss` claim")
    jwt_audience: str = Field("lmis", description="expected `aud` claim")

    def topic(self, domain: str) -> str:
        """The Kafka topic that carries one domain's events, e.g. `lmis.registry.events`."""
        return f"{self.topic_prefix}.{domain}.events"

    @property
    def traces_dir(self) -> Path:
        return self.data_dir / "traces"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"


class ServiceSettings(BaseSettings):
    """What every service's own settings have; each service subclasses it in its `settings.py`
    with its prefix (`LMIS_REGISTRY_`, ...), its defaults and its own values. The CLI reads a
    service's host and port from here, never from the environment directly."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = Field("127.0.0.1", description="where the API listens")
    port: int = Field(8000, ge=1, le=65535, description="the API's port")
    schema_name: str = Field(..., description="the PostgreSQL schema the service owns")
