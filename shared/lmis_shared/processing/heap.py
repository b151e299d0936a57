"""Python's cyclic garbage collector in a stream processor.

A processor allocates a few dozen small objects per record (faust's message and event, the
CloudEvent's metadata and payload, the counting's rows) that die young and form no cycles,
next to a large heap that lives as long as the process (faust, pydantic's schemas,
OpenTelemetry, the catalogue of event types). With the default thresholds the collector runs
a young collection every 700 allocations and, every few of those, walks that whole heap again:
issue 14's profile had a quarter of the reporting processor's time in the collector
(`processor_garbage_collection_share` in bench/processor_throughput.py).

So a processor, once started, moves what it has built so far out of the collector's sight
(`gc.freeze`: never collected, and never freed, which is what a process-long object is) and
raises the young threshold to `YOUNG_THRESHOLD`: the collector still runs, less often, and
reference counting frees the acyclic garbage at once as always. Only in a processor's own
process (`run_processor`): a test process, which starts and stops many apps, keeps Python's
defaults.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Freeze what exists now, and raise the collector's young threshold (see the module)."""
    gc.collect()  # what is garbage already is freed, not frozen
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
