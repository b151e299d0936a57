"""What the benchmarks share: a throwaway embedded PostgreSQL to measure on, with the server's
default durability, the file their figures go to, and the command line that ties them."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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


def run_from_command_line(
    description: str,
    options: dict[str, int],
    measure: Callable[[EmbeddedPostgres, argparse.Namespace], Coroutine[Any, Any, Figures]],
    out: Path,
    *,
    with_machine: bool = False,
) -> None:
    """A benchmark's `main`: whole-number `options` (`--name`, with their defaults) and `--out`
    read from the command line, `measure` run on a fresh PostgreSQL, its figures (with the
    machine's, if asked) written to the file and printed."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in options.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args()
    figures = on_embedded_postgres(lambda server: measure(server, args))
    if with_machine:
        figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    write_figures(args.out, figures)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
