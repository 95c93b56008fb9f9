"""An emulator's port is held from the moment its server is made, so no other process takes it."""

from __future__ import annotations

import errno
import socket
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
