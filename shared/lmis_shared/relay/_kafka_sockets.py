"""kafka-python 3.0.12 leaks the socket of every refused connection: `KafkaNetSocket.
sock_connect` raises without closing the socket it was given (kafka/net/inet.py), and the
exception's traceback keeps it alive until the cyclic garbage collector happens to run. A relay
retrying against a broker that is away (restarting, failing over) piles up one open socket per
attempt, and each one later raises a `ResourceWarning` wherever the collector runs: in the test
suite, in whichever test comes next (what made the broker-restart test flaky).

`close_refused_sockets` wraps the method so that a failed connect closes its socket at once.
Idempotent; the relay's publisher applies it on import. Remove once kafka-python closes it
itself (check `sock_connect` after an upgrade)."""

from __future__ import annotations

from typing import Any

from kafka.net.inet import KafkaNetSocket

_MARK = "_lmis_closes_refused_sockets"


def close_refused_sockets() -> None:
    connect = KafkaNetSocket.sock_connect
    if getattr(connect, _MARK, False):
        return

    async def sock_connect(self: Any, net: Any, sock: Any, sockaddr: Any, **kwargs: Any) -> Any:
        try:
            return await connect(self, net, sock, sockaddr, **kwargs)
        except BaseException:
            sock.close()
            raise

    setattr(sock_connect, _MARK, True)
    KafkaNetSocket.sock_connect = sock_connect
