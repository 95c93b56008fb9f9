"""An emulator's port is held from the moment its server is made, so no other process takes it."""

from __future__ import annotations

import errno
import socket
import statistics
import time
from typing import Any

import httpx
import pytest

from mkmw_emulators.core.serving import BackgroundServer


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def test_the_port_is_bound_before_the_server_starts_and_served_after() -> None:
    server = BackgroundServer(_hello)
    other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError) as taken:
            other.bind(("127.0.0.1", server.port))
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        other.close()
    with server:
        assert httpx.get(server.url).text == "hello"


def test_a_served_request_does_not_wait_for_a_delayed_ack() -> None:
    # The response head and body are written apart; without TCP_NODELAY on the accepted
    # socket the body waits for the client's delayed ACK, about 40 ms on Linux, every time.
    with BackgroundServer(_hello) as server, httpx.Client(base_url=server.url) as client:
        client.get("/")
        times = []
        for _ in range(15):
            started = time.perf_counter()
            assert client.get("/").text == "hello"
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.025, f"median {statistics.median(times) * 1000:.1f} ms"
