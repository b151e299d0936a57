"""The province's yearly report (`yearly_department`, every section) produced as XLSX and PDF,
with 100,000 outbound workers (plus loans and foreign workers) in the reporting projection,
against two peers in the same run: the JSON form of the same report, and the raw indicator
queries behind its lines (`ReportingQueries.indicator_value`, one by one, as a client of
`GET /v1/indicators` would ask them).

The projection is filled through its own code (`IndicatorProjection.rebuild`) from generated
event histories of Lai Châu's communes (registration, training, contract, departure, and a
return, an absconding or an overstay for some; loans disbursed and part repaid; foreign
workers with permits), the path `lmis rebuild reporting` takes from the event stores. Times
are medians of `--repeat` runs, each reading everything again from PostgreSQL.

    .venv/bin/python bench/reports.py [--workers 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from vietnam_provinces.lookup import WARD_MAPPING

from harness import on_embedded_postgres, write_figures
from lmis_cli.embedded import EmbeddedPostgres
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.report_pdf import render_pdf
from lmis_reporting.adapters.report_xlsx import render_xlsx
from lmis_reporting.bootstrap import bootstrap, migrate
from lmis_reporting.domain.report_kinds import REPORT_KINDS
from lmis_reporting.entrypoints.report_views import ReportOut
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventMetadata, EventPayload, RecordedEvent
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.reference.units import province_of
from lmis_shared.settings import CommonSettings

RESULTS = Path(__file__).parent / "results" / "reports.json"
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
YEAR = "2026"
KIND = "yearly_department"
OFFICER = Principal("bench-officer", Role.PROVINCE_OFFICER, "12")
COMMUNES = sorted(
    f"{int(code):05d}" for code in WARD_MAPPING if province_of(f"{int(code):05d}") == "12"
)
MARKETS = (
    ("JP", "technical_intern", 45),
    ("KR", "korea_eps", 15),
    ("TW", "taiwan", 30),
    ("DE", "germany_nursing", 4),
    ("MY", "malaysia", 6),
)
SENDER = r.SendingOrganisation(
    kind=r.SendingOrganisationKind.licensed_enterprise,
    name="Công ty Cổ phần Nhân lực Sona",
    licence_number="123/LĐTBXH-GP",
)


def day_in(rnd: random.Random, first: date, span_days: int) -> date:
    return first + timedelta(days=rnd.randrange(max(span_days, 1)))


def worker_history(rnd: random.Random) -> list[EventPayload]:
    """One worker file: registered 2022–2026, and for most a departure; some come back."""
    registered = day_in(rnd, date(2022, 1, 1), 1790)
    events: list[EventPayload] = [
        r.WorkerRegistered(
            person=r.Person(
                full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="0" * 12
            ),
            sex=rnd.choice(list(r.Sex)),
            ethnicity=rnd.choice(("03", "08", "01", "09")),
            commune_code=rnd.choice(COMMUNES),
            province_code="12",
            priority_groups=(),
            registered_on=registered,
        )
    ]
    country, programme, _ = rnd.choices(MARKETS, weights=[m[2] for m in MARKETS])[0]
    trained = registered + timedelta(days=rnd.randrange(20, 90))
    if trained >= NOW.date() or rnd.random() < 0.15:
        return events
    events.append(
        r.WorkerEnrolledInTraining(
            kind=r.TrainingKind.language,
            centre="Trung tâm GDNN Lai Châu",
            language="ko",
            enrolled_on=registered + timedelta(days=10),
        )
    )
    exam = r.Exam.eps_topik if country == "KR" else None
    events.append(
        r.WorkerTrainingResultRecorded(
            kind=r.TrainingKind.language, completed_on=trained, passed=rnd.random() < 0.8, exam=exam
        )
    )
    signed = trained + timedelta(days=rnd.randrange(10, 60))
    left = signed + timedelta(days=rnd.randrange(20, 90))
    if left >= NOW.date():
        return events
    events.append(
        r.WorkerContractSigned(
            destination_country=country,
            programme=programme,
            sending_organisation=SENDER,
            employer="Hanil Manufacturing Co.",
            sector=r.Sector.manufacturing,
            start_date=left,
            duration_months=36,
            end_date=left + timedelta(days=1095),
            monthly_salary_vnd=30_000_000,
            fees_vnd={"service_fee": 650_000},
            signed_on=signed,
        )
    )
    events.append(r.WorkerDeparted(departure_date=left, border_gate="Nội Bài"))
    fate = rnd.random()
    end = left + timedelta(days=rnd.randrange(200, 1300))
    if end < NOW.date() and fate < 0.01:
        events.append(r.WorkerOverstayed(overstaying_since=end, source=r.ReportSource.embassy))
    elif end < NOW.date() and fate < 0.03:
        events.append(r.WorkerAbsconded(absconded_on=end, source=r.ReportSource.employer))
    elif end < NOW.date() and fate < 0.5:
        events.append(r.WorkerReturned(return_date=end, reason=r.ReturnReason.contract_completed))
    return events


def loan_history(rnd: random.Random) -> list[EventPayload]:
    applied = day_in(rnd, date(2023, 1, 1), 1400)
    amount = rnd.randrange(30, 120) * 1_000_000
    disbursed = applied + timedelta(days=15)
    schedule = tuple(
        loans.Instalment(
            number=n + 1,
            due_on=disbursed + timedelta(days=30 * (n + 1)),
            principal_vnd=amount // 12,
            interest_vnd=200_000,
        )
        for n in range(12)
    )
    events: list[EventPayload] = [
        loans.LoanApplied(
            worker_id=uuid.UUID(int=rnd.getrandbits(64)),
            purpose=loans.LoanPurpose.going_abroad,
            amount_vnd=amount,
            commune_code=rnd.choice(COMMUNES),
            province_code="12",
            applied_on=applied,
        ),
        loans.LoanApproved(approved_amount_vnd=amount, approved_on=applied + timedelta(days=5)),
    ]
    if disbursed < NOW.date():
        events.append(
            loans.LoanDisbursed(
                amount_vnd=sum(i.principal_vnd for i in schedule),
                disbursed_on=disbursed,
                term_months=12,
                annual_interest_rate_bp=660,
                schedule=schedule,
            )
        )
    return events


def foreign_worker_history(rnd: random.Random) -> list[EventPayload]:
    engaged = day_in(rnd, date(2024, 1, 1), 1000)
    position = rnd.choice(list(p.PositionType))
    employer = f"01{rnd.randrange(10**7, 10**8)}"
    return [
        p.ForeignWorkerRegistered(
            person=p.ForeignPerson(
                full_name="KIM MIN JUN",
                passport_number="M12345678",
                date_of_birth=date(1985, 7, 21),
            ),
            sex=rnd.choice(list(p.Sex)),
            nationality=rnd.choice(("CN", "KR", "JP", "TW", "IN")),
            employer_tax_code=employer,
            position=position,
            commune_code=rnd.choice(COMMUNES),
            province_code="12",
            engaged_on=engaged,
        ),
        p.PermitIssued(
            permit_number="LC-2026-000123",
            issue_date=engaged,
            expiry_date=engaged + timedelta(days=700),
            position=position,
            employer_tax_code=employer,
        ),
    ]


def histories(workers: int, seed: int = 7) -> Iterator[RecordedEvent]:
    rnd = random.Random(seed)
    kinds: list[tuple[str, Callable[[random.Random], list[EventPayload]], int]] = [
        ("worker", worker_history, workers),
        ("loan", loan_history, workers // 5),
        ("foreign_worker", foreign_worker_history, workers // 20),
    ]
    for stream_type, history, count in kinds:
        for _ in range(count):
            stream_id = uuid.UUID(int=rnd.getrandbits(128))
            for version, payload in enumerate(history(rnd), start=1):
                yield recorded(stream_id, stream_type, version, payload)


def recorded(
    stream_id: uuid.UUID, stream_type: str, version: int, payload: EventPayload
) -> RecordedEvent:
    metadata = EventMetadata(
        event_id=uuid.uuid4(),
        event_type=payload.event_type,
        stream_id=stream_id,
        stream_type=stream_type,
        stream_version=version,
        recorded_at=NOW,
        actor="bench",
        correlation_id=stream_id,
        source="/lmis/bench",
    )
    return RecordedEvent(metadata=metadata, data=payload.model_dump(mode="json"))


async def median_seconds(repeat: int, run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    times, last = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        last = await run()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3), last


async def measure(server: EmbeddedPostgres, workers: int, repeat: int) -> dict[str, Any]:
    pool = await create_pool(server.dsn, max_size=4)
    try:
        settings = ReportingSettings(schema_name="bench_reports")
        await migrate(pool, settings.schema_name)
        started = time.perf_counter()
        applied = await IndicatorProjection(pool, settings.schema_name).rebuild(
            histories(workers), batch_size=2000
        )
        loaded = time.perf_counter() - started
        app = bootstrap(pool, settings, CommonSettings(), clock=FixedClock(NOW))

        async def computed() -> Any:
            return await app.reports.report(OFFICER, KIND, "12", YEAR)

        async def raw_queries() -> int:
            lines = [line for s in REPORT_KINDS[KIND].sections for line in s.lines]
            for line in lines:
                await app.queries.indicator_value(
                    OFFICER, line.indicator, YEAR, "12", "current", by=line.by, as_of=NOW.date()
                )
            return len(lines)

        async def as_json() -> int:
            return len(ReportOut.of(await computed()).model_dump_json())

        async def as_xlsx() -> int:
            return len(render_xlsx(await computed()))

        async def as_pdf() -> int:
            return len(render_pdf(await computed()))

        queries_s, lines = await median_seconds(repeat, raw_queries)
        json_s, json_bytes = await median_seconds(repeat, as_json)
        xlsx_s, xlsx_bytes = await median_seconds(repeat, as_xlsx)
        pdf_s, pdf_bytes = await median_seconds(repeat, as_pdf)
        report = await computed()
        departed = next(
            line.total for s in report.sections for line in s.lines if line.indicator == "departed"
        )
        return {
            "measured_at": datetime.now(UTC).isoformat(),
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "store": {
                "workers": workers,
                "loans": workers // 5,
                "foreign_workers": workers // 20,
                "events_applied": applied,
                "load_seconds": round(loaded, 1),
                "departed_in_year": departed,
            },
            "report": {
                "kind": KIND,
                "unit": "12",
                "period": YEAR,
                "lines": lines,
                "repeat": repeat,
            },
            "seconds": {
                "xlsx": xlsx_s,
                "pdf": pdf_s,
                "json_peer": json_s,
                "raw_indicator_queries_peer": queries_s,
            },
            "bytes": {"xlsx": xlsx_bytes, "pdf": pdf_bytes, "json": json_bytes},
            "ratio_xlsx_to_json": round(xlsx_s / json_s, 2) if json_s else None,
            "ratio_pdf_to_json": round(pdf_s / json_s, 2) if json_s else None,
        }
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures = on_embedded_postgres(lambda server: measure(server, args.workers, args.repeat))
    write_figures(RESULTS, figures)
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
