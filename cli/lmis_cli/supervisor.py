"""Keeping the platform's processes running under `lmis up`, as Kubernetes keeps pods running.

Each process runs in a process group of its own, its output appended to its log. A process
that exits is started again after a back-off that doubles from `FIRST_BACKOFF` up to
`MAX_BACKOFF` seconds, and falls back to the first once the process has stayed up for
`STEADY_AFTER` seconds; the others keep serving meanwhile. Each exit and restart is printed,
and the restart counts are written to `<data_dir>/supervisor.json` for `lmis status`.

Ctrl-C (SIGINT) or SIGTERM stops every group: SIGTERM first, SIGKILL for a group still there
after `STOP_GRACE` seconds, so no process outlives `lmis up`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STEADY_AFTER = 60.0
STOP_GRACE = 15.0
POLL_SECONDS = 0.2
STATE_FILE = "supervisor.json"

Say = Callable[[str], None]


@dataclass(frozen=True)
class Program:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    log: Path


@dataclass
class _Child:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    last_exit: int | None = None


class Stop(Exception):
    """SIGTERM, turned into an exception the supervising loop ends on (as Ctrl-C is)."""


class Supervisor:
    def __init__(self, programs: Sequence[Program], state_dir: Path, say: Say) -> None:
        self._children = [_Child(p) for p in programs]
        self._state = state_dir / STATE_FILE
        self._say = say

    def run(self) -> int:
        """Start every program and keep them running until Ctrl-C or SIGTERM; 0 then."""
        previous = signal.signal(signal.SIGTERM, _raise_stop)
        # Ctrl-C, said in so many words: a process started in the background by a shell
        # without job control (a script's `lmis up &`, CI) inherits SIGINT ignored, and Python
        # then never raises KeyboardInterrupt for it
        previous_int = signal.signal(signal.SIGINT, _raise_stop)
        try:
            for child in self._children:
                self._start(child)
            self._write_state()
            while True:
                self._tend(time.monotonic())
                time.sleep(POLL_SECONDS)
        except (KeyboardInterrupt, Stop):
            return 0
        finally:
            self._stop_all()
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, previous_int)

    def _tend(self, now: float) -> None:
        changed = False
        for child in self._children:
            if child.process is not None and (code := child.process.poll()) is not None:
                self._exited(child, code, now)
                changed = True
            elif child.process is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)
                self._say(f"{child.program.name} restarted (restart {child.restarts})")
                changed = True
        if changed:
            self._write_state()

    def _exited(self, child: _Child, code: int, now: float) -> None:
        if child.process is not None:
            _signal_group(child.process, signal.SIGKILL)  # anything it left behind
        if now - child.started_at >= STEADY_AFTER:
            child.backoff = FIRST_BACKOFF  # it had settled: a new failure starts afresh
        child.process = None
        child.last_exit = code
        child.restart_at = now + child.backoff
        self._say(
            f"{child.program.name} exited ({_described(code)}); "
            f"restarting in {child.backoff:g} s (see {child.program.log})"
        )
        child.backoff = min(child.backoff * 2, MAX_BACKOFF)

    def _start(self, child: _Child) -> None:
        program = child.program
        with program.log.open("ab") as out:
            child.process = subprocess.Popen(
                list(program.argv),
                env=dict(program.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: Ctrl-C reaches it through us only
            )
        child.started_at = time.monotonic()
        child.restart_at = None

    def _stop_all(self) -> None:
        running = [c.process for c in self._children if c.process is not None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(deadline - time.monotonic(), 0.1))
        for process in running:
            _signal_group(process, signal.SIGKILL)  # whatever is left, children included
            process.wait()

    def _write_state(self) -> None:
        state = {
            c.program.name: {
                "pid": c.process.pid if c.process is not None else None,
                "restarts": c.restarts,
                "last_exit": c.last_exit,
            }
            for c in self._children
        }
        temporary = self._state.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(self._state)


def read_state(data_dir: Path) -> dict[str, dict[str, int | None]]:
    """What `lmis up`'s supervisor last wrote (empty when it has not run)."""
    try:
        state: dict[str, dict[str, int | None]] = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _described(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"code {code}"


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop
