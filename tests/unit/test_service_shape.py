"""Every service has the same shape: the same files, the same entry points with the same
signatures, settings of the same kind, and a declaration whose references all resolve.

A reader who knows one service knows all four (docs/architecture.md); these tests keep it so.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from lmis_cli.services import SERVICES, load
from lmis_shared.commands import Aggregate
from lmis_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]

# What every service has, relative to its package.
SAME_FILES = (
    "service.py",
    "settings.py",
    "bootstrap.py",
    "domain/__init__.py",
    "domain/errors.py",
    "application/__init__.py",
    "application/ports.py",
    "adapters/__init__.py",
    "entrypoints/__init__.py",
    "entrypoints/http.py",
    "entrypoints/views.py",
    "entrypoints/problems.py",
)
# The fixed files of an aggregate that grew into a package.
AGGREGATE_PACKAGE_FILES = {"commands.py", "state.py", "decide.py", "evolve.py"}
MAX_LINES = 350
LONG_MODULE_MARKER = "Over 350 lines"  # ...followed by why, in the module docstring


def package_dir(name: str) -> Path:
    return ROOT / "services" / name / f"lmis_{name}"


@pytest.fixture(params=list(SERVICES))
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_platform_finds_all_four_services_in_start_order() -> None:
    assert list(SERVICES) == ["registry", "permits", "reporting", "notify"]


def test_every_service_has_the_same_files(service: str) -> None:
    missing = [f for f in SAME_FILES if not (package_dir(service) / f).is_file()]
    assert missing == []


def test_a_processor_is_declared_exactly_where_one_exists(service: str) -> None:
    has_module = (package_dir(service) / "entrypoints" / "processor.py").is_file()
    assert (SERVICES[service].processor is not None) == has_module


def test_every_declared_reference_resolves(service: str) -> None:
    declaration = SERVICES[service]
    refs = [declaration.settings, declaration.app, declaration.migrate]
    refs += [r for r in (declaration.processor, declaration.rebuild) if r]
    refs += [kind.template for kind in declaration.imports]
    for ref in refs:
        assert callable(load(ref)) or load(ref) is not None, ref


def test_every_bootstrap_takes_the_same_arguments(service: str) -> None:
    bootstrap = importlib.import_module(f"lmis_{service}.bootstrap")
    params = inspect.signature(bootstrap.bootstrap).parameters
    assert list(params) == ["pool", "settings", "common", "clock", "authorizer"]
    assert [p.kind for p in params.values()][3:] == [inspect.Parameter.KEYWORD_ONLY] * 2
    assert list(inspect.signature(bootstrap.migrate).parameters) == ["pool", "schema"]


def test_every_rebuild_takes_the_same_arguments(service: str) -> None:
    ref = SERVICES[service].rebuild
    assert ref is not None, "every service has read models to rebuild"
    assert list(inspect.signature(load(ref)).parameters) == ["pool", "settings", "common"]


def test_every_app_is_built_by_the_same_factory(service: str) -> None:
    http = importlib.import_module(f"lmis_{service}.entrypoints.http")
    assert SERVICES[service].app == f"lmis_{service}.entrypoints.http:create_app"
    params = inspect.signature(http.create_app).parameters
    assert list(params) == ["common", "settings", "clock"]
    assert all(p.default is None for p in params.values())
    problems = importlib.import_module(f"lmis_{service}.entrypoints.problems")
    assert callable(problems.problem_mapping)


def test_every_settings_class_is_a_service_settings_with_its_own_prefix(service: str) -> None:
    settings = load(SERVICES[service].settings)
    assert issubclass(settings, ServiceSettings)
    assert settings.model_config.get("env_prefix") == f"LMIS_{service.upper()}_"
    assert settings.model_fields["schema_name"].default == service


def _aggregates(service: str) -> list[Path]:
    domain = package_dir(service) / "domain"
    found = []
    for path in domain.rglob("*.py"):
        if re.search(r"^AGGREGATE(: [^=]+)? = Aggregate\(", path.read_text(encoding="utf-8"), re.M):
            found.append(path)
    return found


def test_every_service_that_takes_commands_declares_its_aggregates(service: str) -> None:
    assert _aggregates(service), f"{service} declares no AGGREGATE in its domain"
    for path in _aggregates(service):
        module = ".".join(path.relative_to(package_dir(service).parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        assert isinstance(importlib.import_module(module).AGGREGATE, Aggregate)


def test_an_aggregate_package_has_the_fixed_files(service: str) -> None:
    for path in _aggregates(service):
        if path.name == "__init__.py":
            present = {p.name for p in path.parent.glob("*.py")}
            assert present >= AGGREGATE_PACKAGE_FILES, path.parent


def _modules() -> list[Path]:
    roots = [ROOT / "shared", ROOT / "cli", ROOT / "services"]
    return [p for root in roots for p in root.rglob("*.py")]


def test_no_module_grows_past_350_lines_without_saying_why() -> None:
    long = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and LONG_MODULE_MARKER not in text:
            long.append(str(path.relative_to(ROOT)))
    assert long == []
