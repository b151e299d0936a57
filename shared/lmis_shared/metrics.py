"""Metrics: one OpenTelemetry MeterProvider per process, read by Prometheus.

Every process (API, relay, processor) records its metrics through OpenTelemetry; the
Prometheus reader turns them into the text format that Prometheus scrapes from
`http://<metrics_host>:<metrics_port>/metrics`, a port of its own (`LMIS_METRICS_PORT`), so the
APIs' public port never shows them and a relay or processor, which has no HTTP server, has one
too. No port set (the default): the metrics are recorded but not served.

Names follow the OpenTelemetry conventions, which the Prometheus exporter maps to Prometheus
names: `lmis.dead_letters` (a counter) becomes `lmis_dead_letters_total`, a histogram in
seconds `..._seconds`, a gauge counted in `{alert}` keeps its name. Labels are rule names,
service names, projections, topics and reason kinds: never a person's data.

What each process exports (`EXPORTED_METRICS`, the contract of the dashboard and the alert
rules in deploy/; tests/integration/test_metrics_exported.py proves each is exported):
  APIs        http_server_request_duration_seconds (the FastAPI instrumentation, stable HTTP
              semantic conventions: `lmis_shared.web.app`)
  relays      lmis_relay_lag_events{service}, lmis_relay_published_events_total{service}
              (`lmis_shared.relay.lag`)
  processors  lmis_projection_lag_events{projection,topic},
              lmis_projection_applied_events_total{projection},
              lmis_dead_letters_total{topic,reason} (`lmis_shared.processing.metrics`),
              lmis_parked_events{projection} (`lmis_shared.processing.versions`);
              notify's also lmis_alerts_open{rule}, lmis_sweep_duration_seconds,
              lmis_webhook_deliveries_total{outcome} (delivered, failed)

Public API:
    setup_metrics(service_name, settings) -> MeterProvider    once per process (idempotent)
    meter(name) -> Meter                                      for a module's instruments
    EXPORTED_METRICS                                          the Prometheus names above
"""

from __future__ import annotations

import threading

from opentelemetry import metrics
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from prometheus_client import start_http_server

from lmis_shared.settings import CommonSettings

# The Prometheus names of every metric family LMIS exports; the Grafana dashboard and the
# PrometheusRules in deploy/ may use only these (a test checks).
EXPORTED_METRICS: frozenset[str] = frozenset(
    {
        "http_server_request_duration_seconds",
        "lmis_relay_lag_events",  # gauge {service}: committed, not yet published
        "lmis_relay_published_events_total",  # counter {service}
        "lmis_projection_lag_events",  # gauge {projection,topic}: consumer lag
        "lmis_projection_applied_events_total",  # counter {projection}
        "lmis_dead_letters_total",  # counter {topic,reason}
        "lmis_parked_events",  # gauge {projection}: held back for a version gap
        "lmis_alerts_open",  # gauge {rule}
        "lmis_sweep_duration_seconds",  # histogram (notify's deadline sweep)
        "lmis_webhook_deliveries_total",  # counter {outcome}: notify's webhook attempts
    }
)

_lock = threading.Lock()
_provider: MeterProvider | None = None
_serving: int | None = None


def setup_metrics(service_name: str, settings: CommonSettings) -> MeterProvider:
    """The process's MeterProvider (the global one), serving `/metrics` on the settings' port.

    The Prometheus reader registers with prometheus_client's process-wide registry, so there is
    one provider per process: a second call (tests that build several apps) returns it.
    """
    global _provider, _serving
    with _lock:
        if _provider is None:
            resource = Resource.create({SERVICE_NAME: f"lmis-{service_name}"})
            _provider = MeterProvider(resource=resource, metric_readers=[PrometheusMetricReader()])
            metrics.set_meter_provider(_provider)
        if settings.metrics_port is not None and _serving is None:
            start_http_server(settings.metrics_port, addr=settings.metrics_host)
            _serving = settings.metrics_port
        return _provider


def meter(name: str) -> metrics.Meter:
    """A meter of the process's provider (a no-op one until `setup_metrics` ran)."""
    return metrics.get_meter(name)
