"""`Publisher` on Kafka with kafka-python, whose idempotent producer works on the embedded broker
(aiokafka's fails there in InitProducerId).

kafka-python blocks, so every call runs in a worker thread, one at a time. After any failure
both clients are dropped and the next call connects afresh: a broker that restarted does not
know the old producer id (UnknownProducerIdError), and may be a new cluster without our topic.
While no bootstrap server accepts a TCP connection no client is built at all: building one
against a dead broker costs the whole bootstrap timeout and fills the log with kafka-python's
connection errors, once per retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError, TopicAlreadyExistsError

from lmis_shared.logging import get_logger
from lmis_shared.relay._kafka_sockets import close_refused_sockets
from lmis_shared.relay.core import OutboundRecord, PublishFailed, Unavailable
from lmis_shared.relay.settings import RelaySettings
from lmis_shared.settings import KafkaLogin

log = get_logger(__name__)
close_refused_sockets()  # kafka-python leaks refused sockets otherwise (`_kafka_sockets.py`)


class KafkaPublisher:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        settings: RelaySettings | None = None,
        login: KafkaLogin | None = None,
        *,
        routed_only: bool = False,
    ) -> None:
        """`routed_only`: every record names its topic (`OutboundRecord.topic`); `topic` is
        only the checkpoint's name and is never created."""
        self._routed_only = routed_only
        self._bootstrap = bootstrap
        self._topic = topic
        self._settings = settings or RelaySettings()
        self._login = login
        self._admin: Any = None
        self._producer: Any = None
        self._cluster: str | None = None
        self._checked_at = 0.0
        self._routed: set[str] = set()
        self._lock = asyncio.Lock()

    @property
    def topic(self) -> str:
        return self._topic

    async def cluster_id(self) -> str:
        if self._cluster is not None and self._fresh():
            return self._cluster  # asked every round: no thread hop for the remembered answer
        async with self._lock:
            return await asyncio.to_thread(self._cluster_id)

    def _fresh(self) -> bool:
        return time.monotonic() - self._checked_at < self._settings.cluster_check_interval

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        async with self._lock:
            await asyncio.to_thread(self._publish, records)

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._disconnect)

    def _cluster_id(self) -> str:
        """The cluster's id, asked again every `cluster_check_interval` seconds."""
        if self._cluster is not None and self._fresh():
            return self._cluster
        try:
            if self._admin is None:
                self._probe()
                self._admin = _AdminClient(**self._client_config())
            cluster = str(self._admin.describe_cluster()["cluster_id"])
            if cluster != self._cluster:
                self._close_producer()  # its producer id belongs to the previous cluster
                if not self._routed_only:
                    self._ensure_topic()
                log.info("relay.connected", topic=self._topic, cluster_id=cluster)
            self._cluster, self._checked_at = cluster, time.monotonic()
            return cluster
        except KafkaError as exc:
            self._disconnect()
            raise Unavailable(type(exc).__name__) from exc

    def _probe(self) -> None:
        """Raise Unavailable unless some bootstrap server accepts a TCP connection."""
        for server in self._bootstrap.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), self._timeout_s()):
                    return
            except OSError:
                continue
        raise Unavailable("no bootstrap server accepts connections")

    def _ensure_routed(self, topic: str) -> None:
        """A routed record's topic exists (asked once per topic and connection)."""
        if topic != self._topic and topic not in self._routed:
            if self._admin is None:
                self._admin = _AdminClient(**self._client_config())
            self._ensure_topic(topic)
            self._routed.add(topic)

    def _ensure_topic(self, topic: str | None = None) -> None:
        topic = topic or self._topic
        # asking first: a production relay may hold no right to create (Strimzi owns topics)
        if topic in self._admin.list_topics():
            return
        spec = {
            "num_partitions": self._settings.partitions,
            "replication_factor": self._settings.replication_factor,
        }
        # another relay (or a consumer's auto-create) may be first
        with contextlib.suppress(TopicAlreadyExistsError):
            self._admin.create_topics({topic: spec}, wait_for_metadata=True)
        log.info("relay.topic_created", topic=topic, partitions=self._settings.partitions)

    def _publish(self, records: Sequence[OutboundRecord]) -> None:
        futures: list[Any] = []
        error: BaseException | None = None
        try:
            producer = self._connected_producer()
            for r in records:
                topic = r.topic or self._topic
                self._ensure_routed(topic)
                sent = producer.send(topic, value=r.value, key=r.key, headers=list(r.headers))
                futures.append(sent)
            # every record completes (acknowledged or failed) within the delivery timeout
            producer.flush(timeout=self._delivery_timeout_ms() / 1000 + self._timeout_s())
        except KafkaError as exc:
            error = exc
        acked, failure = _acknowledged_prefix(futures)
        if acked < len(records):
            self._disconnect()
            raise PublishFailed(acked, failure or error)

    def _connected_producer(self) -> Any:
        if self._producer is None:
            self._producer = KafkaProducer(
                **self._client_config(),
                enable_idempotence=True,
                acks="all",
                max_block_ms=self._timeout_ms(),
                delivery_timeout_ms=self._delivery_timeout_ms(),
            )
        return self._producer

    def _client_config(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self._bootstrap,
            "client_id": f"lmis-relay-{self._topic}",
            "request_timeout_ms": self._timeout_ms(),
            "bootstrap_timeout_ms": self._timeout_ms(),
            # keep reconnecting briskly: the broker is usually back within seconds
            "reconnect_backoff_max_ms": 1000,
            # the relay's own KafkaUser on an authenticated listener (production)
            **(self._login.kafka_python() if self._login else {}),
        }

    def _timeout_s(self) -> float:
        return self._settings.kafka_timeout

    def _timeout_ms(self) -> int:
        return int(self._settings.kafka_timeout * 1000)

    def _delivery_timeout_ms(self) -> int:
        # kafka-python wants room for one request timeout plus linger inside it
        return 2 * self._timeout_ms()

    def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=self._timeout_s())

    def _disconnect(self) -> None:
        self._close_producer()
        self._routed.clear()
        admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()
        self._cluster = None


class _AdminClient(KafkaAdminClient):  # type: ignore[misc]  # kafka-python is untyped
    """A KafkaAdminClient that stops its IO thread when it fails to start.

    kafka-python 3.0.12 starts that thread before bootstrapping and leaves it running when
    the bootstrap fails; a relay retrying through an outage would gather one per attempt.
    """

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            self._closed = False  # close() passes over a client that never finished starting
            with contextlib.suppress(Exception):
                self.close()
            raise


def _acknowledged_prefix(futures: Sequence[Any]) -> tuple[int, BaseException | None]:
    """How many futures from the first succeeded, and the first one's error after them."""
    for index, future in enumerate(futures):
        if not future.is_done:
            return index, TimeoutError("not acknowledged in time")
        if future.failed():
            exc = future.exception
            return index, exc if isinstance(exc, BaseException) else None
    return len(futures), None
