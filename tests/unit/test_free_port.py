"""`free_port`: the ports tests and benchmarks give their servers.

A port must stay free until its server binds it. The kernel's ephemeral range is where
every outgoing connection takes its local port, so a port from there can be taken in
between; and one port handed to two servers fails the second.
"""

from __future__ import annotations

import socket
from pathlib import Path

from lmis_cli.embedded import FREE_PORTS, free_port


def _ephemeral_range() -> range:
    path = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low, high = (int(part) for part in path.read_text().split())
    return range(low, high + 1)


def test_the_ports_are_outside_the_range_outgoing_connections_take_theirs_from() -> None:
    ephemeral = _ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert not [port for port in ports if port in ephemeral]
    assert all(port in FREE_PORTS for port in ports)


def test_no_port_is_handed_out_twice() -> None:
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)


def test_a_port_something_listens_on_is_not_handed_out() -> None:
    listening = []
    try:
        for port in FREE_PORTS[:2000]:
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            s.listen()
            listening.append(s)
        taken = {s.getsockname()[1] for s in listening}
        ports = [free_port() for _ in range(200)]
        assert not taken & set(ports)
    finally:
        for s in listening:
            s.close()
