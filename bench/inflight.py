"""Where a run's wall time goes: every HTTP call's start and end, and the calls in flight.

:class:`CallRecorder` (``with CallRecorder(sides) as calls:``) wraps ``httpx.Client.send`` at
class level in the measuring process for the duration of the block, so every call either
product client makes (both build an ``httpx.Client``) is timed from the request going out to
its whole response read. It only observes: the call is the client's own, unchanged, and what
is kept per call is one small tuple (start, end, side). The sides are told apart by the host
and port of each request, from the base URLs the harness hands out.

:meth:`CallRecorder.summary` turns the tuples into the figures of the benchmark page:

- calls per side, and the median and 90th percentile of one call's time per side;
- the block's wall split by the number of calls in flight: seconds with none, with fewer
  than the run's slots (the flow's concurrency its floor counts), and with all of them
  busy (or more, where reads and writes of the two sides overlap), plus the seconds at each
  level.

Only measured figures: nothing is extrapolated. The recorder's own cost is a few
microseconds of CPU per call (3-10 us against about 100 us for the call itself through an
``httpx.MockTransport``, measured on the benchmark machine), well under 0.1 s for the 2,125
calls of the products first sync. ``MKMW_BENCH_NO_INFLIGHT=1`` leaves it out.

    with CallRecorder({"MplusKASSA": mplus_url, "shop": shop_url}) as calls:
        run(block)
    figures = calls.summary(slots=8, latency_ms=20)
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

#: Set to 1 to leave the recorder out (to measure its own overhead).
OFF_VARIABLE = "MKMW_BENCH_NO_INFLIGHT"
#: The side of a call whose host and port match no given base URL.
OTHER = "other"

_installed = threading.Lock()  # one recorder wraps httpx at a time


def _address(url: httpx.URL | str) -> tuple[str, int | None]:
    parsed = httpx.URL(url) if isinstance(url, str) else url
    return parsed.host, parsed.port  # httpx gives None for a scheme's default port


def levels(intervals: Iterable[tuple[float, float]], start: float, end: float) -> dict[int, float]:
    """Seconds of the window [`start`, `end`] spent at each number of intervals in flight.

    Intervals are clipped to the window; the seconds of all levels add up to ``end - start``.

    Args:
        intervals: (start, end) of each call, on the same clock as the window.
        start: Start of the window.
        end: End of the window.

    Returns:
        Seconds per level (0 = nothing in flight), levels with no time left out.
    """
    events: list[tuple[float, int]] = []
    for began, ended in intervals:
        began, ended = max(began, start), min(ended, end)
        if ended > began:
            events += [(began, 1), (ended, -1)]
    events.sort()  # at a tie an end (-1) sorts before a start (+1): no zero-length peak
    seconds: dict[int, float] = {}
    level, last = 0, start
    for moment, step in events:
        if moment > last:
            seconds[level] = seconds.get(level, 0.0) + moment - last
            last = moment
        level += step
    if end > last:
        seconds[level] = seconds.get(level, 0.0) + end - last
    return seconds


def split(seconds: Mapping[int, float], slots: int) -> dict[str, float]:
    """The seconds per level as none in flight, some (below `slots`) and all `slots` busy."""
    return {
        "none": seconds.get(0, 0.0),
        "some": sum(s for level, s in seconds.items() if 0 < level < slots),
        "all": sum(s for level, s in seconds.items() if level >= slots),
    }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (sorted or not): `share` 0.5 is the median."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class CallRecorder:
    """Times every ``httpx.Client.send`` of this process while the block runs (thread-safe).

    Args:
        sides: Name of each side and its base URL (only its host and port are used).
        enabled: False records nothing and leaves httpx alone (the summary is then None).
    """

    def __init__(self, sides: Mapping[str, str], *, enabled: bool = True) -> None:
        self.sides = list(sides)
        self._side_of = {_address(url): index for index, url in enumerate(sides.values())}
        self.enabled = enabled
        self.calls: list[tuple[float, float, int]] = []
        self.window = (0.0, 0.0)
        self._lock = threading.Lock()
        self._original: Any = None

    def __enter__(self) -> CallRecorder:
        if not self.enabled:
            return self
        if not _installed.acquire(blocking=False):
            raise RuntimeError("another CallRecorder is already recording in this process")
        original = self._original = httpx.Client.send
        side_of, calls, lock, clock = self._side_of, self.calls, self._lock, time.perf_counter
        other = len(self.sides)

        def send(client: httpx.Client, request: httpx.Request, *args: Any, **kwargs: Any) -> Any:
            began = clock()
            try:
                return original(client, request, *args, **kwargs)
            finally:
                ended = clock()
                side = side_of.get((request.url.host, request.url.port), other)
                with lock:
                    calls.append((began, ended, side))

        httpx.Client.send = send  # type: ignore[method-assign,assignment]
        self.window = (clock(), 0.0)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.enabled:
            return
        self.window = (self.window[0], time.perf_counter())
        httpx.Client.send = self._original  # type: ignore[method-assign]
        _installed.release()

    def summary(self, slots: int, latency_ms: float) -> dict[str, Any] | None:
        """The run's figures (see the module docstring); None when nothing was recorded.

        Args:
            slots: Calls the flow keeps in flight at most (its concurrency, as its floor counts).
            latency_ms: The latency the emulators add to each call, shown beside the call times.
        """
        if not self.enabled:
            return None
        with self._lock:
            calls = list(self.calls)
        names = [*self.sides, OTHER]
        times: dict[str, list[float]] = {}
        for began, ended, side in calls:
            times.setdefault(names[side], []).append((ended - began) * 1000)
        start, end = self.window
        seconds = levels(((b, e) for b, e, _ in calls), start, end)
        return {
            "slots": slots,
            "latency_ms": latency_ms,
            "wall": end - start,
            "calls": {side: len(t) for side, t in times.items()},
            "median_ms": {side: percentile(t, 0.5) for side, t in times.items()},
            "p90_ms": {side: percentile(t, 0.9) for side, t in times.items()},
            "seconds": split(seconds, slots),
            "levels": {str(level): s for level, s in sorted(seconds.items())},
        }


def recorder(sides: Mapping[str, str]) -> CallRecorder:
    """A :class:`CallRecorder` of `sides`, off when ``MKMW_BENCH_NO_INFLIGHT=1`` is set."""
    return CallRecorder(sides, enabled=os.environ.get(OFF_VARIABLE, "") != "1")
