"""Log lines are JSON, carry the trace they belong to, and hold no personal identifier."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from lmis_shared.logging import REDACTED, get_logger, redact_text, setup_logging

CITIZEN_ID = "012198001234"


@pytest.fixture(autouse=True)
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging("registry", "INFO")
    yield
    root.handlers[:], root.level = handlers, level  # leave other tests' logging as it was
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_a_line_carries_timestamp_level_service_and_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    get_logger("test").info("worker registered", worker_id="w-1")

    [line] = lines(capsys)
    assert line["event"] == "worker registered"
    assert line["level"] == "info"
    assert line["service"] == "registry"
    assert line["worker_id"] == "w-1"
    assert str(line["timestamp"]).endswith("Z")


def test_a_line_logged_inside_a_span_carries_its_trace_and_span_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("command") as span:
        get_logger("test").info("deciding")
        context = span.get_span_context()

    [line] = lines(capsys)
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_personal_fields_and_citizen_id_shapes_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    get_logger("test").info(
        f"duplicate citizen id {CITIZEN_ID}",
        citizen_id=CITIZEN_ID,
        full_name="Lò Thị Mai",
        worker={"phone": "0912345678", "commune_code": "03637"},
        note=f"see {CITIZEN_ID}",
    )

    output = capsys.readouterr().out
    assert CITIZEN_ID not in output
    assert "Mai" not in output
    assert "0912345678" not in output
    [line] = [json.loads(output)]
    assert line["citizen_id"] == REDACTED
    assert line["worker"] == {"phone": REDACTED, "commune_code": "03637"}


def test_standard_library_loggers_share_the_json_format_and_redaction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("uvicorn.error").warning("bad request from %s", CITIZEN_ID)

    [line] = lines(capsys)
    assert line["service"] == "registry"
    assert line["level"] == "warning"
    assert line["event"] == f"bad request from {REDACTED}"


def test_an_exception_is_logged_with_its_stack_and_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        raise LookupError(f"no person {CITIZEN_ID}")
    except LookupError:
        get_logger("test").exception("lookup failed")

    [line] = lines(capsys)
    assert "LookupError" in str(line["exception"])
    assert CITIZEN_ID not in str(line["exception"])


def test_setting_up_twice_does_not_print_lines_twice(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("registry", "INFO")

    get_logger("test").info("once")

    assert len(lines(capsys)) == 1


def test_extra_fields_of_standard_library_calls_are_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("faust").info("joined", extra={"topic": "lmis.registry.events"})

    [line] = lines(capsys)
    assert line["topic"] == "lmis.registry.events"
    assert "message" not in line


def test_access_lines_with_query_strings_are_not_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("uvicorn.access").info('"GET /v1/workers?q=%s HTTP/1.1" 200', "Mai")

    assert lines(capsys) == []


def test_a_uuid_whose_last_group_is_all_digits_is_not_taken_for_a_citizen_id() -> None:
    uuid_path = "/v1/workers/0b7c1d2e-3f40-4a5b-8c6d-123456789012"
    assert redact_text(uuid_path) == uuid_path
    # the same digits anywhere else are still a citizen id's shape
    assert CITIZEN_ID not in redact_text(f"/v1/workers/x-{CITIZEN_ID}")
    assert CITIZEN_ID not in redact_text(f"cccd-{CITIZEN_ID}")
    assert CITIZEN_ID not in redact_text(f"{CITIZEN_ID}abc")
