"""What operators watch of a stream processor (Prometheus names; `lmis_shared.metrics`):

  lmis_projection_lag_events{projection,topic}      records on the topic's partitions this
                                                    worker is assigned, not yet applied: each
                                                    partition's high watermark less the next
                                                    offset to apply, summed
  lmis_projection_applied_events_total{projection}  events applied (new to the projection;
                                                    redeliveries it skipped are not counted)
  lmis_dead_letters_total{topic,reason}             records set aside on `<topic>.dlq`; the
                                                    reason is a kind (`Rejected.kind`), never
                                                    the text, which names fields
  lmis_parked_events{projection}                    events held back: a gap before them in
                                                    their stream, or a newer version of their
                                                    type than this code reads (`versions.py`)

"The next offset to apply" is the agent's own: the first record it received from a partition
until that is acknowledged, then one past the last acknowledged. A record waiting for
PostgreSQL (the database away) therefore still counts as lag, while one the broker holds and
the agent has not been handed yet is counted through the high watermark. A partition the agent
has received nothing from since it started counts from the consumer's position there (nothing
fetched yet: caught up, or about to receive). Workers of a group each report the partitions
they hold: sum them in Prometheus.
"""

from __future__ import annotations

from typing import Any

import faust

from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter

log = get_logger(__name__)

_meter = meter(__name__)
LAG = _meter.create_gauge(
    "lmis.projection.lag_events",
    unit="{event}",
    description="records of the topic the projection has not applied yet (this worker's"
    " partitions)",
)
APPLIED = _meter.create_counter(
    "lmis.projection.applied_events",
    unit="{event}",
    description="events applied to the projection (redeliveries skipped are not counted)",
)
DEAD_LETTERS = _meter.create_counter(
    "lmis.dead_letters",
    unit="{record}",
    description="records set aside on the topic's dead-letter topic, by kind of reason",
)


class Progress:
    """The next offset to apply per partition of one agent's topic."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def received(self, partition: int, offset: int) -> None:
        # the first record seen is the next to apply; a redelivery below it changes nothing
        self._next.setdefault(partition, offset)

    def acknowledged(self, partition: int, offset: int) -> None:
        self._next[partition] = max(self._next.get(partition, 0), offset + 1)

    def next_offset(self, partition: int) -> int | None:
        return self._next.get(partition)


async def lag(consumer: Any, topic: str, progress: Progress) -> int:
    """Records of `topic` on `consumer`'s assigned partitions not yet applied (`Progress`).

    The high watermarks are those of the consumer's latest fetch responses, which it gets
    every fetch wait even from a quiet partition. No request of its own: besides costing a
    round trip, the embedded broker answers ListOffsets(latest) wrongly (1 for a partition
    holding 6 records written in one batch), while its fetch responses carry the true end.
    """
    total = 0
    for tp in consumer.assignment():
        end = consumer.highwater(tp) if tp.topic == topic else None
        if end is None:  # another topic, or nothing fetched from it yet
            continue
        next_offset = progress.next_offset(tp.partition)
        if next_offset is None:
            next_offset = await consumer.position(tp)
        total += max(0, end - (end if next_offset is None else next_offset))
    return total


def report_lag(
    app: faust.App, topic: str, projection: str, progress: Progress, interval: float
) -> None:
    """Measure the projection's lag on `topic` and set the gauge every `interval` seconds."""
    labels = {"projection": projection, "topic": topic}

    async def measure() -> None:
        try:
            LAG.set(await lag(app.consumer, topic, progress), labels)
        except Exception as exc:  # not joined yet, the broker away: the last value stays
            log.debug("processing.lag_unknown", topic=topic, error=type(exc).__name__)

    app.timer(interval, traced=False, name=f"{projection}.{topic}.lag")(measure)
