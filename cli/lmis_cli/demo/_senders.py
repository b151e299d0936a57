"""The register of sending organisations, and the recruitment problems the demo shows.

Every enterprise of `_markets` is entered in the register with the markets it serves, so the
contracts through it pass the registry's check. Then, as the Cao Minh plan fears:
* one enterprise (`OFFENDER`) asks every worker a service fee above the legal ceiling, and a
  commune has complained about it: `fee_above_ceiling` and `suspicious_recruitment` for it;
* a few workers of one commune went through an unlicensed broker, entered afterwards as
  historical records with an override: `suspicious_recruitment` for that commune.
Every other contract's fees are kept within the ceilings (`lmis_shared.reference.fee_ceilings`),
so these are the only such alerts. Pure and deterministic, like the rest of the plan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from lmis_cli.demo import _markets as mk
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import SENDER, WORKER, Entity, Step
from lmis_shared.reference.fee_ceilings import load_rules, rule_for

OFFENDER = mk.ENTERPRISES[6]  # Hồng Hà: Taiwan, Singapore, Romania
OVERCHARGE_VND = 12_000_000
BROKER = {
    "kind": "licensed_enterprise",
    "name": "Văn phòng tư vấn du học và việc làm Phú Quý",
    "licence_number": "09/GP-PQ",  # in no register: the broker has no licence
}
OVERRIDE = "Nhập lại hồ sơ: người lao động đi qua môi giới không có giấy phép; đã báo công an xã"
BROKER_CASES = 3
BROKER_SPAN = timedelta(days=150)
BROKER_AMONG = 40
"""The broker's cases are found among the plan's first files only, so that a bigger plan keeps
a smaller one's files as they were."""
CAPPED_FEES = ("service_fee", "brokerage_refund")


def sender_entities(setting: Setting) -> list[Entity]:
    entities = []
    for index, sender in enumerate(mk.ENTERPRISES):
        register = {
            "kind": "licensed_enterprise",
            "name": sender.name,
            "licence_number": sender.licence_number,
            "markets": sorted(sender.countries),
        }
        steps = [Step("register", register)]
        if sender is OFFENDER:
            complaint = {
                "received_on": (setting.today - timedelta(days=20)).isoformat(),
                "category": "excessive_fees",
                "commune_code": setting.profile.communes[0],
            }
            steps.append(Step("complaints", complaint))
        entities.append(Entity(SENDER, f"sender-{index}", tuple(steps), "active"))
    return entities


def with_recruitment_cases(files: list[Entity]) -> list[Entity]:
    """The worker files with the fees capped (the offender's raised) and the broker's cases."""
    files = [_fees_set(f) for f in files]
    cases = _broker_cluster(files)
    if not cases:
        return files
    commune = _register(files[cases[0]])["commune_code"]
    return [_through_broker(f, commune) if i in cases else f for i, f in enumerate(files)]


def _contract(entity: Entity) -> dict[str, Any] | None:
    return next((dict(s.body) for s in entity.steps if s.command == "sign-contract"), None)


def _register(entity: Entity) -> dict[str, Any]:
    return dict(entity.steps[0].body)


def _with_step(entity: Entity, command: str, body: dict[str, Any]) -> Entity:
    steps = tuple(Step(command, body) if s.command == command else s for s in entity.steps)
    return replace(entity, steps=steps)


def _fees_set(entity: Entity) -> Entity:
    contract = _contract(entity)
    if contract is None or contract["sending_organisation"]["kind"] == "individual_contract":
        return entity
    offender = contract["sending_organisation"].get("licence_number") == OFFENDER.licence_number
    fees = dict(contract["fees_vnd"])
    for fee in CAPPED_FEES:
        ceiling = _ceiling(contract, fee)
        if ceiling is None:
            continue
        if offender and fee == "service_fee":
            fees[fee] = ceiling + OVERCHARGE_VND
        elif fee in fees:
            fees[fee] = min(fees[fee], ceiling)
    return _with_step(entity, "sign-contract", contract | {"fees_vnd": fees})


def _ceiling(contract: dict[str, Any], fee: str) -> int | None:
    rule = rule_for(
        load_rules(),
        fee,
        contract["destination_country"],
        contract["sector"],
        date.fromisoformat(contract["signed_on"]),
    )
    if rule is None:
        return None
    return rule.ceiling_vnd(contract["monthly_salary_vnd"], contract["duration_months"])


def _broker_cluster(files: list[Entity]) -> list[int]:
    """The first `BROKER_CASES` contracts through an enterprise signed within `BROKER_SPAN`
    of each other among the first `BROKER_AMONG` files (indexes into `files`), [] if none."""
    signed = sorted(
        (date.fromisoformat(c["signed_on"]), i)
        for i, f in enumerate(files[:BROKER_AMONG])
        if f.kind == WORKER
        and (c := _contract(f)) is not None
        and c["sending_organisation"]["kind"] == "licensed_enterprise"
        and c["sending_organisation"]["licence_number"] != OFFENDER.licence_number
    )
    for start in range(len(signed) - BROKER_CASES + 1):
        window = signed[start : start + BROKER_CASES]
        if window[-1][0] - window[0][0] <= BROKER_SPAN:
            return [i for _, i in window]
    return []


def _through_broker(entity: Entity, commune: str) -> Entity:
    contract = _contract(entity)
    assert contract is not None
    moved = _with_step(entity, "register", _register(entity) | {"commune_code": commune})
    broker = contract | {"sending_organisation": BROKER, "override_reason": OVERRIDE}
    return _with_step(moved, "sign-contract", broker)
