"""Stream processing: faust drives consumption, PostgreSQL keeps the state.

Public API:
    make_app(name: str, settings: CommonSettings, **overrides) -> faust.App
    serve(app: faust.App, stop: asyncio.Event) -> None            run until `stop` is set
    projection_agent(app, topic, projection, *, batch_size=500, tracer_provider=None)
    Projection (abstract: name, event_types, migrations(), apply(), clear())
        .migrate() / .process(arrivals) -> list[bool] / .rebuild(source) -> int
        .resume_parked() -> int     parked events this code reads now, applied (at start)
    all_events(store: EventStore, page=500) -> AsyncIterator[RecordedEvent]
    all_events_in(pool, schemas, page=500)   the same over several stores, one after the other
    rebuilding.rebuild_projection(pool, schema, name, handled, replica, sources)
        a projection rebuilt in memory (a `staging.Replica`) and swapped in, beside live
        traffic; `replay.replay` reads the stores for it in chunks
    Decoded, Rejected, decode_record(key, value, headers, handled), validate_payload(event)
    Arrival = Decoded | Passing | Unreadable, arrival(event, handled)   what a projection judges
    DeadLetters, dead_letter_topic(topic), dead_letter_headers(...)
    POSITIONS_MIGRATION, POSITIONS_BIGINT_MIGRATION     the positions table (versions: bigint)
    POSITIONS_MIGRATIONS     those and the parked events' table (`versions.py`)
    run_processor(service, common, app_id, run, **starting)   a processor's main():
        logs, traces, a pool, run(pool, stop, provider) until SIGINT or SIGTERM
"""

from lmis_shared.processing.agent import projection_agent
from lmis_shared.processing.app import make_app, serve
from lmis_shared.processing.decoding import (
    Arrival,
    Decoded,
    Passing,
    Rejected,
    Unreadable,
    arrival,
    decode_record,
    validate_payload,
)
from lmis_shared.processing.dlq import DeadLetters, dead_letter_headers, dead_letter_topic
from lmis_shared.processing.process import run_processor
from lmis_shared.processing.projection import (
    POSITIONS_BIGINT_MIGRATION,
    POSITIONS_MIGRATION,
    POSITIONS_MIGRATIONS,
    Connection,
    Projection,
    all_events,
    all_events_in,
)

__all__ = [
    "POSITIONS_BIGINT_MIGRATION",
    "POSITIONS_MIGRATION",
    "POSITIONS_MIGRATIONS",
    "Arrival",
    "Connection",
    "DeadLetters",
    "Decoded",
    "Passing",
    "Projection",
    "Rejected",
    "Unreadable",
    "all_events",
    "all_events_in",
    "arrival",
    "dead_letter_headers",
    "dead_letter_topic",
    "decode_record",
    "make_app",
    "projection_agent",
    "run_processor",
    "serve",
    "validate_payload",
]
