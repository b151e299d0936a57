"""The platform's services, as they declare themselves: what `lmis up` starts and
`lmis serve|relay|process|migrate|rebuild|import` run.

Each service declares itself in its own package (`lmis_<name>/service.py`, a
`lmis_shared.declaration.ServiceDeclaration`) and names that declaration in the project's
entry points (group `lmis.services`, in pyproject.toml). This module finds them there, so the
command line names no service: a fifth service is a package and an entry point, nothing here.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points
from typing import Any

from lmis_shared.declaration import ENTRY_POINT_GROUP, ServiceDeclaration
from lmis_shared.settings import ServiceSettings


def discover() -> dict[str, ServiceDeclaration]:
    """Every installed service's declaration by name, in start order."""
    found = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        declaration = entry.load()
        if not isinstance(declaration, ServiceDeclaration) or declaration.name != entry.name:
            raise TypeError(f"entry point {entry.name!r} is not that service's declaration")
        found.append(declaration)
    return {d.name: d for d in sorted(found, key=lambda d: d.order)}


SERVICES: dict[str, ServiceDeclaration] = discover()


def load(ref: str) -> Any:
    """Import `module:attribute`."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def settings_of(name: str) -> ServiceSettings:
    """The service's own settings, read from the environment as the service reads them."""
    settings = load(SERVICES[name].settings)()
    assert isinstance(settings, ServiceSettings)
    return settings


def default_port(name: str) -> int:
    """The port a service listens on when nothing else is set (its settings' default)."""
    return int(load(SERVICES[name].settings).model_fields["port"].default)


def service_url(name: str) -> str:
    """Where a client reaches the service: `LMIS_<NAME>_URL`, else its settings' host and port."""
    if url := os.environ.get(f"LMIS_{name.upper()}_URL"):
        return url
    settings = settings_of(name)
    return f"http://{settings.host}:{settings.port}"
