"""The demo generator: deterministic, realistic in its proportions, and accepted by every
domain rule of the services it feeds (each plan is replayed through the pure `decide`
functions of the registry and the permits service, as their APIs would run them)."""

from __future__ import annotations

import io
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
from typer.testing import CliRunner

from lmis_cli.demo import Entity, Plan, Sizes, generate_plan, read_jsonl, write_jsonl
from lmis_cli.demo._loans import instalments
from lmis_cli.main import app
from lmis_permits.domain import demands as dm
from lmis_permits.domain import employers as em
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.foreign_workers import FileCommand, RegisterForeignWorker
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitStatus
from lmis_permits.domain.rules import PermitRules
from lmis_registry.domain import loans as ln
from lmis_registry.domain import senders
from lmis_registry.domain import workers as w
from lmis_registry.domain.loans import schedule
from lmis_shared.contracts.permits import PositionType

TODAY = date(2026, 11, 23)
BIG = Sizes(workers=2_000, employers=40, foreign_workers=600)

WORKER_COMMANDS: dict[str, type[w.AnyWorkerCommand]] = {
    "update-profile": w.UpdateProfile,
    "enrol-training": w.EnrolTraining,
    "record-training-result": w.RecordTrainingResult,
    "sign-contract": w.SignContract,
    "record-departure": w.RecordDeparture,
    "extend-contract": w.ExtendContract,
    "record-return": w.RecordReturn,
    "record-return-skills": w.RecordReturnSkills,
    "report-absconded": w.ReportAbsconded,
    "report-overstaying": w.ReportOverstaying,
    "withdraw": w.Withdraw,
    "record-residence-check": w.RecordResidenceCheck,
    "record-family-visit": w.RecordFamilyVisit,
}
LOAN_COMMANDS: dict[str, type[ln.LoanCommand]] = {
    c.name: c
    for c in (ln.ApproveLoan, ln.RejectLoan, ln.DisburseLoan, ln.RecordRepayment, ln.SettleLoan)
}
FILE_COMMANDS: dict[str, type[FileCommand]] = {c.name.value: c for c in get_args(FileCommand)}
# what each planned permit outcome must look like today: (status, employment ended?)
PERMIT_OUTCOMES = {
    "valid": (PermitStatus.valid, False),
    "extended": (PermitStatus.valid, False),
    "expiring": (PermitStatus.expiring, False),
    "extension_applied": (PermitStatus.expiring, False),
    "expired": (PermitStatus.expired, False),
    "ended": (PermitStatus.expired, True),
    "exempt": (PermitStatus.exempt, False),
    "pending": (PermitStatus.none, False),
}
FACT_DATES = (
    "registered_on",
    "enrolled_on",
    "completed_on",
    "signed_on",
    "departure_date",
    "date",
    "return_date",
    "withdrawn_on",
)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return generate_plan(12, BIG, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def worker_files(plan: Plan) -> dict[str, w.WorkerFile]:
    register = replay_senders(plan)
    return {e.ref: replay_worker(e, register) for e in plan.of_kind("worker")}


# --- replaying a plan through the domains --------------------------------------------------


def replay_senders(plan: Plan) -> dict[str, senders.SendingOrganisation]:
    """The register as the plan leaves it, by licence number."""
    register = {}
    for entity in plan.of_kind("sending_organisation"):
        command = senders.RegisterSendingOrganisation.model_validate(entity.steps[0].body)
        state = senders.AGGREGATE.fold_more(
            None, uuid.uuid4(), senders.decide(None, command, TODAY)
        )
        for step in entity.steps[1:]:
            complaint = senders.RecordComplaint.model_validate(step.body)
            events = senders.decide(state, complaint, TODAY)
            state = senders.AGGREGATE.fold_more(state, state.id, events)
        register[str(state.licence_number)] = state
    return register


def replay_worker(entity: Entity, register: dict[str, senders.SendingOrganisation]) -> w.WorkerFile:
    """As the registry runs it: a contract's organisation is looked up in the register."""
    registration = w.RegisterWorker.model_validate(entity.steps[0].body)
    state = w.AGGREGATE.fold_more(None, uuid.uuid4(), w.decide(None, registration, TODAY))
    for step in entity.steps[1:]:
        command = WORKER_COMMANDS[step.command].model_validate(step.body)
        sender = None
        if isinstance(command, w.SignContract):
            sender = register.get(str(command.sending_organisation.licence_number))
        events = w.decide(state, command, TODAY, sender=sender)
        state = w.AGGREGATE.fold_more(state, state.id, events)
    return state


def replay_loan(entity: Entity) -> ln.Loan:
    applied = ln.ApplyForLoan.model_validate({**entity.steps[0].body, "worker_id": uuid.uuid4()})
    events = ln.decide(None, applied, TODAY, borrower=ln.Borrower("03637", "12"))
    loan = ln.AGGREGATE.fold_more(None, uuid.uuid4(), events)
    for step in entity.steps[1:]:
        command = LOAN_COMMANDS[step.command].model_validate(step.body)
        loan = ln.AGGREGATE.fold_more(loan, loan.id, ln.decide(loan, command, TODAY))
    return loan


def replay_permits(plan: Plan) -> list[tuple[Entity, fw.ForeignWorkerFile]]:
    """Employers, then demands, then foreign workers, each checked against the headcount."""
    rules = PermitRules()
    employers: dict[str, em.Employer] = {}
    for entity in plan.of_kind("employer"):
        registration = em.RegisterEmployer.model_validate(entity.steps[0].body)
        [event] = em.decide(None, registration, TODAY)
        employers[entity.ref] = em.evolve(None, event, uuid.uuid4())
    approved = [replay_demand(e, employers[str(e.parent)]) for e in plan.of_kind("demand")]
    files: list[tuple[Entity, fw.ForeignWorkerFile]] = []
    for entity in plan.of_kind("foreign_worker"):
        command = RegisterForeignWorker.model_validate(entity.steps[0].body)
        employer = employers[str(entity.parent)]
        count = headcount(approved, [f for _, f in files], employer, command)
        [event] = fw.decide(None, command, TODAY, rules=rules, employer=employer, headcount=count)
        state = fw.evolve(None, event, uuid.uuid4())
        for step in entity.steps[1:]:
            file_command = FILE_COMMANDS[step.command].model_validate(step.body)
            for event in fw.decide(state, file_command, TODAY, rules=rules):
                state = fw.evolve(state, event, state.id)
        files.append((entity, state))
    return files


def replay_demand(entity: Entity, employer: em.Employer) -> dm.Demand:
    submit = dm.SubmitDemand.model_validate(entity.steps[0].body)
    [submitted] = dm.decide(None, submit, TODAY, employer=employer)
    demand = dm.evolve(None, submitted, uuid.uuid4())
    for step in entity.steps[1:]:
        body: Any = step.body
        model = next(m for m, name in dm.FOLLOW_UPS.items() if name == step.command)
        for event in dm.decide(demand, model.model_validate(body), TODAY):  # type: ignore[arg-type]
            demand = dm.evolve(demand, event, demand.id)
    return demand


def headcount(
    demands: list[dm.Demand],
    files: list[fw.ForeignWorkerFile],
    employer: em.Employer,
    command: RegisterForeignWorker,
) -> Headcount:
    """What the service's read model counts on the day of the engagement."""
    day, position = command.engaged_on or TODAY, command.position
    allowed = sum(
        d.approved_number or 0
        for d in demands
        if (d.employer_tax_code, d.position) == (employer.tax_code, position)
        and d.status == dm.DemandStatus.approved
        and d.period_start <= day <= d.period_end
    )
    engaged = sum(
        1
        for f in files
        if (f.employer_tax_code, f.position) == (employer.tax_code, position)
        and f.engaged_on <= day
        and (f.employment_end is None or f.employment_end.ended_on >= day)
    )
    return Headcount(PositionType(position), allowed, engaged)


# --- determinism ---------------------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_plan_and_another_seed_another() -> None:
    sizes = Sizes(workers=60, employers=5, foreign_workers=20)
    first = generate_plan(12, sizes, seed=3, today=TODAY)
    assert generate_plan(12, sizes, seed=3, today=TODAY) == first
    assert generate_plan(12, sizes, seed=4, today=TODAY) != first


def test_a_bigger_plan_keeps_the_smaller_ones_worker_files_and_loans() -> None:
    small = generate_plan(12, Sizes(workers=50, foreign_workers=0), seed=3, today=TODAY)
    big = generate_plan(12, Sizes(workers=120, foreign_workers=0), seed=3, today=TODAY)
    assert small.of_kind("worker") == big.of_kind("worker")[:50]
    assert set(map(repr, small.of_kind("loan"))) <= set(map(repr, big.of_kind("loan")))


def test_a_plan_survives_its_json_lines_and_the_command_line_writes_the_same(
    tmp_path: Path,
) -> None:
    plan = generate_plan(12, Sizes(workers=30, employers=3, foreign_workers=10), 5, TODAY)
    out = io.StringIO()
    write_jsonl(plan, out)
    (tmp_path / "plan.jsonl").write_text(out.getvalue(), encoding="utf-8")
    assert read_jsonl(tmp_path / "plan.jsonl") == plan

    argv = ["demo", "generate", "--workers", "30", "--employers", "3", "--foreign-workers", "10"]
    argv += ["--seed", "5", "--today", "2026-11-23", "--out", str(tmp_path / "cli.jsonl")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.jsonl").read_text(encoding="utf-8") == out.getvalue()


def test_an_unknown_province_is_refused() -> None:
    with pytest.raises(ValueError, match="province"):
        generate_plan(13, Sizes(workers=1), seed=1, today=TODAY)  # Lào Cai's old code, merged


# --- outbound workers ------------------------------------------------------------------------


def test_every_worker_file_is_accepted_by_the_registry_and_ends_as_planned(
    plan: Plan, worker_files: dict[str, w.WorkerFile]
) -> None:
    for entity in plan.of_kind("worker"):
        assert worker_files[entity.ref].status.value == entity.outcome, entity.ref


def test_citizen_ids_are_valid_for_lai_chau_and_unique(plan: Plan) -> None:
    bodies = [e.steps[0].body for e in plan.of_kind("worker")]
    ids = [w.RegisterWorker.model_validate(b).citizen_id for b in bodies]
    assert all(i.startswith("012") for i in ids)
    assert len(set(ids)) == len(ids)


def test_about_one_percent_overstay_and_every_state_of_the_lifecycle_is_there(
    worker_files: dict[str, w.WorkerFile],
) -> None:
    statuses = Counter(f.status for f in worker_files.values())
    assert set(statuses) == set(w.WorkerStatus)
    assert 0.008 <= statuses[w.WorkerStatus.overstaying] / len(worker_files) <= 0.012
    assert any(f.contract and f.contract.end_date < TODAY for f in worker_files.values()
               if f.status == w.WorkerStatus.departed)  # fmt: skip  # an overdue return to flag


def test_japan_and_taiwan_take_most_workers_korea_about_a_tenth(
    worker_files: dict[str, w.WorkerFile],
) -> None:
    contracts = [f.contract for f in worker_files.values() if f.contract]
    countries = Counter(c.destination_country for c in contracts)
    assert (countries["JP"] + countries["TW"]) / len(contracts) > 0.7
    assert 0.06 <= countries["KR"] / len(contracts) <= 0.14
    assert {"DE", "RO", "SG", "AU", "MY"} <= set(countries)
    assert len({c.programme for c in contracts}) >= 5
    senders = Counter(c.sending_organisation.kind.value for c in contracts)
    assert set(senders) == {"licensed_enterprise", "public_service_centre", "individual_contract"}


def test_ethnic_minorities_are_most_of_lai_chau_workers_and_men_a_majority(plan: Plan) -> None:
    bodies = [e.steps[0].body for e in plan.of_kind("worker")]
    assert 0.75 <= sum(b["ethnicity"] != "01" for b in bodies) / len(bodies) <= 0.92
    assert 0.55 <= sum(b["sex"] == "male" for b in bodies) / len(bodies) <= 0.75
    assert sum("poor_household" in b["priority_groups"] for b in bodies) > len(bodies) / 5


def test_facts_are_dated_in_lifecycle_order_and_never_after_today(plan: Plan) -> None:
    for entity in plan.of_kind("worker"):
        dates = [
            date.fromisoformat(s.body[f]) for s in entity.steps for f in FACT_DATES if f in s.body
        ]
        assert dates == sorted(dates), entity.ref
        assert dates[-1] <= TODAY, entity.ref


# --- loans -----------------------------------------------------------------------------------


def test_the_demo_schedule_is_the_registrys() -> None:
    for amount, start, term, rate in [
        (100_000_000, date(2024, 1, 31), 36, 660),
        (37_000_001, date(2025, 8, 29), 7, 792),
    ]:
        theirs = schedule.generate(amount, start, term, rate)
        assert instalments(amount, start, term, rate) == [(i.due_on, i.amount_vnd) for i in theirs]


def test_loans_are_accepted_and_some_repay_some_are_overdue_some_settled(plan: Plan) -> None:
    loans = plan.of_kind("loan")
    assert 0.15 <= len(loans) / len(plan.of_kind("worker")) <= 0.5
    outcomes = Counter(e.outcome for e in loans)
    assert {"repaying", "overdue", "settled", "rejected"} <= set(outcomes)
    for entity in loans:
        loan = replay_loan(entity)
        position = ln.position(loan, TODAY)
        assert position.overdue == (entity.outcome == "overdue"), entity.ref
        if entity.outcome in ("settled", "rejected", "approved", "applied"):
            assert loan.status.value == entity.outcome, entity.ref


# --- permits ---------------------------------------------------------------------------------


def test_foreign_workers_are_accepted_and_permits_are_in_every_state(plan: Plan) -> None:
    seen = set()
    for entity, state in replay_permits(plan):
        status = state.permit_status(TODAY, PermitRules().expiring_within_days)
        seen.add(status)
        if entity.outcome == "revoked":
            assert status is PermitStatus.revoked
        else:
            ended = state.employment_end is not None
            assert (status, ended) == PERMIT_OUTCOMES[entity.outcome], entity.ref
    assert seen == set(PermitStatus)


def test_employers_have_ten_digit_tax_codes_and_sites_in_the_province(plan: Plan) -> None:
    bodies = [e.steps[0].body for e in plan.of_kind("employer")]
    assert all(len(b["tax_code"]) == 10 and b["tax_code"].isdigit() for b in bodies)
    assert len({b["tax_code"] for b in bodies}) == len(bodies)
    assert sum("industrial_zone" in b for b in bodies) >= len(bodies) / 4


def test_lai_chau_foreigners_are_mostly_chinese_among_several_nationalities(plan: Plan) -> None:
    nationalities = Counter(e.steps[0].body["nationality"] for e in plan.of_kind("foreign_worker"))
    assert nationalities.most_common(1)[0][0] == "CN"
    assert len(nationalities) >= 5


# --- sending organisations and recruitment ----------------------------------------------------


def test_the_demo_shows_one_overcharging_enterprise_and_one_unlicensed_broker(
    plan: Plan, worker_files: dict[str, w.WorkerFile]
) -> None:
    from lmis_notify.domain.recruitment import fee_excesses
    from lmis_registry.domain.workers.sender_check import Where, check_sender

    register = replay_senders(plan)
    over: Counter[str] = Counter()
    overridden: Counter[str] = Counter()
    for entity in plan.of_kind("worker"):
        for step in entity.steps:
            if step.command != "sign-contract":
                continue
            contract = w.SignContract.model_validate(step.body)
            sender = register.get(str(contract.sending_organisation.licence_number))
            signed_on = contract.signed_on or TODAY
            checked = check_sender(contract, sender, signed_on, Where("03637", "12"))
            if checked is None:
                continue
            if fee_excesses(checked):
                over[str(checked.licence_number)] += 1
            if checked.override_reason:
                overridden[worker_files[entity.ref].commune_code] += 1
    assert set(over) == {"287/LĐTBXH-GP"}  # the offender, and only it
    assert over["287/LĐTBXH-GP"] >= 3
    assert list(overridden.values()) == [3]  # three of one commune through the broker


# --- jobs created through other programmes ----------------------------------------------------


def test_the_communes_report_jobs_of_the_last_twelve_months_that_the_registry_accepts(
    plan: Plan,
) -> None:
    from lmis_registry.domain import job_reports

    reports = plan.of_kind("job_creation_report")
    assert reports
    periods = set()
    for entity in reports:
        command = job_reports.ReportJobCreation.model_validate(entity.steps[0].body)
        assert job_reports.decide(None, command, TODAY)  # refused if not yet happened
        periods.add(command.period)
    assert (min(periods), max(periods)) == ("2025-11", "2026-10")  # before today's month
    assert len({e.ref for e in reports}) == len(reports)  # one stream each
