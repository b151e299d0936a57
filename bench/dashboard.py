"""The dashboard's overview against its peer, the indicator API, at the demo's size (issue 12).

Loads `--workers` outbound worker files (the demo's 200 by default) spread over Lai Châu's
communes, with departures, returns and overstays through 2026, and `--foreign` foreign workers
with permits, through the reporting processor's own projection (no broker needed: the
projection is what the processor runs on each batch). Then, on the reporting app in process
(httpx's ASGI transport, a real embedded PostgreSQL), signed in as the province's officer:

  * `GET /` (the overview page, HTML) and `GET /figures.json` (what an open page polls);
  * the peer: the same figures asked one by one from the indicator API
    (`GET /v1/indicators/...`, the reads the overview makes), and one indicator alone.

Each is timed `--rounds` times after a warm-up; median and 95th percentile in milliseconds.
An overstaying worker has an `overdue_return` alert (notify's event, as the processor counts
it); a third of them resolved by the worker's return: the open alerts by rule are the
`alerts_open` indicator, like every other figure.
Results: `bench/results/dashboard.json`.

    .venv/bin/python bench/dashboard.py [--workers 200] [--foreign 60] [--rounds 30] [--out F]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from harness import Figures, on_embedded_postgres, write_figures
from lmis_cli.embedded import EmbeddedPostgres
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate
from lmis_reporting.entrypoints.http import create_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import ensure_local_keypair, issue_token, signin_link
from lmis_shared.clock import FixedClock
from lmis_shared.contracts.notify import AlertRaised, AlertResolved, AlertRule, SubjectKind
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.processing.decoding import validate_payload
from lmis_shared.processing.projection import Decoded
from lmis_shared.settings import CommonSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' event builders
from tests.integration.test_indicators_projection import recorded
from tests.unit import test_indicator_rules as make

RESULTS = Path(__file__).parent / "results" / "dashboard.json"
TODAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
DESTINATIONS = ("KR", "JP", "TW", "DE")
PROGRAMMES = {"KR": "korea_eps", "JP": "japan_technical_intern", "TW": "other", "DE": "other"}
SCHEMA = "reporting"
ISSUER, AUDIENCE = "lmis-bench", "lmis"


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def worker_streams(communes: list[str], workers: int, foreign: int) -> list[list[Any]]:
    rng = random.Random(2026)
    streams: list[list[Any]] = []
    for _ in range(workers):
        commune, country = rng.choice(communes), rng.choice(DESTINATIONS)
        events: list[Any] = [make.registered(commune, on=date(2025, 12, 1))]
        if rng.random() < 0.8:
            left = _day(rng, date(2026, 1, 1), date(2026, 11, 20))
            events += [
                make.contract(country, on=left, programme=PROGRAMMES[country]),
                make.departed(left),
            ]
            fate = rng.random()
            if fate < 0.1:
                events.append(make.overstayed(left + timedelta(days=1)))
                streams.append(overdue_return_alert(commune, left + timedelta(days=2), rng))
            elif fate < 0.2:
                events.append(make.returned(left + timedelta(days=2)))
        streams.append(events)
    for _ in range(foreign):
        engaged = _day(rng, date(2026, 1, 1), date(2026, 10, 1))
        events = [make.foreign_worker(rng.choice(communes), engaged_on=engaged)]
        if rng.random() < 0.8:
            events.append(make.permit_issued(issued=engaged))
        streams.append(events)
    return streams


def overdue_return_alert(commune: str, on: date, rng: random.Random) -> list[Any]:
    """notify's alert stream for an overstaying worker: raised, maybe resolved later."""
    at = datetime.combine(on, datetime.min.time(), UTC)
    events: list[Any] = [
        AlertRaised(
            rule=AlertRule.overdue_return,
            subject_id=uuid4(),
            subject_kind=SubjectKind.worker,
            unit_code=commune,
            province_code="12",
            due_on=on,
            raised_at=at,
        )
    ]
    if rng.random() < 1 / 3:
        events.append(
            AlertResolved(
                rule=AlertRule.overdue_return,
                subject_id=events[0].subject_id,
                fixed_by="lmis.registry.worker.returned.v1",
                resolved_at=at + timedelta(days=1),
            )
        )
    return events


async def load(server: EmbeddedPostgres, workers: int, foreign: int) -> int:
    pool = await create_pool(server.dsn)
    try:
        await migrate(pool, SCHEMA)
        rows = await pool.fetch(
            "SELECT code FROM reporting.units WHERE hierarchy = 'current' AND parent_code = '12'"
        )
        communes = sorted(r["code"] for r in rows)
        projection = IndicatorProjection(pool, SCHEMA)
        batch: list[Decoded] = []
        events = 0
        for stream in worker_streams(communes, workers, foreign):
            sid = uuid4()
            for n, payload in enumerate(stream):
                event = recorded(sid, n + 1, payload)
                batch.append(Decoded(event, validate_payload(event)))
            if len(batch) >= 500:
                events += sum(await projection.process(batch))
                batch = []
        events += sum(await projection.process(batch))
        return events
    finally:
        await pool.close()


def overview_reads() -> list[tuple[str, dict[str, str]]]:
    """The indicator reads the overview of province 12 makes, as API calls."""
    year = {"unit": "12", "period": "2026"}
    reads = [("departed", year), ("departed", year | {"by": "destination_country"})]
    reads += [("departed", {"unit": "12", "period": f"2026-{m:02d}"}) for m in range(1, 12)]
    reads += [
        ("overstay_rate", year | {"by": "destination_country"}),
        ("overstay_rate", year | {"by": "unit"}),
    ]
    reads += [
        (code, year)
        for code in (
            "loans_overdue",
            "loans_overdue_amount_vnd",
            "loans_outstanding_vnd",
            "foreign_workers_working",
            "foreign_workers_valid_permit",
            "foreign_workers_exempt",
            "foreign_workers_without_permit",
        )
    ]
    reads.append(("alerts_open", year | {"by": "rule"}))
    drill = (
        "departed",
        "workers_abroad",
        "overstaying",
        "loans_overdue",
        "foreign_workers_working",
    )
    return reads + [(code, year | {"by": "unit"}) for code in drill]


async def timed(call: Callable[[], Awaitable[None]], rounds: int) -> dict[str, float]:
    await call()  # warm-up: the first read fills the pool and caches
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {
        "median_ms": round(statistics.median(took), 1),
        "p95_ms": round(took[max(0, int(len(took) * 0.95) - 1)], 1),
    }


async def measure(server: EmbeddedPostgres, workers: int, foreign: int, rounds: int) -> Figures:
    events = await load(server, workers, foreign)
    with tempfile.TemporaryDirectory(prefix="lmis-bench-dash-") as tmp:
        private, public = ensure_local_keypair(Path(tmp) / "keys")
        common = CommonSettings(
            database_url=server.dsn,
            data_dir=Path(tmp),
            otel_exporter="none",
            log_level="WARNING",
            jwt_public_key_file=public,
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
        )
        own = ReportingSettings(schema_name=SCHEMA)
        app = create_app(common, own, clock=FixedClock(TODAY))
        token = issue_token(
            private, subject="bench", role="province_officer", scope="12",
            issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(hours=1),
        )  # fmt: skip
        link = signin_link(
            "https://dashboard", private, subject="bench", role="province_officer",
            scope="12", issuer=ISSUER, audience=AUDIENCE,
        )  # fmt: skip
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="https://dashboard", timeout=60
            ) as client,
        ):
            signed_in = await client.get(link)
            assert signed_in.status_code == 303, signed_in.text
            bearer = {"Authorization": f"Bearer {token}"}
            reads = overview_reads()

            async def page() -> None:
                assert (await client.get("/")).status_code == 200

            async def figures() -> None:
                assert (await client.get("/figures.json")).status_code == 200

            async def api_one() -> None:
                answer = await client.get(
                    "/v1/indicators/departed", params=reads[0][1], headers=bearer
                )
                assert answer.status_code == 200

            async def api_all() -> None:
                for code, params in reads:
                    answer = await client.get(
                        f"/v1/indicators/{code}", params=params, headers=bearer
                    )
                    assert answer.status_code == 200, answer.text

            return {
                "workers": workers,
                "foreign_workers": foreign,
                "events_projected": events,
                "rounds": rounds,
                "dashboard_overview_html": await timed(page, rounds),
                "dashboard_figures_json": await timed(figures, rounds),
                "indicator_api_same_reads": {
                    "calls": len(reads),
                    **await timed(api_all, rounds),
                },
                "indicator_api_one_call": await timed(api_one, rounds),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--foreign", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    figures = on_embedded_postgres(lambda s: measure(s, args.workers, args.foreign, args.rounds))
    figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    write_figures(args.out, figures)
    print(figures)


if __name__ == "__main__":
    main()
