"""Permits examples the unit tests share: one employer, Hòa Bình in KCN Đức Hòa 1 (Long An),
as its contract event, its command and its file all describe it."""

from __future__ import annotations

from typing import Any

HOA_BINH: dict[str, Any] = {
    "tax_code": "1101234567",
    "name": "Công ty TNHH Điện tử Hòa Bình",
    "address": "Lô B2, KCN Đức Hòa 1",
    "commune_code": "27937",
    "province_code": "80",
    "industrial_zone": "KCN Đức Hòa 1",
}
