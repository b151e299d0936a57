"""`lmis`: the one command-line entry point (fixed interface: `lmis up`, `lmis token`, ...)."""

from __future__ import annotations

import asyncio
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from lmis_cli.audit import audit_app
from lmis_cli.imports import imports_app
from lmis_cli.privacy import privacy_app
from lmis_cli.services import SERVICES, load, settings_of
from lmis_cli.signin import SignInFor, signin_link, token

app = typer.Typer(
    help="LMIS: Labour Migration Information System",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)


def _service(name: str) -> str:
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    return name


ServiceArg = Annotated[str, typer.Argument(help=" | ".join(SERVICES), callback=_service)]


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(envvar="LMIS_DATA_DIR", help="where data lives")] = Path(
        ".lmis"
    ),
    demo: Annotated[bool, typer.Option(help="load the demo data set")] = True,
    as_of: Annotated[
        str | None,
        typer.Option(help="raise alerts as if today were this date (YYYY-MM-DD), for a demo"),
    ] = None,
    signin: SignInFor = "province_officer:12",
) -> None:
    """Run the whole platform on this machine: PostgreSQL, broker, services, processors."""
    from lmis_cli.launcher import Launcher

    if as_of is not None:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter("must be a date YYYY-MM-DD", param_hint="--as-of") from None
        os.environ["LMIS_NOTIFY_AS_OF"] = as_of
    raise typer.Exit(Launcher(data_dir.resolve(), load_demo=demo, signin=signin).run())


@app.command()
def serve(service: ServiceArg) -> None:
    """Run one service's HTTP API (uvicorn)."""
    import uvicorn

    settings = settings_of(service)
    uvicorn.run(
        SERVICES[service].app,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,  # our JSON logging, set up by the app
        access_log=False,  # the request span records each request; access lines hold query strings
    )


@app.command()
def relay(service: ServiceArg) -> None:
    """Publish one service's committed events to its Kafka topic, for ever."""
    from lmis_shared.relay import main as relay_main

    relay_main(service_schema=settings_of(service).schema_name, domain=service)


@app.command()
def process(service: ServiceArg) -> None:
    """Run one service's stream processor (faust worker)."""
    ref = SERVICES[service].processor
    if ref is None:
        raise typer.BadParameter(f"{service} has no stream processor")
    load(ref)()


health_app = typer.Typer(
    help="Liveness of a relay or processor on this machine (what the probes run)",
    no_args_is_help=True,
)
app.add_typer(health_app, name="health")


def _check_heartbeat(kind: Literal["relay", "process"], service: str) -> None:
    from lmis_shared.liveness import LivenessSettings, check, heartbeat_path
    from lmis_shared.settings import CommonSettings

    max_age = LivenessSettings().max_age
    verdict = check(heartbeat_path(CommonSettings().data_dir, kind, service), max_age)
    typer.echo(f"{kind} {service}: {verdict.describe(max_age)}")
    raise typer.Exit(0 if verdict.alive else 1)


@health_app.command("relay")
def health_relay(service: ServiceArg) -> None:
    """Exit 0 if the service's relay here is live, 1 if it is stuck or not running."""
    if not SERVICES[service].publishes_events:
        raise typer.BadParameter(f"{service} has no relay")
    _check_heartbeat("relay", service)


@health_app.command("process")
def health_process(service: ServiceArg) -> None:
    """Exit 0 if the service's stream processor here is live, 1 if it is stuck or not running."""
    if SERVICES[service].processor is None:
        raise typer.BadParameter(f"{service} has no stream processor")
    _check_heartbeat("process", service)


@app.command()
def status(
    data_dir: Annotated[Path, typer.Option(envvar="LMIS_DATA_DIR", help="where data lives")] = Path(
        ".lmis"
    ),
) -> None:
    """Health, lags, dead letters and open alerts of the platform `lmis up` runs here
    (exit 1: a process is unhealthy or its metrics port does not answer)."""
    from lmis_cli.status import run_status
    from lmis_shared.settings import CommonSettings

    if CommonSettings().mode != "embedded":
        typer.echo("lmis status reads the processes of `lmis up`; in production, Prometheus")
        raise typer.Exit(2)
    report, healthy = run_status(data_dir.resolve())
    typer.echo(report)
    raise typer.Exit(0 if healthy else 1)


@app.command()
def migrate(
    services: Annotated[
        list[str] | None,
        typer.Argument(
            help="with --check: only these services' schemas",
            callback=lambda names: [_service(name) for name in names or []] or None,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="change nothing: exit 0 if the schemas are at this code's version"
        ),
    ] = False,
    wait: Annotated[
        float, typer.Option(help="with --check: check again until then (seconds)", min=0)
    ] = 0.0,
) -> None:
    """Create or upgrade every service's schema (safe to run again) and give each service's
    role its own; or (--check) check that it is done."""
    from lmis_cli.migrate import check_command, migrate_command

    if check:
        check_command(services or list(SERVICES), wait)
        return
    if services:
        raise typer.BadParameter("only with --check", param_hint="SERVICES")
    migrate_command()


@app.command()
def rebuild(service: ServiceArg) -> None:
    """Rebuild a service's read models from the event stores (safe while it runs)."""
    ref = SERVICES[service].rebuild
    if ref is None:
        raise typer.BadParameter(f"{service} has no read models to rebuild")
    from lmis_cli.pools import close_after_signals
    from lmis_shared.eventstore.postgres import create_pool
    from lmis_shared.settings import CommonSettings

    async def run() -> None:
        common = CommonSettings()
        pool = await create_pool(common.database_dsn())
        try:
            typer.echo(await load(ref)(pool, settings_of(service), common))
        finally:
            await close_after_signals(pool)

    asyncio.run(run())


@app.command()
def trace(
    trace_id: Annotated[str, typer.Argument(help="32 hex digits, e.g. a problem's trace_id")],
) -> None:
    """Print one trace as a tree from the embedded platform's span files (<data_dir>/traces)."""
    from rich.console import Console

    from lmis_cli.traces import TRACE_ID, spans_of, tree
    from lmis_shared.settings import CommonSettings

    trace_id = trace_id.strip().lower()
    if not TRACE_ID.match(trace_id):
        raise typer.BadParameter("must be 32 hexadecimal digits", param_hint="TRACE_ID")
    traces_dir = CommonSettings().traces_dir
    spans = spans_of(traces_dir, trace_id)
    if not spans:
        typer.echo(f"no span of trace {trace_id} in {traces_dir}", err=True)
        raise typer.Exit(1)
    Console().print(tree(trace_id, spans))


@app.command()
def contracts(
    out_dir: Annotated[Path, typer.Argument(help="where to write")] = Path("docs/contracts"),
) -> None:
    """Write the event contracts' JSON Schemas and AsyncAPI document (for agencies)."""
    from lmis_shared.contracts.publish import export_contracts

    typer.echo(f"wrote {len(export_contracts(out_dir))} files to {out_dir}")


app.command("signin-link")(signin_link)
app.command()(token)
app.add_typer(imports_app, name="import")
app.add_typer(audit_app, name="audit")
app.add_typer(privacy_app, name="privacy")

demo_app = typer.Typer(help="Demo data", no_args_is_help=True)
app.add_typer(demo_app, name="demo")

Province = Annotated[int, typer.Option(help="current province code (12: Lai Châu)")]
Workers = Annotated[int, typer.Option(help="outbound worker files (with loans for some)")]
Employers = Annotated[int, typer.Option(help="employers of foreign workers")]
ForeignWorkers = Annotated[int, typer.Option(help="foreign worker files (with permits)")]
Seed = Annotated[int, typer.Option(help="same seed, same data (and no duplicates)")]
Today = Annotated[
    str | None,
    typer.Option(
        metavar="YYYY-MM-DD",
        help="the plan's today; default: the day this seed was first loaded (kept in the data "
        "directory), or today when writing a plan",
    ),
]
Concurrency = Annotated[int, typer.Option(help="commands in flight per service")]
Again = Annotated[
    bool, typer.Option("--again", help="send every command even if this plan was loaded in full")
]


@demo_app.command("load")
def demo_load(
    province: Province = 12,
    workers: Workers = 200,
    employers: Employers = 15,
    foreign_workers: ForeignWorkers = 60,
    seed: Seed = 2026,
    today: Today = None,
    plan: Annotated[
        Path | None, typer.Option(help="load this plan (JSON lines) instead of generating one")
    ] = None,
    concurrency: Concurrency = 8,
    again: Again = False,
) -> None:
    """Load the demo data set through the services' APIs; loading it again adds nothing."""
    from lmis_cli.demo import cli

    cli.run_load(
        province=province,
        sizes=cli.sizes(workers, employers, foreign_workers),
        seed=seed,
        today=cli.day(today),
        plan_file=plan,
        concurrency=concurrency,
        again=again,
    )


@demo_app.command("generate")
def demo_generate(
    province: Province = 12,
    workers: Workers = 200,
    employers: Employers = 15,
    foreign_workers: ForeignWorkers = 60,
    seed: Seed = 2026,
    today: Today = None,
    out: Annotated[
        Path | None,
        typer.Option(help="write the plan as JSON lines to this file ('-': stdout), not load it"),
    ] = None,
    concurrency: Concurrency = 8,
    again: Again = False,
) -> None:
    """Generate a realistic demo data set: load it, or write it as JSON lines with --out.

    Outbound workers across their lifecycle with loans; employers, demand approvals, foreign
    workers with permits in every state. Deterministic for a seed and a day.
    """
    if out is None:  # what `lmis demo load` does without a plan
        demo_load(
            province,
            workers,
            employers,
            foreign_workers,
            seed,
            today,
            concurrency=concurrency,
            again=again,
        )
        return
    from lmis_cli.demo import cli

    sizes = cli.sizes(workers, employers, foreign_workers)
    cli.write_plan(province, sizes, seed, cli.day(today), out)
