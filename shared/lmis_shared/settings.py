"""Settings shared by every LMIS process.

One pydantic-settings object per process. Common values are read from `LMIS_*` variables;
each service subclasses `ServiceSettings` with its own prefix (`LMIS_REGISTRY_*`, ...) for the
values that differ per service. Validated at start: a production process refuses to start
with development keys.

`required_outside_embedded(settings_class)` lists, from a class's fields, the variables a process
outside embedded mode must be given (the deployment tests check every manifest against it).
"""

from __future__ import annotations

import dataclasses
import ssl
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator
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


@dataclasses.dataclass(frozen=True)
class KafkaLogin:
    """A SASL login to Kafka, in the words of each client library the processes use."""

    protocol: str
    mechanism: str
    username: str
    password: str = dataclasses.field(repr=False)
    cafile: Path | None = None

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments of kafka-python's producer and admin client (the relay)."""
        return {**self._sasl(), **({"ssl_cafile": str(self.cafile)} if self.cafile else {})}

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments of an aiokafka client (the APIs' broker check)."""
        tls = {"ssl_context": self.ssl_context()} if self.protocol == "SASL_SSL" else {}
        return {**self._sasl(), **tls}

    def _sasl(self) -> dict[str, Any]:
        # both libraries name these the same
        return {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)


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
    database_password: SecretStr | None = Field(
        None,
        description="the password of the DSN's user, when the DSN carries none (Kubernetes: "
        "the `password` of the role's Secret, which CloudNativePG reads too)",
    )
    kafka_bootstrap: str = Field(
        "127.0.0.1:9092",
        description="Kafka bootstrap servers",
        json_schema_extra=embedded_default("broker"),
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT",
        description="how relays and processors reach Kafka; SASL_*: log in as kafka_username",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = Field(
        "SCRAM-SHA-512", description="the SASL mechanism of the listener"
    )
    kafka_username: str | None = Field(None, description="the KafkaUser this process logs in as")
    kafka_password: SecretStr | None = Field(None, description="its password (a Secret)")
    kafka_ssl_cafile: Path | None = Field(
        None, description="SASL_SSL: the CA that signed the listener's certificate"
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
    metrics_interval: float = Field(
        5.0, gt=0, description="seconds between measurements of a relay's or projection's lag"
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
    # limits every API applies to every caller (lmis_shared.web.inputs, .rates; commands)
    max_json_body_bytes: int = Field(
        1_048_576, ge=1024, description="largest JSON request body (413 above); not uploads"
    )
    idempotency_ttl_hours: float = Field(
        24.0, gt=0, description="how long an Idempotency-Key's first answer is replayed"
    )
    # per replica; generous enough for `lmis demo` and chunked imports, which wait out a 429
    write_rate_per_minute: float = Field(
        3000.0, gt=0, description="writes (POST/PUT/PATCH/DELETE) one caller may make a minute"
    )
    write_burst: int = Field(300, ge=1, description="writes one caller may make at once")
    import_rate_per_minute: float = Field(
        120.0, gt=0, description="imports (uploads, chunks) one caller may make a minute"
    )
    import_burst: int = Field(30, ge=1, description="imports one caller may make at once")

    @model_validator(mode="after")
    def _given_outside_embedded(self) -> CommonSettings:
        # a default that serves embedded mode only (a server `lmis up` starts on this machine,
        # its issuer) would send a production process to nothing, or to the wrong thing
        if self.mode != "embedded":
            missing = [
                " or ".join(_variable(type(self), name) for name in fields)
                for fields in _field_groups(type(self), marked_only=True).values()
                if not set(fields) & self.model_fields_set
            ]
            if missing:
                raise ValueError(
                    f"LMIS_MODE={self.mode} needs {'; '.join(missing)}: "
                    "the defaults serve embedded mode only"
                )
        return self

    @model_validator(mode="after")
    def _kafka_login(self) -> CommonSettings:
        if self.kafka_security_protocol.startswith("SASL") and (
            self.kafka_username is None or self.kafka_password is None
        ):
            raise ValueError(
                f"LMIS_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "LMIS_KAFKA_USERNAME and LMIS_KAFKA_PASSWORD"
            )
        return self

    def database_dsn(self) -> str:
        """What a process connects with: `database_url`, with `database_password` in it when
        one is given (quoted, so a password may hold any character)."""
        if self.database_password is None:
            return self.database_url
        parts = urlsplit(self.database_url)
        userinfo, _, address = parts.netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        password = quote(self.database_password.get_secret_value(), safe="")
        return urlunsplit(parts._replace(netloc=f"{user}:{password}@{address}"))

    def idempotency_ttl(self) -> timedelta:
        return timedelta(hours=self.idempotency_ttl_hours)

    def kafka_login(self) -> KafkaLogin | None:
        """How this process logs in to Kafka; None on a plaintext listener (embedded mode)."""
        if not self.kafka_security_protocol.startswith("SASL"):
            return None
        assert self.kafka_username is not None
        assert self.kafka_password is not None
        return KafkaLogin(
            protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_username,
            password=self.kafka_password.get_secret_value(),
            cafile=self.kafka_ssl_cafile,
        )

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

    @property
    def database_role(self) -> str:
        """The PostgreSQL role the service's processes log in as outside embedded mode
        (`lmis_registry`, ...): `lmis migrate`, run as the schema's owner, grants it the
        service's schema and nothing else (`lmis_shared.migrations.grant_schema`)."""
        return f"lmis_{self.schema_name}"

    def event_sources(self) -> list[str]:
        """The schemas of other services whose event tables a rebuild of this service's read
        models replays: its role's one right outside its own schema (SELECT on those tables)."""
        return []

    def key_sources(self) -> list[str]:
        """The schemas of other services whose `person_keys` this service's role may read (a
        key grant: SELECT on those tables, nothing else); the master keys that unwrap them
        are given to the one process that opens their sealed fields."""
        return []


class MasterKeySettings(BaseSettings):
    """A producer's master key (`lmis_shared.privacy`), read with the producer's prefix: by the
    producer itself, and by a process holding a key grant for its data keys (notify's feed
    processor reads `LMIS_REGISTRY_MASTER_KEY`, ...)."""

    model_config = SettingsConfigDict(extra="ignore")

    master_key: SecretStr | None = Field(
        None,
        description="secret (32+ characters) the master key wrapping the per-person data "
        "keys is derived from; embedded: generated in <data_dir>/keys/master.key",
        json_schema_extra=embedded_default("master key"),
    )
    master_key_file: Path | None = Field(
        None,
        description="file holding the master key (instead of master_key)",
        json_schema_extra=embedded_default("master key"),
    )
    previous_master_key_files: tuple[Path, ...] = Field(
        (),
        description="during a rotation: files of the master keys data keys may still be "
        "wrapped with (JSON list); `lmis privacy rotate-master-key` re-wraps them",
    )


class PersonalDataSettings(ServiceSettings, MasterKeySettings):
    """A service that records personal data (`lmis_shared.privacy`): its master key, and its
    retention of closed files before they are due for erasure."""

    retention_years: int = Field(
        10, ge=1, description="years a closed file is kept before it is due for erasure"
    )


def required_outside_embedded(settings_class: type[BaseSettings]) -> list[tuple[str, ...]]:
    """The environment variables a process reading `settings_class` outside embedded mode must
    be given, from the class's fields: those without a default, secrets whose default the
    lookup-key rule refuses outside embedded mode (`lmis_shared.lookup_keys`: the development
    key), and those marked `embedded_default`. Each entry is satisfied by any one of its
    variables (one entry per marked group)."""
    groups = _field_groups(settings_class, marked_only=False)
    return [tuple(_variable(settings_class, n) for n in names) for names in groups.values()]


def _field_groups(settings_class: type[BaseSettings], *, marked_only: bool) -> dict[str, list[str]]:
    """Field names by group: those marked `embedded_default`, and unless `marked_only` each
    field without a default or with a refused secret default (a group of its own)."""
    groups: dict[str, list[str]] = {}
    for name, field in settings_class.model_fields.items():
        extra = field.json_schema_extra
        group = extra.get(OUTSIDE_EMBEDDED) if isinstance(extra, dict) else None
        if not marked_only and (
            field.is_required() or _refused_outside_embedded(field.get_default())
        ):
            group = group or name
        if isinstance(group, str):
            groups.setdefault(group, []).append(name)
    return groups


def _variable(settings_class: type[BaseSettings], field: str) -> str:
    return f"{settings_class.model_config.get('env_prefix', '')}{field}".upper()


def _refused_outside_embedded(default: object) -> bool:
    if not isinstance(default, SecretStr):
        return False
    try:
        lookup_secret(default, "production", "a secret")
    except ValueError:
        return True
    return False
