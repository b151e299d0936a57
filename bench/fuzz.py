"""The nightly fuzz run: the test suite's schemathesis run (tests/integration/test_fuzz_api.py)
with many more examples per operation, against the four APIs on a PostgreSQL of its own.

Writes bench/results/fuzz.json: requests sent, 5xx answers, the answers by status code, the
examples per operation and phase, whether every check held, and how long it took.

    .venv/bin/python bench/fuzz.py [--examples N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import write_figures

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "fuzz.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=60, help="per operation and phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lmis-fuzz-") as tmp:
        counts_file = Path(tmp) / "counts.json"
        env = {
            **os.environ,
            "LMIS_FUZZ_EXAMPLES": str(args.examples),
            "LMIS_FUZZ_RESULTS": str(counts_file),
        }
        started = time.monotonic()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--basetemp={tmp}/pt",
                "tests/integration/test_fuzz_api.py",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    figures = {
        "examples_per_operation_and_phase": args.examples,
        "requests": counts.get("requests", 0),
        "server_errors_5xx": counts.get("5xx", 0),
        "by_status": {k.removeprefix("status."): v for k, v in counts.items() if "." in k},
        "all_checks_held": run.returncode == 0,
        "seconds": round(time.monotonic() - started, 1),
    }
    write_figures(OUT, figures)
    print(json.dumps(figures, indent=2))
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
