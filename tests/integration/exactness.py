"""The truth for the indicator exactness test: a straight count over the event stores.

Written from domain.md, not from the projection: it folds each stream's events, as JSON, into
a plain dict and counts each event with the dict as it stands after it. It shares no code with
`lmis_reporting` (the projection's rules, facts or stock functions), so a mistake there shows
up here as a difference rather than being copied.

Flow rows: (indicator, commune, month, dimension, value) -> count, `('', '')` the total.
Stock rows: (indicator, commune, dimension, value) -> count on one date, same convention.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from lmis_shared.events import RecordedEvent

FlowKey = tuple[str, str, date, str, str]
StockKey = tuple[str, str, str, str]

PERSON = ("sex", "ethnicity", "priority_groups")
CONTRACT = ("destination_country", "programme", "sending_organisation")
FOREIGN = ("nationality", "position", "employer", "sex")
WORKER_STOCK_DIMENSIONS = (*CONTRACT, "market_tier", *PERSON)


@dataclass
class Stream:
    kind: str
    state: dict[str, Any] = field(default_factory=dict)


def straight_flows(events: Iterable[RecordedEvent]) -> Counter[FlowKey]:
    """Every flow indicator, per commune, month and breakdown, each event counted once."""
    counts: Counter[FlowKey] = Counter()
    streams: dict[UUID, Stream] = {}
    for event in _once(events):
        kind, name = _kind_and_name(event.event_type)
        stream = streams.setdefault(event.metadata.stream_id, Stream(kind))
        _fold(stream, name, event.data)
        for indicator, day, amount, dims in _counted(kind, name, event.data, stream.state):
            _add(counts, indicator, stream.state.get("commune_code", ""), day, amount, dims)
    return +counts  # rows that are zero are not rows


def straight_stocks(
    events: Iterable[RecordedEvent], day: date, high_income: frozenset[str]
) -> Counter[StockKey]:
    """Every stock indicator on `day`, per commune and breakdown."""
    streams: dict[UUID, Stream] = {}
    for event in _once(events):
        kind, name = _kind_and_name(event.event_type)
        _fold(streams.setdefault(event.metadata.stream_id, Stream(kind)), name, event.data)
    counts: Counter[StockKey] = Counter()
    for stream in streams.values():
        s = stream.state
        for indicator, amount, dims in _stocks(stream.kind, s, day, high_income):
            if amount:
                for dimension, value in [("", ""), *_breakdown(dims, s, high_income)]:
                    counts[indicator, s.get("commune_code", ""), dimension, value] += amount
    return +counts


# -- folding ----------------------------------------------------------------------------------


def _once(events: Iterable[RecordedEvent]) -> list[RecordedEvent]:
    return list({e.metadata.event_id: e for e in events}.values())


def _kind_and_name(event_type: str) -> tuple[str, str]:
    # lmis.<service>.<stream kind>.<event name>.v1
    _, _, kind, name, _ = event_type.split(".")
    return kind, name


def _fold(stream: Stream, name: str, data: dict[str, Any]) -> None:
    s = stream.state
    if stream.kind == "worker":
        _fold_worker(s, name, data)
    elif stream.kind == "loan":
        _fold_loan(s, name, data)
    elif stream.kind == "foreign_worker":
        _fold_foreign_worker(s, name, data)
    elif stream.kind == "alert":
        _fold_alert(s, name, data)
    elif stream.kind == "demand" and name == "submitted":
        s["commune_code"] = data["commune_code"]  # where the employer works
    elif stream.kind == "job_creation_report":
        s["commune_code"] = data["commune_code"]


def _fold_worker(s: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    if name == "registered":
        s.update({k: data[k] for k in ("commune_code", *PERSON)})
    elif name == "profile_updated":
        for k in ("commune_code", *PERSON):
            if k in data["changed"]:
                cleared: object = (
                    [] if k == "priority_groups" else ("" if k == "commune_code" else None)
                )
                s[k] = data.get(k) if data.get(k) is not None else cleared
    elif name == "contract_signed":
        org = data["sending_organisation"]
        s.update({k: data[k] for k in ("destination_country", "programme", "sector")})
        s["sending_organisation"] = org.get("name") or org["kind"]
    elif name in _WORKER_DATES:
        s[name] = _day(data[_WORKER_DATES[name]])


_WORKER_DATES = {
    "departed": "departure_date",
    "returned": "return_date",
    "absconded": "absconded_on",
    "overstayed": "overstaying_since",
}


def _fold_loan(s: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    if name == "applied":
        s.update(commune_code=data["commune_code"], purpose=data["purpose"], paid=[], credit=0)
    elif name == "disbursed":
        s.update(disbursed=_day(data["disbursed_on"]), schedule=data["schedule"])
    elif name == "repayment_received":
        s["paid"].append((_day(data["paid_on"]), data["amount_vnd"]))
    elif name == "restructured":
        s.update(schedule=data["schedule"], credit=data["credit_vnd"], paid=[])
    elif name in ("settled", "written_off"):
        s["closed"] = _day(data[f"{name}_on"])


def _fold_foreign_worker(s: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    if name == "registered":
        s.update(
            commune_code=data["commune_code"],
            sex=data["sex"],
            nationality=data["nationality"],
            position=data["position"],
            employer=data["employer_tax_code"],
            engaged=_day(data["engaged_on"]),
        )
    elif name == "permit_issued":
        s.update(position=data["position"], employer=data["employer_tax_code"], revoked=None)
        s.update(issued=_day(data["issue_date"]), expires=_day(data["expiry_date"]))
    elif name == "permit_extended":
        s["expires"] = _day(data["new_expiry_date"])
    elif name == "permit_revoked":
        s["revoked"] = _day(data["revoked_on"])
    elif name == "exemption_certified":
        s.update(exempt_from=_day(data["valid_from"]), exempt_until=_day(data["valid_until"]))
    elif name == "employment_ended":
        s["ended"] = _day(data["ended_on"])


def _fold_alert(s: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    """notify's alert: where its raise put it (commune, else province) and the Vietnam days
    it was raised and resolved (updates and acknowledgements change neither)."""
    if name == "raised":
        s.update(commune_code=data["unit_code"] or data["province_code"] or "", rule=data["rule"])
        s["raised"] = _vietnam_day(data["raised_at"])
    elif name == "resolved":
        s["resolved"] = _vietnam_day(data["resolved_at"])


def _vietnam_day(value: str | datetime) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


# -- flows ------------------------------------------------------------------------------------

Counted = tuple[str, str | date, int, list[tuple[str, object]]]
"""(indicator, date field's value, amount, [(dimension, value)])."""


def _counted(kind: str, name: str, data: dict[str, Any], s: dict[str, Any]) -> list[Counted]:
    person = [(k, s.get(k)) for k in PERSON]
    contract = [(k, s.get(k)) for k in CONTRACT]
    foreign = [(k, s.get(k)) for k in FOREIGN]
    found: list[Counted] = []
    match kind, name:
        case "worker", "registered":
            found.append(("workers_registered", data["registered_on"], 1, person))
        case "worker", "enrolled_in_training":
            dims = [("kind", data["kind"]), ("language", data.get("language")), *person]
            found.append(("enrolled_in_training", data["enrolled_on"], 1, dims))
        case "worker", "training_result_recorded":
            found += _training(data, person)
        case "worker", "contract_signed":
            dims = [*contract, ("sector", s["sector"]), *person]
            found.append(("contracts_signed", data["signed_on"], 1, dims))
        case "worker", "departed" | "absconded" | "overstayed":
            indicator = {"departed": "departed"}.get(name, name)
            found.append((indicator, data[_WORKER_DATES[name]], 1, [*contract, *person]))
        case "worker", "returned":
            dims = [("reason", data["reason"]), *contract, *person]
            found.append(("returned", data["return_date"], 1, dims))
        case "loan", "applied" | "approved":
            indicator = {"applied": "loan_applications", "approved": "loan_approvals"}[name]
            found.append((indicator, data[f"{name}_on"], 1, [("purpose", s["purpose"])]))
        case "loan", "disbursed":
            dims = [("purpose", s["purpose"])]
            found.append(("loans_disbursed_vnd", data["disbursed_on"], data["amount_vnd"], dims))
        case "foreign_worker", "permit_issued":
            found.append(("permits_issued", data["issue_date"], 1, foreign))
        case "foreign_worker", "permit_extended":
            found.append(("permits_extended", data["extended_on"], 1, foreign))
        case "foreign_worker", "permit_revoked":
            dims = [("reason", data["reason"]), *foreign]
            found.append(("permits_revoked", data["revoked_on"], 1, dims))
        case "foreign_worker", "exemption_certified":
            found.append(("exemptions_certified", data["valid_from"], 1, foreign))
        case "alert", "raised" | "resolved":
            found.append((f"alerts_{name}", s[name], 1, [("rule", s["rule"])]))
    return found + _jobs(kind, name, data, s)


def _jobs(kind: str, name: str, data: dict[str, Any], s: dict[str, Any]) -> list[Counted]:
    """The Đồng Tháp plan's jobs: a departure, a job-creation loan paid out, a Vietnamese
    worker hired for a position asked for foreigners (a returnee, or another job seeker)."""
    match kind, name:
        case "worker", "departed":
            return [("jobs_created", data["departure_date"], 1, [])]
        case "loan", "disbursed" if s["purpose"] == "job_creation":
            day = data["disbursed_on"]
            return [("jobs_created", day, 1, []), ("jobs_created_at_home", day, 1, [])]
        case "demand", "vietnamese_hired":
            day, returnee = data["hired_on"], data["returnee"]
            found: list[Counted] = [
                ("vietnamese_hired_for_demands", day, 1, [("returnee", returnee)]),
                ("jobs_created", day, 1, []),
                ("jobs_created_at_home", day, 1, []),
            ]
            return found + ([("returnees_placed_locally", day, 1, [])] if returnee else [])
        case "job_creation_report", "reported":
            # a commune's count for a programme; a correction counts what it changed
            day, change = data["period"], data["jobs_change"]
            programme = [("programme", data["programme"])]
            return [
                ("jobs_created", day, change, []),
                ("jobs_created_at_home", day, change, programme),
            ]
    return []


def _training(data: dict[str, Any], person: list[tuple[str, object]]) -> list[Counted]:
    day, passed, eps = data["completed_on"], data["passed"], data.get("exam") == "eps_topik"
    found: list[Counted] = []
    if passed:
        dims = [("kind", data["kind"]), ("exam", data.get("exam")), *person]
        found.append(("trained", day, 1, dims))
    if eps:
        found.append(("trained_for_eps", day, 1, [("passed", passed), *person]))
    if eps and passed:
        found.append(("eps_topik_passed", day, 1, person))
    return found


def _add(
    counts: Counter[FlowKey],
    indicator: str,
    commune: str,
    day: str | date,
    amount: int,
    dims: list[tuple[str, object]],
) -> None:
    month = _day(day).replace(day=1)
    counts[indicator, commune, month, "", ""] += amount
    for dimension, value in dims:
        for text in _values(value):
            counts[indicator, commune, month, dimension, text] += amount


def _values(value: object) -> set[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return {_text(item) for item in items if item is not None}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- stocks -----------------------------------------------------------------------------------


def _stocks(
    kind: str, s: dict[str, Any], day: date, high_income: frozenset[str]
) -> list[tuple[str, int, tuple[str, ...]]]:
    if kind == "worker":
        returned = _by(s.get("returned"), day)
        abroad = _by(s.get("departed"), day) and not returned
        overstaying = _by(s.get("overstayed"), day) and not returned
        dims = WORKER_STOCK_DIMENSIONS
        return [("workers_abroad", int(abroad), dims), ("overstaying", int(overstaying), dims)]
    if kind == "loan":
        outstanding, overdue = _loan_position(s, day)
        return [
            ("loans_outstanding_vnd", outstanding, ("purpose",)),
            ("loans_overdue_amount_vnd", overdue, ("purpose",)),
            ("loans_overdue", int(overdue > 0), ("purpose",)),
        ]
    if kind == "foreign_worker":
        working = _by(s.get("engaged"), day) and not _by(s.get("ended"), day)
        permit = (
            s.get("issued") is not None
            and s["issued"] <= day <= s["expires"]
            and not _by(s.get("revoked"), day)
        )
        exempt = s.get("exempt_from") is not None and s["exempt_from"] <= day <= s["exempt_until"]
        return [
            ("foreign_workers_working", int(working), FOREIGN),
            ("foreign_workers_valid_permit", int(working and permit), FOREIGN),
            ("foreign_workers_exempt", int(working and exempt and not permit), FOREIGN),
            ("foreign_workers_without_permit", int(working and not permit and not exempt), FOREIGN),
        ]
    if kind == "alert":
        still_open = _by(s.get("raised"), day) and not _by(s.get("resolved"), day)
        return [("alerts_open", int(still_open), ("rule",))]
    return []


def _loan_position(s: dict[str, Any], day: date) -> tuple[int, int]:
    """Repayments (and the carried credit) pay the oldest instalment first, interest first."""
    if not _by(s.get("disbursed"), day) or _by(s.get("closed"), day):
        return 0, 0
    money = s["credit"] + sum(amount for paid_on, amount in s["paid"] if paid_on <= day)
    outstanding = overdue = 0
    for instalment in s["schedule"]:
        interest, principal = instalment["interest_vnd"], instalment["principal_vnd"]
        to_interest = min(money, interest)
        to_principal = min(money - to_interest, principal)
        money -= to_interest + to_principal
        outstanding += principal - to_principal
        if _day(instalment["due_on"]) < day:
            overdue += interest + principal - to_interest - to_principal
    return outstanding, overdue


def _breakdown(
    dims: tuple[str, ...], s: dict[str, Any], high_income: frozenset[str]
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for dimension in dims:
        if dimension == "market_tier":
            country = s.get("destination_country")
            if country is not None:
                rows.append((dimension, "high_income" if country in high_income else "other"))
        else:
            rows.extend((dimension, text) for text in _values(s.get(dimension)))
    return rows


def _by(when: date | None, day: date) -> bool:
    return when is not None and when <= day


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
