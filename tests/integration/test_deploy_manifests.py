"""The deployment artefacts are valid and agree with each other, checked offline.

`kubectl kustomize` renders each overlay; every core Kubernetes resource is validated against
the API schema (kubernetes-validate, strict: an unknown or misspelt field fails), every operator
resource (Strimzi, CloudNativePG, Barman Cloud, prometheus-operator) and Gateway API route
against its CRD schema, vendored in deploy/schemas/ (equally strict), and `docker-compose.yml`
against the Compose Specification.
Then the properties production relies on: probes, non-root, limits, one relay per service,
agencies reading only their own feed, every Kafka client authenticated with only the ACLs its
code needs, replicated topics, a synchronous and backed-up database, no secret committed; and
compose and Kubernetes run the same processes with the same commands and variables, so neither
can drift from the other or from the code's list of processes.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, latest_version

from lmis_cli.services import SERVICES, default_port, load, settings_of
from lmis_shared.contracts.feeds import feed_topic, load_catalogue
from lmis_shared.settings import CommonSettings

Resource = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
OVERLAYS = ("staging", "production")
# The oldest Kubernetes we support and the newest schema kubernetes-validate ships: a field
# that is new, or an API version that was removed, fails one of the two.
K8S_VERSIONS = ("1.32.0", latest_version())
# Custom resources of the operators the manifests rely on (Strimzi, CloudNativePG and its
# Barman Cloud plugin, prometheus-operator): kubernetes-validate knows only the core API, so
# these kinds are validated against the operators' own schemas, vendored in deploy/schemas/
# (see its README), one file per kind: `<group>_<version>_<Kind>.json`. Any other kind
# without a schema fails.
OPERATOR_SCHEMA_FILES = {
    (f"{group}/{version}", kind): path
    for path in (ROOT / "deploy" / "schemas").glob("*.json")
    for group, version, kind in [path.stem.split("_")]
}
CUSTOM_KINDS = {kind for _, kind in OPERATOR_SCHEMA_FILES}
OPERATOR_GROUPS = (
    "kafka.strimzi.io",
    "postgresql.cnpg.io",
    "barmancloud.cnpg.io",
    "monitoring.coreos.com",
    "gateway.networking.k8s.io",  # the Gateway API's CRDs, installed with its controller
)
BARMAN_CLOUD = "barman-cloud.cloudnative-pg.io"  # the plugin's name in CloudNativePG
LMIS_IMAGE = "lmis:local"  # compose's name for the image built from ./Dockerfile


def _agency_topics() -> dict[str, str]:
    """KafkaUser name -> the one feed topic it reads, from the feed catalogue."""
    out = {}
    for feed in load_catalogue().feeds:
        for unit in feed.units if feed.per_commune else [None]:
            user = feed.name.replace("_", "-") + (f"-{unit}" if unit else "")
            out[user] = feed_topic("lmis", feed.name, unit)
    return out


AGENCY_TOPICS = _agency_topics()
DATABASE_OWNER = "lmis"  # owns the database and every schema; `lmis migrate` alone logs in as it

# Relays and stream processors have no HTTP port: their probes run `lmis health` (a heartbeat).
WORKER_COMPONENTS = ("relay", "processor")
# Every long-running LMIS process serves Prometheus metrics on this container port (the
# PodMonitor of deploy/observability scrapes it; compose's Prometheus the same port).
METRICS_PORT = {"name": "metrics", "containerPort": 9464}
# Kubernetes' internal listener authenticates each relay and processor (SCRAM); the single
# broker of a workstation's compose has no users, so compose sets none of these.
KAFKA_LOGIN = {"LMIS_KAFKA_SECURITY_PROTOCOL", "LMIS_KAFKA_USERNAME", "LMIS_KAFKA_PASSWORD"}


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


def test_operator_kinds_are_the_ones_with_a_vendored_schema(rendered: tuple[Resource, ...]) -> None:
    custom = [r for r in rendered if r["kind"] in CUSTOM_KINDS]
    assert {r["kind"] for r in custom} == CUSTOM_KINDS, "a vendored schema is no longer used"
    for resource in custom:
        group = resource["apiVersion"].split("/")[0]
        assert group in OPERATOR_GROUPS
        with pytest.raises(SchemaNotFoundError):  # if this starts passing, validate it there too
            kubernetes_validate.validate(resource, K8S_VERSIONS[0], strict=True)


def _strict(node: Any) -> Any:
    """A CRD's structural schema as JSON Schema, with Kubernetes' meaning: a field the schema
    does not list is refused (kubectl's strict field validation; the API server would prune
    it) unless `x-kubernetes-preserve-unknown-fields`, and int-or-string takes either."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    strict = {k: _strict(v) for k, v in node.items()}
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in node:
        strict.pop("type", None)
        strict["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


@functools.cache
def _operator_validator(api_version: str, kind: str) -> jsonschema.Draft4Validator:
    schema = json.loads(OPERATOR_SCHEMA_FILES[(api_version, kind)].read_text())
    return jsonschema.Draft4Validator(_strict(schema))


def _operator_schema_problems(resources: tuple[Resource, ...]) -> list[str]:
    problems = []
    for resource in resources:
        if resource["kind"] not in CUSTOM_KINDS:
            continue
        if (resource["apiVersion"], resource["kind"]) not in OPERATOR_SCHEMA_FILES:
            problems.append(f"{_describe(resource)}: {resource['apiVersion']} is not served")
            continue
        validator = _operator_validator(resource["apiVersion"], resource["kind"])
        for error in validator.iter_errors(resource):
            problems.append(f"{_describe(resource)}: {error.json_path}: {error.message}")
    return problems


def test_every_operator_resource_follows_its_operators_schema(
    rendered: tuple[Resource, ...],
) -> None:
    # The schemas' CEL rules (x-kubernetes-validations) are not evaluated here; the ones our
    # manifests could break are asserted below (synchronous replicas, Kafka listeners).
    assert _operator_schema_problems(rendered) == []


def test_the_operator_schema_check_refuses_what_the_operators_refuse(
    rendered: tuple[Resource, ...],
) -> None:
    # v1beta2 is no longer served, a misspelt field is unknown, a wrong enum value is refused
    [kafka] = copy.deepcopy(_of_kind(rendered, "Kafka"))
    [cluster] = copy.deepcopy(_of_kind(rendered, "Cluster"))
    [user, *_] = copy.deepcopy(_of_kind(rendered, "KafkaUser"))
    old = {**kafka, "apiVersion": "kafka.strimzi.io/v1beta2"}
    kafka["spec"]["kafka"]["listners"] = kafka["spec"]["kafka"].pop("listeners")
    cluster["spec"]["backup"] = {"barmanObjectStore": {"destinationPath": 1}}
    user["spec"]["authentication"]["type"] = "scram-sha-256"
    problems = _operator_schema_problems((old, kafka, cluster, user))
    assert len(problems) >= 4
    assert "Kafka/lmis: kafka.strimzi.io/v1beta2 is not served" in problems
    assert any("'listners' was unexpected" in p for p in problems)
    assert any(p.startswith("Cluster/lmis-db: $.spec.backup") for p in problems)
    assert any("'scram-sha-256' is not one of" in p for p in problems)


def _render_with_restore(tmp_path: Path, overlay: str) -> tuple[Resource, ...]:
    """`overlay` as the restore runbook applies it: with the restore component added."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the Kustomize overlays cannot be rendered")
    deploy = Path(os.path.relpath(ROOT / "deploy", tmp_path))
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "resources": [str(deploy / "overlays" / overlay)],
                "components": [str(deploy / "components" / "restore")],
            }
        )
    )
    result = subprocess.run(
        [kubectl, "kustomize", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"kustomize cannot render the restore:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


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
            if component in WORKER_COMPONENTS:  # exempt only while it has no HTTP port to ask
                assert container["ports"] == [METRICS_PORT], f"{name} listens: probe it"
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


def _database_login(env: dict[str, Any]) -> tuple[str | None, Any]:
    """(the DSN's user, where its password comes from) of a container's or service's env."""
    url, password = env["LMIS_DATABASE_URL"], env["LMIS_DATABASE_PASSWORD"]
    if isinstance(url, dict):  # Kubernetes: {name, value} and {name, valueFrom}
        url, password = url["value"], password["valueFrom"]
    return urlsplit(url).username, password


def _role_of(process: str) -> str:
    """The PostgreSQL role a process logs in as: its service's, or the owner for migrate."""
    if process == "migrate":
        return DATABASE_OWNER
    return settings_of(process.split("-")[0]).database_role


def test_each_process_logs_in_to_the_database_as_its_services_role_with_its_secret(
    rendered: tuple[Resource, ...],
) -> None:
    assert _of_kind(rendered, "Secret") == []
    [cluster] = _of_kind(rendered, "Cluster")
    managed = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(managed) == {_role_of(name) for name in SERVICES}
    assert cluster["spec"]["bootstrap"]["initdb"]["owner"] == DATABASE_OWNER
    for name, workload in _lmis_workloads(rendered).items():
        env = {e["name"]: e for e in _only_container(workload)["env"]}
        user, password = _database_login(env)
        role = _role_of(name)
        assert user == role, name
        if role == DATABASE_OWNER:  # CloudNativePG writes the owner's Secret
            assert password == {"secretKeyRef": {"name": "lmis-db-app", "key": "password"}}
        else:  # the Secret CloudNativePG sets the role's password from
            assert managed[role]["login"] is True
            secret = managed[role]["passwordSecret"]["name"]
            assert password == {"secretKeyRef": {"name": secret, "key": "password"}}, name
    for config_map in _of_kind(rendered, "ConfigMap"):
        assert not any("PASSWORD" in k or "DATABASE" in k for k in config_map.get("data", {}))


def test_compose_logs_in_as_the_same_roles_created_by_its_init_script() -> None:
    postgres = _compose()["services"]["postgres"]
    init_script = (ROOT / "deploy" / "postgres-init" / "10-service-roles.sh").read_text()
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    # compose takes every password from .env, never from the file itself
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for name, service in _compose_lmis_services().items():
        user, password = _database_login(service["environment"])
        role = _role_of(name)
        assert user == role, name
        if role == DATABASE_OWNER:
            assert password.startswith("${POSTGRES_PASSWORD:?")
            continue
        service_name = role.removeprefix("lmis_")
        assert f"for service in {' '.join(SERVICES)}" in init_script
        variable = f"LMIS_DB_{service_name.upper()}_PASSWORD"
        assert password.startswith(f"${{{variable}:?"), name
        assert postgres["environment"][variable] == password  # the init script's, the same
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    assert "POSTGRES_PASSWORD=change-me" in example


def test_agencies_read_only_their_own_feed(rendered: tuple[Resource, ...]) -> None:
    users = {
        u["metadata"]["name"]: u["spec"]
        for u in _of_kind(rendered, "KafkaUser")
        if u["spec"]["authentication"]["type"] == "tls"  # the `agencies` listener's users
    }
    assert set(users) == set(AGENCY_TOPICS)  # one per feed, one per commune of a commune feed
    topics = {t["spec"]["topicName"] for t in _of_kind(rendered, "KafkaTopic")}
    for name, topic in AGENCY_TOPICS.items():
        user = users[name]
        acls = user["authorization"]["acls"]
        assert all(set(acl["operations"]) <= {"Read", "Describe"} for acl in acls), name
        readable = [acl["resource"] for acl in acls if acl["resource"]["type"] == "topic"]
        assert readable == [{"type": "topic", "name": topic, "patternType": "literal"}]
        groups = [acl["resource"] for acl in acls if acl["resource"]["type"] == "group"]
        assert groups == [{"type": "group", "name": f"{name}-", "patternType": "prefix"}]
        assert topic in topics


def lmis_config(resources: tuple[Resource, ...]) -> dict[str, str]:
    """The settings every LMIS process imports: the ConfigMap lmis-config (hash-suffixed)."""
    [config] = [
        c
        for c in _of_kind(resources, "ConfigMap")
        if c["metadata"]["name"].startswith("lmis-config")
    ]
    data: dict[str, str] = config["data"]
    return data


def _topic_prefix(resources: tuple[Resource, ...]) -> str:
    return lmis_config(resources)["LMIS_TOPIC_PREFIX"]


def _processor_reads(name: str) -> tuple[str, list[str]]:
    """A processor's consumer group (its faust app id) and the domains it reads, as its
    settings class declares them."""
    fields = load(SERVICES[name].settings).model_fields
    sources = fields.get("processor_sources") or fields["sources"]
    return fields["processor_id"].default, list(sources.default)


def _acls(user: Resource) -> set[tuple[str, str, str, str]]:
    """(resource type, name, pattern, operation) for every operation a user is allowed."""
    return {
        (a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"], op)
        for a in user["spec"]["authorization"]["acls"]
        if a.get("type", "allow") == "allow"
        for op in a["operations"]
    }


def test_kafka_is_kraft_and_every_client_is_authenticated(
    rendered: tuple[Resource, ...],
) -> None:
    [kafka] = _of_kind(rendered, "Kafka")
    [pool] = _of_kind(rendered, "KafkaNodePool")
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert pool["spec"]["replicas"] >= 3
    spec = kafka["spec"]["kafka"]
    assert "zookeeper" not in kafka["spec"]
    # no listener without authentication, no superuser (the old internal listener's ANONYMOUS)
    assert all("authentication" in listener for listener in spec["listeners"]), spec
    assert spec["authorization"] == {"type": "simple"}
    internal = {listener["port"]: listener for listener in spec["listeners"]}[9092]
    assert internal["type"] == "internal"
    assert internal["authentication"] == {"type": "scram-sha-512"}
    assert spec["config"]["auto.create.topics.enable"] is False
    assert spec["config"]["min.insync.replicas"] == 2


def test_topics_are_replicated_and_kept_as_declared(rendered: tuple[Resource, ...]) -> None:
    for topic in _of_kind(rendered, "KafkaTopic"):
        spec = topic["spec"]
        name = spec["topicName"]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "lmis", name
        assert spec["replicas"] == 3, name
        assert int(spec["config"]["min.insync.replicas"]) == 2, name
        assert int(spec["config"]["retention.ms"]) == 30 * 24 * 3600 * 1000, name
        assert spec["config"]["cleanup.policy"] == "delete", name
        # the processors declare their dead-letter topics with one partition (processing/dlq.py)
        assert spec["partitions"] == (1 if name.endswith(".dlq") else 3), name


def test_each_relay_and_processor_has_only_the_acls_its_code_needs(
    rendered: tuple[Resource, ...],
) -> None:
    prefix = _topic_prefix(rendered)
    users = {u["metadata"]["name"]: u for u in _of_kind(rendered, "KafkaUser")}
    expected: dict[str, set[tuple[str, str, str, str]]] = {}
    for name, spec in SERVICES.items():
        if spec.publishes_events:  # a relay writes its own service's topic, nothing else
            topic = f"{prefix}.{name}.events"
            expected[f"{name}-relay"] = {
                ("topic", topic, "literal", op) for op in ("Describe", "Write")
            }
        if spec.processor:  # reads its sources in its own group, writes their dead letters
            group, domains = _processor_reads(name)
            acls = {("group", group, "literal", "Read")}
            for domain in domains:
                topic = f"{prefix}.{domain}.events"
                acls |= {("topic", topic, "literal", op) for op in ("Describe", "Read")}
                acls |= {
                    ("topic", f"{topic}.dlq", "literal", op)
                    for op in ("Describe", "Write", "Create")
                }
            if name == "notify":  # its feed relay writes the agency feeds
                feeds = f"{prefix}.agency."
                acls |= {("topic", feeds, "prefix", op) for op in ("Describe", "Write")}
            expected[f"{name}-processor"] = acls
    workloads = {n for n in _lmis_workloads(rendered) if n.endswith(("-relay", "-processor"))}
    assert set(expected) == workloads
    declared = {t["spec"]["topicName"] for t in _of_kind(rendered, "KafkaTopic")}
    for name, acls in expected.items():
        user = users[name]
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}, name
        assert _acls(user) == acls, name
        assert {a[1] for a in acls if a[0] == "topic" and a[2] == "literal"} <= declared, name
    # no one but a service's relay may write its topic, and only notify's the agency feeds
    for name, user in users.items():
        for kind, resource, _, op in _acls(user):
            if kind == "topic" and op == "Write" and not resource.endswith(".dlq"):
                owner = resource.removeprefix(prefix + ".").split(".")[0]
                assert name == ("notify-processor" if owner == "agency" else f"{owner}-relay")


def _cluster_problems(resources: tuple[Resource, ...]) -> list[str]:
    """What CloudNativePG's admission webhook and the backup design would refuse."""
    problems = []
    stores = {o["metadata"]["name"] for o in _of_kind(resources, "ObjectStore")}
    for cluster in _of_kind(resources, "Cluster"):
        spec, name = cluster["spec"], _describe(cluster)
        if "barmanObjectStore" in spec.get("backup", {}):
            problems.append(f"{name}: the deprecated in-tree barmanObjectStore")
        archivers = [p for p in spec.get("plugins", []) if p.get("isWALArchiver")]
        if [p["name"] for p in archivers] != [BARMAN_CLOUD]:
            problems.append(f"{name}: WAL is not archived by the Barman Cloud plugin")
        for plugin in [*archivers, *(c["plugin"] for c in spec.get("externalClusters", []))]:
            if plugin["parameters"]["barmanObjectName"] not in stores:
                problems.append(f"{name}: {plugin['parameters']} names no ObjectStore")
        sync = spec["postgresql"].get("synchronous")
        if sync is not None and not 0 < sync["number"] < spec["instances"]:
            problems.append(f"{name}: {sync['number']} synchronous of {spec['instances']}")
        if spec["instances"] > 1 and (sync is None or sync.get("dataDurability") == "preferred"):
            problems.append(f"{name}: {spec['instances']} instances, commits not synchronous")
        if "minSyncReplicas" in spec or "maxSyncReplicas" in spec:
            problems.append(f"{name}: legacy synchronous settings")
    for store in _of_kind(resources, "ObjectStore"):
        if "serverName" in store["spec"]["configuration"]:  # the plugin's docs: always empty
            problems.append(f"{_describe(store)}: serverName belongs to the Cluster's plugin")
    return problems


def test_the_database_is_synchronous_and_backed_up_by_the_barman_cloud_plugin(
    rendered: tuple[Resource, ...],
) -> None:
    [cluster] = _of_kind(rendered, "Cluster")
    assert _cluster_problems(rendered) == []
    [backup] = _of_kind(rendered, "ScheduledBackup")
    assert backup["spec"]["cluster"] == {"name": cluster["metadata"]["name"]}
    assert backup["spec"]["method"] == "plugin"
    assert backup["spec"]["pluginConfiguration"] == {"name": BARMAN_CLOUD}
    assert len(backup["spec"]["schedule"].split()) == 6  # CloudNativePG's cron has seconds
    # the check can fail: the deprecated stanza, a lone instance waiting for a standby
    broken = copy.deepcopy(cluster)
    broken["spec"]["backup"] = {"barmanObjectStore": {}}
    broken["spec"]["instances"] = 1
    broken["spec"]["postgresql"]["synchronous"] = {"method": "any", "number": 1}
    assert len(_cluster_problems((broken, *_of_kind(rendered, "ObjectStore")))) == 2


def test_the_restore_component_recovers_the_cluster_from_its_backups(tmp_path: Path) -> None:
    restored = _render_with_restore(tmp_path, "production")
    assert _operator_schema_problems(restored) == []
    assert _cluster_problems(restored) == []
    [cluster] = _of_kind(restored, "Cluster")
    bootstrap = cluster["spec"]["bootstrap"]
    assert list(bootstrap) == ["recovery"]  # initdb would start an empty database
    recovery = bootstrap["recovery"]
    assert (recovery["database"], recovery["owner"]) == ("lmis", "lmis")  # same Secret, DSN
    [source] = [c for c in cluster["spec"]["externalClusters"] if c["name"] == recovery["source"]]
    assert source["plugin"]["name"] == BARMAN_CLOUD
    assert "targetTime" in recovery["recoveryTarget"]
    # everything else is the overlay's, unchanged
    production = {_describe(r): r for r in _render("production")}
    assert {_describe(r): r for r in restored if r["kind"] != "Cluster"} == {
        k: v for k, v in production.items() if not k.startswith("Cluster/")
    }


# --- compose, Kubernetes and the code agree ---------------------------------------------------


def test_every_process_of_the_platform_is_deployed(rendered: tuple[Resource, ...]) -> None:
    relays = {f"{name}-relay" for name, spec in SERVICES.items() if spec.publishes_events}
    processors = {f"{name}-processor" for name, spec in SERVICES.items() if spec.processor}
    workloads = _lmis_workloads(rendered)
    assert set(workloads) == {*SERVICES, *relays, *processors, "migrate"}
    for name in SERVICES:
        api = _only_container(workloads[name])
        env = {e["name"]: e.get("value") for e in api["env"]}
        http = {"name": "http", "containerPort": default_port(name)}
        assert sorted(api["ports"], key=str) == sorted([http, METRICS_PORT], key=str)
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
        name: _env_names(_only_container(workload), rendered) - KAFKA_LOGIN
        for name, workload in _lmis_workloads(rendered).items()
    }
    compose = {n: set(s["environment"]) for n, s in _compose_lmis_services().items()}
    assert compose == kubernetes


def test_every_relay_and_processor_logs_in_to_kafka_as_its_own_user(
    rendered: tuple[Resource, ...],
) -> None:
    users = {
        u["metadata"]["name"]: u["spec"]["authentication"]["type"]
        for u in _of_kind(rendered, "KafkaUser")
    }
    for name, workload in _lmis_workloads(rendered).items():
        component = workload["metadata"]["labels"]["app.kubernetes.io/component"]
        env = {e["name"]: e for e in _only_container(workload).get("env", [])}
        if component not in WORKER_COMPONENTS:
            assert not KAFKA_LOGIN & set(env), f"{name} needs no Kafka login"
            continue
        assert env["LMIS_KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_PLAINTEXT"
        assert env["LMIS_KAFKA_USERNAME"]["value"] == name
        assert env["LMIS_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": name,  # Strimzi writes the KafkaUser's password to the Secret of its name
            "key": "password",
        }
        assert users[name] == "scram-sha-512"


def test_kafka_topics_are_the_ones_the_code_and_compose_use(
    rendered: tuple[Resource, ...],
) -> None:
    settings = CommonSettings(topic_prefix=_topic_prefix(rendered))
    read_by_consumers = [settings.topic(d) for d in SERVICES] + [f"{settings.topic_prefix}.alerts"]
    expected = {
        *read_by_consumers,
        *(f"{t}.dlq" for t in read_by_consumers),
        *AGENCY_TOPICS.values(),
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
