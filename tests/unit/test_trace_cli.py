"""`lmis trace`: one trace as a tree from the embedded platform's span files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from lmis_cli.main import app
from lmis_cli.traces import spans_of, tree

TRACE = "d1719f8e20b6129cd6ef53b909885ec0"
OTHER = "3829b561f27e9c12aecf06aa18622821"


def span(trace_id: str, span_id: str, parent: str | None, name: str, service: str, ms: int) -> str:
    return json.dumps(
        {
            "trace_id": trace_id,
            "span_id": span_id,
            "parent_span_id": parent,
            "name": name,
            "start_time": f"2026-12-04T19:51:30.{ms:03d}000+00:00",
            "end_time": f"2026-12-04T19:51:30.{ms + 5:03d}000+00:00",
            "status": "UNSET",
            "attributes": {},
            "service": service,
        }
    )


@pytest.fixture
def traces(tmp_path: Path) -> Path:
    directory = tmp_path / "traces"
    directory.mkdir()
    (directory / "registry.jsonl").write_text(
        "\n".join(
            [
                span(TRACE, "a" * 16, "f" * 16, "POST /v1/workers", "lmis-registry", 100),
                span(TRACE, "b" * 16, "a" * 16, "eventstore.append", "lmis-registry", 110),
                span(OTHER, "c" * 16, None, "POST /v1/loans", "lmis-registry", 120),
            ]
        )
        + "\n"
    )
    (directory / "reporting.jsonl").write_text(
        span(TRACE, "d" * 16, "b" * 16, "process worker.registered", "lmis-reporting", 200) + "\n"
    )
    return directory


def test_only_the_spans_of_the_trace_are_read_in_start_order(traces: Path) -> None:
    names = [s.name for s in spans_of(traces, TRACE)]
    assert names == ["POST /v1/workers", "eventstore.append", "process worker.registered"]


def test_the_tree_nests_spans_under_their_parents_across_processes(traces: Path) -> None:
    console = Console(width=200, record=True)
    console.print(tree(TRACE, spans_of(traces, TRACE)))
    lines = console.export_text().splitlines()

    assert lines[0] == f"trace {TRACE}"
    assert lines[1].startswith("└── POST /v1/workers  lmis-registry  +0.0 ms, 5.0 ms")
    assert lines[2].startswith("    └── eventstore.append  lmis-registry  +10.0 ms")
    assert lines[3].startswith("        └── process worker.registered  lmis-reporting  +100.0 ms")


def test_an_unknown_trace_exits_1_and_a_malformed_id_is_refused(
    traces: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMIS_DATA_DIR", str(traces.parent))
    missing = CliRunner().invoke(app, ["trace", "0" * 32])
    malformed = CliRunner().invoke(app, ["trace", "not-a-trace"])

    assert missing.exit_code == 1
    assert malformed.exit_code == 2
