"""Seeded fault injection shared by both emulators.

The injector wraps an emulator's ASGI wire layer. Per request it may add latency,
answer with a transient server fault, drop the connection, hang until the client
times out, or let a write commit and then drop the response (commit-then-drop).
Everything is drawn from one seeded random generator, so a run is reproducible.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Builds the protocol's own transient fault: (status, headers, body).
FaultResponder = Callable[[], tuple[int, list[tuple[bytes, bytes]], bytes]]
#: Tells whether a request (scope, body) is a write, for commit-then-drop.
WriteClassifier = Callable[[Scope, bytes], bool]

FAULT_KINDS = ("server_error", "drop", "timeout")


@dataclass
class FaultConfig:
    """What to inject, and how often.

    Attributes:
        latency_ms: Fixed latency added to every request.
        jitter_ms: Extra latency drawn uniformly from [0, jitter_ms].
        fault_rate: Share of requests (0..1) that get a transient fault instead of an answer.
        kinds: Which transient faults to draw from (server_error, drop, timeout).
        commit_then_drop_rate: Share of write requests that commit and then lose their response.
        hang_seconds: How long a `timeout` fault holds the request before dropping it.
        seed: Seed of the random generator.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    commit_then_drop_rate: float = 0.0
    hang_seconds: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        for name in ("fault_rate", "commit_then_drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


@dataclass
class FaultStats:
    """Counters of what the injector did, readable by tests."""

    injected: Counter[str] = field(default_factory=Counter)
    passed: int = 0


class _Dropped(Exception):
    """Raised inside the ASGI call to make the server close the connection mid-response."""


class FaultInjector:
    """ASGI middleware that injects seeded faults in front of an emulator's wire layer.

    Args:
        app: The wire-layer ASGI app.
        config: What to inject.
        server_fault: Builds the protocol's transient fault response.
        is_write: Classifies a request as a write (only writes commit-then-drop).
    """

    def __init__(
        self,
        app: ASGIApp,
        config: FaultConfig | None = None,
        *,
        server_fault: FaultResponder,
        is_write: WriteClassifier,
    ) -> None:
        self.app = app
        self.config = config or FaultConfig()
        self.server_fault = server_fault
        self.is_write = is_write
        self.stats = FaultStats()
        self._rng = random.Random(self.config.seed)
        self._lock = threading.Lock()

    def reconfigure(self, config: FaultConfig) -> None:
        """Swap the fault configuration (and reseed) while the server runs."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def _draw(self, write: bool) -> tuple[float, str | None]:
        cfg = self.config
        with self._lock:
            delay = cfg.latency_ms + (self._rng.uniform(0, cfg.jitter_ms) if cfg.jitter_ms else 0)
            fault: str | None = None
            if cfg.fault_rate and self._rng.random() < cfg.fault_rate:
                fault = self._rng.choice(cfg.kinds)
            elif (
                write
                and cfg.commit_then_drop_rate
                and self._rng.random() < cfg.commit_then_drop_rate
            ):
                fault = "commit_then_drop"
        return delay / 1000.0, fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        delay, fault = self._draw(self.is_write(scope, body))
        if delay:
            await asyncio.sleep(delay)
        replay = replay_receive(body)
        if fault is None:
            self.stats.passed += 1
            await self.app(scope, replay, send)
            return
        self.stats.injected[fault] += 1
        if fault == "server_error":
            status, headers, payload = self.server_fault()
            headers = [*headers, (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        if fault == "timeout":
            await asyncio.sleep(self.config.hang_seconds)
            await _drop(send)
        if fault == "drop":
            await _drop(send)
        # commit_then_drop: the write happens, its answer is thrown away.
        await self.app(scope, replay, _discard)
        await _drop(send)


async def read_body(receive: Receive) -> bytes:
    """Read a whole ASGI request body (for middleware that needs to look at it)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def replay_receive(body: bytes) -> Receive:
    """An ASGI ``receive`` that hands `body` on again to the wrapped app."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _discard(message: Message) -> None:
    return None


async def _drop(send: Send) -> None:
    """Start a response that promises a body, send part of it and abort the connection."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"4096"), (b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"cut", "more_body": True})
    raise _Dropped("connection dropped by fault injection")
