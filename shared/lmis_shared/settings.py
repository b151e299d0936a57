"""Settings shared by every LMIS process.

One pydantic-settings object per process. Common values are read from `LMIS_*` variables;
each service subclasses `ServiceSettings` with its own prefix (`LMIS_REGISTRY_*`, ...) for the
values that differ per service. Validated at start: a production process refuses to start
with development keys.

`required_outside_embedded(settings_class)` lists, from a class's fields, the variables a process
outside embedded mode must be given (the deployment tests check every manifest against it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic.config import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from lmis_shared.lookup_keys import lookup_secret

OUTSIDE_EMBEDDED = "outside_embedded"
"""Marks a field whose default serves embedded mode only (a server `lmis up` starts, a key it
made): outside embedded mode a process must be given a value. The marker's value names a
group; a group is satisfied by any one of its fields (e.g. a JWKS URL or a public key file)."""


def embedded_default(group: str) -> JsonDict:
    """`json_schema_extra` of a field whose default serves embedded mode only."""
    return {OUTSIDE_EMBEDDED: group}


class CommonSettings(BaseSettings):
    """Values every process needs: where the data, the database and the broker are."""

    model_config = SettingsConfigDict(env_prefix="LMIS_", extra="ignore")

    mode: Literal["embedded", "production"] = Field(
        "embedded", description="embedded = one machine, servers from wheels; production = external"
    )
    data_dir: Path = Field(Path(".lmis"), description="where embedded data, keys and traces live")
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5433/lmis",
        description="PostgreSQL DSN (asyncpg); a secret outside embedded mode (a password)",
        json_schema_extra=embedded_default("database"),
    )
    kafka_bootstrap: str = Field(
        "127.0.0.1:9092",
        description="Kafka bootstrap servers",
        json_schema_extra=embedded_default("broker"),
    )
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
    # outside embedded mode `authenticator_from_settings` refuses to start without one of these
    jwt_public_key_file: Path | None = Field(
        None,
        description="PEM public key to verify tokens (embedded: <data_dir>/keys/jwt.pub)",
        json_schema_extra=embedded_default("token verification key"),
    )
    jwt_jwks_url: str | None = Field(
        None,
        description="issuer JWKS URL (production, e.g. Keycloak)",
        json_schema_extra=embedded_default("token verification key"),
    )
    jwt_issuer: str = Field(
        "lmis-embedded",
        description="expected `iss` claim",
        json_schema_extra=embedded_default("token issuer"),
    )
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


def required_outside_embedded(settings_class: type[BaseSettings]) -> list[tuple[str, ...]]:
    """The environment variables a process reading `settings_class` outside embedded mode must
    be given, from the class's fields: those without a default, secrets whose default the
    lookup-key rule refuses outside embedded mode (`lmis_shared.lookup_keys`: the development
    key), and those marked `embedded_default`. Each entry is satisfied by any one of its
    variables (one entry per marked group)."""
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    groups: dict[str, list[str]] = {}
    for name, field in settings_class.model_fields.items():
        extra = field.json_schema_extra
        group = extra.get(OUTSIDE_EMBEDDED) if isinstance(extra, dict) else None
        if field.is_required() or _refused_outside_embedded(field.get_default()):
            group = group or name
        if isinstance(group, str):
            groups.setdefault(group, []).append(f"{prefix}{name}".upper())
    return [tuple(variables) for variables in groups.values()]


def _refused_outside_embedded(default: object) -> bool:
    if not isinstance(default, SecretStr):
        return False
    try:
        lookup_secret(default, "production", "a secret")
    except ValueError:
        return True
    return False
