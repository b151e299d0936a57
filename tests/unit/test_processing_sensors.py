"""faust's monitor in our apps (`processing/sensors.py`): what faust reads of it per record is
kept (when each partition's stream last took an event, for its slow-stream warnings); the
per-record counters for faust's web pages are not kept."""

from __future__ import annotations

from pathlib import Path

from faust.types import TP

from lmis_shared.processing import make_app
from lmis_shared.processing.sensors import LeanMonitor
from lmis_shared.settings import CommonSettings


def test_apps_run_the_lean_monitor(tmp_path: Path) -> None:
    app = make_app("sensors-test", CommonSettings(data_dir=tmp_path))
    assert isinstance(app.monitor, LeanMonitor)


def test_a_stream_taking_an_event_is_seen_and_nothing_else_is_counted() -> None:
    monitor = LeanMonitor()
    tp = TP("lmis.registry", 0)
    monitor.on_message_in(tp, 7, object())
    assert monitor.on_stream_event_in(tp, 7, object(), object()) is None
    monitor.on_stream_event_out(tp, 7, object(), object(), None)
    monitor.on_message_out(tp, 7, object())
    assert tp in monitor.stream_inbound_time
    assert monitor.events_total == 0
    assert monitor.messages_received_total == 0
    assert len(monitor.events_runtime) == 0
