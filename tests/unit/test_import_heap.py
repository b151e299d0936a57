"""The collector's thresholds while imports run: raised once, put back by the last to end."""

from __future__ import annotations

import gc

from lmis_shared.imports.heap import YOUNG_THRESHOLD, fewer_collections


def test_the_young_threshold_is_raised_while_imports_run_and_restored_after_the_last() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        with fewer_collections():  # a second import at the same time
            assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])  # the first still runs
    assert gc.get_threshold() == before


def test_an_import_that_fails_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise RuntimeError("the import failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
