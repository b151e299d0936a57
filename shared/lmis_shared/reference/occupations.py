"""Occupation codes: the Vietnamese occupation classification (VSCO, "Danh mục nghề nghiệp Việt
Nam", Decision 34/2020/QĐ-TTg), level 4, four digits. It follows ISCO-08, so its first two and
three digits are the sub-major and minor groups a match between a returnee's trade and an
employer's position can be explained by (reporting's `domain/matching.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

OccupationCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}$",
        description="VSCO level 4 (Decision 34/2020/QĐ-TTg): 4 digits",
        examples=["7212"],
    ),
]
