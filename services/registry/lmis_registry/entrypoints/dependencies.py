"""What the registry's routes depend on: its use cases, from the app's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lmis_registry.bootstrap import Registry


def registry(request: Request) -> Registry:
    app_registry: Registry = request.app.state.registry
    return app_registry


App = Annotated[Registry, Depends(registry)]
