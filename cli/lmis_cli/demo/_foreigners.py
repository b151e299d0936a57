"""Foreign nationals as their passports spell them: names and passport number shapes.

Names are written in capitals as in the machine-readable zone, family name first where the
country writes it so. Passport numbers follow each country's visible shape (letters, then
digits); the digits are unique per plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Nationals:
    families: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    family_first: bool
    passport_letters: str
    passport_digits: int


NATIONALS: Mapping[str, Nationals] = {
    "CN": Nationals(
        ("WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO", "WU", "ZHOU", "XU"),
        ("WEI", "QIANG", "JUN", "YONG", "JIAN", "GANG", "MING", "HAO", "LEI", "TAO"),
        ("NA", "FANG", "JING", "YAN", "XIU", "MIN", "LING"),
        True, "E", 8,
    ),
    "KR": Nationals(
        ("KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG", "CHO", "YOON", "JANG", "LIM"),
        ("MIN JUN", "SEUNG HO", "JI HOON", "DONG HYUN", "SUNG MIN", "JAE WON"),
        ("JI YEON", "SO YOUNG", "HYE JIN", "MIN JI", "EUN JI"),
        True, "M", 8,
    ),
    "JP": Nationals(
        ("SATO", "SUZUKI", "TAKAHASHI", "TANAKA", "WATANABE", "ITO", "YAMAMOTO", "NAKAMURA"),
        ("HIROSHI", "TAKESHI", "KENJI", "YUTA", "DAISUKE", "SHOTA"),
        ("YUKI", "AYAKA", "MISAKI", "HARUKA"),
        True, "TK", 7,
    ),
    "TW": Nationals(
        ("CHEN", "LIN", "HUANG", "CHANG", "LEE", "WANG", "WU", "LIU", "TSAI", "YANG"),
        ("CHIH-MING", "CHUN-HUNG", "WEN-HSIUNG", "CHIA-HAO", "CHENG-EN"),
        ("SHU-FEN", "MEI-LING", "YA-TING", "HSIU-YING"),
        True, "3", 8,
    ),
    "IN": Nationals(
        ("KUMAR", "SHARMA", "SINGH", "PATEL", "REDDY", "NAIR"),
        ("RAJESH", "SURESH", "AMIT", "VIKRAM", "ARUN"),
        ("PRIYA", "ANITA", "DEEPA"),
        False, "Z", 7,
    ),
    "PH": Nationals(
        ("DELA CRUZ", "SANTOS", "REYES", "GARCIA", "MENDOZA", "BAUTISTA"),
        ("JUAN", "MARK", "JOHN PAUL", "RAMON"),
        ("MARIA", "ANGELICA", "KRISTINE"),
        False, "P", 7,
    ),
    "RU": Nationals(
        ("IVANOV", "PETROV", "SMIRNOV", "KUZNETSOV", "POPOV"),
        ("ALEXEY", "SERGEY", "DMITRY", "IVAN"),
        ("OLGA", "ELENA", "NATALIA"),
        False, "7", 8,
    ),
}  # fmt: skip

_ENGLISH = Nationals(
    ("SMITH", "JOHNSON", "BROWN", "TAYLOR", "WILSON", "WALKER", "MILLER", "CLARKE"),
    ("JOHN", "MICHAEL", "DAVID", "JAMES", "ROBERT", "THOMAS"),
    ("SARAH", "EMILY", "JESSICA", "LAURA"),
    False,
    "",
    9,
)
ENGLISH_SPEAKING = {
    "US": _ENGLISH,
    "GB": _ENGLISH,
    "AU": replace(_ENGLISH, passport_letters="PA", passport_digits=7),
}


def nationals(country: str) -> Nationals:
    return NATIONALS.get(country) or ENGLISH_SPEAKING.get(country) or _ENGLISH


def full_name(people: Nationals, family: str, given: str) -> str:
    return f"{family} {given}" if people.family_first else f"{given} {family}"


def passport_number(people: Nationals, serial: int) -> str:
    width = people.passport_digits
    return f"{people.passport_letters}{serial % 10**width:0{width}d}"
