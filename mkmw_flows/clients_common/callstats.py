"""Call counters and timings per operation, shared by both API clients.

The benchmarks and the flow artifacts read these to report calls made against the
minimum needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class OperationStats:
    """Counters of one operation (a SOAP operation or a REST endpoint)."""

    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


@dataclass
class CallStats:
    """Thread-safe counters of calls, errors and time per operation."""

    operations: dict[str, OperationStats] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @contextmanager
    def measure(self, operation: str) -> Iterator[None]:
        """Count one call of `operation` and its time; count it as an error when it raises."""
        started = time.perf_counter()
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                stats = self.operations.setdefault(operation, OperationStats())
                stats.calls += 1
                stats.seconds += elapsed
                stats.errors += int(failed)

    @property
    def total_calls(self) -> int:
        """All calls over all operations."""
        with self._lock:
            return sum(s.calls for s in self.operations.values())

    def calls(self, operation: str) -> int:
        """Calls of one operation (0 when never called)."""
        with self._lock:
            stats = self.operations.get(operation)
            return stats.calls if stats else 0

    def snapshot(self) -> dict[str, dict[str, float]]:
        """A plain copy: {operation: {calls, errors, seconds}}."""
        with self._lock:
            return {
                name: {"calls": s.calls, "errors": s.errors, "seconds": round(s.seconds, 6)}
                for name, s in sorted(self.operations.items())
            }

    def reset(self) -> None:
        """Forget every counter."""
        with self._lock:
            self.operations.clear()
