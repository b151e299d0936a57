"""Liveness of relays and processors: a loop stuck in one of our ports fails the check that
the probes run (`lmis health relay|process <service>`); a live loop, idle included, passes.

Time is a fake clock of the `Liveness`, moved by the test: nothing waits for real time to
pass, and the check's own reading of the wall clock is minutes away from either answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from opentelemetry import trace
from typer.testing import CliRunner

from lmis_cli.main import app
from lmis_shared.cloudevents import to_kafka
from lmis_shared.eventstore import InMemoryEventStore
from lmis_shared.liveness import Liveness, beat, heartbeat_path, keep_beating
from lmis_shared.processing.agent import _BatchHandler
from lmis_shared.processing.decoding import Decoded
from lmis_shared.processing.metrics import Progress
from lmis_shared.relay import OutboundRecord, Relay, RelaySettings
from tests.unit.test_relay import FakeBroker, FakeCheckpoints, append, eventually

MAX_AGE = 120.0
FAST = RelaySettings(poll_interval=0.01, retry_initial=0.01, retry_max=0.05)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def health(data_dir: Path, kind: str, service: str) -> int:
    """The exit code of `lmis health <kind> <service>` on `data_dir`."""
    result = CliRunner().invoke(
        app,
        ["health", kind, service],
        env={"LMIS_DATA_DIR": str(data_dir), "LMIS_LIVENESS_MAX_AGE": str(MAX_AGE)},
    )
    return result.exit_code


# --- relays -----------------------------------------------------------------------------------


class BlockedBroker(FakeBroker):
    """A broker whose publish never returns, as a client stuck in its thread would."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_relay_stuck_publishing_fails_its_health_check(tmp_path: Path) -> None:
    store, broker, clock = InMemoryEventStore(), BlockedBroker(), FakeClock()
    relay = Relay(store, FakeCheckpoints(), broker, FAST, liveness=Liveness(clock))
    await append(store, uuid4())
    running = asyncio.create_task(relay.run(asyncio.Event()))
    try:
        await eventually(broker.entered.is_set)
        clock.now += MAX_AGE + 1  # the round has run longer than the check allows

        beat(relay.liveness, heartbeat_path(tmp_path, "relay", "registry"))

        assert health(tmp_path, "relay", "registry") == 1
    finally:
        running.cancel()


async def test_a_live_relay_passes_its_health_check_however_long_it_was_idle(
    tmp_path: Path,
) -> None:
    store, broker, clock = InMemoryEventStore(), FakeBroker(), FakeClock()
    relay = Relay(store, FakeCheckpoints(), broker, FAST, liveness=Liveness(clock))
    await append(store, uuid4())
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await eventually(lambda: len(broker.records) == 1)
        clock.now += MAX_AGE + 1  # nothing new for a long while: polling is not work

        beat(relay.liveness, heartbeat_path(tmp_path, "relay", "registry"))

        assert health(tmp_path, "relay", "registry") == 0
    finally:
        stop.set()
        await running


async def test_a_relay_waiting_out_a_broker_outage_is_live(tmp_path: Path) -> None:
    store, broker, clock = InMemoryEventStore(), FakeBroker(), FakeClock()
    relay = Relay(store, FakeCheckpoints(), broker, FAST, liveness=Liveness(clock))
    broker.down = True
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await eventually(lambda: relay.stats.failed_attempts >= 2)
        clock.now += MAX_AGE + 1

        beat(relay.liveness, heartbeat_path(tmp_path, "relay", "registry"))

        assert health(tmp_path, "relay", "registry") == 0
    finally:
        stop.set()
        await running


# --- processors -------------------------------------------------------------------------------


class FakeProjection:
    """The port a processor's agent feeds; `blocked` makes it hang like a lock never granted."""

    name = "fake"

    def __init__(self, event_types: frozenset[str], *, blocked: bool) -> None:
        self.event_types = event_types
        self.blocked = blocked
        self.entered = asyncio.Event()
        self.applied: list[Decoded] = []

    async def process(self, events: Sequence[Decoded]) -> list[bool]:
        self.entered.set()
        if self.blocked:
            await asyncio.Event().wait()
        self.applied += events
        return [True] * len(events)


class FakeStream:
    def __init__(self) -> None:
        self.acked: list[Any] = []

    async def ack(self, event: Any) -> None:
        self.acked.append(event)


async def a_record() -> tuple[Any, frozenset[str]]:
    """A faust event carrying one CloudEvent as the relay publishes it, and its type."""
    [event] = await append(InMemoryEventStore(), uuid4())
    key, value, headers = to_kafka(event)
    message = SimpleNamespace(
        key=key, value=value, headers=list(headers), topic="t", partition=0, offset=0
    )
    return SimpleNamespace(message=message), frozenset({event.event_type})


def handler_of(projection: FakeProjection, liveness: Liveness) -> _BatchHandler:
    # the record decodes, so nothing is dead-lettered: only the topic's name is looked at
    tracer = trace.get_tracer(__name__)
    unused_dead_letters = SimpleNamespace(name="lmis.dead-letters")
    return _BatchHandler(projection, unused_dead_letters, tracer, liveness, Progress())  # type: ignore[arg-type]


async def test_a_processor_stuck_applying_a_batch_fails_its_health_check(tmp_path: Path) -> None:
    record, types = await a_record()
    projection, clock = FakeProjection(types, blocked=True), FakeClock()
    liveness = Liveness(clock)
    handler = handler_of(projection, liveness)
    handling = asyncio.create_task(handler.handle([handler.open(record)], FakeStream()))
    try:
        await eventually(projection.entered.is_set)
        clock.now += MAX_AGE + 1

        beat(liveness, heartbeat_path(tmp_path, "process", "reporting"))

        assert health(tmp_path, "process", "reporting") == 1
    finally:
        handling.cancel()


async def test_a_processor_that_applied_its_batch_and_waits_for_more_is_live(
    tmp_path: Path,
) -> None:
    record, types = await a_record()
    projection, clock, stream = FakeProjection(types, blocked=False), FakeClock(), FakeStream()
    liveness = Liveness(clock)
    handler = handler_of(projection, liveness)
    await handler.handle([handler.open(record)], stream)
    assert stream.acked == [record]
    clock.now += MAX_AGE + 1  # an empty topic for a long while

    beat(liveness, heartbeat_path(tmp_path, "process", "reporting"))

    assert health(tmp_path, "process", "reporting") == 0


# --- the heartbeat and the check --------------------------------------------------------------


async def test_the_heartbeat_is_written_as_soon_as_the_loop_starts(tmp_path: Path) -> None:
    path = heartbeat_path(tmp_path, "process", "notify")
    beating = asyncio.create_task(keep_beating(Liveness(), path, interval=3600))
    try:
        await eventually(path.exists)
    finally:
        beating.cancel()

    assert health(tmp_path, "process", "notify") == 0


def test_no_heartbeat_fails_and_a_process_a_service_does_not_run_is_refused(
    tmp_path: Path,
) -> None:
    assert health(tmp_path, "relay", "permits") == 1
    assert health(tmp_path, "process", "registry") == 2  # registry has no stream processor
