"""The communes' monthly reports of jobs created through the programmes besides loans and
departures (the Đồng Tháp plan's "giải quyết việc làm"; `POST /v1/job-creation-reports`), so
the demo's `jobs_created` counts them too: the province's first communes, each of the last
twelve months before today's, a few programmes each. Each report draws from a generator of
its own (`rng_for(..., "job-report", n)`): no other draw of the plan shifts."""

from __future__ import annotations

from datetime import date

from lmis_cli.demo._random import rng_for
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import JOB_REPORT, Entity, Step

COMMUNES = 3
MONTHS = 12
PROGRAMMES = ("job_fair", "employment_service", "labour_supply", "vocational_training")


def job_reports(setting: Setting) -> list[Entity]:
    """One report per commune, month and programme it ran (about two programmes a month)."""
    reports: list[Entity] = []
    drawn = 0
    for commune in setting.profile.communes[:COMMUNES]:
        for month in _last_months(setting.today):
            for programme in PROGRAMMES:
                drawn += 1
                rng = rng_for(setting.seed, setting.profile.code, "job-report", drawn)
                if rng.random() < 0.5:
                    continue  # not every programme places someone every month
                reported = date(month.year + month.month // 12, month.month % 12 + 1, 5)
                body = {
                    "commune_code": commune,
                    "period": f"{month.year}-{month.month:02d}",
                    "programme": programme,
                    "jobs": rng.randint(1, 25),
                    "reported_on": min(reported, setting.today).isoformat(),
                }
                ref = f"jobs-{commune}-{body['period']}-{programme}"
                reports.append(Entity(JOB_REPORT, ref, (Step("report", body),), "reported"))
    return reports


def _last_months(today: date) -> list[date]:
    """The first days of the `MONTHS` months before today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(date(year, month, 1))
    return months[::-1]
