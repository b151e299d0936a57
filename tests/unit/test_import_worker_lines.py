"""What an import's worker process hands back per row (`adapters/import_pool.Preparer`) and
the COPY lines it writes for them (`copy_text.key_lines`, `import_pool.by_row`), without
PostgreSQL: each row keeps its own lines, a file found stored already gets none, and a key's
shared columns are written as each record says."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from importlib.resources import files
from uuid import UUID

from pydantic_core import to_json

from lmis_registry.adapters import worker_list
from lmis_registry.adapters.bulk_files import _in_list_order
from lmis_registry.adapters.import_pool import NOT_STORED, Preparer, WorkerSetup, by_row
from lmis_registry.application.import_prepared import PreparingJob
from lmis_registry.application.import_rows import RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.copy_text import key_lines, line
from lmis_shared.imports import Row, Table, read_table
from lmis_shared.privacy.keys import MASTER_KEY_BYTES, LocalMasterKey
from lmis_shared.privacy.keystore import KeyRecord

SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _preparer_and_job() -> tuple[Preparer, PreparingJob, list[tuple[int, dict[str, str]]]]:
    table = read_table(SAMPLE.read_bytes(), WORKER_TEMPLATE)
    setup = WorkerSetup(b"lookup" * 6, LocalMasterKey(b"\x07" * MASTER_KEY_BYTES), Authorizer())
    context = AppendContext("officer-1", uuid.uuid4(), None, None, "import", NOW)
    principal = Principal("officer-1", Role.PROVINCE_OFFICER, "12")
    job = PreparingJob(principal, date(2026, 11, 23), context, dict(table.headings), False)
    rows = [(r.number, dict(r.values)) for r in table.rows[:4]]
    rows.insert(1, (99, {"full_name": "Lò Văn Páo"}))  # refused: required cells missing
    return Preparer(setup), job, rows


def test_a_file_stored_already_gets_no_lines_and_every_other_row_keeps_its_own() -> None:
    preparer, job, rows = _preparer_and_job()
    first = preparer.prepare(job, rows)
    ids = [raw[1] for raw in first if not isinstance(raw, list)]
    stored = frozenset({ids[1]})

    again = preparer.prepare(job, rows, stored)

    assert isinstance(again[1], list)  # the refused row, in its place
    prepared = [raw for raw in again if not isinstance(raw, list)]
    assert [raw[1] for raw in prepared] == ids
    for raw in prepared:
        file_id = str(UUID(bytes=raw[1]))
        events, key, listed, claim = raw[3:7]
        if raw[1] in stored:
            assert (events, key, listed, claim) == tuple(NOT_STORED)
            continue
        assert events.split("\t")[2] == file_id  # the row's own event (its stream)
        assert key.startswith(file_id + "\t")
        assert listed.startswith(file_id + "\t")
        assert claim is not None
        assert claim.endswith(f"\t{file_id}\n")  # its own claim line


def test_event_lines_are_joined_per_row_however_many_each_has() -> None:
    lines = ["a\n", "b\n", "c\n", "d\n"]

    assert by_row(lines, [1, 2, 1]) == ["a\n", "b\nc\n", "d\n"]
    assert by_row(lines, [1, 1, 1, 1]) == lines
    assert by_row(lines, [3, 1]) == ["a\nb\nc\n", "d\n"]
    assert by_row(lines[:3], [0, 2, 1]) == ["", "a\nb\n", "c\n"]  # counts, not lengths


def test_key_lines_write_each_records_own_master_key_and_time() -> None:
    later = datetime(2026, 11, 24, tzinfo=UTC)
    records = [
        KeyRecord(uuid.uuid4(), b"\x01\\", "key-a", NOW),
        KeyRecord(uuid.uuid4(), b"\x02", "key-b", NOW),
        KeyRecord(uuid.uuid4(), b"\x03", "key-a", later),
        KeyRecord(uuid.uuid4(), None, None, later),
        KeyRecord(uuid.uuid4(), b"\x04", "key-a", NOW),
    ]

    written = key_lines(records)

    assert written == {
        r.subject_id: line((r.subject_id, r.wrapped, r.master_key_id, r.created_at))
        for r in records
    }


def test_an_event_line_holds_the_events_own_json_and_the_list_row_the_files_own_row() -> None:
    """Unsealed (no master key), each row's event data is its event's `model_dump` as JSON,
    and its list row `worker_list.row_of` of the file the row plans."""
    _, job, rows = _preparer_and_job()
    preparer = Preparer(WorkerSetup(b"lookup" * 6, None, Authorizer()))
    table = Table(WORKER_TEMPLATE, job.headings, [])
    planner = RowPlanner(table, job.principal, job.today, Authorizer(), preparer.file_id)
    planned = [planner.plan_row(Row(number, values)) for number, values in rows if number != 99]

    prepared = [raw for raw in preparer.prepare(job, rows) if not isinstance(raw, list)]

    assert len(prepared) == len(planned) == 4
    for raw, plan in zip(prepared, planned, strict=True):
        [event] = plan.events
        data = raw[3].split("\t")[5]
        assert data == to_json(event.model_dump(mode="json")).decode()
        assert raw[5] == line(worker_list.row_of(plan.after))


def test_list_lines_go_newest_registration_first_ties_in_the_order_given() -> None:
    def listed(worker_id: str, name: str, registered_on: date) -> str:
        values = [worker_id, 1, "registered", name, name.lower(), "03640", "12", []]
        return line([*values, registered_on, None, None, None, None, None, None, "unverified"])

    lines = [
        listed("f", "Lò\tVăn", date(2024, 1, 2)),  # a tab in a cell is escaped, not a column
        listed("e", "A", date(2025, 3, 1)),
        listed("d", "B\\", date(2024, 1, 2)),
        listed("c", "C", date(2023, 12, 31)),
        listed("b", "D", date(2025, 3, 1)),
    ]

    ordered = _in_list_order(lines)

    assert [text.split("\t", 1)[0] for text in ordered] == ["e", "b", "f", "d", "c"]
