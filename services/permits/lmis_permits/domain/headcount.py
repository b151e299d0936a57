"""How many foreigners an employer may engage in a position, against how many it has.

Approved = the sum of approved demands for the employer and position whose period covers the
day; engaged = the files of that employer and position whose employment covers the day. The
read model counts both; this rule says what to do with the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lmis_permits.domain.errors import HeadcountExceeded
from lmis_shared.contracts.permits import PositionType


@dataclass(frozen=True)
class Headcount:
    position: PositionType
    approved: int
    engaged: int

    def check_room_for_one_more(self) -> None:
        if self.engaged + 1 > self.approved:
            raise HeadcountExceeded(self.position.value, self.approved, self.engaged)

    def check_within(self) -> None:
        """After the new file counts among `engaged`: the same rule, seen from the other side."""
        if self.engaged > self.approved:
            raise HeadcountExceeded(self.position.value, self.approved, self.engaged - 1)
