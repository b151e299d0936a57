"""Every operation of every service's OpenAPI document fuzzed by schemathesis, as four callers.

The APIs run as `lmis up` runs them (`fuzz_platform`), with objects to act on; the ids of
those objects are offered for the path parameters that name them, next to generated values.
Each generated request is sent as each role of `ROLES`, and every answer must:
  * not be a server error (5xx);
  * have a status code, a content type and a body the operation's document declares;
  * not echo a submitted value in a problem detail (`no_echoed_input`).

The seed is fixed and the examples bounded (`LMIS_FUZZ_EXAMPLES`, default 6 per operation and
phase), so a run is repeatable and takes a few minutes; bench/fuzz.py runs more. With
`LMIS_FUZZ_RESULTS=<file>` the run writes how many requests were sent and how many 5xx came
back.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.fuzz_platform import PROVINCE, Platform, fuzz_platform

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("LMIS_FUZZ_EXAMPLES", "6"))
SEED = 1313
SERVICES = ("registry", "permits", "reporting", "notify")
_ID_PARAMETER = re.compile(r"^(\w+)_id$")
_MIN_ECHO = 4  # shorter inputs ("12", "true") are likelier words of the message than echoes

counts: Counter[str] = Counter()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Platform]:
    with fuzz_platform(tmp_path_factory.mktemp("fuzz"), database_url, "fuzz") as running:
        yield running
    if out := os.environ.get("LMIS_FUZZ_RESULTS"):
        Path(out).write_text(json.dumps(dict(counts), indent=2, sort_keys=True) + "\n")


def _operations(url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(
        f"{url}/openapi.json", config=schemathesis.Config.from_dict({"base-url": url})
    )
    return [result.ok() for result in schema.get_all_operations()]


def _known_values(name: str, platform: Platform) -> list[str]:
    """The existing objects a path parameter may name: `worker_id` -> the worker streams."""
    if name == "tax_code":
        return platform.tax_codes
    found = _ID_PARAMETER.match(name)
    return platform.ids.get(found.group(1), []) if found else []


def _cases(operation: Any, platform: Platform, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """Generated requests; half of them aim at an existing object (where one is known)."""
    known = {
        p.name: values
        for p in operation.path_parameters
        if (values := _known_values(p.name, platform))
    }
    generated = operation.as_strategy(generation_mode=mode)
    if not known:
        return generated

    def aimed(case: Any, picks: dict[str, str], aim: bool) -> Any:
        if aim and mode is GenerationMode.POSITIVE:
            case.path_parameters = {**(case.path_parameters or {}), **picks}
        return case

    picks = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in known.items()})
    return st.builds(aimed, generated, picks, st.booleans())


@schemathesis.check
def no_echoed_input(ctx: Any, response: Any, case: Any) -> bool | None:
    """A problem detail must not repeat a value the caller sent (it may be personal data)."""
    if not response.headers.get("content-type", [""])[0].startswith("application/problem"):
        return None
    text = _without_our_own(response.text)
    document = json.dumps(case.operation.schema.raw_schema, ensure_ascii=False)
    named = _fields_named(text)
    # schemathesis keeps path parameters percent-encoded; `instance` holds the path decoded
    path = unquote(case.formatted_path)
    for value in _submitted_strings(case):
        # a value the document itself names (an enum member) may be named back
        if (
            value in text
            and value not in path  # `instance` is the path, as RFC 9457 has it
            and json.dumps(value, ensure_ascii=False) not in document
            and not _a_word_of_our_own(value, text)
            and value not in named
        ):
            raise AssertionError(f"the problem detail repeats a submitted value: {value!r}")
    return None


def _without_our_own(text: str) -> str:
    """The problem without the values the server makes: its `type` URI, made of constants
    (`urn:lmis:problem:...`), and its `correlation_id`, a random uuid. A generated value may
    happen to spell part of either (one did: `urn:lmis:problem:`; another, `4510`, was in the
    uuid `...-2164510e4bec`)."""
    try:
        problem = json.loads(text)
    except ValueError:
        return text
    if not isinstance(problem, dict):
        return text
    for made in (problem.get("type"), problem.get("correlation_id")):
        if isinstance(made, str) and made:
            text = text.replace(made, "")
    return text


def _fields_named(text: str) -> set[str]:
    """The fields the problem names (`header.If-Match`): our own words, which a generated
    value may happen to spell, not an echo."""
    try:
        errors = json.loads(text).get("errors") or []
    except (ValueError, AttributeError):
        return set()
    return {str(e.get("field")) for e in errors if isinstance(e, dict)}


def _a_word_of_our_own(value: str, text: str) -> bool:
    """Lower-case ASCII letters found in the message: a piece of its own words ("the version
    the client *read*"), which a generated value happens to spell, not an echo. Identifiers,
    numbers and names (capitals, digits, diacritics) are never taken for one."""
    return value.isascii() and value.isalpha() and value.islower() and value in text


def _submitted_strings(case: Any) -> Iterator[str]:
    stack: list[Any] = [case.query, case.body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and len(item.strip()) >= _MIN_ECHO:
            yield item


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    no_echoed_input,
]


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_answers_as_documented_to_every_role(
    service: str, platform: Platform
) -> None:
    failures: dict[str, str] = {}
    for operation in _operations(platform.urls[service]):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, platform, mode)
            except Unsatisfiable:  # nothing to make invalid (no parameter, no body)
                continue
            # schemathesis reports its checks' failures as a BaseExceptionGroup
            except (Exception, BaseExceptionGroup) as error:  # one failure hides no other
                failures[f"{operation.label} {mode.value}"] = str(error)[:2000]
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())


def _fuzz(operation: Any, platform: Platform, mode: GenerationMode) -> None:
    @seed(SEED)
    @given(case=_cases(operation, platform, mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for headers in platform.headers.values():
            response = case.call(headers=headers, timeout=30)
            counts["requests"] += 1
            counts[f"status.{response.status_code}"] += 1
            if response.status_code >= 500:
                counts["5xx"] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def test_a_value_sent_in_the_path_and_named_back_in_instance_is_no_echo(
    platform: Platform,
) -> None:
    """schemathesis keeps path parameters percent-encoded, `instance` holds the path decoded:
    a value generated for the path and the query alike must not count as echoed (a run of
    30 examples per operation against `make up` reported three such false echoes)."""
    operation = next(
        op
        for op in _operations(platform.urls["reporting"])
        if op.path == "/v1/reports/{kind}/{unit}/{period}/filings" and op.method == "get"
    )
    value = "Å¤¨·"
    case = operation.Case(
        path_parameters={"kind": quote(value, safe=""), "unit": PROVINCE, "period": "2026"},
        query={"hierarchy": value},
    )
    response = case.call(headers=platform.headers["admin"], timeout=30)
    assert response.status_code == 422, response.text
    assert f'"instance":"/v1/reports/{value}/' in response.text
    assert no_echoed_input(None, response, case) is None


def test_a_value_that_spells_part_of_the_problem_type_is_no_echo(platform: Platform) -> None:
    """The `type` URI is ours, made of constants: a generated reason `urn:lmis:problem:` in a
    refused body was reported as echoed by the full run once. A value repeated anywhere else
    in the problem still is an echo."""
    operation = next(
        op
        for op in _operations(platform.urls["registry"])
        if op.path == "/v1/loans/{loan_id}/restructure" and op.method == "post"
    )
    case = operation.Case(
        path_parameters={"loan_id": "not-a-uuid"},
        body={"reason": "urn:lmis:problem:", "term_months": 6067069967767789},
        media_type="application/json",
    )
    response = case.call(headers=platform.headers["admin"], timeout=30)
    assert response.status_code == 422, response.text
    assert "urn:lmis:problem:validation" in response.text
    assert no_echoed_input(None, response, case) is None

    # the same answer had its detail repeated the reason: that is an echo
    problem = json.loads(response.text)
    problem["detail"] = f"reason: urn:lmis:problem: is not allowed; {problem['detail']}"
    echoed = SimpleNamespace(headers=response.headers, text=json.dumps(problem))
    with pytest.raises(AssertionError, match="repeats a submitted value"):
        no_echoed_input(None, echoed, case)
