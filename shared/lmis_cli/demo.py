"""Demo data for `lmis up`: worker files in Lai Châu (province 12), the first seed plan's province.

Deterministic for a seed, and loaded through the public API with one idempotency key per file,
so loading twice registers nothing twice. The full generator (every lifecycle state, loans,
permits) belongs to later work; this one gives the indicators something real to count.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from rich.progress import track

from lmis_shared.reference import citizen_id
from lmis_shared.reference.units import commune_code_str

LAI_CHAU = 12
# Lai Châu's population is mostly Thái, HMông, Kinh, Dao, Hà Nhì, Giáy, Lự, Khơ-mú, La Hủ
ETHNIC_MIX = [("03", 34), ("08", 24), ("01", 16), ("09", 14), ("35", 3), ("25", 3), ("42", 2),
              ("29", 2), ("41", 2)]  # fmt: skip
FAMILY = ["Nguyễn", "Lò", "Tòng", "Lường", "Giàng", "Vàng", "Sùng", "Lý", "Tẩn", "Phàn", "Lê",
          "Trần", "Hoàng", "Lù", "Chẻo"]  # fmt: skip
MIDDLE = {"male": ["Văn", "A", "Seo", "Đức", "Quang"], "female": ["Thị", "Thu", "Mỹ", "Ngọc"]}
GIVEN = {"male": ["An", "Bình", "Dũng", "Páo", "Sử", "Chứ", "Khánh", "Đạt", "Hải", "Lâm"],
         "female": ["Mai", "Xuân", "Hoa", "Dung", "Mỷ", "Lan", "Pàng", "Sua", "Hương"]}  # fmt: skip


@dataclass(frozen=True)
class DemoWorker:
    key: str
    body: dict[str, Any]


def lai_chau_communes() -> list[str]:
    from vietnam_provinces.lookup import WARD_MAPPING

    return sorted(
        commune_code_str(int(code))
        for code, ward in WARD_MAPPING.items()
        if int(ward.province_code) == LAI_CHAU
    )


def generate(workers: int, seed: int, today: date) -> list[DemoWorker]:
    rng = random.Random(seed)
    communes = lai_chau_communes()
    codes, weights = zip(*ETHNIC_MIX, strict=True)
    out = []
    for i in range(workers):
        sex = "male" if rng.random() < 0.7 else "female"
        born = date(rng.randint(1986, 2004), rng.randint(1, 12), rng.randint(1, 28))
        ethnicity = rng.choices(codes, weights)[0]
        groups = ["ethnic_minority"] if ethnicity != "01" else []
        if rng.random() < 0.3:
            groups.append("poor_household")
        if sex == "male" and rng.random() < 0.1:
            groups.append("demobilised_soldier")
        cid = "012" + citizen_id.century_sex_digit(born, sex) + f"{born.year % 100:02d}"
        cid += f"{rng.randint(0, 999999):06d}"
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        out.append(
            DemoWorker(
                key=f"demo-{seed}-worker-{i}",
                body={
                    "full_name": name,
                    "date_of_birth": born.isoformat(),
                    "sex": sex,
                    "ethnicity": ethnicity,
                    "citizen_id": cid,
                    "commune_code": rng.choice(communes),
                    "priority_groups": groups,
                    "registered_on": (today - timedelta(days=rng.randint(0, 150))).isoformat(),
                },
            )
        )
    return out


def load_demo(workers: int, seed: int) -> int:
    from datetime import timedelta as td

    from lmis_shared.auth import ensure_local_keypair, issue_token
    from lmis_shared.clock import SystemClock
    from lmis_shared.settings import CommonSettings

    settings = CommonSettings()
    private, _ = ensure_local_keypair(settings.keys_dir)
    token = issue_token(
        private,
        subject="demo-loader",
        role="admin",
        scope="12",
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=td(hours=1),
    )
    base = f"http://127.0.0.1:{os.environ.get('LMIS_REGISTRY_PORT', '8001')}"
    loaded = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for worker in track(generate(workers, seed, SystemClock().today()), description="demo"):
            response = client.post(
                "/v1/workers", json=worker.body, headers={"Idempotency-Key": worker.key}
            )
            response.raise_for_status()
            loaded += 1
    return loaded
