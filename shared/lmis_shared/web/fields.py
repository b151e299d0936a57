"""Pydantic validation errors → `[{field, message}]` that name the field, never its value.

The submitted value may be a citizen ID or a name, so neither the `input` nor the `ctx` of an
error is passed on, and a message that quotes the input (custom validators can) has it cut out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lmis_shared.logging import REDACTED, redact_text

# A quoted input shorter than this is more likely a word of the message than the value.
_MIN_SCRUBBED_LENGTH = 3


def field_errors(raw_errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {"field": field_name(error.get("loc", ())), "message": safe_message(error)}
        for error in raw_errors
    ]


def field_name(loc: Sequence[int | str]) -> str:
    """`("body", "contract", "fees", 0)` → `body.contract.fees.0`."""
    return ".".join(str(part) for part in loc) or "request"


def safe_message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    value = error.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        if len(text) >= _MIN_SCRUBBED_LENGTH:
            message = message.replace(text, REDACTED)
    return redact_text(message)
