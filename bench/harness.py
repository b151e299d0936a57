"""What the benchmarks share: a throwaway embedded PostgreSQL to measure on, with the server's
default durability, and the file their figures go to."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from lmis_cli.embedded import EmbeddedPostgres, free_port, running

Figures = dict[str, Any]


def on_embedded_postgres(
    measure: Callable[[EmbeddedPostgres], Coroutine[Any, Any, Figures]],
) -> Figures:
    """`measure` run against a PostgreSQL started for it alone (and stopped after)."""
    with tempfile.TemporaryDirectory(prefix="lmis-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", free_port())
        with running(server):
            return asyncio.run(measure(server))


def write_figures(out: Path, figures: Figures) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
