"""Integration-event contracts, one module per producing service.

Importing this package registers every event type in the catalogue. A consumer imports the
contract module of the producer it reads, never the producer's domain.
"""

from lmis_shared.contracts import (
    feeds,
    notify,
    permits,
    registry,
    registry_follow_up,
    registry_jobs,
    registry_loans,
    registry_senders,
    reporting,
)

__all__ = [
    "feeds",
    "notify",
    "permits",
    "registry",
    "registry_follow_up",
    "registry_jobs",
    "registry_loans",
    "registry_senders",
    "reporting",
]
