"""Every process of every deployment is given what the code needs to start outside embedded mode.

What a process needs is derived from the settings classes it reads
(`lmis_shared.settings.required_outside_embedded`: fields without a default, secrets whose
development default the lookup-key rule refuses, fields whose default serves embedded mode
only), never listed here; which classes a process reads follows the command it runs
(`cli/lmis_cli/main.py`). Each Kustomize overlay is rendered as in `test_deploy_manifests.py`
and `docker-compose.yml` read; secrets must come from a Secret (Kubernetes) or from `.env`
(compose, with an entry in `deploy/compose.env.example`), and no process gets a secret it
does not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from lmis_cli.services import SERVICES, load
from lmis_shared.auth import authenticator_from_settings, ensure_local_keypair
from lmis_shared.settings import CommonSettings, required_outside_embedded
from tests.integration.test_deploy_manifests import (
    OVERLAYS,
    ROOT,
    Resource,
    _compose_lmis_services,
    _lmis_workloads,
    _of_kind,
    _only_container,
    _render,
)

COMPOSE_ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"


@dataclass(frozen=True)
class Process:
    """One deployed process: its workload's name (the compose service's too) and what it reads:
    every process reads `CommonSettings`; the API and the processor read their service's
    settings class whole (the processor also its declaration's `processor_settings`), the relay
    and `lmis migrate` only its `schema_name`."""

    name: str
    reads: tuple[tuple[type[BaseSettings], frozenset[str] | None], ...]
    """(settings class, the fields read or None for all)."""

    def requirements(self) -> list[tuple[str, ...]]:
        needed = []
        for settings_class, only in self.reads:
            variables = _variables(settings_class, only)
            needed += [r for r in required_outside_embedded(settings_class) if set(r) <= variables]
        return needed

    def settings_variables(self) -> set[str]:
        """Every variable a setting it reads is taken from."""
        return set().union(*(_variables(c, only) for c, only in self.reads))

    def secret_variables(self) -> set[str]:
        """The variables of the `SecretStr` settings it reads (the database password too)."""
        secrets: set[str] = set()
        for settings_class, only in self.reads:
            secrets |= {
                _variable(settings_class, name)
                for name, field in settings_class.model_fields.items()
                if _is_secret(field.annotation) and (only is None or name in only)
            }
        return secrets


def _is_secret(annotation: object) -> bool:
    """`SecretStr`, or an optional one (`SecretStr | None`)."""
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _variable(settings_class: type[BaseSettings], field: str) -> str:
    return f"{settings_class.model_config.get('env_prefix', '')}{field}".upper()


def _variables(settings_class: type[BaseSettings], only: frozenset[str] | None) -> set[str]:
    return {
        _variable(settings_class, name)
        for name in settings_class.model_fields
        if only is None or name in only
    }


def _processes() -> Iterator[Process]:
    common = (CommonSettings, None)
    schema_only = frozenset({"schema_name"})
    for name, declaration in SERVICES.items():
        own: type[BaseSettings] = load(declaration.settings)
        yield Process(name, (common, (own, None)))
        if declaration.publishes_events:
            yield Process(f"{name}-relay", (common, (own, schema_only)))
        if declaration.processor:
            # and what only the processor reads (notify's: the producers' master keys)
            extra = tuple((load(ref), None) for ref in declaration.processor_settings)
            yield Process(f"{name}-processor", (common, (own, None), *extra))
    every_schema = tuple((load(d.settings), schema_only) for d in SERVICES.values())
    yield Process("migrate", (common, *every_schema))


PROCESSES = {p.name: p for p in _processes()}


# --- what each process is given -----------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """A variable a process is given and where from: `value`, `config` (a ConfigMap),
    `secret` (a Secret key in Kubernetes) or `dotenv` (compose: a `${...}` from .env)."""

    source: str
    reference: str = ""


def _kubernetes_env(container: Resource, resources: tuple[Resource, ...]) -> dict[str, Given]:
    config_maps = {c["metadata"]["name"]: c for c in _of_kind(resources, "ConfigMap")}
    given: dict[str, Given] = {}
    for source in container.get("envFrom", []):
        # a Secret imported whole cannot be read offline: name each key with secretKeyRef
        assert set(source) <= {"configMapRef"}, f"envFrom {source}: use secretKeyRef"
        for name in config_maps[source["configMapRef"]["name"]]["data"]:
            given[name] = Given("config")
    for variable in container.get("env", []):
        value_from = variable.get("valueFrom", {})
        if "secretKeyRef" in value_from:
            ref = value_from["secretKeyRef"]
            assert not ref.get("optional", False), variable["name"]
            given[variable["name"]] = Given("secret", f"{ref['name']}/{ref['key']}")
        elif "configMapKeyRef" in value_from:
            given[variable["name"]] = Given("config")
        else:
            given[variable["name"]] = Given("value")
    return given


DOTENV_REFERENCE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<rule>[:?\-]*)")


def _compose_env(service: dict[str, Any]) -> dict[str, Given]:
    assert "env_file" not in service, "compose gives variables in `environment`, from .env"
    given = {}
    for name, value in service["environment"].items():
        references = DOTENV_REFERENCE.findall(str(value))
        if references:
            given[name] = Given("dotenv", ",".join(ref for ref, _ in references))
        else:
            given[name] = Given("value")
    return given


def _example_entries() -> set[str]:
    lines = COMPOSE_ENV_EXAMPLE.read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z0-9_]+=", line)}


Deployment = tuple[dict[str, dict[str, Given]], str]
"""What each process (by workload name) is given, and where: an overlay or "compose"."""


def _deployment(where: str) -> Deployment:
    if where == "compose":
        return {n: _compose_env(s) for n, s in _compose_lmis_services().items()}, where
    rendered = _render(where)
    workloads = _lmis_workloads(rendered)
    return {n: _kubernetes_env(_only_container(w), rendered) for n, w in workloads.items()}, where


@pytest.fixture(params=[*OVERLAYS, "compose"])
def deployment(request: pytest.FixtureRequest) -> Deployment:
    return _deployment(request.param)


# --- the checks -------------------------------------------------------------------------------


def test_the_requirements_are_derived_from_the_settings_classes() -> None:
    # not a list of names: that every API needs a database and a token key, and the services
    # that look people up their lookup key, follows from the classes; an empty derivation
    # would make the checks below pass vacuously
    for name, declaration in SERVICES.items():
        api = PROCESSES[name].requirements()
        assert required_outside_embedded(CommonSettings)[0] in api
        assert set(required_outside_embedded(load(declaration.settings))) <= set(api)
    assert all(PROCESSES[p].requirements() for p in PROCESSES)
    # what only a processor reads (notify's key grant: the producers' master keys) is its own
    granted = [(n, ref) for n, d in SERVICES.items() for ref in d.processor_settings]
    assert granted
    for name, ref in granted:
        needed = set(required_outside_embedded(load(ref)))
        assert needed
        assert needed <= set(PROCESSES[f"{name}-processor"].requirements())
        assert not needed & set(PROCESSES[name].requirements())


def test_the_token_key_group_is_what_the_authenticator_refuses_to_start_without(
    tmp_path: Path,
) -> None:
    [group] = [r for r in required_outside_embedded(CommonSettings) if len(r) > 1]
    fields = {v.removeprefix("LMIS_").lower() for v in group}
    addresses = {
        "mode": "production",
        "data_dir": tmp_path,
        "database_url": "postgresql://lmis_registry@db.example/lmis",
        "kafka_bootstrap": "kafka.example:9092",
        "jwt_issuer": "https://sso.example/realms/lmis",
    }
    with pytest.raises(ValueError, match=" or ".join(group)):
        CommonSettings.model_validate(addresses)
    unchecked = CommonSettings.model_construct(**addresses)  # the authenticator checks again
    with pytest.raises(ValueError, match="production needs"):
        authenticator_from_settings(unchecked)
    _, public_key = ensure_local_keypair(tmp_path / "keys")
    for field in fields:
        value: Any = public_key if field.endswith("_file") else "https://sso.example/certs"
        settings = CommonSettings.model_validate(addresses | {field: value})
        authenticator_from_settings(settings)  # one of the group is enough


def test_every_process_is_given_what_it_cannot_start_without(
    deployment: Deployment,
) -> None:
    processes, where = deployment
    assert set(processes) == set(PROCESSES), where
    missing = {
        name: [" or ".join(r) for r in process.requirements() if not set(r) & set(processes[name])]
        for name, process in PROCESSES.items()
    }
    assert {name: m for name, m in missing.items() if m} == {}, where


def test_every_secret_comes_from_a_secret_store_and_only_where_it_is_read(
    deployment: Deployment,
) -> None:
    processes, where = deployment
    secret_source = "dotenv" if where == "compose" else "secret"
    for name, given in processes.items():
        process = PROCESSES[name]
        for variable in process.secret_variables() & set(given):
            assert given[variable].source == secret_source, (where, name, variable)
        strays = {v for v, g in given.items() if g.source == "secret"} - process.secret_variables()
        assert strays == set(), f"{where}: {name} is given secrets it never reads"
        lookups = {v for v in given if v.endswith("_LOOKUP_KEY")} - process.settings_variables()
        assert lookups == set(), f"{where}: {name} is given lookup keys it never reads"


def test_compose_takes_every_dotenv_value_from_a_documented_entry() -> None:
    entries = _example_entries()
    for name, service in _compose_lmis_services().items():
        for variable, given in _compose_env(service).items():
            if given.source != "dotenv":
                continue
            for reference in given.reference.split(","):
                assert reference in entries, f"{name}: {variable} reads {reference}"
            value = str(service["environment"][variable])
            if variable in PROCESSES[name].secret_variables():
                # a secret has no default: compose refuses to start until .env sets it
                assert all(r == ":?" for _, r in DOTENV_REFERENCE.findall(value)), variable


def test_the_lookup_keys_are_documented_as_never_rotated_and_backed_up() -> None:
    readme = (ROOT / "deploy" / "README.md").read_text()
    example = COMPOSE_ENV_EXAMPLE.read_text()
    keys = {v for p in PROCESSES.values() for r in p.requirements() for v in r}
    keys = {k for k in keys if k.endswith("_LOOKUP_KEY")}
    assert keys
    for key in keys:
        assert key in readme
        assert f"{key}=\n" in example, "an empty entry: compose refuses to start until it is set"
    assert "never rotate" in readme.lower()
    assert "back up" in readme.lower()
