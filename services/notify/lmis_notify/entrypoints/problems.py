"""The notify API's problem types. Its errors are kinds of the shared ones (`InvalidReport` an
`InvalidInput`, `AlertNotFound` a `NotFound`), so the shared problem types serve them."""

from __future__ import annotations

from lmis_shared.web.problems import ProblemMapping


def problem_mapping() -> ProblemMapping:
    return ProblemMapping()
