"""The 54 ethnic groups of Viet Nam with their statistical codes (GSO list, Decision 121-TCTK).

Clients may send the code ("01") or the name in any case, with or without diacritics or
hyphens ("Kinh", "khơ-me", "Khome"); we store the code. Ethnic minority = every group but Kinh.
"""

from __future__ import annotations

import unicodedata
from functools import cache

ETHNIC_GROUPS: dict[str, str] = {
    "01": "Kinh", "02": "Tày", "03": "Thái", "04": "Hoa", "05": "Khơ-me", "06": "Mường",
    "07": "Nùng", "08": "HMông", "09": "Dao", "10": "Gia-rai", "11": "Ngái", "12": "Ê-đê",
    "13": "Ba Na", "14": "Xơ-Đăng", "15": "Sán Chay", "16": "Cơ-ho", "17": "Chăm",
    "18": "Sán Dìu", "19": "Hrê", "20": "Mnông", "21": "Ra-glai", "22": "Xtiêng",
    "23": "Bru-Vân Kiều", "24": "Thổ", "25": "Giáy", "26": "Cơ-tu", "27": "Gié-Triêng",
    "28": "Mạ", "29": "Khơ-mú", "30": "Co", "31": "Tà-ôi", "32": "Chơ-ro", "33": "Kháng",
    "34": "Xinh-mun", "35": "Hà Nhì", "36": "Chu-ru", "37": "Lào", "38": "La Chí",
    "39": "La Ha", "40": "Phù Lá", "41": "La Hủ", "42": "Lự", "43": "Lô Lô", "44": "Chứt",
    "45": "Mảng", "46": "Pà Thẻn", "47": "Cờ Lao", "48": "Cống", "49": "Bố Y", "50": "Si La",
    "51": "Pu Péo", "52": "Brâu", "53": "Ơ Đu", "54": "Rơ-măm",
}  # fmt: skip

KINH = "01"


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), no spaces or hyphens: for matching, not display."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return "".join(c for c in bare.lower() if c.isalnum())


@cache
def _by_folded_name() -> dict[str, str]:
    aliases = {"hmong": "08", "mong": "08", "khmer": "05", "bana": "13"}
    table = {fold(name): code for code, name in ETHNIC_GROUPS.items()}
    return table | aliases


def ethnicity_code(value: str) -> str | None:
    """The code of an ethnic group given by code or name; None if it is not one of the 54."""
    value = value.strip()
    if value.isdigit() and len(value) <= 2:
        code = value.zfill(2)
        return code if code in ETHNIC_GROUPS else None
    return _by_folded_name().get(fold(value))
