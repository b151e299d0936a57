"""The alert tables' statements, and rows to values and back (for `alert_book.py` and
`alert_reads.py`). jsonb travels as text: asyncpg's default codec."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from lmis_notify.adapters._columns import column_arrays
from lmis_notify.domain.alerts import Alert
from lmis_notify.domain.model import Deadline, Subject
from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind

ADD_SUBJECTS = """
    INSERT INTO {s}.alert_subjects
        (subject_id, kind, unit_code, province_code, schedule, report, deadlines, paid_vnd)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[],
                         $6::jsonb[], $7::jsonb[], $8::bigint[])
    ON CONFLICT (subject_id) DO NOTHING"""

SAVE_SUBJECTS = ADD_SUBJECTS.replace(
    "DO NOTHING",
    "DO UPDATE SET kind = excluded.kind, unit_code = excluded.unit_code,"
    " province_code = excluded.province_code, schedule = excluded.schedule,"
    " report = excluded.report, deadlines = excluded.deadlines, paid_vnd = excluded.paid_vnd",
)

ADD_DEADLINES = """
    INSERT INTO {s}.deadlines AS d (subject_id, rule, due_on, status)
    SELECT s, r, o, 'pending' FROM unnest($1::uuid[], $2::text[], $3::date[]) AS t(s, r, o)
    ON CONFLICT (subject_id, rule, due_on) DO NOTHING"""

SET_DEADLINES = ADD_DEADLINES.replace(
    "DO NOTHING", "DO UPDATE SET status = 'pending' WHERE d.status = 'cancelled'"
)

# SET_DEADLINES, then MARK_RAISED of those whose $4 says 'raised', in one statement: stored
# raised, a cancelled one revived straight to raised, a pending one raised, a raised one kept
SET_DEADLINES_RAISING = """
    INSERT INTO {s}.deadlines AS d (subject_id, rule, due_on, status)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[], $4::text[])
    ON CONFLICT (subject_id, rule, due_on) DO UPDATE SET status = excluded.status
    WHERE d.status = 'cancelled' OR (d.status = 'pending' AND excluded.status = 'raised')"""

_FROM_PENDING = """
    UPDATE {s}.deadlines AS d SET status = '%s'
    FROM unnest($1::uuid[], $2::text[], $3::date[]) AS t(s, r, o)
    WHERE d.subject_id = t.s AND d.rule = t.r AND d.due_on = t.o AND d.status = 'pending'"""

CANCEL = _FROM_PENDING % "cancelled"
MARK_RAISED = _FROM_PENDING % "raised"

# Whole problems: every due deadline of the first `$2` (subject, rule) pairs, so that one
# sweep raises a loan's missed instalments as one alert, not one and then an update.
DUE = """
    WITH pairs AS (
        SELECT subject_id, rule, min(due_on) AS first FROM {s}.deadlines
        WHERE status = 'pending' AND due_on <= $1
        GROUP BY subject_id, rule ORDER BY first, subject_id, rule LIMIT $2)
    SELECT d.rule, d.due_on, s.* FROM pairs p
    JOIN {s}.deadlines d ON d.subject_id = p.subject_id AND d.rule = p.rule
    JOIN {s}.alert_subjects s ON s.subject_id = d.subject_id
    WHERE d.status = 'pending' AND d.due_on <= $1
    ORDER BY p.first, d.subject_id, d.rule, d.due_on"""

# The reads of a batch probe an index once per key asked about (`LATERAL (... OFFSET 0)`), in
# whatever plan the connection caches: `= ANY($1)` or a join on `unnest`, planned while the
# table was small (a new schema's first batches), stays a sequential scan in the cached generic
# plan until the next ANALYZE, read in full by every batch after (16 ms a batch at 50,000
# subjects, measured; the processor slowed as its tables grew).

SUBJECTS = """
    SELECT s.* FROM unnest($1::uuid[]) AS t(id),
        LATERAL (SELECT * FROM {s}.alert_subjects WHERE subject_id = t.id OFFSET 0) s"""

ALERTS = """
    SELECT a.* FROM unnest($1::uuid[]) AS t(id),
        LATERAL (SELECT * FROM {s}.alerts WHERE id = t.id OFFSET 0) a"""

# $1, $2: the (subject, rule) pairs asked about
RAISED = """
    SELECT d.subject_id, d.rule, d.due_on FROM unnest($1::uuid[], $2::text[]) AS t(s, r),
        LATERAL (SELECT subject_id, rule, due_on FROM {s}.deadlines
                 WHERE subject_id = t.s AND rule = t.r AND status = 'raised' OFFSET 0) d"""

OPEN_ALERTS = """
    SELECT a.* FROM unnest($1::uuid[], $2::text[]) AS t(s, r),
        LATERAL (SELECT * FROM {s}.alerts
                 WHERE subject_id = t.s AND rule = t.r AND resolved_at IS NULL OFFSET 0) a
    ORDER BY a.due_on, a.id"""

CROWDED = """
    SELECT subject_id, rule FROM {s}.alerts WHERE resolved_at IS NULL
    GROUP BY subject_id, rule HAVING count(*) > 1 ORDER BY subject_id, rule LIMIT $1"""

SAVE_ALERTS = """
    INSERT INTO {s}.alerts (id, rule, subject_id, subject_kind, unit_code, province_code, due_on,
                           report, raised_at, resolved_at, acknowledged_by, acknowledged_at,
                           version, missed, amount_vnd, updated_at)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                         $7::date[], $8::jsonb[], $9::timestamptz[], $10::timestamptz[],
                         $11::text[], $12::timestamptz[], $13::int[], $14::int[],
                         $15::bigint[], $16::timestamptz[])
    ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at,
        acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at,
        version = excluded.version, missed = excluded.missed, amount_vnd = excluded.amount_vnd,
        updated_at = excluded.updated_at"""


def pair_columns(pairs: Sequence[tuple[UUID, AlertRule]]) -> tuple[list[Any], ...]:
    return ([s for s, _ in pairs], [r.value for _, r in pairs])


def deadline_columns(deadlines: Sequence[Deadline]) -> tuple[list[Any], ...]:
    return column_arrays(deadlines, "subject_id", "rule.value", "due_on")


def alert_columns(alerts: Sequence[Alert]) -> tuple[list[Any], ...]:
    return column_arrays(
        alerts,
        "id",
        "rule.value",
        "subject_id",
        "subject_kind.value",
        "unit_code",
        "province_code",
        "due_on",
        lambda a: _report_json(a.report),
        "raised_at",
        "resolved_at",
        "acknowledged_by",
        "acknowledged_at",
        "version",
        "missed",
        "amount_vnd",
        "updated_at",
    )


def subject_columns(subjects: Sequence[Subject]) -> tuple[list[Any], ...]:
    return column_arrays(
        subjects,
        "id",
        "kind.value",
        "unit_code",
        "province_code",
        _schedule_json,
        lambda s: _report_json(s.report),
        _deadlines_json,
        "paid_vnd",
    )


# most subjects (a worker just registered) have neither: no encoder run for an empty list
def _schedule_json(s: Subject) -> str:
    return json.dumps([[n, d.isoformat(), a] for n, d, a in s.schedule]) if s.schedule else "[]"


def _deadlines_json(s: Subject) -> str:
    if not s.deadlines:
        return "[]"
    return json.dumps([[d.rule, d.due_on.isoformat()] for d in sorted(s.deadlines)])


def subject_from_row(row: asyncpg.Record) -> Subject:
    # rows stored before amounts were remembered say [number, due]: 0 until a rebuild
    schedule = tuple(
        (int(n), date.fromisoformat(d), int(rest[0]) if rest else 0)
        for n, d, *rest in json.loads(row["schedule"])
    )
    subject_id = row["subject_id"]
    deadlines = frozenset(
        Deadline(AlertRule(rule), subject_id, date.fromisoformat(due))
        for rule, due in json.loads(row["deadlines"])
    )
    return Subject(
        id=subject_id,
        kind=SubjectKind(row["kind"]),
        unit_code=row["unit_code"],
        province_code=row["province_code"],
        schedule=schedule,
        report=_report(row["report"]),
        deadlines=deadlines,
        paid_vnd=row["paid_vnd"],
    )


def _report(value: str | None) -> ReportRef | None:
    return ReportRef.model_validate_json(value) if value else None


def _report_json(report: ReportRef | None) -> str | None:
    return report.model_dump_json() if report else None


def alert_from_row(row: asyncpg.Record) -> Alert:
    # each column bears the name of the field it fills; three hold the text form of their value
    values = {field.name: row[field.name] for field in fields(Alert)}
    values["rule"] = AlertRule(row["rule"])
    values["subject_kind"] = SubjectKind(row["subject_kind"])
    values["report"] = _report(row["report"])
    return Alert(**values)
