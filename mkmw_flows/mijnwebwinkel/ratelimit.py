"""A rate limiter per MijnWebwinkel store, shared by every client in the process.

MijnWebwinkel counts its limits per partner and per store (changelog 1.0.8) and publishes no
numbers. Every client for the same store (same base URL and store token) therefore draws from
one limiter: a token bucket when a rate is configured, plus a shared pause that a 429 answer's
``Retry-After`` sets for everybody.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from pydantic import SecretStr


class StoreRateLimiter:
    """A thread-safe token bucket with a shared back-off pause.

    Args:
        rate_per_second: Sustained requests per second; None means no proactive limit
            (only Retry-After pauses apply).
        burst: Bucket size; defaults to max(1, rate_per_second).
        clock: Monotonic clock (for tests).
        sleep: Sleep function (for tests).
    """

    def __init__(
        self,
        rate_per_second: float | None = None,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.waited_seconds = 0.0
        self.pauses = 0
        self.configure(rate_per_second, burst)

    def configure(self, rate_per_second: float | None, burst: float | None = None) -> None:
        """Set (or clear) the sustained rate.

        Args:
            rate_per_second: Requests per second, or None for no proactive limit.
            burst: Bucket size; defaults to max(1, rate_per_second).
        """
        if rate_per_second is not None and rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        with self._lock:
            self.rate = rate_per_second
            self.burst = burst if burst is not None else max(1.0, rate_per_second or 1.0)
            self._tokens = self.burst
            self._updated = self._clock()

    def acquire(self) -> float:
        """Block until one request may go out.

        Returns:
            Seconds waited.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                paused = self._paused_until - now
                if paused <= 0:
                    delay = 0.0
                    if self.rate is not None:
                        # Reserve a token now (the bucket may go negative) and wait for it
                        # outside the lock, so concurrent callers queue up in order.
                        elapsed = now - self._updated
                        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
                        self._updated = now
                        self._tokens -= 1
                        if self._tokens < 0:
                            delay = -self._tokens / self.rate
                    self.waited_seconds += waited + delay
                    break
            self._sleep(paused)
            waited += paused
        if delay > 0:
            self._sleep(delay)
        return waited + delay

    def pause(self, seconds: float) -> None:
        """Hold every request for this store for `seconds` (from a 429 Retry-After).

        Args:
            seconds: How long to pause, counted from now.
        """
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            if until > self._paused_until:
                self._paused_until = until
                self.pauses += 1


_REGISTRY: dict[tuple[str, str], StoreRateLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def store_key(base_url: str, token: SecretStr | str) -> tuple[str, str]:
    """The registry key of a store: its base URL and a hash of its store token.

    Args:
        base_url: The API base URL.
        token: The store token.

    Returns:
        A key that holds no secret.
    """
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return (base_url.rstrip("/"), digest)


def limiter_for_store(
    base_url: str, token: SecretStr | str, rate_per_second: float | None = None
) -> StoreRateLimiter:
    """Return the process-wide limiter of one store, creating it on first use.

    A later call with a rate sets that rate for every client of the store.

    Args:
        base_url: The API base URL.
        token: The store token.
        rate_per_second: Sustained rate to configure, or None to keep the current one.

    Returns:
        The shared limiter.
    """
    key = store_key(base_url, token)
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            limiter = _REGISTRY[key] = StoreRateLimiter(rate_per_second)
        elif rate_per_second is not None and limiter.rate != rate_per_second:
            limiter.configure(rate_per_second)
        return limiter


def reset_limiters() -> None:
    """Forget every shared limiter (for tests)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
