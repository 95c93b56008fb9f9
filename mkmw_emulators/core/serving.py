"""Serve an ASGI app with uvicorn on a loopback port in a background thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on `host` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class BackgroundServer:
    """A uvicorn server for one ASGI app on 127.0.0.1, run in a daemon thread.

    Args:
        app: The ASGI application.
        port: The port; a free one is chosen when 0.
        host: Loopback address to bind.
    """

    def __init__(self, app: Any, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        # Without a port, bind one now and hand the socket to uvicorn: a port only looked up
        # here could be taken by another process before uvicorn binds it. The protocol is
        # named: asyncio sets TCP_NODELAY only on accepted sockets whose proto is TCP, and
        # without it every response (head and body written apart) waits ~40 ms for an ACK.
        self._socket: socket.socket | None = None
        if not port:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self._socket.bind((host, 0))
            port = int(self._socket.getsockname()[1])
        self.port = port
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        sockets = [self._socket] if self._socket is not None else None
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": sockets},
            name=f"emulator:{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The base URL, such as http://127.0.0.1:8123."""
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> BackgroundServer:
        """Start serving and wait until the socket accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"emulator on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve(app: Any, port: int = 0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 for the duration of the block and yield its base URL."""
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    with BackgroundServer(app, port=port) as server:
        yield server.url
