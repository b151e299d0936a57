"""Dead letters: records a consumer cannot use, kept whole on `<topic>.dlq` with the reason.

The original key, value and headers travel unchanged (an operator can fix and replay them
with any Kafka client), plus:
  dlq_reason             what is wrong, in words that never quote a value
  dlq_source_topic       where the record was read
  dlq_source_partition
  dlq_source_offset
Headers from an earlier dead-lettering are replaced, so a replayed record that fails again
carries one reason, the latest. Delivery is at least once, like everything else here: a
processor killed between publishing and committing its offset publishes the record again.
Each record set aside counts in `lmis_dead_letters_total{topic,reason}` (`metrics.py`): the
source topic and the kind of reason (`Rejected.kind`), never the reason's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

import faust

from lmis_shared.logging import redact_text
from lmis_shared.processing.decoding import Rejected, RejectionKind
from lmis_shared.processing.metrics import DEAD_LETTERS

SUFFIX = ".dlq"
REASON = "dlq_reason"
SOURCE_TOPIC = "dlq_source_topic"
SOURCE_PARTITION = "dlq_source_partition"
SOURCE_OFFSET = "dlq_source_offset"
_OURS = frozenset({REASON, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET})
_MAX_REASON = 500


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{SUFFIX}"


def dead_letter_headers(
    headers: Sequence[tuple[str, bytes]] | None,
    *,
    reason: str,
    topic: str,
    partition: int,
    offset: int,
) -> list[tuple[str, bytes]]:
    """The record's own headers plus where it came from and why it was set aside."""
    kept = [(name, value) for name, value in headers or () if name not in _OURS]
    return [
        *kept,
        # the reasons we write quote no values; masking ID-shaped digits is a second guard
        (REASON, redact_text(reason)[:_MAX_REASON].encode()),
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
    ]


class DeadLetters:
    """The dead-letter topic of one source topic, declared and written through faust."""

    def __init__(self, app: faust.App, source_topic: str) -> None:
        self.source_topic = source_topic
        self.name = dead_letter_topic(source_topic)
        self.topic = app.topic(
            self.name,
            key_type=bytes,
            value_type=bytes,
            internal=True,  # owned by this processor: faust may create it
            partitions=1,  # a trickle, read by people; one partition keeps it in order
            allow_empty=True,
        )
        # every series exists from the start at 0, so the first dead letter is an increase
        for kind in get_args(RejectionKind):
            DEAD_LETTERS.add(0, {"topic": source_topic, "reason": kind})

    async def declare(self) -> None:
        await self.topic.maybe_declare()

    async def publish(self, message: Any, rejected: Rejected) -> None:
        """Publish the record in faust `message` with the reason it was `rejected`; returns
        once the broker has it."""
        headers = dead_letter_headers(
            header_pairs(message.headers),
            reason=rejected.reason,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        pending = await self.topic.send(key=message.key, value=message.value, headers=headers)
        await pending
        DEAD_LETTERS.add(1, {"topic": self.source_topic, "reason": rejected.kind})


def header_pairs(headers: Any) -> list[tuple[str, bytes]]:
    """A faust message's headers as (name, value) pairs; faust may hand over a mapping."""
    if headers is None:
        return []
    if hasattr(headers, "items"):
        return list(headers.items())
    return [(str(name), value) for name, value in headers]
