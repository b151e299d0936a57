"""How long a processor's consumer lets the broker hold a fetch that found nothing new.

faust-streaming 0.15 builds its aiokafka consumer with `fetch_max_wait_ms=1500`, fixed in its
driver, with no setting. Apache Kafka answers such a fetch as soon as a record arrives, so
there the wait costs nothing; the embedded broker (Tansu 0.6) does not: it holds every empty
fetch for the full wait, and a record produced meanwhile waits with it. Measured with a plain
aiokafka consumer, a record every 20-50 ms: 1500 ms -> about 720 ms from produce to fetch
(p50), 100 ms -> 25 ms, 10 ms -> 4 ms (what the 750 ms of bench/pipeline.py's latency was).

So the consumer faust builds gets `LMIS_PROCESSING_FETCH_MAX_WAIT_MS` (default 25 ms) instead:
`prompt_transport` is faust's own aiokafka transport with that one value changed, set on the
app by `make_app`. The cost is paid while the stream is quiet: one empty fetch per wait,
measured about 2 % of a core in the consumer and as much in the broker at 20 ms (0.1 % at
1500 ms). A busy stream is unaffected: fetches then return at once with records, up to
`broker_max_poll_records`, and the agent's drain applies whatever is queued as one batch.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.transport.drivers import aiokafka as driver
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lmis_shared.processing.draining import LeanDrain


class FetchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_PROCESSING_", extra="ignore")

    fetch_max_wait_ms: int = Field(
        25,
        ge=1,
        le=30_000,
        description="longest the broker may hold a processor's fetch that found no record "
        "(Tansu holds it that long even when one arrives; Apache Kafka answers at once)",
    )


def prompt_transport(app: faust.App, fetch_max_wait_ms: int) -> driver.Transport:
    """faust's aiokafka transport for `app`, whose consumer waits at most `fetch_max_wait_ms`
    and hands records to the conductor without a task per record (`draining.py`)."""

    class Thread(driver.AIOKafkaConsumerThread):
        def _create_worker_consumer(self, transport: Any) -> Any:
            consumer = super()._create_worker_consumer(transport)
            # read by aiokafka's Fetcher, made when the consumer starts (aiokafka 0.14)
            consumer._fetch_max_wait_ms = fetch_max_wait_ms
            return consumer

    class PromptConsumer(LeanDrain, driver.Consumer):  # and records delivered lean
        def _new_consumer_thread(self) -> Thread:
            return Thread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        Consumer = PromptConsumer

    return Transport(app.conf.broker_consumer, app)
