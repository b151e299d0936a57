"""The Kubernetes overlays serve real traffic safely, checked offline on the rendered overlays
(rendered as in test_deploy_manifests.py, which also validates every resource against its
schema, the Gateway API's included).

- the four APIs, and only they, are reachable from outside: over HTTPS only, one route per
  API to its own Service, host names from the overlay, and the APIs admit only the Gateway's
  namespace;
- the APIs autoscale on CPU within a bound the database's connections allow; relays stay one,
  processors one;
- API replicas spread over nodes and zones; production has a disruption budget per API;
- every image is pinned (digest or an immutable tag, with a pull policy) or, on a moving tag,
  pulled every time; the Dockerfile's base image is pinned by digest;
- no LMIS process starts before the database is at its image's version: each Deployment's
  init container runs `lmis migrate --check --wait` with the main container's image,
  credentials and settings.
"""

from __future__ import annotations

import copy
import inspect
import re

import pytest
import yaml

from lmis_cli.services import SERVICES, default_port
from lmis_shared.eventstore.postgres import create_pool
from tests.integration.test_deploy_manifests import (
    ROOT,
    Resource,
    _describe,
    _lmis_workloads,
    _of_kind,
    _only_container,
    _render,
)

MOVING_TAGS = {"latest", "main", "master", "edge", "nightly", "dev"}
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
MIN_API_REPLICAS = {"staging": 1, "production": 2}
POOL_SIZE = inspect.signature(create_pool).parameters["max_size"].default


@pytest.fixture(params=sorted(MIN_API_REPLICAS))
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _pods(resources: tuple[Resource, ...]) -> list[tuple[Resource, Resource]]:
    """(workload, pod spec) of everything that runs containers."""
    kinds = ("Deployment", "StatefulSet", "DaemonSet", "Job")
    return [(r, r["spec"]["template"]["spec"]) for r in resources if r["kind"] in kinds] + [
        (r, r["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        for r in resources
        if r["kind"] == "CronJob"
    ]


def _routes_config(overlay: str) -> dict[str, str]:
    """The overlay's settings for components/gateway (its routes.yaml)."""
    path = ROOT / "deploy" / "overlays" / overlay / "routes.yaml"
    data: dict[str, str] = yaml.safe_load(path.read_text())["data"]
    return data


# --- routes -----------------------------------------------------------------------------------


def test_every_api_is_routed_over_tls_only_on_the_overlays_hosts(overlay: str) -> None:
    rendered = _render(overlay)
    config = _routes_config(overlay)
    [gateway] = _of_kind(rendered, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == config["gateway-class"]
    assert gateway["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": config["cluster-issuer"]
    }
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    for listener in listeners.values():  # no plain-HTTP listener, every one with a certificate
        assert listener["protocol"] == "HTTPS", listener["name"]
        assert listener["port"] == 443, listener["name"]
        assert listener["tls"]["mode"] == "Terminate", listener["name"]
        assert listener["tls"]["certificateRefs"], listener["name"]
    services = {s["metadata"]["name"]: s for s in _of_kind(rendered, "Service")}
    routes = {r["metadata"]["name"]: r["spec"] for r in _of_kind(rendered, "HTTPRoute")}
    assert set(routes) == set(SERVICES)
    for name, route in routes.items():
        host = config[f"{name}-host"]
        [parent] = route["parentRefs"]
        listener = listeners[parent["sectionName"]]
        assert parent["name"] == gateway["metadata"]["name"]
        assert route["hostnames"] == [host] == [listener["hostname"]], name
        backends = [b for rule in route["rules"] for b in rule["backendRefs"]]
        assert backends == [{"name": name, "port": default_port(name)}], name
        [port] = services[name]["spec"]["ports"]
        assert port["port"] == default_port(name)
    assert "set-by-the-overlay" not in yaml.safe_dump([gateway, routes])


def test_the_overlays_have_hosts_of_their_own() -> None:
    hosts = {
        overlay: {v for k, v in _routes_config(overlay).items() if k.endswith("-host")}
        for overlay in MIN_API_REPLICAS
    }
    assert all(len(h) == len(SERVICES) for h in hosts.values())
    assert not hosts["staging"] & hosts["production"]


def test_only_the_gateways_namespace_reaches_the_apis(overlay: str) -> None:
    # LMIS pods start from deny-all; what lets anything in on the APIs' `http` port
    rendered = _render(overlay)
    serving = [
        (policy, rule)
        for policy in _of_kind(rendered, "NetworkPolicy")
        if policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        == "lmis"
        for rule in policy["spec"].get("ingress", [])
        if not rule.get("ports") or any(port.get("port") == "http" for port in rule["ports"])
    ]
    [(policy, rule)] = serving
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    namespace = _routes_config(overlay)["gateway-namespace"]
    assert rule["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
    ]


# --- scale ------------------------------------------------------------------------------------


def test_the_apis_and_only_they_autoscale_on_cpu(overlay: str) -> None:
    rendered = _render(overlay)
    workloads = _lmis_workloads(rendered)
    autoscalers = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in _of_kind(rendered, "HorizontalPodAutoscaler")
    }
    assert set(autoscalers) == set(SERVICES)
    for name, autoscaler in autoscalers.items():
        spec = autoscaler["spec"]
        target = workloads[name]
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert target["metadata"]["labels"]["app.kubernetes.io/component"] == "api"
        assert "replicas" not in target["spec"], f"{name}: an apply would fight the autoscaler"
        assert spec["minReplicas"] == MIN_API_REPLICAS[overlay], name
        assert spec["maxReplicas"] > spec["minReplicas"], name
        [metric] = spec["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"
        # utilisation is of the request: every container must request CPU
        assert "cpu" in _only_container(target)["resources"]["requests"]
    for name, workload in workloads.items():
        component = workload["metadata"]["labels"]["app.kubernetes.io/component"]
        if component in ("relay", "processor"):
            assert workload["spec"]["replicas"] == 1, name


def test_the_autoscaled_apis_fit_in_the_databases_connections(overlay: str) -> None:
    rendered = _render(overlay)
    [cluster] = _of_kind(rendered, "Cluster")
    allowed = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    most = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
        for h in _of_kind(rendered, "HorizontalPodAutoscaler")
    }
    processes = sum(
        most.get(name, workload["spec"].get("replicas", 1))
        for name, workload in _lmis_workloads(rendered).items()
    )
    # each process pools up to POOL_SIZE; PostgreSQL keeps 3 for superusers (the operator)
    assert processes * POOL_SIZE <= allowed - 3


def test_api_replicas_spread_over_nodes_and_zones(overlay: str) -> None:
    for name, workload in _lmis_workloads(_render(overlay)).items():
        if name not in SERVICES:
            continue
        pod = workload["spec"]["template"]
        spread = {c["topologyKey"]: c for c in pod["spec"]["topologySpreadConstraints"]}
        assert set(spread) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
        assert spread["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "ScheduleAnyway"
        for constraint in spread.values():
            assert constraint["maxSkew"] == 1
            selected = constraint["labelSelector"]["matchLabels"].items()
            assert selected <= pod["metadata"]["labels"].items(), name
            # counted per API, not over all four
            assert "app.kubernetes.io/instance" in constraint["matchLabelKeys"], name


def test_production_keeps_every_api_serving_through_a_drain() -> None:
    rendered = _render("production")
    budgets = _of_kind(rendered, "PodDisruptionBudget")
    for name, workload in _lmis_workloads(rendered).items():
        labels = workload["spec"]["template"]["metadata"]["labels"].items()
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels]
        if name not in SERVICES:
            assert covering == [], f"{name}: a budget on a single pod blocks every drain"
            continue
        [budget] = covering
        assert budget["spec"]["maxUnavailable"] == 1, name
    # PostgreSQL's budgets are CloudNativePG's own (Strimzi makes Kafka's): not turned off
    [cluster] = _of_kind(rendered, "Cluster")
    assert cluster["spec"].get("enablePDB", True) is True


# --- images -----------------------------------------------------------------------------------


def _image_problems(resources: tuple[Resource, ...]) -> list[str]:
    """Containers whose image could change under them unnoticed: no tag, or a moving tag not
    pulled every time; a pinned image without a pull policy."""
    problems = []
    for workload, pod in _pods(resources):
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            where = f"{_describe(workload)}/{container['name']}"
            image, policy = container["image"], container.get("imagePullPolicy")
            if DIGEST.search(image):
                continue
            name, _, tag = image.rpartition(":")
            if not name or "/" in tag:  # no tag: Kubernetes pulls `latest`
                problems.append(f"{where}: {image} has no tag")
            elif tag in MOVING_TAGS and policy != "Always":
                problems.append(f"{where}: {image} moves but is pulled {policy}")
            elif policy is None:
                problems.append(f"{where}: {image} has no pull policy")
    return problems


def test_every_image_is_pinned_or_pulled_every_time(overlay: str) -> None:
    assert _image_problems(_render(overlay)) == []


def test_production_runs_only_pinned_images() -> None:
    for workload, pod in _pods(_render("production")):
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            image = container["image"]
            assert DIGEST.search(image) or image.rpartition(":")[2] not in MOVING_TAGS, image
            assert container["imagePullPolicy"] == "IfNotPresent", _describe(workload)


def test_the_image_check_finds_unpinned_images() -> None:
    [deployment] = [
        d
        for d in _of_kind(_render("production"), "Deployment")
        if d["metadata"]["name"] == "registry"
    ]
    broken = []
    for image, policy in [
        ("registry.lmis.example/lmis/lmis", "IfNotPresent"),
        ("registry.lmis.example:5000/lmis/lmis", "Always"),
        ("registry.lmis.example/lmis/lmis:main", "IfNotPresent"),
        ("registry.lmis.example/lmis/lmis:latest", None),
        ("registry.lmis.example/lmis/lmis:0.1.0", None),
    ]:
        copied = copy.deepcopy(deployment)
        container = copied["spec"]["template"]["spec"]["containers"][0]
        container["image"] = image
        if policy is None:
            container.pop("imagePullPolicy")
        else:
            container["imagePullPolicy"] = policy
        broken.append(copied)
    assert len(_image_problems(tuple(broken))) == 5


def test_the_dockerfile_builds_on_a_pinned_base_image() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), flags=re.M)
    assert bases
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base), base


# --- migrations before serving ----------------------------------------------------------------


def test_every_lmis_pod_waits_for_its_schema_with_its_own_image(overlay: str) -> None:
    rendered = _render(overlay)
    for name, workload in _lmis_workloads(rendered).items():
        pod = workload["spec"]["template"]["spec"]
        main = _only_container(workload)
        if workload["kind"] == "Job":  # the migration itself
            assert main["args"] == ["migrate"]
            assert "initContainers" not in pod
            continue
        [wait] = pod["initContainers"]
        service = name.split("-")[0]
        assert service in SERVICES, name
        assert wait["args"][:3] == ["migrate", "--check", "--wait"], name
        assert float(wait["args"][3]) > 0
        assert wait["args"][4:] == [service], name
        # the same code, settings and credentials as the process it stands before
        for same in ("image", "imagePullPolicy", "securityContext"):
            assert wait[same] == main[same], (name, same)
        assert all(source in main["envFrom"] for source in wait["envFrom"]), name
        # its login too (the address and, where it is apart, the password)
        logins = [
            [e for e in c["env"] if e["name"].startswith("LMIS_DATABASE")] for c in (wait, main)
        ]
        assert logins[0] == logins[1], name
        assert "LMIS_DATABASE_URL" in {e["name"] for e in logins[0]}, name
        assert set(wait["resources"]["limits"]) >= {"cpu", "memory"}, name
