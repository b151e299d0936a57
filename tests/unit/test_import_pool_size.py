"""How many import workers a registry starts when its settings do not say."""

from __future__ import annotations

import pytest

from lmis_registry.adapters import import_pool
from lmis_registry.adapters.import_pool import WorkerSetup, import_pool_of
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth import Authorizer


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 2), (3, 3), (8, 4)])
def test_by_default_as_many_workers_as_the_cores_at_most_four(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int
) -> None:
    monkeypatch.setattr(import_pool, "usable_cores", lambda: cores)
    setup = WorkerSetup(b"lookup", None, Authorizer())
    pool = import_pool_of(None, RegistrySettings(import_processes=None), setup)  # type: ignore[arg-type]  # no import runs
    assert pool is not None
    assert pool.window == workers + 1  # one batch more than the workers, ready for the next


def test_none_when_the_settings_ask_for_none() -> None:
    setup = WorkerSetup(b"lookup", None, Authorizer())
    assert import_pool_of(None, RegistrySettings(import_processes=0), setup) is None  # type: ignore[arg-type]
