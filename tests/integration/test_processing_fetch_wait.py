"""A processor's consumer waits `LMIS_PROCESSING_FETCH_MAX_WAIT_MS` for an empty fetch, not
faust's fixed 1500 ms (`lmis_shared.processing.fetching` says why: the embedded broker holds an
empty fetch for the whole wait, and a record produced meanwhile waits with it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lmis_shared.processing import make_app
from lmis_shared.processing.fetching import FetchSettings
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import serving

pytestmark = pytest.mark.integration


def fetch_wait_of(app: Any) -> int:
    """The wait in the requests of the aiokafka consumer that faust started for `app`."""
    consumer = app.consumer._thread._consumer  # faust's consumer thread, its aiokafka consumer
    return int(consumer._fetcher._fetch_max_wait_ms)


async def started(app: Any) -> None:
    """Until faust's aiokafka consumer exists and has its fetcher (a guard, not a measure)."""
    for _ in range(600):
        thread = getattr(app.consumer, "_thread", None)
        consumer = getattr(thread, "_consumer", None)
        if getattr(consumer, "_fetcher", None) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the consumer never started")


async def test_the_processors_consumer_fetches_with_the_configured_wait(
    common: CommonSettings, registry_topic: str
) -> None:
    app = make_app(unique("lmis-fetch-test"), common, FetchSettings(fetch_max_wait_ms=7))
    source = app.topic(registry_topic, key_type=bytes, value_type=bytes)

    @app.agent(source)
    async def nothing(stream: Any) -> None:
        async for _ in stream:
            pass

    async with serving(app):
        await started(app)
        assert fetch_wait_of(app) == 7


def test_the_default_wait_is_short_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert FetchSettings().fetch_max_wait_ms == 25
    monkeypatch.setenv("LMIS_PROCESSING_FETCH_MAX_WAIT_MS", "1500")
    assert FetchSettings().fetch_max_wait_ms == 1500
