"""A split replay's progress (`replay_parts.Progress`) keeps the other parts' versions in their
encoded positions only (`positions_encoded.py`), not copied into its own `versions`: a stream of
theirs read again is looked up there, so that an event at or below the version its part
applied is not applied twice, and its position is encoded as it now stands."""

from __future__ import annotations

from uuid import UUID, uuid4

from lmis_shared.processing.positions_encoded import EncodedPositions
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.replay_parts import Progress

NAME = "test.projection"


def event(stream_id: UUID, version: int) -> Replayed:
    return Replayed(stream_id, "thing", version, "lmis.test.thing.noted.v1", None, None)  # type: ignore[arg-type]


def test_a_part_finds_the_version_of_each_of_its_streams_and_none_of_another() -> None:
    versions = {uuid4(): k for k in range(1, 200)}
    part = EncodedPositions.of(NAME, versions)

    assert {i: part.version(i.bytes) for i in versions} == versions
    assert part.version(uuid4().bytes) is None
    assert part.version(bytes(16)) is None
    assert part.version(b"\xff" * 16) is None
    assert EncodedPositions.of(NAME, {}).version(bytes(16)) is None


def test_a_stream_of_another_part_read_again_keeps_only_what_its_part_did_not_apply() -> None:
    theirs, mine = uuid4(), uuid4()
    progress = Progress({}, {mine: 2})
    progress.encoded = [
        EncodedPositions.of(NAME, {mine: 2}),
        EncodedPositions.of(NAME, {theirs: 3}),
    ]

    kept = progress.kept([event(theirs, 3), event(theirs, 4), event(mine, 3)], {theirs: 4, mine: 3})

    assert [(e.stream_id, e.version) for e in kept] == [(theirs, 4), (mine, 3)]
    assert progress.versions == {theirs: 4, mine: 3}
    assert progress.kept([event(theirs, 2)], {theirs: 2}) == []
    assert progress.versions[theirs] == 4
