"""What an import's worker process hands back per row (`adapters/import_pool.Preparer`) and
the COPY rows it writes for them (`copy_rows.key_rows`, `import_pool.by_row`), without
PostgreSQL: each row keeps its own lines, a file found stored already gets none, and a key's
shared columns are written as each key's first event says."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from uuid import UUID

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic_core import to_json

from lmis_registry.adapters import worker_list
from lmis_registry.adapters.import_lines import in_list_order
from lmis_registry.adapters.import_pool import NOT_STORED, Preparer, WorkerSetup, by_row
from lmis_registry.application.import_prepared import PreparingJob
from lmis_registry.application.import_rows import RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.domain.workers import WorkerFile
from lmis_registry.domain.workers.state import Abroad
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.contracts.registry import PriorityGroup
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.bulk import PlannedEvent
from lmis_shared.eventstore.copy_rows import key_rows, timestamptz_field
from lmis_shared.imports import Row, Table, read_table
from lmis_shared.privacy.keys import MASTER_KEY_BYTES, LocalMasterKey
from lmis_shared.processing.copy_binary import read_fields

SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _context() -> AppendContext:
    return AppendContext("officer-1", uuid.uuid4(), None, None, "import", NOW)


def _preparer_and_job() -> tuple[Preparer, PreparingJob, list[tuple[int, dict[str, str]]]]:
    table = read_table(SAMPLE.read_bytes(), WORKER_TEMPLATE)
    setup = WorkerSetup(b"lookup" * 6, LocalMasterKey(b"\x07" * MASTER_KEY_BYTES), Authorizer())
    context = _context()
    principal = Principal("officer-1", Role.PROVINCE_OFFICER, "12")
    job = PreparingJob(principal, date(2026, 11, 23), context, dict(table.headings), False)
    rows = [(r.number, dict(r.values)) for r in table.rows[:4]]
    rows.insert(1, (99, {"full_name": "Lò Văn Páo"}))  # refused: required cells missing
    return Preparer(setup), job, rows


@cache
def _planned_state() -> WorkerFile:
    preparer, job, rows = _preparer_and_job()
    table = Table(WORKER_TEMPLATE, job.headings, [])
    planner = RowPlanner(table, job.principal, job.today, Authorizer(), preparer.file_id)
    return planner.plan_row(Row(*rows[0])).after


def test_a_file_stored_already_gets_no_lines_and_every_other_row_keeps_its_own() -> None:
    preparer, job, rows = _preparer_and_job()
    first, _ = preparer.prepare(job, rows)
    ids = [raw[1] for raw in first if not isinstance(raw, list)]
    stored = frozenset({ids[1]})

    again, lines = preparer.prepare(job, rows, stored)

    assert isinstance(again[1], list)  # the refused row, in its place
    prepared = [raw for raw in again if not isinstance(raw, list)]
    assert [raw[1] for raw in prepared] == ids
    assert lines.size == len(ids) - 1
    for raw in prepared:
        file_id = str(UUID(bytes=raw[1]))
        if raw[1] in stored:
            assert raw[3] == NOT_STORED
            continue
        events, key, listed, claim = lines.row(raw[3])
        assert read_fields(events, 0)[2] == UUID(file_id).bytes  # the row's own event
        assert read_fields(key, 0)[0] == UUID(file_id).bytes
        assert read_fields(listed, 0)[0] == UUID(file_id).bytes
        assert claim is not None
        assert read_fields(claim, 0)[1] == UUID(file_id).bytes  # its own claim


def test_event_rows_are_joined_per_row_however_many_each_has() -> None:
    rows = [b"a", b"b", b"c", b"d"]

    assert by_row(rows, [1, 2, 1]) == [b"a", b"bc", b"d"]
    assert by_row(rows, [1, 1, 1, 1]) == rows
    assert by_row(rows, [3, 1]) == [b"abc", b"d"]
    assert by_row(rows[:3], [0, 2, 1]) == [b"", b"ab", b"c"]  # counts, not lengths


def test_key_rows_write_each_keys_own_time_and_the_master_keys_id() -> None:
    """Each key made by `seal_new_streams` is written as its subject's `person_keys` row,
    with its first event's time (two appends' events may differ)."""
    later = AppendContext("officer-2", uuid.uuid4(), None, None, "import", NOW.replace(hour=9))
    events = [
        PlannedEvent(uuid.uuid4(), "t", uuid.uuid4(), "worker", 1, {}, context)
        for context in (_context(), _context(), later, _context())
    ]
    made = list(zip(events, [b"\x01\\", b"\x02", b"\x03\t", b"\x04"], strict=True))

    written = key_rows(made, "key-a")

    assert {subject: read_fields(row, 0) for subject, row in written.items()} == {
        e.stream_id.int: [
            e.stream_id.bytes,
            wrapped,
            b"key-a",
            timestamptz_field(e.context.recorded_at)[4:],  # after its length
        ]
        for e, wrapped in made
    }


def test_an_event_line_holds_the_events_own_json_and_the_list_row_the_files_own_row() -> None:
    """Unsealed (no master key), each row's event data is its event's `model_dump` as JSON,
    and its list row `worker_list.row_of` of the file the row plans."""
    _, job, rows = _preparer_and_job()
    preparer = Preparer(WorkerSetup(b"lookup" * 6, None, Authorizer()))
    table = Table(WORKER_TEMPLATE, job.headings, [])
    planner = RowPlanner(table, job.principal, job.today, Authorizer(), preparer.file_id)
    planned = [planner.plan_row(Row(number, values)) for number, values in rows if number != 99]

    raws, lines = preparer.prepare(job, rows)
    prepared = [raw for raw in raws if not isinstance(raw, list)]

    assert len(prepared) == len(planned) == 4
    for raw, plan in zip(prepared, planned, strict=True):
        [event] = plan.events
        fields = read_fields(lines.row(raw[3]).events, 0)
        assert fields[5] == b"\x01" + to_json(event.model_dump(mode="json"))  # jsonb's version
        assert lines.row(raw[3]).listed == worker_list.binary_row(worker_list.row_of(plan.after))


def test_list_lines_go_newest_registration_first_ties_in_the_order_given() -> None:
    def listed(worker_id: str, name: str, registered_on: date) -> tuple[int, bytes]:
        return registered_on.toordinal(), f"{worker_id}\t{name}".encode()

    lines = [
        listed("f", "Lò Văn", date(2024, 1, 2)),
        listed("e", "A", date(2025, 3, 1)),
        listed("d", "B\\", date(2024, 1, 2)),
        listed("c", "C", date(2023, 12, 31)),
        listed("b", "D", date(2025, 3, 1)),
    ]

    ordered = in_list_order(lines)

    assert [row.split(b"\t", 1)[0] for row in ordered] == [b"e", b"b", b"f", b"d", b"c"]


@given(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
    st.lists(st.sampled_from(PriorityGroup), max_size=3).map(tuple),
    st.booleans(),
)
@example("Lò Văn\\Páo\t", (), False)
@example("Giàng A Sử", (PriorityGroup.ethnic_minority,), True)
def test_a_files_list_row_is_written_as_line_writes_its_row(
    name: str, groups: tuple[PriorityGroup, ...], abroad: bool
) -> None:
    """`worker_list.row_line` writes a file's row as `binary_row(row_of(...))` does, whatever
    its texts, priority groups, or whether it is abroad (written by `binary_row`)."""
    planned = _planned_state()
    state = replace(
        planned,
        person=planned.person.model_copy(update={"full_name": name}),
        priority_groups=groups,
        abroad=Abroad(date(2026, 1, 2), "Nội Bài") if abroad else None,
    )

    assert worker_list.row_line(state) == worker_list.binary_row(worker_list.row_of(state))
