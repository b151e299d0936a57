"""faust's Monitor without its per-record bookkeeping.

Every faust app has a `Monitor` sensor, called four times for each record (in, into a stream,
out of it, acknowledged): counters by topic and by stream, a `repr` lookup per stream and per
task, a state dict per event, a deque of run times. It feeds faust's web pages and its
statsd/Prometheus/Datadog sensors, none of which a processor here runs (web is off; metrics
are OpenTelemetry's, `metrics.py`). faust itself reads one thing of it per record: when each
partition's stream last took an event (`stream_inbound_time`), to warn of a stream that
stopped. `LeanMonitor`, set as the app's `Monitor`, keeps that and what faust reads once per
commit or rebalance (inherited), and leaves out the rest.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from faust.sensors.monitor import Monitor


class LeanMonitor(Monitor):
    """faust's Monitor, its per-record calls cut to `stream_inbound_time`."""

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        """Nothing: the counts by topic are for faust's web pages."""

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
        self.stream_inbound_time[tp] = monotonic()  # read by faust's slow-stream warnings

    def on_stream_event_out(
        self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None
    ) -> None:
        """Nothing: the run times are for faust's web pages and metric sensors."""

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        """Nothing: likewise."""
