"""Telling "a server cannot be reached now" from "this is wrong": the one classification the
APIs (503 with Retry-After), the processors (retry for ever rather than dead-letter) and the
relays (wait, then try again) share.

Unreachable: the network (OSError, timeouts), a closed pooled connection (asyncpg's
InterfaceError), and the SQLSTATE classes a restart or a failover raises: 08 connection
exception, 53 insufficient resources (53300 too many connections), 57 operator intervention
(57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), 58 system error; plus
40001/40P01 (serialization failure, deadlock), which a retry resolves.
"""

from __future__ import annotations

import asyncpg

UNREACHABLE_TYPES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    # a query on a connection whose server is going away: after a shutdown's FATAL 57P01 the
    # connection consumes the rest ("cannot switch to state 12; another operation (2) is in
    # progress", seen once in tests/integration/test_restarts_under_load.py, which made the
    # relay exit); a fresh connection is the cure, as for the others here
    asyncpg.InternalClientError,
)
_UNREACHABLE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_BROKER_CLIENTS = ("aiokafka", "kafka", "faust")


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` is about reaching PostgreSQL or the broker, not about the data."""
    if isinstance(error, UNREACHABLE_TYPES):
        return True
    if type(error).__module__.startswith(_BROKER_CLIENTS):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and (
        sqlstate.startswith(_UNREACHABLE_SQLSTATE_CLASSES) or sqlstate in _RETRYABLE_SQLSTATES
    )
