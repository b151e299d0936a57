"""A realistic load on the running platform, at 2, 8 and 32 concurrent clients.

Each client is an officer of its own (a token per client, as officers have), looping over a mix:
  register      POST /v1/workers                              3 in 10
  lifecycle     POST /v1/workers/{id}/sign-contract, then     2 in 10
                POST /v1/workers/{id}/record-departure (on a file the client registered)
  list          GET  /v1/workers?limit=20                     3 in 10
  indicator     GET  /v1/indicators/{workers_registered|departed}?unit=12&period=...  2 in 10
Per level: requests per second and latency percentiles (p50, p95, p99, in ms) per endpoint,
and every answer that is not 2xx counted by status (nothing may fail). After the last level:
the indicators must be exact, i.e. `workers_registered` (this month, province 12) and
`departed` (the departures' month) equal the registrations and departures in the registry's
event store, and the commands the clients saw accepted (waited for: the pipeline catches up).

One command (`make load`): starts `lmis up --no-demo` on free ports in a temporary data
directory, runs the levels, stops it, writes bench/results/load.json. Against a platform already
running: `python bench/load.py --data-dir .lmis` (its key pair signs the tokens, its embedded
PostgreSQL is counted) with `--registry-url`/`--reporting-url` if not on the default ports.
The clients are the load's, on the same 2-core machine as the platform: figures are noisy, the
ratios between levels are the point.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from harness import write_figures
from lmis_cli.embedded import EmbeddedPostgres, free_port
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.settings import CommonSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' request bodies
from tests.integration.worker_api import DEPART, SIGN_CONTRACT
from tests.unit.worker_examples import PERSON

OUT = Path(__file__).parent / "results" / "load.json"
LEVELS = (2, 8, 32)
MIX = (("register", 3), ("lifecycle", 2), ("list", 3), ("indicator", 2))
DEPARTED_PERIOD = DEPART["departure_date"][:7]
REGISTERED = "lmis.registry.worker.registered.v1"
DEPARTED = "lmis.registry.worker.departed.v1"
NO_ANSWER = 0
"""The status recorded for a request that got no HTTP answer (a connection error)."""


@dataclass
class Target:
    """A running platform: where its APIs are, a token per client, and the registry's store."""

    registry: str
    reporting: str
    tokens: Sequence[str]
    count_in_store: Callable[[str], Awaitable[int]]
    """How many events of a type the registry's event store holds (the independent count)."""


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    no_answer: Counter[str] = field(default_factory=Counter)
    """Requests that got no HTTP answer (counted as status `NO_ANSWER`), by httpx's error."""

    def record(self, endpoint: str, started: float, status: int) -> None:
        self.latencies[endpoint].append(time.perf_counter() - started)
        self.statuses[endpoint][status] += 1

    def accepted(self, endpoint: str) -> int:
        return sum(n for status, n in self.statuses[endpoint].items() if 200 <= status < 300)

    def figures(self, seconds: float) -> dict[str, Any]:
        endpoints = {
            name: {
                "requests": len(times),
                "per_second": round(len(times) / seconds, 1),
                **{f"p{q}_ms": _percentile(times, q) for q in (50, 95, 99)},
                "not_2xx": {
                    str(s): n for s, n in sorted(self.statuses[name].items()) if not 200 <= s < 300
                },
            }
            for name, times in sorted(self.latencies.items())
        }
        total = sum(len(t) for t in self.latencies.values())
        failed = sum(sum(e["not_2xx"].values()) for e in endpoints.values())
        return {
            "seconds": round(seconds, 1),
            "requests": total,
            "per_second": round(total / seconds, 1),
            "not_2xx": failed,
            "no_answer": dict(self.no_answer),
            "endpoints": endpoints,
        }


def _percentile(times: list[float], q: int) -> float:
    ordered = sorted(times)
    return round(1000 * ordered[min(len(ordered) - 1, len(ordered) * q // 100)], 1)


class Client:
    """One officer's loop over the mix."""

    def __init__(self, target: Target, index: int, ids: Iterator[int], tally: Tally) -> None:
        self.target = target
        self.auth = {"Authorization": f"Bearer {target.tokens[index]}"}
        self.ids = ids
        self.tally = tally
        self.rnd = random.Random(index)
        self.registered: list[str] = []
        self.contracted: list[str] = []

    async def run(self, http: httpx.AsyncClient, until: float) -> None:
        names, weights = zip(*MIX, strict=True)
        while time.perf_counter() < until:
            step = self.rnd.choices(names, weights)[0]
            await getattr(self, step)(http)

    async def call(
        self, http: httpx.AsyncClient, endpoint: str, method: str, url: str, **kw: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await http.request(method, url, headers=self.auth, **kw)
        except httpx.TransportError as error:  # no answer: a failure of its own, counted
            self.tally.record(endpoint, started, NO_ANSWER)
            self.tally.no_answer[type(error).__name__] += 1
            return httpx.Response(NO_ANSWER)
        self.tally.record(endpoint, started, response.status_code)
        return response

    async def register(self, http: httpx.AsyncClient) -> None:
        # born in province 012, a woman born in 1998: unique last six digits
        body = PERSON | {"citizen_id": f"012198{next(self.ids) % 10**6:06d}"}
        url = f"{self.target.registry}/v1/workers"
        answer = await self.call(http, "POST /v1/workers", "POST", url, json=body)
        if answer.status_code == 201:
            self.registered.append(answer.json()["id"])

    async def lifecycle(self, http: httpx.AsyncClient) -> None:
        if self.contracted:
            worker, name, body = self.contracted.pop(), "record-departure", DEPART
        elif self.registered:
            worker, name, body = self.registered.pop(), "sign-contract", SIGN_CONTRACT
        else:
            return await self.register(http)
        url = f"{self.target.registry}/v1/workers/{worker}/{name}"
        answer = await self.call(http, f"POST /v1/workers/{{id}}/{name}", "POST", url, json=body)
        if answer.status_code == 200 and name == "sign-contract":
            self.contracted.append(worker)
        return None

    async def list(self, http: httpx.AsyncClient) -> None:
        url = f"{self.target.registry}/v1/workers"
        await self.call(http, "GET /v1/workers", "GET", url, params={"limit": 20})

    async def indicator(self, http: httpx.AsyncClient) -> None:
        code, period = self.rnd.choice(
            [("workers_registered", this_month()), ("departed", DEPARTED_PERIOD)]
        )
        url = f"{self.target.reporting}/v1/indicators/{code}"
        params = {"unit": "12", "period": period}
        await self.call(http, "GET /v1/indicators/{code}", "GET", url, params=params)


def this_month() -> str:
    return date.today().strftime("%Y-%m")


async def drive(target: Target, clients: int, seconds: float, ids: Iterator[int]) -> Tally:
    """`clients` officers on the mix for `seconds`; what they were answered."""
    tally = Tally()
    until = time.perf_counter() + seconds
    # an idle connection is dropped by the client before the server's keep-alive (uvicorn's
    # 5 s) can close it under a request sent at that moment: httpx's own default is also 5 s
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(
            *(Client(target, i, ids, tally).run(http, until) for i in range(clients))
        )
    return tally


async def indicator(target: Target, code: str, period: str) -> int:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.get(
            f"{target.reporting}/v1/indicators/{code}",
            params={"unit": "12", "period": period},
            headers={"Authorization": f"Bearer {target.tokens[0]}"},
        )
    answer.raise_for_status()
    return int(answer.json()["value"])


async def exactness(target: Target, accepted: dict[str, int], within: float = 180) -> Any:
    """The indicators against the store's count and the accepted commands, once they agree
    (the pipeline catching up) or when `within` seconds have passed."""
    checks = {
        "workers_registered": (this_month(), REGISTERED, "POST /v1/workers"),
        "departed": (DEPARTED_PERIOD, DEPARTED, "POST /v1/workers/{id}/record-departure"),
    }
    deadline = time.monotonic() + within
    while True:
        found = {
            code: {
                "indicator": await indicator(target, code, period),
                "event_store": await target.count_in_store(event_type),
                "accepted": accepted.get(endpoint, 0),
            }
            for code, (period, event_type, endpoint) in checks.items()
        }
        exact = all(len(set(f.values())) == 1 for f in found.values())
        if exact or time.monotonic() > deadline:
            return {"exact": exact, **found}
        await asyncio.sleep(0.5)


async def run_levels(target: Target, levels: Sequence[int], seconds: float) -> dict[str, Any]:
    ids = itertools.count(random.randrange(10**6))
    figures: dict[str, Any] = {"levels": {}}
    accepted: Counter[str] = Counter()
    for clients in levels:
        started = time.perf_counter()
        tally = await drive(target, clients, seconds, ids)
        figures["levels"][str(clients)] = tally.figures(time.perf_counter() - started)
        for endpoint in tally.statuses:
            accepted[endpoint] += tally.accepted(endpoint)
    figures["indicators"] = await exactness(target, dict(accepted))
    return figures


# -- a platform to run on -----------------------------------------------------------------------


def tokens(keys_dir: Path, clients: int) -> list[str]:
    private, _ = ensure_local_keypair(keys_dir)
    settings = CommonSettings()
    return [
        issue_token(
            private,
            subject=f"load-officer-{i}",
            role="province_officer",
            scope="12",
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=timedelta(hours=2),
        )
        for i in range(clients)
    ]


def store_counter(dsn: str, schema: str = "registry") -> Callable[[str], Awaitable[int]]:
    async def count(event_type: str) -> int:
        conn = await asyncpg.connect(dsn)
        try:
            sql = f'SELECT count(*) FROM "{schema}".events WHERE event_type = $1'  # noqa: S608
            return int(await conn.fetchval(sql, event_type))
        finally:
            await conn.close()

    return count


@contextmanager
def platform_up(data_dir: Path) -> Iterator[tuple[dict[str, str], int]]:
    """`lmis up --no-demo` on free ports; the APIs' URLs and PostgreSQL's port."""
    ports = {name: free_port() for name in ("registry", "permits", "reporting", "notify")}
    pg_port = free_port()
    env = os.environ | {
        "LMIS_DATA_DIR": str(data_dir),
        "LMIS_EMBEDDED_PG_PORT": str(pg_port),
        "LMIS_EMBEDDED_KAFKA_PORT": str(free_port()),
        "LMIS_EMBEDDED_METRICS_BASE": str(20000 + random.randrange(20000)),
        "LMIS_OTEL_EXPORTER": "none",
        **{f"LMIS_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    log = open(data_dir / "up.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "lmis_cli", "up", "--no-demo"], env=env, stdout=log, stderr=log
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        deadline = time.monotonic() + 180
        while not all(_ready(url) for url in urls.values()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"lmis up did not start; see {data_dir / 'up.log'}")
            time.sleep(1)
        yield urls, pg_port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="per level")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--data-dir", type=Path, help="a running platform's (else one is started)")
    parser.add_argument("--registry-url", default="http://127.0.0.1:8001")
    parser.add_argument("--reporting-url", default="http://127.0.0.1:8003")
    parser.add_argument("--pg-port", type=int, default=5433, help="the running platform's")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]

    def measure(data_dir: Path, urls: dict[str, str], pg_port: int) -> dict[str, Any]:
        dsn = EmbeddedPostgres(data_dir / "postgres", pg_port).dsn
        target = Target(
            urls["registry"],
            urls["reporting"],
            tokens(data_dir / "keys", max(levels)),
            store_counter(dsn),
        )
        return asyncio.run(run_levels(target, levels, args.seconds))

    if args.data_dir is not None:
        urls = {"registry": args.registry_url, "reporting": args.reporting_url}
        figures = measure(args.data_dir, urls, args.pg_port)
    else:
        with (
            tempfile.TemporaryDirectory(prefix="lmis-load-") as tmp,
            platform_up(Path(tmp)) as (urls, pg_port),
        ):
            figures = measure(Path(tmp), urls, pg_port)
    figures["mix"] = dict(MIX)
    figures["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    write_figures(args.out, figures)
    print(figures)
    if not figures["indicators"]["exact"] or any(
        level["not_2xx"] for level in figures["levels"].values()
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
