"""Extract the openAPIV3Schema of the operator kinds LMIS uses from the operators' CRDs.

    python deploy/schemas/extract.py STRIMZI_GIT@1.2.0 CNPG_GIT@v1.30.0 BARMAN_GIT@v0.14.0 \
        PROMETHEUS_OPERATOR_GIT@v0.93.0 GATEWAY_API_GIT@v1.6.1

Each argument is a git directory (a clone or a bare mirror) and the tag to read; `-` skips
that repository's kinds (to refresh one operator's schemas only). Writes one
compact JSON file per kind beside this script (`<group>_<version>_<Kind>.json`): the schema of
the version the CRD serves and stores, without `description`s and without `status`, which
manifests never set. Nothing else is changed: the test (tests/integration/
test_deploy_manifests.py) gives the `x-kubernetes-*` markers their Kubernetes meaning.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
# (repository argument index, CRD path in that repository)
CRDS = [
    (0, "packaging/install/cluster-operator/040-Crd-kafka.yaml"),
    (0, "packaging/install/cluster-operator/043-Crd-kafkatopic.yaml"),
    (0, "packaging/install/cluster-operator/044-Crd-kafkauser.yaml"),
    (0, "packaging/install/cluster-operator/045-Crd-kafkanodepool.yaml"),
    (1, "config/crd/bases/postgresql.cnpg.io_clusters.yaml"),
    (1, "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml"),
    (2, "config/crd/bases/barmancloud.cnpg.io_objectstores.yaml"),
    (3, "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml"),
    (3, "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"),
    (4, "config/crd/standard/gateway.networking.k8s.io_gateways.yaml"),
    (4, "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"),
]


def _without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_without_descriptions(v) for v in node]
    return node


def main(sources: list[str]) -> None:
    git = shutil.which("git") or "git"
    for index, path in CRDS:
        if sources[index] == "-":
            continue
        git_dir, _, ref = sources[index].rpartition("@")
        text = subprocess.run(  # noqa: S603 - the maintainer's own arguments
            [git, "-C", git_dir, "show", f"{ref}:{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        crd = yaml.safe_load(text)
        [version] = [v for v in crd["spec"]["versions"] if v["served"] and v["storage"]]
        schema = _without_descriptions(version["schema"]["openAPIV3Schema"])
        schema["properties"].pop("status", None)
        name = f"{crd['spec']['group']}_{version['name']}_{crd['spec']['names']['kind']}.json"
        (HERE / name).write_text(json.dumps(schema, sort_keys=True, separators=(",", ":")) + "\n")
        sys.stdout.write(f"{name}: {path} at {ref}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
