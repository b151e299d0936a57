"""`lmis demo load`: generate (or read) the plan, send it to the running services, report.

The plan's `today` is pinned under the data directory the first time a province and seed are
loaded: the next `make up`, on another day, regenerates the very same plan rather than one
whose dates moved and whose idempotency keys would clash with the first. Once a plan has gone
through in full, a marker (the plan's digest) lets the next `make up` check two creations
instead of replaying every command; `--again` sends everything anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lmis_cli.demo._follow_up import write_population_register
from lmis_cli.demo.generate import generate_plan
from lmis_cli.demo.load import KIND_LABELS, PERMITS, REGISTRY, LoadReport, load_plan
from lmis_cli.demo.plan import Plan, Sizes, read_jsonl, write_jsonl
from lmis_shared.clock import SystemClock
from lmis_shared.settings import CommonSettings


def pinned_today(data_dir: Path, province: int, seed: int, today: date) -> date:
    """The `today` of this province and seed's first load (recorded now if there was none)."""
    pin = data_dir / "demo" / f"today-{province:02d}-{seed}.txt"
    if pin.exists():
        return date.fromisoformat(pin.read_text().strip())
    pin.parent.mkdir(parents=True, exist_ok=True)
    pin.write_text(today.isoformat() + "\n")
    return today


def plan_digest(plan: Plan) -> str:
    text = io.StringIO()
    write_jsonl(plan, text)
    return hashlib.sha256(text.getvalue().encode()).hexdigest()


def load_demo(
    *,
    province: int = 12,
    sizes: Sizes | None = None,
    seed: int = 2026,
    today: date | None = None,
    plan_file: Path | None = None,
    concurrency: int = 8,
    again: bool = False,
    console: Console | None = None,
) -> LoadReport:
    """Generate (or read) the plan and send it to the running services; prints progress.

    Raises ValueError for an unknown province, httpx.TransportError when a service is down.
    """
    settings = CommonSettings()
    if plan_file is not None:
        plan = read_jsonl(plan_file)
    else:
        day = today or pinned_today(settings.data_dir, province, seed, SystemClock().today())
        plan = generate_plan(province, sizes or Sizes(), seed, day)
    write_population_register(plan, settings.data_dir)  # the registry's local register
    marker = settings.data_dir / "demo" / f"loaded-{plan.province:02d}-{plan.seed}.txt"
    digest = plan_digest(plan)
    loaded_before = marker.exists() and marker.read_text().strip() == digest
    headers = {"Authorization": f"Bearer {_token(settings, plan.province)}"}
    report = asyncio.run(
        _send_plan(
            plan,
            headers,
            concurrency,
            console or Console(stderr=True),
            unless_loaded=loaded_before and not again,
        )
    )
    if not (report.refusals or report.unavailable or report.left_out):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest + "\n")
    return report


async def _send_plan(
    plan: Plan, headers: dict[str, str], concurrency: int, console: Console, *, unless_loaded: bool
) -> LoadReport:
    from lmis_cli.services import service_url

    limits = httpx.Limits(max_connections=concurrency)
    timeout = httpx.Timeout(60.0)
    clients = {
        name: httpx.AsyncClient(
            base_url=service_url(name),
            headers=headers,
            limits=limits,
            timeout=timeout,
        )
        for name in (REGISTRY, PERMITS)
    }
    columns = (TextColumn("{task.description:<17}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
            return await load_plan(
                plan,
                clients,
                concurrency=concurrency,
                progress=progress,
                unless_loaded=unless_loaded,
            )
    finally:
        for client in clients.values():
            await client.aclose()


def _token(settings: CommonSettings, province: int) -> str:
    from lmis_shared.auth import ensure_local_keypair, issue_token

    private, _ = ensure_local_keypair(settings.keys_dir)
    return issue_token(
        private,
        subject="demo-loader",
        role="admin",
        scope=f"{province:02d}",
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(hours=2),
    )


def print_report(report: LoadReport, console: Console) -> None:
    if report.already_loaded:
        console.print("demo: already loaded (`lmis demo load --again` sends it again)")
        return
    made = ", ".join(f"{n} {KIND_LABELS[k]}" for k, n in report.created.items()) or "nothing new"
    console.print(f"demo: created {made}; {sum(report.found.values())} already there")
    console.print(f"      {report.applied} commands applied, {report.replayed} replayed")
    for what, count in sorted(report.unavailable.items()):
        console.print(f"      skipped: not available: {what} (in {count} entities)")
    if report.refusals:
        console.print(f"      refused: {report.refusals} commands", style="yellow")
        for why, count in report.refused.most_common():
            console.print(f"        {count}× {why}", highlight=False)
    if report.left_out:
        console.print(f"      {report.left_out} later steps not sent")


# --- what `lmis demo` runs (typer's errors for bad options) -------------------------------


def sizes(workers: int, employers: int, foreign_workers: int) -> Sizes:
    try:
        return Sizes(workers=workers, employers=employers, foreign_workers=foreign_workers)
    except ValueError as refused:
        raise typer.BadParameter(str(refused)) from None


def day(value: str | None) -> date | None:
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("must be a date, YYYY-MM-DD", param_hint="--today") from None


def run_load(**options: Any) -> None:
    console = Console(stderr=True)
    try:
        report = load_demo(console=console, **options)
    except ValueError as refused:  # an unknown province
        raise typer.BadParameter(str(refused), param_hint="--province") from None
    except httpx.TransportError as down:
        console.print(f"[red]demo: a service did not answer ({type(down).__name__}): is it up?[/]")
        raise typer.Exit(1) from None
    print_report(report, console)


def write_plan(province: int, sizes: Sizes, seed: int, today: date | None, out: Path) -> None:
    try:
        plan = generate_plan(province, sizes, seed, today or SystemClock().today())
    except ValueError as refused:
        raise typer.BadParameter(str(refused), param_hint="--province") from None
    if str(out) == "-":
        write_jsonl(plan, sys.stdout)
    else:
        with out.open("w", encoding="utf-8") as file:
            write_jsonl(plan, file)
    for kind, outcomes in plan.summary().items():
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        typer.echo(f"{kind}: {sum(outcomes.values())} ({counts})", err=True)
