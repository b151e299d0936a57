"""The supervisor under `lmis up`, on small stand-in programs: a process killed with SIGKILL
is started again while the others keep running, the restart is counted where `lmis status`
reads it, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from lmis_cli.supervisor import STATE_FILE, read_state
from tests.polling import eventually

SUPERVISE = """
import sys
from pathlib import Path
from lmis_cli.supervisor import Program, Supervisor
root = Path(sys.argv[1])
sleeper = (sys.executable, "-c", "import time; time.sleep(600)")
programs = [Program(n, sleeper, {}, root / f"{n}.log") for n in ("api", "relay", "processor")]
sys.exit(Supervisor(programs, root, lambda line: print(line, flush=True)).run())
"""


def pids(root: Path) -> dict[str, int | None]:
    return {name: state["pid"] for name, state in read_state(root).items()}


def all_running(root: Path, besides: int | None = None) -> dict[str, int] | None:
    """The three programs' pids once all run (and none is `besides`), else None."""
    found = {name: pid for name, pid in pids(root).items() if pid is not None}
    return found if len(found) == 3 and besides not in found.values() else None


def test_a_killed_process_is_restarted_the_others_keep_running_and_ctrl_c_stops_all(
    tmp_path: Path,
) -> None:
    out = (tmp_path / "supervisor.out").open("wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISE, str(tmp_path)], stdout=out, stderr=subprocess.STDOUT
    )
    try:
        first = eventually(lambda: all_running(tmp_path), "every program started")
        os.kill(first["relay"], signal.SIGKILL)
        again = eventually(
            lambda: all_running(tmp_path, besides=first["relay"]), "the relay started again"
        )
        assert again["api"] == first["api"]  # the others kept running
        assert again["processor"] == first["processor"]
        state = json.loads((tmp_path / STATE_FILE).read_text())
        assert state["relay"]["restarts"] == 1
        assert state["relay"]["last_exit"] == -signal.SIGKILL
        assert state["api"]["restarts"] == 0
        children = psutil.Process(supervisor.pid).children(recursive=True)
        assert {c.pid for c in children} == set(again.values())

        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(60) == 0
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], f"stray processes after Ctrl-C: {alive}"
        printed = (tmp_path / "supervisor.out").read_text()
        assert "relay exited (killed by SIGKILL); restarting in 1 s" in printed
        assert "relay restarted (restart 1)" in printed
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        out.close()
