"""What the relay waits for after a round (`lmis_shared.relay.wakeup.Pace`), with a fake
`Wakeup`: no clock is read, the fake records what it was asked."""

from __future__ import annotations

import asyncio

from lmis_shared.eventstore import Position
from lmis_shared.relay import RelaySettings
from lmis_shared.relay.wakeup import Pace

SETTINGS = RelaySettings(batch_size=10, poll_interval=30, chase_interval=0.001)


class FakeWakeup:
    def __init__(self, signalled_up_to: int | None) -> None:
        self.latest = signalled_up_to
        self.waits: list[float] = []

    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        self.waits.append(seconds)

    def behind(self, position: Position | None) -> bool:
        return self.latest is not None and (position is None or position[0] < self.latest)

    async def close(self) -> None:
        return None


async def test_a_full_batch_goes_on_without_waiting() -> None:
    wakeup = FakeWakeup(None)
    await Pace(wakeup, SETTINGS).after(10, (5, 1), asyncio.Event())
    assert wakeup.waits == []


async def test_an_idle_relay_waits_for_the_signal_at_most_the_poll() -> None:
    wakeup = FakeWakeup(signalled_up_to=5)
    await Pace(wakeup, SETTINGS).after(0, (5, 1), asyncio.Event())
    assert wakeup.waits == [30]


async def test_a_signalled_commit_not_yet_readable_is_looked_for_at_the_next_signal_or_soon() -> (
    None
):
    wakeup = FakeWakeup(signalled_up_to=9)
    pace = Pace(wakeup, SETTINGS)
    for _ in range(3):
        await pace.after(0, (5, 1), asyncio.Event())
    # the next signal (the holder's commit) or a chase a quarter longer each time, never the poll
    assert wakeup.waits == [0.001, 0.00125, 0.0015625]
    wakeup.waits.clear()
    wakeup.latest = 5  # published now
    await pace.after(1, (9, 1), asyncio.Event())
    assert wakeup.waits == [30]
