"""Relays and processors are probed where they run: Kubernetes' livenessProbe and compose's
healthcheck run `lmis health <relay|process> <service>` for the very process the container
runs, and that command answers from the heartbeat the process keeps (tests/unit/
test_liveness.py shows it failing for a stuck loop)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lmis_cli.main import app
from lmis_cli.services import SERVICES
from lmis_shared.liveness import Liveness, beat, heartbeat_path
from tests.integration.test_deploy_manifests import (
    OVERLAYS,
    _compose_lmis_services,
    _lmis_workloads,
    _only_container,
    _render,
)

LOOPS = ("relay", "process")  # the `lmis` commands whose processes have no HTTP port


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_relay_and_processor_pod_is_probed_with_lmis_health_of_itself(
    overlay: str,
) -> None:
    probed = {}
    for name, workload in _lmis_workloads(_render(overlay)).items():
        container = _only_container(workload)
        if container["args"][0] in LOOPS:
            probe = container["livenessProbe"]
            probed[name] = probe["exec"]["command"]
            assert probe["exec"]["command"] == ["lmis", "health", *container["args"]], name
            assert probe["timeoutSeconds"] >= 5, name  # a Python process starts
    assert {n.rsplit("-", 1)[1] for n in probed} == {"relay", "processor"}


def test_every_relay_and_processor_container_of_compose_has_the_same_healthcheck() -> None:
    checked = set()
    for name, service in _compose_lmis_services().items():
        if service["command"][0] in LOOPS:
            test = ["CMD", "lmis", "health", *service["command"]]
            assert service["healthcheck"]["test"] == test, name
            checked.add(name)
    relays = {f"{n}-relay" for n, spec in SERVICES.items() if spec.publishes_events}
    assert checked == relays | {f"{n}-processor" for n, spec in SERVICES.items() if spec.processor}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_probe_command_answers_from_its_own_processs_heartbeat(
    overlay: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    env = {"LMIS_DATA_DIR": str(tmp_path)}
    for name, workload in _lmis_workloads(_render(overlay)).items():
        args = _only_container(workload)["args"]
        if args[0] not in LOOPS:
            continue
        command = _only_container(workload)["livenessProbe"]["exec"]["command"][1:]
        assert runner.invoke(app, command, env=env).exit_code == 1, f"{name}: no heartbeat yet"
        beat(Liveness(), heartbeat_path(tmp_path, args[0], args[1]))
        assert runner.invoke(app, command, env=env).exit_code == 0, name
