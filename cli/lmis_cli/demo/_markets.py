"""Where Lai Châu's workers go, through whom, for how long, for what pay and at what cost.

Shares follow domain.md's sizing figures: Japan and Taiwan take most workers, Korea about a
tenth, then Germany, Romania, Singapore, Australia, Malaysia and a few others. Salaries and
fees are in VND at recent rates, rounded as people quote them. The sending enterprises are
invented (licence numbers in the ministry's format); the Korea EPS centre is the public one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Range = tuple[int, int]


@dataclass(frozen=True)
class Market:
    key: str
    country: str
    programme: str
    """A programme code the registry accepts for this country."""
    share: float
    months: tuple[tuple[int, float], ...]
    salary: Range
    sectors: tuple[tuple[str, float], ...]
    language: str | None
    """The course taken before leaving (ISO 639-1); None: none is asked for."""
    exam: str | None
    fees: tuple[tuple[str, Range], ...]
    individual_share: float
    """Share of workers who find the job themselves (an individual contract)."""
    public_only: bool = False
    """Sent only by a public service centre (Korea's EPS)."""
    extension_months: int = 0
    """How long a contract of this programme is commonly extended; 0: it is not."""


_HEALTH = ("health_check", (1_000_000, 2_000_000))
_MAN, _CON, _AGR = "manufacturing", "construction", "agriculture"

MARKETS: tuple[Market, ...] = (
    Market(
        "jp-intern", "JP", "japan_technical_intern", 34, ((36, 1),), (24_000_000, 32_000_000),
        ((_MAN, 4), (_CON, 2), (_AGR, 2), ("food_processing", 2)), "ja", "jlpt",
        (("service_fee", (60_000_000, 90_000_000)), ("training_fee", (8_000_000, 15_000_000)),
         _HEALTH, ("visa_fee", (600_000, 1_000_000))),
        0.0, extension_months=24,
    ),
    Market(
        "jp-skilled", "JP", "japan_specified_skilled", 10, ((12, 1), (24, 1), (36, 3), (60, 1)),
        (33_000_000, 45_000_000), (("caregiving", 3), ("food_processing", 3), (_CON, 2), (_MAN, 2)),
        "ja", "jlpt",
        (("service_fee", (30_000_000, 60_000_000)), ("training_fee", (5_000_000, 10_000_000)),
         _HEALTH),
        0.06,
    ),
    Market(
        "tw", "TW", "contract_labour", 34, ((36, 1),), (17_000_000, 24_000_000),
        ((_MAN, 6), ("domestic_work", 2), ("caregiving", 2), (_CON, 1), ("fishery", 1)), "zh",
        None,
        (("service_fee", (30_000_000, 45_000_000)),
         ("brokerage_refund", (15_000_000, 25_000_000)), _HEALTH,
         ("airfare", (6_000_000, 9_000_000))),
        0.01, extension_months=36,
    ),
    Market(
        "kr-eps", "KR", "korea_eps", 8.5, ((36, 1),), (42_000_000, 55_000_000),
        ((_MAN, 6), (_AGR, 2), ("fishery", 1), (_CON, 1)), "ko", "eps_topik",
        (("eps_cost", (14_000_000, 16_000_000)), _HEALTH), 0.0, public_only=True,
        extension_months=22,
    ),
    Market(
        "kr-seasonal", "KR", "korea_seasonal", 1.5, ((5, 1), (8, 1)), (38_000_000, 50_000_000),
        ((_AGR, 1),), None, None,
        (("travel_and_visa", (15_000_000, 25_000_000)), _HEALTH), 0.0, public_only=True,
    ),
    Market(
        "de", "DE", "germany_skilled", 2, ((36, 1),), (55_000_000, 75_000_000),
        (("caregiving", 3), ("hospitality", 1)), "de", "other",
        (("training_fee", (60_000_000, 120_000_000)), ("service_fee", (20_000_000, 40_000_000))),
        0.1,
    ),
    Market(
        "ro", "RO", "contract_labour", 2, ((24, 1),), (18_000_000, 28_000_000),
        ((_CON, 2), (_MAN, 1), ("food_processing", 1)), None, None,
        (("service_fee", (40_000_000, 70_000_000)), ("airfare", (12_000_000, 18_000_000))),
        0.02,
    ),
    Market(
        "sg", "SG", "contract_labour", 1.5, ((24, 1),), (22_000_000, 32_000_000),
        (("shipbuilding", 2), (_CON, 2), ("services", 1)), None, None,
        (("service_fee", (30_000_000, 50_000_000)), _HEALTH), 0.05,
    ),
    Market(
        "au", "AU", "other", 0.5, ((12, 1),), (55_000_000, 80_000_000),
        ((_AGR, 2), ("hospitality", 1)), "en", None,
        (("service_fee", (20_000_000, 40_000_000)), ("airfare", (15_000_000, 25_000_000))),
        0.2,
    ),
    Market(
        "my", "MY", "contract_labour", 2, ((36, 1),), (9_000_000, 14_000_000),
        ((_MAN, 2), ("services", 1)), None, None,
        (("service_fee", (15_000_000, 25_000_000)), _HEALTH), 0.01,
    ),
    Market(
        "sa", "SA", "contract_labour", 1, ((24, 1),), (8_000_000, 10_000_000),
        (("domestic_work", 1),), None, None, (_HEALTH,), 0.0,
    ),
    Market(
        "hu", "HU", "contract_labour", 1, ((24, 1),), (20_000_000, 28_000_000),
        ((_MAN, 1),), None, None,
        (("service_fee", (40_000_000, 70_000_000)), ("airfare", (12_000_000, 18_000_000))),
        0.02,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Sender:
    name: str
    licence_number: str | None
    countries: frozenset[str]


ENTERPRISES: tuple[Sender, ...] = tuple(
    Sender(name, licence, frozenset(countries.split()))
    for name, licence, countries in (
        ("Công ty Cổ phần Nhân lực Quốc tế Tây Bắc", "215/LĐTBXH-GP", "JP TW"),
        ("Công ty TNHH Hợp tác Lao động Hoàng Liên", "108/LĐTBXH-GP", "JP TW RO"),
        ("Công ty Cổ phần Cung ứng Nhân lực Sông Đà", "046/LĐTBXH-GP", "JP TW MY SA"),
        ("Công ty TNHH Phát triển Nhân lực Á Châu", "372/LĐTBXH-GP", "JP SG AU"),
        ("Công ty Cổ phần Xuất khẩu Lao động Đông Dương", "159/LĐTBXH-GP", "TW MY RO HU"),
        ("Công ty TNHH Nhân lực Việt Nhật Sakura", "421/LĐTBXH-GP", "JP"),
        ("Công ty Cổ phần Thương mại và Nhân lực Hồng Hà", "287/LĐTBXH-GP", "TW SG RO"),
        ("Công ty TNHH Giáo dục và Nhân lực Đức Việt", "455/LĐTBXH-GP", "DE HU"),
        ("Công ty Cổ phần Lao động Quốc tế Thái Bình Dương", "330/LĐTBXH-GP", "JP AU TW"),
    )
)

EPS_CENTRE = "Trung tâm Lao động ngoài nước"
"""The ministry's public centre that alone sends workers under Korea's EPS."""

# Employers abroad: name parts per country, combined per worker.
EMPLOYERS_ABROAD: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "JP": (
        ("Aichi", "Gifu", "Saitama", "Hiroshima", "Shizuoka", "Ibaraki", "Gunma", "Kumamoto"),
        ("Seiko", "Kogyo", "Foods", "Kensetsu", "Nosan", "Denki", "Kaigo"),
        "{a} {b} Co., Ltd.",
    ),
    "TW": (
        ("Taoyuan", "Taichung", "Changhua", "Tainan", "Hsinchu", "Kaohsiung"),
        ("Precision", "Textile", "Electronics", "Plastics", "Machinery", "Care Home"),
        "{a} {b} Co., Ltd.",
    ),
    "KR": (
        ("Hanil", "Daesung", "Samhwa", "Dongyang", "Gyeonggi", "Chungnam"),
        ("Manufacturing", "Agro", "Fisheries", "Industrial", "Metal"),
        "{a} {b} Co.",
    ),
    "DE": (("Klinikum", "Pflegeheim", "Seniorenresidenz"), ("Bayern", "Sachsen"), "{a} {b}"),
    "RO": (("Construct", "Agro", "Metal"), ("Carpati", "Dunarea"), "SC {a} {b} SRL"),
    "SG": (("Keppel", "Jurong", "Tuas"), ("Marine", "Builders", "Services"), "{a} {b} Pte. Ltd."),
    "AU": (("Riverina", "Sunraysia", "Mildura"), ("Farms", "Harvest"), "{a} {b} Pty Ltd"),
    "MY": (("Penang", "Johor", "Selangor"), ("Electronics", "Gloves"), "{a} {b} Sdn. Bhd."),
    "SA": (("Riyadh", "Jeddah", "Dammam"), ("household",), "Private {b}, {a}"),
    "HU": (("Gyor", "Debrecen", "Kecskemet"), ("Autoparts", "Electronics"), "{a} {b} Kft."),
}  # fmt: skip

BORDER_GATES = (
    ("Sân bay quốc tế Nội Bài", 94),
    ("Sân bay quốc tế Tân Sơn Nhất", 4),
    ("Sân bay quốc tế Đà Nẵng", 2),
)
