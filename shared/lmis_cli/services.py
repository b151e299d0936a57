"""The platform's processes, as data: what `lmis up` starts and `lmis serve|relay|process` runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    default_port: int
    app_factory: str
    """`module:function` building the FastAPI app (uvicorn factory)."""
    migrate: str
    """`module:function`, an async function(pool, schema) creating the service's tables."""
    processor: str | None = None
    """`module:function` running the service's faust worker, if it has one."""
    publishes_events: bool = True
    """Whether it has an event store whose events a relay publishes."""

    @property
    def schema(self) -> str:
        return self.name


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec(
            "registry",
            8001,
            "lmis_registry.entrypoints.http:create_app_from_env",
            "lmis_registry.bootstrap:migrate",
        ),
        ServiceSpec(
            "permits",
            8002,
            "lmis_permits.entrypoints.http:create_app_from_env",
            "lmis_permits.bootstrap:migrate",
        ),
        ServiceSpec(
            "reporting",
            8003,
            "lmis_reporting.entrypoints.http:create_app",
            "lmis_reporting.bootstrap:migrate",
            processor="lmis_reporting.entrypoints.processor:main",
        ),
        ServiceSpec(
            "notify",
            8004,
            "lmis_notify.entrypoints.http:create_app_from_env",
            "lmis_notify.bootstrap:migrate",
            processor="lmis_notify.entrypoints.processor:main",
        ),
    )
}


def load(ref: str) -> object:
    """Import `module:attribute`."""
    import importlib

    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
