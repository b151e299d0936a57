"""Processor throughput (issue 14): the faust reporting processor against a plain aiokafka loop.

The same `--events` registrations are put on two topics; the reporting processor
(`build_processor`, as `lmis up` runs it: decoding, spans, positions and effects in one
transaction) counts one, the peer (`pipeline.aiokafka_rate`: a consumer loop doing the same
counting per commune and month into PostgreSQL, one upsert per fetched batch) the other. Both
are timed from their first batch committed to their last, so group joins are left out, in the
same run on the same PostgreSQL and broker; each sees its own commits (the processor's through
`Projection.process`), neither is polled. The peer's rate moves by several times from one run
to the next (14,000–98,000 events/s on the development machine: the broker's fetches), so it
reads its topic three times, before, between and after the processors, and the median is the
peer (every round is in the result).

With `--profile 1` the processor's phase is sampled by py-spy (this process, 100 Hz, idle
frames left out) and the result says where its CPU went: the functions with the most samples
of their own, and the share of samples under each part of the path (decoding, spans, SQL,
faust's own stream machinery). The profile is a second processor run of its own, so the
sampling does not slow the measured one.
A second peer, `same_work_loop`, is a plain aiokafka loop doing the processor's own work (the same
decoding and `Projection.process`) without faust: the processor against it is what faust's path
costs on the real work.
Notify's deadline projection is measured on the same events too (its processor's agent and
projection, the registrations opening their deadlines). A faust agent on the same events that
only acknowledges them is the ceiling of any faust processor on this machine; its profile
shows where faust's own time goes.
Results: `bench/results/processor_throughput.json`; `--before FILE` keeps a result of the
same bench run on older code (a `git worktree` of it, with this file copied in) beside.

    .venv/bin/python bench/processor_throughput.py [--events 20000] [--batch-size 500]
                                                   [--profile 0|1] [--stacks FILE]
                                                   [--before FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres
from lmis_notify.bootstrap import bootstrap as bootstrap_notify
from lmis_notify.bootstrap import migrate as migrate_notify
from lmis_notify.settings import NotifySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.entrypoints.processor import build_processor
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.processing import Projection, make_app, projection_agent, serve
from lmis_shared.processing.decoding import decode_record
from lmis_shared.processing.heap import settle_heap
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry
from pipeline import (
    PARTITIONS,
    aiokafka_rate,
    applied_window,
    bench_settings,
    on_embedded_servers,
    processor_settings,
    publish,
    stored_registrations,
)

RESULTS = Path(__file__).parent / "results" / "processor_throughput.json"

# what a sample's stack passes through, for the profile's shares: the first part one of whose
# names begins one of the stack's function names (py-spy's `Class.function`)
PARTS = {
    "decoding (CloudEvents, upcasting, payload validation)": ("decode_record",),
    "spans (OpenTelemetry)": ("BatchSpans.", "Tracer.start_span", "_BatchHandler._close"),
    "projection: SQL (asyncpg)": ("Connection.", "Pool.", "Transaction."),
    "projection: counting use case (domain, facts)": ("IndicatorProjection.apply",),
    "projection: positions": ("Projection.",),
    "agent: queue, acknowledgements": ("_BatchHandler.", "projection_agent.", "Stream.ack"),
    "faust and aiokafka: fetching, dispatching records": (
        "Stream.",
        "Conductor.",
        "Consumer.",
        "Fetcher.",
        "Agent.",
        "Service.",
        "Method",
        "AIOKafka",
        "Topic",
        "on_message",
        "PartitionRecords",
        "FlowControl",
    ),
}


async def reporting_processor(
    common: CommonSettings, pool: asyncpg.Pool, schema: str, total: int, batch_size: int
) -> tuple[float, float, float]:
    """Events per second the reporting processor applies (a fresh group on a fresh schema),
    the CPU seconds this process spent per event, the share of the time spent in the
    garbage collector (the bench's own objects included: it drops its copy of the events
    first), and the share spent in the projection's transactions (`Projection.process`). Traced as
    `lmis up` traces it: an SDK tracer provider (spans made, not exported)."""
    await IndicatorProjection(pool, schema).migrate()
    stop = asyncio.Event()
    settings = processor_settings(schema, f"bench-{schema}").model_copy(
        update={"processor_batch_size": batch_size}
    )
    provider = setup_telemetry("reporting", common, set_global=False)
    app = build_processor(common, settings, pool, provider)
    ends: list[tuple[float, float, float, float]] = []
    done = asyncio.Event()

    def committed(applied: int) -> None:
        # the window's ends: the commit of the first batch and of the one that applied the
        # last event (as the peer's), seen in the process, not polled from PostgreSQL (a
        # `count(*)` every 10 ms was some 8 % of the processor's samples)
        if not ends or applied >= total:
            now = (time.perf_counter(), time.process_time())
            ends.append((*now, GC.seconds, TRANSACTIONS.seconds))
        if applied >= total:
            done.set()

    TRANSACTIONS.applied, TRANSACTIONS.on_commit = 0, committed
    worker = asyncio.create_task(serve(app, stop))
    try:
        await done.wait()
    finally:
        TRANSACTIONS.on_commit = None
        stop.set()
        await worker
    (t0, cpu_start, gc_start, tx_start), (t1, cpu_end, gc_end, tx_end) = ends[0], ends[-1]
    seconds = t1 - t0
    collecting, transacting = (gc_end - gc_start) / seconds, (tx_end - tx_start) / seconds
    return total / seconds, (cpu_end - cpu_start) / total, collecting, transacting


async def notify_deadlines(
    common: CommonSettings, pool: asyncpg.Pool, schema: str, total: int, batch_size: int
) -> tuple[float, float]:
    """Events per second notify's deadline projection applies, through the agent its processor
    runs it in (`projection_agent`, as `build_processor` wires it; the processor's second agent,
    the agency feeds', and its sweep timer are left out), and the CPU seconds this process spent
    per event in that window."""
    await migrate_notify(pool, schema)
    settings = NotifySettings(schema_name=schema, processor_id=f"bench-{schema}")
    deadlines = bootstrap_notify(pool, settings, common).deadlines
    app = make_app(settings.processor_id, common)
    provider = setup_telemetry("notify", common, set_global=False)
    projection_agent(
        app, common.topic("registry"), deadlines, batch_size=batch_size, tracer_provider=provider
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(serve(app, stop))
    count = f"SELECT count(*) FROM {schema}.projection_positions WHERE projection = $1"  # noqa: S608
    cpu: list[float] = []

    async def applied() -> int:
        n = int(await pool.fetchval(count, deadlines.name))
        if (n > 0 and not cpu) or n >= total:
            cpu.append(time.process_time())
        return n

    try:
        seconds = await applied_window(applied, total)
    finally:
        stop.set()
        await worker
    return total / seconds, (cpu[-1] - cpu[0]) / total


async def same_work_loop(
    bootstrap: str, topic: str, pool: asyncpg.Pool, schema: str, total: int, batch_size: int
) -> tuple[float, float]:
    """The second peer: a plain aiokafka loop doing the processor's own work, without faust:
    the same decoding and the same projection (`Projection.process`: positions, facts,
    history and counts, one transaction a fetched batch of up to `batch_size`), one step after
    the other. Events per second from its first batch committed to its last, as the others,
    and the CPU seconds this process spent per event. The processor against it is what
    faust's path costs on the real work; the first peer counts only."""
    projection = IndicatorProjection(pool, schema)
    await projection.migrate()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    seen, started, cpu = 0, 0.0, 0.0
    try:
        while seen < total:
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch_size)
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            handled = projection.event_types
            await projection.process(
                [decode_record(r.key, r.value, r.headers, handled) for r in records]
            )
            if not started:
                started, cpu = time.perf_counter(), time.process_time()
            seen += len(records)
    finally:
        await consumer.stop()
    return total / (time.perf_counter() - started), (time.process_time() - cpu) / total


class GcClock:
    """Seconds this process has spent in the garbage collector."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


GC = GcClock()


class TransactionClock:
    """Seconds spent in projections' transactions (`Projection.process`: lock, positions,
    the counting use case, its SQL and the commit): what the processor waits on; and the
    events they applied, told to `on_commit` after each."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.applied = 0
        self.on_commit: Callable[[int], None] | None = None
        original = Projection.process

        async def process(projection: Projection, events: Any) -> list[bool]:
            started = time.perf_counter()
            try:
                applied = await original(projection, events)
            finally:
                self.seconds += time.perf_counter() - started
            self.applied += sum(applied)
            if self.on_commit is not None:
                self.on_commit(self.applied)
            return applied

        Projection.process = process  # type: ignore[method-assign]


TRANSACTIONS = TransactionClock()


async def bare_faust_agent(common: CommonSettings, total: int) -> tuple[float, float]:
    """Events per second through faust alone: an agent on the topic, as ours is (concurrency
    1, manual acknowledgement), that only acknowledges each event: the ceiling of any
    faust processor here; and the CPU seconds this process spent per event."""
    app = make_app(f"bench-bare-{uuid4().hex[:6]}", common)
    source = app.topic(common.topic("registry"), key_type=bytes, value_type=bytes)
    seen: list[float] = []
    cpu: list[float] = []
    done = asyncio.Event()

    async def consume(stream: Any) -> None:
        manual = stream.noack()
        async for event in manual.events():
            await manual.ack(event)
            seen.append(time.perf_counter())
            if len(seen) in (1, total):
                cpu.append(time.process_time())
            if len(seen) >= total:
                done.set()

    app.agent(source, name="bare", concurrency=1)(consume)
    stop = asyncio.Event()
    worker = asyncio.create_task(serve(app, stop))
    try:
        await done.wait()
    finally:
        stop.set()
        await worker
    return total / (seen[-1] - seen[0]), (cpu[-1] - cpu[0]) / total


class Sampler:
    """py-spy recording this process (collapsed stacks), from `start` to `stop`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [py_spy, "record", "--pid", str(os.getpid()), "--rate", "100"]
        command += ["--format", "raw", "--output", str(self.out), "--nonblocking"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        time.sleep(1.0)  # py-spy attaches

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)

    def summary(
        self, top: int = 15, marks_of: dict[str, tuple[str, ...]] = PARTS
    ) -> dict[str, Any]:
        own: Counter[str] = Counter()
        parts: Counter[str] = Counter()
        total = 0
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            names = [frame.partition(" (")[0] for frame in frames]
            n = int(count)
            total += n
            own[_short(frames[-1])] += n
            part = next(
                (p for p, marks in marks_of.items() if any(f.startswith(marks) for f in names)),
                "event loop and the rest",
            )
            parts[part] += n
        return {
            "samples": total,
            "share_by_part": {p: round(n / total, 3) for p, n in parts.most_common()},
            "top_own_samples": [
                {"function": f, "share": round(n / total, 3)} for f, n in own.most_common(top)
            ],
        }


def _short(frame: str) -> str:
    """`name (path/to/module.py:12)` as `name (module.py)`."""
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.rsplit(':', 1)[0]).name})"


async def profiled(stacks: Path, run: Coroutine[Any, Any, tuple[float, ...]]) -> dict[str, Any]:
    """`run` sampled by py-spy: its rate while sampled, and where its CPU went."""
    sampler = Sampler(stacks)
    sampler.start()
    try:
        rate = (await run)[0]
    finally:
        sampler.stop()
    return {"events_per_s_while_sampled": round(rate), **sampler.summary()}


async def measure(
    pg: EmbeddedPostgres, broker: EmbeddedBroker, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    pool = await create_pool(pg.dsn, min_size=2, max_size=10)
    try:
        common = bench_settings(pg.dsn, broker.bootstrap, tmp)
        events = await stored_registrations(pool, args.events)
        runs = [
            "measured",
            "bare",
            "notify",
            *(["profiled", "bare-profiled"] if args.profile else []),
        ]
        per_run = {run: common.model_copy(update={"topic_prefix": f"bench-{run}"}) for run in runs}
        peer_topic = common.topic("registry")
        for topic in [peer_topic, *(c.topic("registry") for c in per_run.values())]:
            await asyncio.to_thread(publish, common.kafka_bootstrap, topic, events)
        del events
        settle_heap()  # as `run_processor` does once a processor is set up (the peer too)
        peer_rounds: list[tuple[float, float]] = []

        async def peer_round() -> None:
            # the peer reads the whole topic again each round (no group); its rate moves
            # between runs by several times (the broker's fetches), so it runs before, between
            # and after the processors and the median is the peer
            cpu_before = time.process_time()
            rate = await aiokafka_rate(
                common.kafka_bootstrap,
                peer_topic,
                pool,
                args.events,
                schema=f"bench_peer{len(peer_rounds)}",
            )
            peer_rounds.append((rate, (time.process_time() - cpu_before) / args.events))

        await peer_round()
        ours, busy, collecting, transacting = await reporting_processor(
            per_run["measured"], pool, "bench_measured", args.events, args.batch_size
        )
        same, same_cpu = await same_work_loop(
            common.kafka_bootstrap,
            peer_topic,
            pool,
            "bench_same_work",
            args.events,
            args.batch_size,
        )
        await peer_round()
        bare, bare_cpu = await bare_faust_agent(per_run["bare"], args.events)
        notify, _ = await notify_deadlines(
            per_run["notify"], pool, "bench_notify", args.events, args.batch_size
        )
        await peer_round()
        peer, peer_cpu = sorted(peer_rounds)[len(peer_rounds) // 2]
        figures: dict[str, Any] = {
            "events": args.events,
            "batch_size": args.batch_size,
            "reporting_processor_events_per_s": round(ours),
            "aiokafka_loop_events_per_s": round(peer),
            "aiokafka_loop_rounds_events_per_s": [round(rate) for rate, _ in peer_rounds],
            "ratio_processor_to_peer": round(ours / peer, 3),
            # CPU time is less at the mercy of a busy machine than the rates: the same ratio,
            # of the Python work only (the peer's includes its consumer's start)
            "processor_python_cpu_us_per_event": round(busy * 1e6, 1),
            "aiokafka_loop_python_cpu_us_per_event": round(peer_cpu * 1e6, 1),
            "ratio_of_python_cpu_peer_to_processor": round(peer_cpu / busy, 3),
            # the processor's own work in a loop without faust (`same_work_loop`)
            "same_work_loop_events_per_s": round(same),
            "ratio_processor_to_same_work_loop": round(ours / same, 3),
            "same_work_loop_python_cpu_us_per_event": round(same_cpu * 1e6, 1),
            "processor_garbage_collection_share": round(collecting, 3),
            # the rest of the window the processor's Python works or waits for records
            "processor_share_of_time_in_its_transactions": round(transacting, 3),
            "faust_agent_doing_nothing_events_per_s": round(bare),
            "ratio_faust_doing_nothing_to_peer": round(bare / peer, 3),
            "faust_doing_nothing_python_cpu_us_per_event": round(bare_cpu * 1e6, 1),
            "notify_deadline_projection_events_per_s": round(notify),
            "ratio_notify_to_peer": round(notify / peer, 3),
        }
        if args.profile:
            figures["profile"] = await profiled(
                args.stacks or tmp / "stacks.txt",
                reporting_processor(
                    per_run["profiled"], pool, "bench_profiled", args.events, args.batch_size
                ),
            )
            figures["profile_of_faust_doing_nothing"] = await profiled(
                tmp / "bare-stacks.txt", bare_faust_agent(per_run["bare-profiled"], args.events)
            )
        return figures
    finally:
        await pool.close()


def arguments(doc: str, results: Path) -> argparse.ArgumentParser:
    """The options of a processor bench (this one's and notify_processor's)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--profile", type=int, default=1)
    parser.add_argument("--out", type=Path, default=results)
    parser.add_argument("--stacks", type=Path, help="keep the sampled stacks (collapsed) here")
    parser.add_argument(
        "--before", type=Path, help="a result of this bench on the code before, to keep beside"
    )
    return parser


def main() -> None:
    on_embedded_servers(measure, arguments(__doc__, RESULTS).parse_args())


if __name__ == "__main__":
    main()
