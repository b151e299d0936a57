"""The platform's processes on one machine: what `lmis up` starts and `lmis status` reads.

Each service's API, its relay (if it publishes events) and its stream processor (if it has
one), in the services' order (`services.py`). Each process serves its metrics on a port of its
own (`LMIS_METRICS_PORT`, `lmis_shared.metrics`), numbered in that order from
`LMIS_EMBEDDED_METRICS_BASE` (9101): registry 9101, registry-relay 9102, permits 9103, ...
so the same list, read again by `lmis status`, finds every port `lmis up` gave.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from lmis_cli.services import SERVICES, settings_of

Kind = Literal["api", "relay", "process"]
"""As the `lmis` command that runs it (`serve` for an API) and its heartbeat name."""

METRICS_BASE_VARIABLE = "LMIS_EMBEDDED_METRICS_BASE"
DEFAULT_METRICS_BASE = 9101
LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class PlatformProcess:
    name: str
    """How `lmis up` names it: `registry`, `registry-relay`, `reporting-processor`."""
    kind: Kind
    service: str
    metrics_port: int
    api_port: int | None = None
    """The API's HTTP port; None for a relay or a processor."""

    @property
    def command(self) -> tuple[str, str]:
        """The `lmis` command that runs it."""
        return ("serve" if self.kind == "api" else self.kind, self.service)

    @property
    def metrics_url(self) -> str:
        return f"http://{LOCALHOST}:{self.metrics_port}/metrics"


def platform_processes(environ: Mapping[str, str] = os.environ) -> list[PlatformProcess]:
    """Every process of the platform, in start order, with its ports."""
    base = int(environ.get(METRICS_BASE_VARIABLE, DEFAULT_METRICS_BASE))
    found: list[PlatformProcess] = []

    def add(name: str, kind: Kind, service: str, api_port: int | None = None) -> None:
        found.append(PlatformProcess(name, kind, service, base + len(found), api_port))

    for name, spec in SERVICES.items():
        add(name, "api", name, settings_of(name).port)
        if spec.publishes_events:
            add(f"{name}-relay", "relay", name)
        if spec.processor:
            add(f"{name}-processor", "process", name)
    return found
