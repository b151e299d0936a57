"""JSON logs on stdout, one object a line, free of personal identifiers.

Every line carries `timestamp` (UTC, ISO 8601), `level`, `service`, `event`, and the
`trace_id`/`span_id` of the span current when it was logged, so a log line leads to its trace.
structlog and the standard library (uvicorn, faust, asyncpg, ...) go through the same chain.

Redaction is a processor, not a convention: values under personal keys (`citizen_id`,
`full_name`, `phone`, ...) are replaced, and any 12-digit run (the shape of a citizen ID) is
masked in every string, the message and exception text included.

Public API:
    setup_logging(service: str, level: str = "INFO") -> None    idempotent; call at start
    get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger
    redact(value: object) -> object          what the processor does to one value
    redact_text(text: str) -> str            masks 12-digit runs
    REDACTED, PERSONAL_KEYS
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO, cast

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[REDACTED]"
PERSONAL_KEYS = frozenset(
    {
        "citizen_id",
        "passport_number",
        "passport",
        "full_name",
        "name",
        "phone",
        "email",
        "date_of_birth",
        "address",
    }
)
# Twelve digits on their own, except the last group of a UUID (8-4-4-4-12 hex), which is all
# digits about once in 300 ids and is an id we made, not a citizen's.
_CITIZEN_ID_SHAPE = re.compile(
    r"(?<![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-)(?<!\d)\d{12}(?!\d)"
)
# Ids we put there ourselves: hex that may by chance hold 12 digits in a row.
_NOT_REDACTED = frozenset({"trace_id", "span_id", "timestamp"})
_HANDLER_MARK = "_lmis_json_handler"


def redact_text(text: str) -> str:
    return _CITIZEN_ID_SHAPE.sub(REDACTED, text)


def redact(value: object) -> object:
    """Mask personal values inside `value`, looking into mappings, lists and tuples."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: REDACTED if _is_personal(key) else redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def setup_logging(service: str, level: str = "INFO") -> None:
    """Route structlog and the standard library to one JSON line format on stdout."""
    shared = _shared_processors(service)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_event,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = _StdoutHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own handlers would print a second, non-JSON copy of each line.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Access lines quote the query string (`?q=<a name>`); the request span records each
    # request instead, scrubbed.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("httpx", "httpcore"):
        # Their INFO lines are full URLs, query strings (names, ids) included.
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return cast(structlog.stdlib.BoundLogger, structlog.get_logger(name))


def _shared_processors(service: str) -> list[Processor]:
    def add_service(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        add_service,
        _add_trace_ids,
        _add_extras,
    ]


# Attributes every LogRecord has, plus ones formatters and uvicorn add that only repeat the
# message (uvicorn's `color_message` holds terminal colour codes).
_RECORD_KEYS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}


def _add_extras(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Fields a standard-library caller passed with `extra={...}`."""
    record = event.get("_record")
    if isinstance(record, logging.LogRecord):
        for key, value in record.__dict__.items():
            if key not in _RECORD_KEYS and not key.startswith("_"):
                event.setdefault(key, value)
    return event


def _add_trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def _redact_event(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    return {
        key: value if key in _NOT_REDACTED else REDACTED if _is_personal(key) else redact(value)
        for key, value in event.items()
    }


def _is_personal(key: object) -> bool:
    return isinstance(key, str) and key.lower() in PERSONAL_KEYS


class _StdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stdout` is at the time (test capture swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:
        pass
