"""The indicators the reporting service publishes, with their definitions in both languages.

Definitions are what a statistician reads to know what a number counts; the code is what the
API takes in its path. Three kinds of indicator, each computed by its own rules:
* `flow` — facts of a period, summed over its months (`domain/indicators.py`, counted live);
* `stock` — streams in a state on a date, `as_of` (`domain/stocks.py`, from current facts);
* a ratio of two others (`domain/measures.py`), a flow or a stock like its denominator.
The dimensions an indicator can be broken down by come from its rules, plus `unit` (the units
directly under the one asked for) and, wherever the destination country is known,
`market_tier` (the province's high-income markets against the others).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lmis_reporting.domain.indicators import RULES
from lmis_reporting.domain.markets import DESTINATION, MARKET_TIER
from lmis_reporting.domain.measures import RATIO_RULES, UNIT
from lmis_reporting.domain.stocks import STOCK_RULES

Kind = Literal["flow", "stock"]
RATIO = "ratio"


@dataclass(frozen=True)
class IndicatorDefinition:
    code: str
    kind: Kind
    """`flow`: summed over a period; `stock`: counted on a date (`as_of`)."""
    unit_of_measure: str
    definition_en: str
    definition_vi: str
    dimensions: tuple[str, ...] = ()

    @property
    def is_ratio(self) -> bool:
        return self.unit_of_measure == RATIO


def _d(code: str, kind: Kind, unit_of_measure: str, en: str, vi: str) -> IndicatorDefinition:
    return IndicatorDefinition(code, kind, unit_of_measure, en, vi, _dimensions(code))


def _dimensions(code: str) -> tuple[str, ...]:
    ratio = next((r for r in RATIO_RULES if r.indicator == code), None)
    if ratio is not None and ratio.numerator_slice is not None:
        return (UNIT,)  # a share within one dimension splits by nothing else
    source = ratio.denominator if ratio is not None else code
    found = [r.dimensions for r in RULES if r.indicator == source]
    found += [s.dimensions for s in STOCK_RULES if s.indicator == source]
    dims = [d for group in found for d in group]
    if DESTINATION in dims and MARKET_TIER not in dims:
        dims.insert(dims.index(DESTINATION) + 1, MARKET_TIER)
    return (*dict.fromkeys(dims), UNIT)


_WORKERS = "in the period, in the administrative unit of the worker's residence"
_FOREIGN = "in the commune of the employer's work location"
_ALERTS = (
    "by rule, in the unit the alert names (the subject's commune; the province for a"
    " province's report), as the notify service's alert list filters them"
)

CATALOGUE: tuple[IndicatorDefinition, ...] = (
    # -- outbound workers: flows ---------------------------------------------------------------
    _d(
        "workers_registered",
        "flow",
        "persons",
        "Workers registered to go abroad to work on a fixed-term contract, counted in the"
        " period and the administrative unit of residence in which they registered.",
        "Người lao động đăng ký đi làm việc ở nước ngoài",
    ),
    _d(
        "enrolled_in_training",
        "flow",
        "enrolments",
        f"Enrolments in training for work abroad (language, orientation, vocational), {_WORKERS}.",
        "Lượt người lao động nhập học các khóa đào tạo (ngoại ngữ, định hướng, nghề) để đi làm"
        " việc ở nước ngoài",
    ),
    _d(
        "trained",
        "flow",
        "completions",
        f"Workers who completed a training course and passed it, by kind of training, {_WORKERS}.",
        "Người lao động hoàn thành khóa đào tạo và đạt yêu cầu",
    ),
    _d(
        "trained_for_eps",
        "flow",
        "persons",
        "Workers trained in Korean who sat the EPS-TOPIK test of the Korea Employment Permit"
        f" System (a result recorded, passed or not), {_WORKERS}.",
        "Người lao động được đào tạo tiếng Hàn và dự kỳ thi EPS-TOPIK theo Chương trình EPS",
    ),
    _d(
        "eps_topik_passed",
        "flow",
        "persons",
        f"Workers who passed the EPS-TOPIK test, {_WORKERS}.",
        "Người lao động thi đạt kỳ thi tiếng Hàn EPS-TOPIK",
    ),
    _d(
        "contracts_signed",
        "flow",
        "contracts",
        f"Contracts to work abroad signed, by destination, programme and sender, {_WORKERS}.",
        "Hợp đồng đi làm việc có thời hạn ở nước ngoài được ký kết",
    ),
    _d(
        "departed",
        "flow",
        "persons",
        "Workers who left to work abroad on a fixed-term contract, by date of departure,"
        f" {_WORKERS}.",
        "Người lao động xuất cảnh đi làm việc có thời hạn ở nước ngoài theo hợp đồng",
    ),
    _d(
        "departed_high_income_share",
        "flow",
        RATIO,
        "Share of the period's departures whose destination is one of the province's"
        " high-income, stable markets (0 to 1; none when nobody departed).",
        "Tỷ lệ người lao động đi làm việc tại các thị trường có thu nhập cao, ổn định",
    ),
    _d(
        "returned",
        "flow",
        "persons",
        f"Workers who came back to Viet Nam, by reason of return, {_WORKERS}.",
        "Người lao động về nước",
    ),
    _d(
        "absconded",
        "flow",
        "persons",
        f"Workers reported to have left their employer during the contract, {_WORKERS}.",
        "Người lao động bỏ trốn khỏi nơi làm việc trong thời hạn hợp đồng",
    ),
    _d(
        "overstayed",
        "flow",
        "persons",
        "Workers newly reported as staying abroad illegally after their contract ended, by the"
        f" date the overstay began, {_WORKERS}.",
        "Người lao động hết hạn hợp đồng không về nước, ở lại trái phép (số phát sinh)",
    ),
    # -- outbound workers: stocks -------------------------------------------------------------
    _d(
        "workers_abroad",
        "stock",
        "persons",
        "Workers abroad on the date: departed and not returned (absconded and overstaying"
        " workers included), in the unit of their residence.",
        "Người lao động đang ở nước ngoài",
    ),
    _d(
        "overstaying",
        "stock",
        "persons",
        "Workers staying abroad illegally on the date: reported overstaying and not returned.",
        "Người lao động đang ở lại nước ngoài trái phép",
    ),
    _d(
        "overstay_rate",
        "stock",
        RATIO,
        "Workers overstaying on the date over workers abroad on the date (0 to 1).",
        "Tỷ lệ người lao động ở lại trái phép trên số người lao động đang ở nước ngoài",
    ),
    # -- preferential loans -------------------------------------------------------------------
    _d(
        "loan_applications",
        "flow",
        "loans",
        "Preferential loan applications, in the borrower's commune at application.",
        "Hồ sơ vay vốn ưu đãi được tiếp nhận",
    ),
    _d(
        "loan_approvals",
        "flow",
        "loans",
        "Preferential loans approved, in the borrower's commune at application.",
        "Khoản vay ưu đãi được phê duyệt",
    ),
    _d(
        "loans_disbursed_vnd",
        "flow",
        "VND",
        "Amount of preferential loans disbursed, in the borrower's commune at application.",
        "Số tiền cho vay ưu đãi đã giải ngân (đồng)",
    ),
    _d(
        "loans_outstanding_vnd",
        "stock",
        "VND",
        "Principal of disbursed preferential loans not yet repaid on the date.",
        "Dư nợ gốc cho vay ưu đãi",
    ),
    _d(
        "loans_overdue_amount_vnd",
        "stock",
        "VND",
        "Overdue amount on the date: the unpaid part (principal and interest) of every"
        " instalment whose due date has passed.",
        "Số tiền nợ quá hạn (gốc và lãi của các kỳ đã đến hạn chưa trả)",
    ),
    _d(
        "loans_overdue",
        "stock",
        "loans",
        "Loans with an overdue amount on the date.",
        "Số khoản vay có nợ quá hạn",
    ),
    _d(
        "loans_overdue_ratio",
        "stock",
        RATIO,
        "Overdue amount over outstanding principal, on the date (none when nothing is owed).",
        "Tỷ lệ nợ quá hạn trên dư nợ",
    ),
    # -- foreign workers ----------------------------------------------------------------------
    _d(
        "permits_issued",
        "flow",
        "permits",
        f"Work permits issued to foreign workers, by date of issue, {_FOREIGN}.",
        "Giấy phép lao động cấp cho người lao động nước ngoài",
    ),
    _d(
        "permits_extended",
        "flow",
        "permits",
        f"Work permits extended, by date of extension, {_FOREIGN}.",
        "Giấy phép lao động được gia hạn",
    ),
    _d(
        "permits_revoked",
        "flow",
        "permits",
        f"Work permits revoked, by date and reason of revocation, {_FOREIGN}.",
        "Giấy phép lao động bị thu hồi",
    ),
    _d(
        "exemptions_certified",
        "flow",
        "certificates",
        "Certificates that a foreign worker needs no work permit, by first day of validity,"
        f" {_FOREIGN}.",
        "Giấy xác nhận không thuộc diện cấp giấy phép lao động",
    ),
    _d(
        "foreign_workers_working",
        "stock",
        "persons",
        "Foreign workers employed on the date (engaged, employment not ended).",
        "Người lao động nước ngoài đang làm việc",
    ),
    _d(
        "foreign_workers_valid_permit",
        "stock",
        "persons",
        "Foreign workers employed on the date with a work permit valid on that date.",
        "Người lao động nước ngoài đang làm việc có giấy phép lao động còn hiệu lực",
    ),
    _d(
        "foreign_workers_exempt",
        "stock",
        "persons",
        "Foreign workers employed on the date without a valid permit but with an exemption"
        " certificate valid on that date.",
        "Người lao động nước ngoài đang làm việc thuộc diện miễn giấy phép lao động",
    ),
    _d(
        "foreign_workers_without_permit",
        "stock",
        "persons",
        "Foreign workers employed on the date with neither a valid work permit nor a valid"
        " exemption certificate.",
        "Người lao động nước ngoài đang làm việc không có giấy phép lao động hoặc xác nhận miễn"
        " còn hiệu lực",
    ),
    # -- returnees and jobs at home (`domain/indicators.py` says what counts) ------------------
    _d(
        "vietnamese_hired_for_demands",
        "flow",
        "persons",
        "Vietnamese workers hired for a position an employer had asked foreign workers for"
        f" (returnees or other job seekers), by date of hiring, {_FOREIGN}.",
        "Người lao động Việt Nam được tuyển vào vị trí dự kiến tuyển người lao động nước ngoài",
    ),
    _d(
        "returnees_placed_locally",
        "flow",
        "persons",
        "Returnees (workers back from a contract abroad) hired at home for a position an"
        f" employer had asked foreign workers for, by date of hiring, {_FOREIGN}.",
        "Người lao động về nước được giới thiệu, tuyển dụng vào làm việc tại địa phương",
    ),
    _d(
        "jobs_created",
        "flow",
        "persons",
        "Workers given a job (Đồng Tháp's 'giải quyết việc làm'): per job-creation loan paid,"
        " Vietnamese hire for a foreign-worker position, departure abroad, plus the communes'"
        " monthly counts for other programmes (registry job-creation reports).",
        "Số lao động được giải quyết việc làm (vay vốn, chương trình khác, đi nước ngoài)",
    ),
    _d(
        "jobs_created_at_home",
        "flow",
        "persons",
        "The part of `jobs_created` at home: job-creation loans, hires for foreign-worker"
        " positions, the communes' counts for other programmes (by `programme`: those only).",
        "Số lao động được giải quyết việc làm trong nước",
    ),
    # -- alerts (notify: one alert per problem, its subject and rule) ---------------------------
    _d(
        "alerts_raised",
        "flow",
        "alerts",
        f"Alerts raised in the period (by the day raised, Vietnam time), {_ALERTS}.",
        "Cảnh báo phát sinh trong kỳ",
    ),
    _d(
        "alerts_resolved",
        "flow",
        "alerts",
        "Alerts resolved in the period (the fact that fixed the problem arrived), by the day"
        f" resolved, {_ALERTS}.",
        "Cảnh báo đã được xử lý trong kỳ",
    ),
    _d(
        "alerts_open",
        "stock",
        "alerts",
        "Alerts open on the date: raised and not resolved by then (acknowledged or not),"
        f" {_ALERTS}.",
        "Cảnh báo đang mở (chưa được xử lý)",
    ),
)

_BY_CODE = {definition.code: definition for definition in CATALOGUE}


def find_indicator(code: str) -> IndicatorDefinition | None:
    return _BY_CODE.get(code)
