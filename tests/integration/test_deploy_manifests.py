"""The deployment artefacts are valid and agree with each other, checked offline.

`kubectl kustomize` renders each overlay; every core Kubernetes resource is validated against
the API schema (kubernetes-validate, strict: an unknown or misspelt field fails) and
`docker-compose.yml` against the Compose Specification. Then the properties production relies
on: probes, non-root, limits, one relay per service, agencies reading only their own feed, no
secret committed; and compose and Kubernetes run the same processes with the same commands and
variables, so neither can drift from the other or from the code's list of processes.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, latest_version

from lmis_cli.services import SERVICES, default_port
from lmis_shared.settings import CommonSettings

Resource = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
OVERLAYS = ("staging", "production")
# The oldest Kubernetes we support and the newest schema kubernetes-validate ships: a field
# that is new, or an API version that was removed, fails one of the two.
K8S_VERSIONS = ("1.32.0", latest_version())
# Custom resources of the operators the manifests rely on (Strimzi, CloudNativePG).
# kubernetes-validate knows only the core API, so these kinds are skipped on purpose;
# any other kind without a schema fails the validation test.
CUSTOM_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster"}
LMIS_IMAGE = "lmis:local"  # compose's name for the image built from ./Dockerfile
AGENCIES = ("police", "bank", "foreign_affairs")

# Relays and stream processors have no HTTP port, hence nothing for a probe to ask.
WORKER_COMPONENTS = ("relay", "processor")


@functools.cache
def _render(overlay: str) -> tuple[Resource, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the Kustomize overlays cannot be rendered")
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"kustomize cannot render {overlay}:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


@pytest.fixture(params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[Resource, ...]:
    return _render(request.param)


@functools.cache
def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def _of_kind(resources: tuple[Resource, ...], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def _lmis_workloads(resources: tuple[Resource, ...]) -> dict[str, Resource]:
    """Deployments and Jobs running the LMIS image, by name (the compose service's name)."""
    return {
        r["metadata"]["name"]: r
        for r in resources
        if r["kind"] in ("Deployment", "Job")
        and r["metadata"]["labels"].get("app.kubernetes.io/name") == "lmis"
    }


def _only_container(workload: Resource) -> Resource:
    containers: list[Resource] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]


def _env_names(container: Resource, resources: tuple[Resource, ...]) -> set[str]:
    """Every variable a container sees: its own and those of the ConfigMaps it imports."""
    config_maps = {c["metadata"]["name"]: c for c in _of_kind(resources, "ConfigMap")}
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(config_maps[source["configMapRef"]["name"]]["data"])
    return names


def _compose_lmis_services() -> dict[str, Any]:
    return {
        name: service
        for name, service in _compose()["services"].items()
        if service.get("image") == LMIS_IMAGE
    }


def _describe(resource: Resource) -> str:
    return f"{resource['kind']}/{resource['metadata']['name']}"


# --- every resource is well formed ------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_core_resource_is_valid_kubernetes(
    rendered: tuple[Resource, ...], version: str
) -> None:
    problems = []
    for resource in rendered:
        if resource["kind"] in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{_describe(resource)}: {path}: {error.message}")
        except SchemaNotFoundError as error:
            problems.append(f"{_describe(resource)}: {error.message}")
    assert problems == []


def test_only_operator_resources_are_left_unvalidated(rendered: tuple[Resource, ...]) -> None:
    custom = [r for r in rendered if r["kind"] in CUSTOM_KINDS]
    assert {r["kind"] for r in custom} == CUSTOM_KINDS, "a skipped kind is no longer used"
    for resource in custom:
        group = resource["apiVersion"].split("/")[0]
        assert group in ("kafka.strimzi.io", "postgresql.cnpg.io"), _describe(resource)
        with pytest.raises(SchemaNotFoundError):  # if this starts passing, validate it instead
            kubernetes_validate.validate(resource, K8S_VERSIONS[0], strict=True)


def test_compose_file_follows_the_compose_specification() -> None:
    # The schema check-jsonschema vendors (`--builtin-schema vendor.compose-spec`), applied
    # with the same validator class. Its CLI is not called: check-jsonschema 0.38.1 subclasses
    # click.ParamType[...], which the click 8.3.3 of our lock cannot subscript, so it crashes
    # on import.
    [schema_file] = [
        f
        for f in importlib.metadata.files("check-jsonschema") or []
        if f.name == "compose-spec.json" and "vendor" in f.parts
    ]
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(_compose())]
    assert problems == []


# --- what production relies on ----------------------------------------------------------------


def test_every_workload_runs_non_root_read_only_and_limited(
    rendered: tuple[Resource, ...],
) -> None:
    for workload in [*_of_kind(rendered, "Deployment"), *_of_kind(rendered, "Job")]:
        pod = workload["spec"]["template"]["spec"]
        name = _describe(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) >= {"cpu", "memory"}, (name, bound)


def test_every_deployment_with_a_port_has_liveness_and_readiness_probes(
    rendered: tuple[Resource, ...],
) -> None:
    for deployment in _of_kind(rendered, "Deployment"):
        name = deployment["metadata"]["name"]
        component = deployment["metadata"]["labels"].get("app.kubernetes.io/component")
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if component in WORKER_COMPONENTS:  # exempt only while it has no port to ask
                assert "ports" not in container, f"{name} listens: probe it"
                continue
            assert "livenessProbe" in container, name
            assert "readinessProbe" in container, name
    for name in SERVICES:
        api = _only_container(_lmis_workloads(rendered)[name])
        assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_each_relay_runs_alone_and_is_replaced_not_rolled(rendered: tuple[Resource, ...]) -> None:
    # Two relays of one service would race on its outbox position and break the order.
    relays = {n: w for n, w in _lmis_workloads(rendered).items() if n.endswith("-relay")}
    assert relays
    for name, relay in relays.items():
        assert relay["spec"]["replicas"] == 1, name
        assert relay["spec"]["strategy"] == {"type": "Recreate"}, name


def test_the_database_dsn_comes_from_a_secret_and_none_is_committed(
    rendered: tuple[Resource, ...],
) -> None:
    assert _of_kind(rendered, "Secret") == []
    for name, workload in _lmis_workloads(rendered).items():
        env = {e["name"]: e for e in _only_container(workload)["env"]}
        assert "secretKeyRef" in env["LMIS_DATABASE_URL"]["valueFrom"], name
    for config_map in _of_kind(rendered, "ConfigMap"):
        assert not any("PASSWORD" in k or "DATABASE" in k for k in config_map.get("data", {}))
    # compose takes the password from .env, never from the file itself
    postgres = _compose()["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    for name, service in _compose_lmis_services().items():
        assert "${POSTGRES_PASSWORD" in service["environment"]["LMIS_DATABASE_URL"], name
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    assert "POSTGRES_PASSWORD=change-me" in example


def test_agencies_read_only_their_own_feed(rendered: tuple[Resource, ...]) -> None:
    users = {u["metadata"]["name"]: u["spec"] for u in _of_kind(rendered, "KafkaUser")}
    assert set(users) == {a.replace("_", "-") for a in AGENCIES}
    topics = {t["spec"]["topicName"] for t in _of_kind(rendered, "KafkaTopic")}
    for agency in AGENCIES:
        user = users[agency.replace("_", "-")]
        acls = user["authorization"]["acls"]
        assert user["authentication"]["type"] == "tls"
        assert all(set(acl["operations"]) <= {"Read", "Describe"} for acl in acls), agency
        readable = [acl["resource"] for acl in acls if acl["resource"]["type"] == "topic"]
        assert readable == [
            {"type": "topic", "name": f"lmis.agency.{agency}", "patternType": "literal"}
        ]
        assert f"lmis.agency.{agency}" in topics


# --- compose, Kubernetes and the code agree ---------------------------------------------------


def test_every_process_of_the_platform_is_deployed(rendered: tuple[Resource, ...]) -> None:
    relays = {f"{name}-relay" for name, spec in SERVICES.items() if spec.publishes_events}
    processors = {f"{name}-processor" for name, spec in SERVICES.items() if spec.processor}
    workloads = _lmis_workloads(rendered)
    assert set(workloads) == {*SERVICES, *relays, *processors, "migrate"}
    for name in SERVICES:
        api = _only_container(workloads[name])
        env = {e["name"]: e.get("value") for e in api["env"]}
        assert api["ports"] == [{"name": "http", "containerPort": default_port(name)}]
        assert env[f"LMIS_{name.upper()}_PORT"] == str(default_port(name))
        assert env[f"LMIS_{name.upper()}_HOST"] == "0.0.0.0"  # noqa: S104 - inside the pod


def test_compose_and_kubernetes_run_the_same_processes(rendered: tuple[Resource, ...]) -> None:
    kubernetes = {n: _only_container(w)["args"] for n, w in _lmis_workloads(rendered).items()}
    compose = {n: s["command"] for n, s in _compose_lmis_services().items()}
    assert compose == kubernetes


def test_compose_and_kubernetes_give_each_process_the_same_variables(
    rendered: tuple[Resource, ...],
) -> None:
    kubernetes = {
        name: _env_names(_only_container(workload), rendered)
        for name, workload in _lmis_workloads(rendered).items()
    }
    compose = {n: set(s["environment"]) for n, s in _compose_lmis_services().items()}
    assert compose == kubernetes


def test_kafka_topics_are_the_ones_the_code_and_compose_use(
    rendered: tuple[Resource, ...],
) -> None:
    [config] = [
        c
        for c in _of_kind(rendered, "ConfigMap")
        if c["metadata"]["name"].startswith("lmis-config")
    ]
    settings = CommonSettings(topic_prefix=config["data"]["LMIS_TOPIC_PREFIX"])
    read_by_consumers = [settings.topic(d) for d in SERVICES] + [f"{settings.topic_prefix}.alerts"]
    expected = {
        *read_by_consumers,
        *(f"{t}.dlq" for t in read_by_consumers),
        *(f"{settings.topic_prefix}.agency.{a}" for a in AGENCIES),
    }
    declared = {t["spec"]["topicName"] for t in _of_kind(rendered, "KafkaTopic")}
    created_by_compose = set(
        _compose()["services"]["kafka-topics"]["environment"]["TOPICS"].split()
    )
    assert declared == expected
    assert created_by_compose == expected


def test_compose_starts_nothing_before_its_dependencies_are_healthy() -> None:
    services = _compose()["services"]
    assert {"postgres", "kafka"} <= {n for n, s in services.items() if "healthcheck" in s}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name, service in _compose_lmis_services().items():
        if name == "migrate":
            continue
        needs = service["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert needs["kafka-topics"] == {"condition": "service_completed_successfully"}, name
        assert needs["kafka"] == {"condition": "service_healthy"}, name
