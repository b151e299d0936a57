"""The arguments of the PostgreSQL store's append statements (`_sql.py`), each column once."""

from __future__ import annotations

import json
from typing import Any

from lmis_shared.eventstore import api
from lmis_shared.eventstore._plan import Plan, StreamRows
from lmis_shared.eventstore._sql import Statements

json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON text, with one encoder made once rather than one per call (json.dumps)."""


def stream_args(
    sql: Statements, rows: StreamRows, idempotency: api.IdempotencyRecord | None
) -> tuple[str, list[Any]]:
    """The single-stream INSERT and its arguments: the stream and its context once, not per
    event; versions follow from the expected one on the server."""
    ctx = rows.context
    args: list[Any] = [
        rows.stream_id,
        rows.stream_type,
        rows.expected_version,
        rows.event_ids,
        rows.event_types,
        rows.datas,
        ctx.recorded_at,
        ctx.actor,
        ctx.correlation_id,
        ctx.causation_id,
        ctx.traceparent,
        ctx.source,
    ]
    if idempotency is None:
        return sql.append_stream, args
    i = idempotency
    args += [i.key, i.fingerprint, i.status_code, json_text(i.response)]
    return sql.append_stream_keyed, args


def append_args(
    planned: Plan, idempotency: api.IdempotencyRecord | None, context: api.AppendContext | None
) -> list[Any]:
    """The arguments of the schema's `append_events` function: a batch over several streams."""
    ev = planned.events
    key = fingerprint = status = response = None
    if idempotency is not None:
        key, fingerprint = idempotency.key, idempotency.fingerprint
        status, response = idempotency.status_code, json_text(idempotency.response)
    return [
        [s for s, _ in planned.checks],
        [v for _, v in planned.checks],
        key,
        fingerprint,
        status,
        response,
        context.recorded_at if context else None,
        [e.event_id for e in ev],
        [e.event_type for e in ev],
        [e.stream_id for e in ev],
        [e.stream_type for e in ev],
        [e.version for e in ev],
        [json_text(e.data) for e in ev],
        [e.context.recorded_at for e in ev],
        [e.context.actor for e in ev],
        [e.context.correlation_id for e in ev],
        [e.context.causation_id for e in ev],
        [e.context.traceparent for e in ev],
        [e.context.source for e in ev],
    ]
