"""What a pydantic refusal of a command says, shared by the command tests: the fields it names,
and its messages (which must never echo the refused value)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError


def _refusal(build: Callable[..., object], *args: Any, **changes: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        build(*args, **changes)
    return caught.value


def refused_fields(build: Callable[..., object], *args: Any, **changes: Any) -> set[str]:
    """The fields (dotted paths) named by the refusal of `build(*args, **changes)`."""
    return {".".join(str(p) for p in e["loc"]) for e in _refusal(build, *args, **changes).errors()}


def refusal_messages(build: Callable[..., object], *args: Any, **changes: Any) -> str:
    """The messages of the refusal of `build(*args, **changes)`, as one text."""
    return str([e["msg"] for e in _refusal(build, *args, **changes).errors()])
