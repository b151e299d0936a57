"""How a service declares itself to the platform: its settings, app, migrations, processor,
rebuild and import kinds, as `module:attribute` references that load only when used.

Each service has one in its `service.py` (`SERVICE = ServiceDeclaration(...)`) and names it in
the project's entry points (group `lmis.services`); the `lmis` command discovers them there, so
neither `lmis_shared` nor the CLI names a service. References, not objects: `lmis token` must
not import FastAPI, faust and openpyxl to start.
"""

from __future__ import annotations

from dataclasses import dataclass

ENTRY_POINT_GROUP = "lmis.services"


@dataclass(frozen=True)
class ImportKind:
    """A bulk import a service accepts: `lmis import <name> FILE` posts to `path`."""

    name: str
    path: str
    template: str
    """`module:attribute` of the `lmis_shared.imports.Template` the file follows."""
    help: str


@dataclass(frozen=True)
class ServiceDeclaration:
    name: str
    order: int
    """Start order and listing order (registry 1, permits 2, ...)."""
    settings: str
    """`module:Class`, the service's `ServiceSettings` subclass."""
    app: str
    """`module:function` building the FastAPI app from the environment (a uvicorn factory)."""
    migrate: str
    """`module:function`, async `(pool, schema)`: create or upgrade the service's tables."""
    processor: str | None = None
    """`module:function` running the service's stream processor, if it has one."""
    rebuild: str | None = None
    """`module:function`, async `(pool, settings, common) -> str`: rebuild the read models
    from the event stores and say what was rebuilt; None when it has none."""
    erase: str | None = None
    """`module:function`, async `(pool, settings, common, subject_id, request, actor)`: erase
    one person's personal data through the service's own erase command, as `actor` (an
    operator acting as admin); None for a service that keeps no personal data."""
    publishes_events: bool = True
    """Whether it has an event store whose events a relay publishes."""
    imports: tuple[ImportKind, ...] = ()
    processor_settings: tuple[str, ...] = ()
    """`module:Class` settings its processor (and rebuild) reads besides the service's own:
    notify's the producers' master keys (its key grant), which no other process is given."""

    @classmethod
    def standard(
        cls,
        name: str,
        *,
        order: int,
        settings_class: str,
        processor: bool = False,
        personal_data: bool = False,
        imports: tuple[ImportKind, ...] = (),
        processor_settings: tuple[str, ...] = (),
    ) -> ServiceDeclaration:
        """A service in the one template (docs/architecture.md): its references are the
        template's fixed names, so the declaration says only what differs between services."""
        package = f"lmis_{name}"
        return cls(
            name=name,
            order=order,
            settings=f"{package}.settings:{settings_class}",
            app=f"{package}.entrypoints.http:create_app",
            migrate=f"{package}.bootstrap:migrate",
            processor=f"{package}.entrypoints.processor:main" if processor else None,
            rebuild=f"{package}.bootstrap:rebuild",
            erase=f"{package}.bootstrap:erase" if personal_data else None,
            imports=imports,
            processor_settings=processor_settings,
        )
