"""Observability is wired the same in compose and Kubernetes, and uses only real metrics.

Checked offline, from the files in deploy/ and docker-compose.yml (the overlays rendered as in
test_deploy_manifests.py, whose schema tests also validate the PodMonitors and the
PrometheusRule against prometheus-operator's CRDs): every PromQL expression of the Grafana
dashboard and of the alert rules parses (promql-parser, the Rust parser's Python binding) and
selects only metrics LMIS exports (`lmis_shared.metrics.EXPORTED_METRICS`) or the few external
exporters' series listed below; compose's Prometheus loads the same rule groups as the
PrometheusRule and scrapes every long-running LMIS process of compose on the port its
environment gives it; every LMIS Deployment has the `metrics` port the PodMonitor scrapes;
the collector sends traces to Jaeger in compose and to the overlay's trace target in
Kubernetes; every alert has a runbook in deploy/README.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from lmis_shared.metrics import EXPORTED_METRICS
from tests.integration.test_deploy_manifests import (
    OVERLAYS,
    ROOT,
    Resource,
    _compose,
    _compose_lmis_services,
    _lmis_workloads,
    _of_kind,
    _only_container,
    _render,
    lmis_config,
)

OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "dashboards" / "lmis-pipeline.json"
PROMETHEUS_RULE = OBSERVABILITY / "prometheus-rule.yaml"
COMPOSE_RULES = OBSERVABILITY / "rules.yml"
COMPOSE_PROMETHEUS = OBSERVABILITY / "prometheus.yml"
COLLECTOR = ROOT / "deploy" / "otel" / "collector.yaml"
README = ROOT / "deploy" / "README.md"

# Series of other exporters the alerts may read: Prometheus's own `up`; CloudNativePG's
# exporter (pg_stat_archiver) and its Barman Cloud plugin's backup timestamps, which replace
# the in-core cnpg_collector_last_*_backup_timestamp (plugin docs, "Observability").
EXTERNAL_METRICS = frozenset(
    {
        "up",
        "cnpg_pg_stat_archiver_failed_count",
        "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
        "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    }
)
# the series a Prometheus histogram family is exported as
HISTOGRAM_SERIES = ("_bucket", "_count", "_sum")
# Grafana's interval variables, as Grafana substitutes them before Prometheus parses the query
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "30s", "$__range": "6h"}
# what the alerts must watch (issue 9): relay lag, projection lag and consumption, dead letters
WATCHED_BY_ALERTS = {
    "lmis_relay_lag_events",
    "lmis_projection_lag_events",
    "lmis_projection_applied_events_total",
    "lmis_dead_letters_total",
    "http_server_request_duration_seconds",
    "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
}


@pytest.fixture(params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[Resource, ...]:
    return _render(request.param)


# --- the expressions --------------------------------------------------------------------


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, those inside rows too."""
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _dashboard_expressions() -> list[str]:
    return [
        target["expr"]
        for panel in _panels(_dashboard()["panels"])
        for target in panel.get("targets", [])
    ]


def _rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(PROMETHEUS_RULE.read_text())["spec"]["groups"]
    return groups


def _alerts() -> list[dict[str, Any]]:
    return [rule for group in _rule_groups() for rule in group["rules"]]


def _selected_metrics(expression: str) -> list[str | None]:
    """The metric name of every selector in `expression` (None: a selector without one).
    Raises ValueError when the expression does not parse."""
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    names: list[str | None] = []

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            names.append(node.name)
        return True

    promql_parser.walk(promql_parser.parse(expression), visit)
    return names


def _family(name: str) -> str:
    """The metric family a series belongs to (a histogram's `_bucket` is its family's)."""
    for suffix in HISTOGRAM_SERIES:
        family = name.removesuffix(suffix)
        if family != name and family in EXPORTED_METRICS:
            return family
    return name


def _expression_problems(expression: str) -> list[str]:
    try:
        names = _selected_metrics(expression)
    except ValueError as error:
        return [f"{expression!r} does not parse: {error}"]
    problems = []
    for name in names:
        if name is None:
            problems.append(f"{expression!r} selects series without naming a metric")
        elif _family(name) not in EXPORTED_METRICS | EXTERNAL_METRICS:
            problems.append(f"{expression!r} reads {name}, which nothing exports")
    return problems


def test_every_expression_parses_and_reads_only_exported_metrics() -> None:
    expressions = _dashboard_expressions() + [rule["expr"] for rule in _alerts()]
    assert len(expressions) > 20
    assert [p for e in expressions for p in _expression_problems(e)] == []


def test_the_expression_check_can_fail() -> None:
    assert _expression_problems("max(lmis_relay_lag_events") != []  # unbalanced
    assert _expression_problems("ratez(lmis_dead_letters_total[5m])") != []  # no such function
    assert _expression_problems("rate(lmis_dead_letters_total)") != []  # wrong argument type
    assert _expression_problems("max(lmis_relay_lag)") != []  # not exported
    assert _expression_problems('sum({service="registry"})') != []  # no metric name
    assert _expression_problems("rate(lmis_sweep_duration_seconds_bucket[$__rate_interval])") == []


def test_the_dashboard_shows_every_exported_metric_and_the_alerts_watch_the_pipeline() -> None:
    shown = {_family(n) for e in _dashboard_expressions() for n in _selected_metrics(e) if n}
    assert shown >= EXPORTED_METRICS
    watched = {_family(n) for r in _alerts() for n in _selected_metrics(r["expr"]) if n}
    assert watched >= WATCHED_BY_ALERTS


# --- the dashboard ----------------------------------------------------------------------


def test_the_dashboard_is_valid_grafana_json_with_unique_panel_ids() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "lmis-pipeline"
    panels = list(_panels(dashboard["panels"]))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    [datasource] = dashboard["templating"]["list"]
    assert (datasource["type"], datasource["query"]) == ("datasource", "prometheus")
    for panel in panels:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}, panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        for target in panel.get("targets", []):  # the data source the viewer picked
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
    refs = [[t["refId"] for t in p.get("targets", [])] for p in panels]
    assert all(len(r) == len(set(r)) for r in refs)


# --- the alerts -------------------------------------------------------------------------


def test_compose_loads_the_same_rule_groups_as_the_prometheus_rule() -> None:
    compose_rules = yaml.safe_load(COMPOSE_RULES.read_text())
    assert compose_rules == {"groups": _rule_groups()}, (
        "rules.yml differs from prometheus-rule.yaml: write it again (see its first lines)"
    )


def test_every_alert_is_named_once_has_a_severity_and_a_runbook() -> None:
    names = [rule["alert"] for rule in _alerts()]
    assert len(names) == len(set(names))
    readme = README.read_text()
    for rule in _alerts():
        name = rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name
        assert rule["annotations"]["runbook"].endswith(f"Observability, {name}"), name
        assert re.search(rf"^\*\*{name}\*\*", readme, re.MULTILINE), f"no runbook for {name}"


def test_promtool_accepts_the_config_and_the_alerts_fire_as_their_runbooks_say(
    tmp_path: Path,
) -> None:
    # Prometheus's own checks and rule unit tests (rules.test.yml: each alert fires on its
    # condition, not on a healthy pipeline). promtool is not a Python package: install it
    # (Debian's `prometheus` package ships it) or point PROMTOOL at it.
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed: the rule unit tests cannot run")
    config = tmp_path / "prometheus.yml"  # with the rules where compose mounts them
    config.write_text(
        COMPOSE_PROMETHEUS.read_text().replace("/etc/prometheus/rules.yml", str(COMPOSE_RULES))
    )
    for args in (
        ["check", "config", str(config)],
        ["check", "rules", str(COMPOSE_RULES)],
        ["test", "rules", str(OBSERVABILITY / "rules.test.yml")],
    ):
        result = subprocess.run(
            [promtool, *args], capture_output=True, text=True, check=False, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr


# --- metrics are scraped ----------------------------------------------------------------


def _long_running(services: dict[str, Any]) -> dict[str, Any]:
    """The compose services that keep running (not one-shot jobs such as migrate)."""
    return {n: s for n, s in services.items() if s.get("restart") != "no"}


def test_compose_prometheus_scrapes_every_lmis_process_on_its_metrics_port() -> None:
    processes = _long_running(_compose_lmis_services())
    assert {"registry", "registry-relay", "notify-processor"} <= set(processes)
    expected = {}
    for name, service in processes.items():
        env = service["environment"]
        assert env["LMIS_METRICS_HOST"] == "0.0.0.0", name  # noqa: S104 - in its container
        expected[f"{name}:{env['LMIS_METRICS_PORT']}"] = {"process": name}
    config = yaml.safe_load(COMPOSE_PROMETHEUS.read_text())
    scraped = {
        target: static.get("labels", {})
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert scraped == expected
    # and it loads the rules from where compose mounts rules.yml
    prometheus = _compose()["services"]["prometheus"]
    mounts = dict(v.split(":")[:2] for v in prometheus["volumes"])
    assert mounts["./deploy/observability/rules.yml"] in config["rule_files"]
    assert mounts["./deploy/observability/prometheus.yml"] == "/etc/prometheus/prometheus.yml"


def test_every_lmis_deployment_serves_metrics_where_the_pod_monitor_scrapes(
    rendered: tuple[Resource, ...],
) -> None:
    config = lmis_config(rendered)
    port = int(config["LMIS_METRICS_PORT"])
    assert config["LMIS_METRICS_HOST"] == "0.0.0.0"  # noqa: S104 - inside the pod
    compose_ports = {
        s["environment"]["LMIS_METRICS_PORT"] for s in _compose_lmis_services().values()
    }
    assert compose_ports == {str(port)}
    monitors = {m["metadata"]["name"]: m["spec"] for m in _of_kind(rendered, "PodMonitor")}
    lmis = monitors["lmis"]
    [endpoint] = lmis["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics"
    assert {"targetLabel": "process"}.items() <= endpoint["relabelings"][0].items()
    deployments = {n: w for n, w in _lmis_workloads(rendered).items() if w["kind"] == "Deployment"}
    assert set(deployments) == set(_long_running(_compose_lmis_services()))
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert lmis["selector"]["matchLabels"].items() <= labels.items(), name
        ports = {p["name"]: p["containerPort"] for p in _only_container(deployment)["ports"]}
        assert ports["metrics"] == port, name
    # the PostgreSQL instances' exporter too: the backup alerts read it
    [cluster] = _of_kind(rendered, "Cluster")
    database = monitors[cluster["metadata"]["name"]]["selector"]["matchLabels"]
    assert database["cnpg.io/cluster"] == cluster["metadata"]["name"]
    # LMIS pods deny all ingress but this one on their metrics port
    allowed = [
        rule
        for policy in _of_kind(rendered, "NetworkPolicy")
        if policy["spec"]["podSelector"].get("matchLabels") == {"app.kubernetes.io/name": "lmis"}
        for rule in policy["spec"].get("ingress", [])
    ]
    assert [r["ports"] for r in allowed] == [[{"protocol": "TCP", "port": "metrics"}]]


def test_the_dashboard_is_a_grafana_config_map_in_kubernetes(
    rendered: tuple[Resource, ...],
) -> None:
    [maps] = [
        c
        for c in _of_kind(rendered, "ConfigMap")
        if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
    ]
    assert json.loads(maps["data"][DASHBOARD.name]) == _dashboard()


# --- traces reach Jaeger (compose) or the overlay's trace target ------------------------


def _collector_config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COLLECTOR.read_text())
    return loaded


def _traces_endpoint_default() -> str:
    """The OTLP/gRPC address the collector's traces pipeline exports to, unless the
    environment's LMIS_TRACES_OTLP_ENDPOINT says otherwise."""
    config = _collector_config()
    [exporter] = config["service"]["pipelines"]["traces"]["exporters"]
    assert exporter.split("/")[0] == "otlp", "traces go out over OTLP/gRPC"
    assert "debug" not in config.get("exporters", {}) or (
        config["exporters"]["debug"].get("verbosity", "basic") == "basic"
    )
    endpoint = config["exporters"][exporter]["endpoint"]
    match = re.fullmatch(r"\$\{env:LMIS_TRACES_OTLP_ENDPOINT:-([^}]+)\}", endpoint)
    assert match, endpoint
    return match.group(1)


def _jaeger_otlp_port() -> int:
    jaeger = yaml.safe_load((ROOT / "deploy" / "components" / "jaeger" / "jaeger.yaml").read_text())
    assert jaeger["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
    return int(jaeger["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].rsplit(":")[-1])


def test_compose_sends_traces_through_the_collector_to_jaeger() -> None:
    services = _compose()["services"]
    collector = services["otel-collector"]
    endpoint = collector["environment"].get("LMIS_TRACES_OTLP_ENDPOINT", _traces_endpoint_default())
    host, port = endpoint.rsplit(":", 1)
    assert services[host]["image"].startswith("jaegertracing/jaeger:2.")
    assert int(port) == _jaeger_otlp_port()
    assert collector["depends_on"][host] == {"condition": "service_started"}
    for name, service in _compose_lmis_services().items():
        assert service["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith(
            "http://otel-collector:"
        ), name


def test_each_overlay_names_its_trace_target_and_lets_the_collector_reach_it(
    rendered: tuple[Resource, ...],
) -> None:
    [collector] = [
        d for d in _of_kind(rendered, "Deployment") if d["metadata"]["name"] == "otel-collector"
    ]
    env = {
        e["name"]: e["value"] for e in collector["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    port = int(env["LMIS_TRACES_OTLP_ENDPOINT"].rsplit(":", 1)[1])
    [policy] = [
        p for p in _of_kind(rendered, "NetworkPolicy") if p["metadata"]["name"] == "otel-collector"
    ]
    assert {"protocol": "TCP", "port": port} in [
        p for rule in policy["spec"]["egress"] for p in rule["ports"]
    ]
    host = env["LMIS_TRACES_OTLP_ENDPOINT"].rsplit(":", 1)[0]
    services = {s["metadata"]["name"]: s for s in _of_kind(rendered, "Service")}
    if host in services:  # Jaeger in the namespace: its Service leads to the OTLP port
        assert port in [p["port"] for p in services[host]["spec"]["ports"]]
        assert port == _jaeger_otlp_port()


def test_documented_urls_match_compose() -> None:
    readme = README.read_text()
    services = _compose()["services"]
    for service, port in (("jaeger", 16686), ("prometheus", 9090), ("grafana", 3000)):
        assert f"127.0.0.1:{port}:{port}" in services[service]["ports"], service
        assert f"http://127.0.0.1:{port}" in readme, service
