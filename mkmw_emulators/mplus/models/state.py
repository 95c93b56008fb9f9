"""State every entity shares: the lock, the clock, the syncMarker counters and ``MarkerIndex``.

One syncMarker counter per entity type, bumped on every change; filters are ``>=`` and results
ascending (API-NOTES.md §2).
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_left
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mkmw_emulators.mplus.models.values import AMSTERDAM, mplus_datetime

RELATIONS_CAP = 1000
DEFAULT_LIMIT = 1000
SUPERUSER = 999999
REPLAY = "IDEMPOTENCY-RESULT-REPLAY-RESPONSE"
ORIGINAL = "IDEMPOTENCY-RESULT-ORIGINAL-RESPONSE"


class MarkerIndex:
    """Keys ordered by their current syncMarker: ``since(n)`` iterates keys with marker >= n."""

    def __init__(self) -> None:
        self._markers: list[int] = []
        self._keys: list[Any] = []
        self._of: dict[Any, int] = {}

    def set(self, key: Any, marker: int) -> None:
        old = self._of.get(key)
        if old is not None:
            i = bisect_left(self._markers, old)
            del self._markers[i]
            del self._keys[i]
        if self._markers and marker <= self._markers[-1]:
            i = bisect_left(self._markers, marker)
            self._markers.insert(i, marker)
            self._keys.insert(i, key)
        else:
            self._markers.append(marker)
            self._keys.append(key)
        self._of[key] = marker

    def marker(self, key: Any) -> int | None:
        return self._of.get(key)

    def since(self, marker: int) -> Iterator[Any]:
        start = bisect_left(self._markers, marker)
        keys = self._keys
        for i in range(start, len(keys)):
            yield keys[i]

    def __len__(self) -> int:
        return len(self._keys)


class BackendState:
    """The lock, clock and counters under every entity mixin.

    Args:
        clock: Returns "now" (aware); a fixed clock makes runs reproducible.
    """

    def __init__(self, clock: Any = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(AMSTERDAM))
        self.counters: dict[str, int] = {
            "article": 0,
            "articleGroup": 0,
            "relation": 0,
            "employee": 0,
            "order": 0,
            "invoice": 0,
            "receipt": 0,
            "stock": 0,
        }
        self._seq = 0
        self._last_now: datetime | None = None
        self._last_ts: dict[str, Any] = {}

    def bump(self, kind: str) -> int:
        """Advance and return the syncMarker counter of an entity type (or ``stock``)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def _id(self, kind: str) -> str:
        self._seq += 1
        return hashlib.md5(f"{kind}:{self._seq}".encode(), usedforsecurity=False).hexdigest()

    def _ts(self) -> dict[str, Any]:
        now = self.clock()
        if now != self._last_now:
            self._last_now = now
            self._last_ts = mplus_datetime(now)
        return self._last_ts
