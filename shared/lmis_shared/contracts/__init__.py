"""Integration-event contracts, one module per producing service.

Importing this package registers every event type in the catalogue. A consumer imports the
contract module of the producer it reads, never the producer's domain.
"""

from lmis_shared.contracts import permits as permits
from lmis_shared.contracts import registry
from lmis_shared.contracts import registry_loans as registry_loans

__all__ = ["registry"]
