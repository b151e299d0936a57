"""Who lives in the province and who employs foreigners there: the demo's local data.

Lai Châu (province 12, the first seed plan's) is described in detail: its ethnic mix, the
names its people carry, its villages, training centres, industrial zones and clusters and the
kinds of enterprise that bring in foreign experts (hydropower, rare-earth mining, tea). Any
other province gets a plain profile built from its communes. Site and enterprise names are
demo data modelled on the province's plans, not a register.

Over 350 lines on purpose: most of it is the province's tables (names, villages, sites,
enterprise kinds), one entry per line, kept beside the few functions that read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from vietnam_provinces.lookup import PROVINCE_MAPPING, WARD_MAPPING

from lmis_shared.reference.units import commune_code_str

Shares = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class NameStock:
    families: tuple[str, ...]
    middle: Mapping[str, tuple[str, ...]]
    """By sex ('male', 'female')."""
    given: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Site:
    commune_code: str
    zone: str | None
    """The industrial zone or cluster; None for a site outside one (a dam, a mine, a town)."""
    address: str


@dataclass(frozen=True)
class EmployerKind:
    sector: str
    weight: float
    names: tuple[str, ...]
    """Name patterns with `{place}`."""
    sites: tuple[Site, ...]
    nationalities: Shares
    positions: Shares
    job_titles: Mapping[str, tuple[str, ...]]
    qualifications: tuple[str, ...]


@dataclass(frozen=True)
class ProvinceProfile:
    code: int
    name: str
    communes: tuple[str, ...]
    ethnic_mix: Shares
    villages: tuple[str, ...]
    language_centres: tuple[str, ...]
    orientation_centres: tuple[str, ...]
    employment_centre: str
    """The province's public employment service centre (it sends workers too)."""
    health_facility: str
    tax_prefix: str
    """The first two digits of the province's enterprise tax codes."""
    employer_kinds: tuple[EmployerKind, ...]
    place_words: tuple[str, ...]


_MALE, _FEMALE = "male", "female"

# Vietnamese names by cultural group; ethnic codes map to a group below.
NAMES: Mapping[str, NameStock] = {
    "kinh": NameStock(
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô"),
        {_MALE: ("Văn", "Đức", "Quang", "Minh", "Hữu"), _FEMALE: ("Thị", "Thu", "Ngọc", "Thanh")},
        {
            _MALE: ("An", "Bình", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Tuấn", "Đạt"),
            _FEMALE: ("Hà", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nhung", "Thảo", "Trang"),
        },
    ),
    "tai": NameStock(  # Thái, Lự, Khơ-mú, Giáy: the valley peoples
        ("Lò", "Lường", "Tòng", "Quàng", "Cầm", "Điêu", "Vì", "Lù", "Vương", "Tao"),
        {_MALE: ("Văn",), _FEMALE: ("Thị",)},
        {
            _MALE: ("Chung", "Duẩn", "Hưng", "Khăm", "Panh", "Thanh", "Xiêng", "Ún", "Sơn"),
            _FEMALE: ("Ánh", "Ín", "Lả", "Mai", "Pọm", "Xuân", "Hoa", "Ngân", "Quyên"),
        },
    ),
    "hmong": NameStock(
        ("Giàng", "Sùng", "Vàng", "Lý", "Thào", "Hầu", "Mùa", "Lầu", "Cứ", "Tráng"),
        {_MALE: ("A", "Seo", "Văn"), _FEMALE: ("Thị", "Mỷ")},
        {
            _MALE: ("Páo", "Sử", "Chứ", "Dế", "Lử", "Pó", "Tủa", "Vừ", "Chá", "Sính"),
            _FEMALE: ("Mỷ", "Sua", "Pàng", "Dua", "Xá", "Chở", "Mai", "Sú"),
        },
    ),
    "dao": NameStock(
        ("Tẩn", "Phàn", "Chảo", "Lý", "Đặng", "Triệu"),
        {_MALE: ("Láo", "Kin", "Văn"), _FEMALE: ("Thị", "Mý")},
        {
            _MALE: ("Lở", "Sài", "Phin", "Chìu", "Quẩy", "Tả", "Kin"),
            _FEMALE: ("Mẩy", "Lìu", "Chòi", "Phấy", "Sảy"),
        },
    ),
    "highland": NameStock(  # Hà Nhì, La Hủ, Mảng, Cống, Si La
        ("Lỳ", "Chu", "Pờ", "Lò", "Hù", "Phùng", "Chang"),
        {_MALE: ("Xè", "Văn"), _FEMALE: ("Mé", "Thị")},
        {
            _MALE: ("Chừ", "Mó", "Hừ", "Xá", "Phì", "Gió"),
            _FEMALE: ("Phù", "Xè", "Chừ", "Mỳ", "Pà"),
        },
    ),
}
NAME_GROUP_OF_ETHNICITY = {"01": "kinh", "08": "hmong", "09": "dao"} | {
    code: "highland" for code in ("35", "41", "45", "48", "50")
}
"""Any other ethnic group's names come from the valley peoples' stock ('tai')."""

# Sector words for employers' names
_LAI_CHAU_PLACES = (
    "Lai Châu", "Tây Bắc", "Sông Đà", "Hoàng Liên", "Tam Đường", "Phong Thổ", "Sìn Hồ",
    "Mường Tè", "Than Uyên", "Tân Uyên", "Nậm Nhùn", "Pu Ta Leng", "Đông Pao", "Nậm Na",
)  # fmt: skip


def _site(commune: str, zone: str | None, where: str) -> Site:
    return Site(commune, zone, where)


_TAM_DUONG = _site("03390", "Cụm công nghiệp Tam Đường", "Lô C4, Cụm công nghiệp Tam Đường")
_MUONG_SO = _site("03583", "Khu công nghiệp Mường So", "Lô A2, Khu công nghiệp Mường So")
_NAM_TAM = _site("03517", "Cụm công nghiệp Nậm Tăm", "Lô B1, Cụm công nghiệp Nậm Tăm")
_THAN_UYEN = _site("03595", "Cụm công nghiệp Than Uyên", "Lô 7, Cụm công nghiệp Than Uyên")
_TAN_UYEN = _site("03598", "Cụm công nghiệp Tân Uyên", "Lô 3, Cụm công nghiệp Tân Uyên")
_TAN_PHONG = _site("03408", None, "Số 25 đại lộ Lê Lợi, phường Tân Phong")
_DOAN_KET = _site("03388", None, "Số 8 đường Trần Phú, phường Đoàn Kết")

_EXPERT_HEAVY: Shares = (
    ("expert", 50),
    ("technical_worker", 33),
    ("manager", 13),
    ("executive_director", 4),
)

LAI_CHAU_EMPLOYERS = (
    EmployerKind(
        sector="hydropower construction",
        weight=3,
        names=(
            "Công ty Cổ phần Thủy điện {place}",
            "Chi nhánh Công ty Xây dựng Hoa Tây tại {place}",
        ),
        sites=(
            _site("03434", None, "Công trường thủy điện, bản Nậm Hàng"),
            _site("03637", None, "Công trường thủy điện Bản Chát"),
            _site("03640", None, "Công trường thủy điện, bản Khoen On"),
            _site("03544", None, "Công trường thủy điện, bản Nậm Cuổi"),
        ),
        nationalities=(("CN", 85), ("KR", 5), ("IN", 5), ("RU", 5)),
        positions=_EXPERT_HEAVY,
        job_titles={
            "expert": ("Kỹ sư thủy công", "Kỹ sư cơ điện", "Chuyên gia địa chất công trình"),
            "technical_worker": ("Thợ vận hành máy khoan hầm", "Thợ lắp đặt tua-bin"),
            "manager": ("Giám đốc dự án", "Chỉ huy trưởng công trường"),
            "executive_director": ("Giám đốc điều hành",),
        },
        qualifications=(
            "Bachelor of Engineering, Hydraulic Engineering",
            "Bachelor of Engineering, Electrical Engineering",
            "Master of Engineering, Geotechnical Engineering",
            "Senior Welder Certificate",
        ),
    ),
    EmployerKind(
        sector="rare earth mining",
        weight=1.5,
        names=("Công ty Cổ phần Đất hiếm {place}", "Công ty TNHH Khoáng sản {place}"),
        sites=(
            _site("03424", None, "Khu mỏ Đông Pao, bản Bo"),
            _site("03430", None, "Khu tuyển quặng, xã Khun Há"),
        ),
        nationalities=(("CN", 70), ("AU", 10), ("JP", 10), ("KR", 10)),
        positions=_EXPERT_HEAVY,
        job_titles={
            "expert": ("Chuyên gia tuyển khoáng", "Kỹ sư mỏ", "Chuyên gia hóa luyện"),
            "technical_worker": ("Thợ vận hành dây chuyền tuyển quặng",),
            "manager": ("Quản đốc mỏ",),
            "executive_director": ("Giám đốc điều hành",),
        },
        qualifications=(
            "Bachelor of Engineering, Mining Engineering",
            "Master of Science, Metallurgy",
            "Diploma in Mineral Processing",
        ),
    ),
    EmployerKind(
        sector="tea processing",
        weight=2,
        names=("Công ty TNHH Chè {place}", "Công ty Cổ phần Nông sản {place}"),
        sites=(_TAM_DUONG, _TAN_UYEN, _THAN_UYEN),
        nationalities=(("TW", 45), ("CN", 25), ("JP", 20), ("KR", 10)),
        positions=(("expert", 50), ("technical_worker", 35), ("manager", 15)),
        job_titles={
            "expert": ("Chuyên gia chế biến chè", "Kỹ sư nông nghiệp"),
            "technical_worker": ("Kỹ thuật viên máy sao chè",),
            "manager": ("Quản lý nhà máy",),
        },
        qualifications=("Bachelor of Agriculture, Tea Science", "Food Processing Technician"),
    ),
    EmployerKind(
        sector="macadamia and forestry",
        weight=1,
        names=("Công ty Cổ phần Mắc ca {place}", "Công ty TNHH Lâm nghiệp {place}"),
        sites=(_TAN_UYEN, _THAN_UYEN, _site("03478", None, "Vùng trồng mắc ca, xã Sìn Hồ")),
        nationalities=(("CN", 40), ("AU", 30), ("TW", 30)),
        positions=(("expert", 65), ("manager", 25), ("executive_director", 10)),
        job_titles={
            "expert": ("Chuyên gia giống cây trồng", "Kỹ sư lâm sinh"),
            "manager": ("Quản lý vùng nguyên liệu",),
            "executive_director": ("Giám đốc điều hành",),
        },
        qualifications=("Bachelor of Science, Horticulture", "Master of Forestry"),
    ),
    EmployerKind(
        sector="garments and building materials",
        weight=2,
        names=("Công ty TNHH May mặc {place}", "Công ty TNHH Vật liệu xây dựng {place}"),
        sites=(_MUONG_SO, _NAM_TAM, _TAM_DUONG),
        nationalities=(("CN", 50), ("KR", 35), ("TW", 15)),
        positions=(("technical_worker", 45), ("expert", 35), ("manager", 20)),
        job_titles={
            "expert": ("Chuyên gia quản lý chất lượng", "Kỹ sư công nghệ"),
            "technical_worker": ("Kỹ thuật viên chuyền may", "Thợ bảo trì máy"),
            "manager": ("Quản đốc phân xưởng",),
        },
        qualifications=("Diploma in Textile Technology", "Bachelor of Industrial Engineering"),
    ),
    EmployerKind(
        sector="road and urban construction",
        weight=2,
        names=("Công ty TNHH Xây dựng {place}", "Công ty Cổ phần Hạ tầng {place}"),
        sites=(_TAN_PHONG, _DOAN_KET, _site("03549", None, "Dự án đường nối, xã Phong Thổ")),
        nationalities=(("CN", 60), ("KR", 30), ("JP", 10)),
        positions=_EXPERT_HEAVY,
        job_titles={
            "expert": ("Kỹ sư cầu đường", "Kỹ sư giám sát"),
            "technical_worker": ("Thợ vận hành máy rải nhựa",),
            "manager": ("Giám đốc dự án",),
            "executive_director": ("Giám đốc điều hành",),
        },
        qualifications=("Bachelor of Civil Engineering", "Master of Transport Engineering"),
    ),
    EmployerKind(
        sector="hospitality and education",
        weight=1.5,
        names=("Công ty TNHH Du lịch {place}", "Trung tâm Anh ngữ {place}"),
        sites=(_TAN_PHONG, _DOAN_KET, _site("03478", None, "Khu du lịch Sìn Hồ")),
        nationalities=(("US", 20), ("GB", 20), ("PH", 20), ("AU", 10), ("KR", 15), ("JP", 15)),
        positions=(("expert", 60), ("manager", 30), ("executive_director", 10)),
        job_titles={
            "expert": ("Giáo viên tiếng Anh", "Chuyên gia tư vấn du lịch"),
            "manager": ("Quản lý khách sạn",),
            "executive_director": ("Giám đốc điều hành",),
        },
        qualifications=("Bachelor of Arts, TESOL Certificate", "Diploma in Hotel Management"),
    ),
)

LAI_CHAU_ETHNIC_MIX: Shares = (
    ("03", 34), ("08", 24), ("01", 16), ("09", 14), ("35", 3), ("25", 3), ("42", 2),
    ("29", 2), ("41", 2), ("45", 1),
)  # fmt: skip
"""Thái, HMông, Kinh, Dao, Hà Nhì, Giáy, Lự, Khơ-mú, La Hủ, Mảng (census shares, rounded)."""

LAI_CHAU_VILLAGES = (
    "Bản Nà Cúng", "Bản Hon", "Bản Pa Pe", "Bản Thẩm Phé", "Bản Sin Câu", "Bản Nậm Cuổi",
    "Bản Phiêng Lúc", "Bản Hua Bum", "Bản Pa Khóa", "Bản Nà Tăm", "Bản Lùng Thàng",
    "Bản Cư Nhà La", "Bản Sì Thâu Chải", "Bản Huổi Luông", "Bản Vàng Pheo", "Bản Tả Chải",
)  # fmt: skip


def communes_of(province: int) -> tuple[str, ...]:
    return tuple(
        sorted(
            commune_code_str(int(code))
            for code, ward in WARD_MAPPING.items()
            if int(ward.province_code) == province
        )
    )


@cache
def profile(province: int) -> ProvinceProfile:
    if province not in PROVINCE_MAPPING:
        raise ValueError(f"{province} is not a current province code")
    name = PROVINCE_MAPPING[province].name
    if province == 12:
        return ProvinceProfile(
            code=12,
            name=name,
            communes=communes_of(12),
            ethnic_mix=LAI_CHAU_ETHNIC_MIX,
            villages=LAI_CHAU_VILLAGES,
            language_centres=(
                "Trung tâm Ngoại ngữ - Tin học tỉnh Lai Châu",
                "Trường Cao đẳng Cộng đồng Lai Châu",
            ),
            orientation_centres=("Trường Cao đẳng Cộng đồng Lai Châu",),
            employment_centre="Trung tâm Dịch vụ việc làm tỉnh Lai Châu",
            health_facility="Bệnh viện Đa khoa tỉnh Lai Châu",
            tax_prefix="62",
            employer_kinds=LAI_CHAU_EMPLOYERS,
            place_words=_LAI_CHAU_PLACES,
        )
    return _plain_profile(province, name)


def _plain_profile(province: int, name: str) -> ProvinceProfile:
    """A lowland-style profile for any other province: mostly Kinh, zones in a few communes,
    and the province code standing in for its tax department's."""
    communes = communes_of(province)
    sites = tuple(
        Site(
            code, f"Khu công nghiệp {_short(code)}", f"Lô A{i + 1}, Khu công nghiệp {_short(code)}"
        )
        for i, code in enumerate(communes[:: max(1, len(communes) // 4)][:4])
    )
    kinds = tuple(
        EmployerKind(
            sector=kind.sector,
            weight=kind.weight,
            names=kind.names,
            sites=sites,
            nationalities=(("KR", 30), ("CN", 30), ("JP", 15), ("TW", 15), ("IN", 5), ("US", 5)),
            positions=kind.positions,
            job_titles=kind.job_titles,
            qualifications=kind.qualifications,
        )
        for kind in LAI_CHAU_EMPLOYERS
        if kind.sector in ("garments and building materials", "road and urban construction")
    )
    return ProvinceProfile(
        code=province,
        name=name,
        communes=communes,
        ethnic_mix=(("01", 85), ("02", 4), ("06", 4), ("03", 3), ("07", 2), ("08", 2)),
        villages=("Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đông", "Thôn Tây", "Thôn Trung"),
        language_centres=(f"Trung tâm Ngoại ngữ tỉnh {name}",),
        orientation_centres=(f"Trường Cao đẳng nghề {name}",),
        employment_centre=f"Trung tâm Dịch vụ việc làm {name}",
        health_facility=f"Bệnh viện Đa khoa {name}",
        tax_prefix=f"{province:02d}"[-2:],
        employer_kinds=kinds,
        place_words=(name, "Việt Hàn", "Việt Nhật", "Hoa Việt", "Đông Á", "Thái Bình Dương"),
    )


def _short(commune: str) -> str:
    ward = WARD_MAPPING[int(commune)]
    return str(ward.name).removeprefix("Xã ").removeprefix("Phường ").removeprefix("Đặc khu ")
