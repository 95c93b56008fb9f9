"""Both emulators in a child process, so a benchmark measures the product alone.

Before this harness the scenarios served the emulators from threads of the measuring process:
their CPU time, their share of the GIL and their seeded state were counted as the product's.
:func:`emulators` starts an :class:`~mkmw_emulators.pair.EmulatorPair` in a child process
(``spawn``: a fresh interpreter, safe whatever threads the parent runs), waits until both
answer over HTTP on 127.0.0.1, and hands back an :class:`Emulators` handle:

- :meth:`Emulators.credentials` for an Integration block pointing at the child;
- :meth:`Emulators.counters` (calls and writes per operation on each side, optionally reset);
- :meth:`Emulators.call` runs a module-level function ``fn(pair, *args)`` inside the child
  and returns its (picklable) result: the control operations a scenario needs between runs
  (reprice products, sell stock, add shop orders, look for duplicates);
- ``setup`` runs such a function once before the servers start (create option lists, mirror
  the catalogue in the shop) and its result is :attr:`Emulators.setup_result`.

Control goes over a ``multiprocessing`` pipe; every wait on it is bounded. On leaving the
block the child is asked to stop, then terminated, then killed, each after a timeout.

:class:`Measured` (``with measured() as m:``) takes one run's figures of the measuring
process: wall time, its own CPU time (``time.process_time``, every thread of this process and
nothing of the child) and its peak RSS during the run (Linux: the kernel's high-water mark
``VmHWM``, reset before the run through ``/proc/self/clear_refs``; elsewhere the process's
peak so far).

    with emulators("10000", "empty", latency_ms=20, setup=make_lists) as emu:
        block = Integration(**emu.credentials(), state_database_url=url)
        emu.reset()
        with measured() as m:
            run(block)
        calls = emu.counters()
        print(calls.mplus_total, calls.shop_total, m.wall, m.cpu, m.peak_rss_mb)

Control operations live in ``bench/emulator_ops.py`` (it imports nothing of the product, so the
child stays light); add one there when a scenario needs a new change between runs.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair

#: Seconds to wait for the child to seed and serve (a 100,000-article seed takes a while).
START_TIMEOUT = 600.0
#: Seconds to wait for one control operation to answer.
CALL_TIMEOUT = 600.0
#: Seconds the child gets to stop on its own before it is terminated, then killed.
STOP_TIMEOUT = 10.0


# ---- the measuring process's own figures ---------------------------------------------------


def _status_kb(field_name: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB since the last :func:`reset_peak_rss` (or its start)."""
    hwm = _status_kb("VmHWM")
    if hwm is not None:
        return hwm / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark to its current RSS; False where impossible.

    Linux resets ``VmHWM`` when ``5`` is written to ``/proc/self/clear_refs`` (since 4.0);
    ``ru_maxrss`` cannot be reset, so without it the peak is the process's peak so far.
    """
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


@dataclass
class Measured:
    """Wall time, CPU time and peak RSS of the measuring process over one run.

    Attributes:
        wall: Seconds on the clock.
        cpu: CPU seconds (user + system) of every thread of this process: the product's own,
            the emulators run elsewhere.
        peak_rss_mb: Peak resident memory of this process during the run, in MB (its peak
            since it started where the high-water mark cannot be reset).
        peak_is_per_run: Whether `peak_rss_mb` was reset at the start of the run.
    """

    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    peak_is_per_run: bool = False
    _started: tuple[float, float] = field(default=(0.0, 0.0), repr=False)

    def __enter__(self) -> Measured:
        self.peak_is_per_run = reset_peak_rss()
        self._started = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._started[0]
        self.cpu = time.process_time() - self._started[1]
        self.peak_rss_mb = peak_rss_mb()


def measured() -> Measured:
    """A :class:`Measured` to use as ``with measured() as m:`` around one run."""
    return Measured()


# ---- the child ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmulatorSpec:
    """What the child serves (picklable: it crosses to the child process).

    Attributes:
        mplus_seed: MplusKASSA seed: demo, empty, or a number of articles.
        shop_seed: MijnWebwinkel seed: demo, empty, or a number of articles.
        mplus_faults: Latency and faults of the MplusKASSA emulator.
        shop_faults: Latency and faults of the MijnWebwinkel emulator.
        shop_rate_limit: Calls per second the shop allows before answering 429.
        live_quirks: Let the shop answer with the live API's deviations from its spec.
    """

    mplus_seed: str = "demo"
    shop_seed: str = "demo"
    mplus_faults: FaultConfig | None = None
    shop_faults: FaultConfig | None = None
    shop_rate_limit: float | None = None
    live_quirks: bool = False


@dataclass(frozen=True)
class Counters:
    """The emulators' counters: calls and writes per operation on each side."""

    mplus_calls: dict[str, int]
    mplus_writes: dict[str, int]
    shop_calls: dict[str, int]
    shop_writes: dict[str, int]

    @property
    def mplus_total(self) -> int:
        """Every MplusKASSA call."""
        return sum(self.mplus_calls.values())

    @property
    def shop_total(self) -> int:
        """Every shop call."""
        return sum(self.shop_calls.values())

    @property
    def mplus_write_total(self) -> int:
        """Every MplusKASSA write."""
        return sum(self.mplus_writes.values())

    @property
    def shop_write_total(self) -> int:
        """Every successful shop write."""
        return sum(self.shop_writes.values())


def _counters(pair: EmulatorPair, reset: bool) -> Counters:
    found = Counters(
        mplus_calls=dict(pair.mplus.counters.calls),
        mplus_writes=dict(pair.mplus.counters.writes),
        shop_calls=dict(pair.shop.counters.calls),
        shop_writes=dict(pair.shop.counters.writes),
    )
    if reset:
        pair.mplus.counters.reset()
        pair.shop.counters.reset()
    return found


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _answer(conn: Connection, work: Callable[[], Any]) -> bool:
    """Send ``work()``'s result, or its traceback; return whether it worked."""
    try:
        result = work()
    except Exception:  # noqa: BLE001 - sent to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
        return False
    conn.send(("ok", result))
    return True


def _serve(
    spec: EmulatorSpec,
    setup: Callable[..., Any] | None,
    args: tuple[Any, ...],
    conn: Connection,
) -> None:
    """The child: build the pair, run `setup`, serve, then answer control requests."""
    pairs: list[EmulatorPair] = []

    def start() -> dict[str, Any]:
        pair = EmulatorPair(
            spec.mplus_seed,
            spec.shop_seed,
            mplus_faults=spec.mplus_faults,
            shop_faults=spec.shop_faults,
            shop_rate_limit=spec.shop_rate_limit,
            live_quirks=spec.live_quirks,
        )
        pairs.append(pair)
        result = setup(pair, *args) if setup else None
        pair.start()
        return {"credentials": pair.credentials(), "setup": result}

    if not _answer(conn, start):
        return  # the parent raises the error and ends this process
    pair = pairs[0]
    try:
        while True:
            try:
                command, fn, call_args = conn.recv()
            except EOFError:  # the parent is gone
                return
            if command == "stop":
                conn.send(("ok", None))
                return
            if command == "counters":
                _answer(conn, functools.partial(_counters, pair, bool(call_args)))
            elif command == "cpu":
                _answer(conn, _child_cpu)
            elif command == "call":
                _answer(conn, functools.partial(fn, pair, *call_args))
            else:
                conn.send(("error", f"unknown command {command!r}"))
    finally:
        pair.stop()


# ---- the handle in the measuring process ---------------------------------------------------


class EmulatorError(RuntimeError):
    """The emulators' child failed, or did not answer in time."""


class Emulators:
    """The measuring process's handle on the emulators' child (see :func:`emulators`)."""

    def __init__(self, process: Any, conn: Connection, hello: dict[str, Any]) -> None:
        self._process = process
        self._conn = conn
        self._credentials: dict[str, Any] = hello["credentials"]
        self._lock = threading.Lock()  # one request and its answer at a time on the pipe
        self.setup_result: Any = hello["setup"]

    @property
    def pid(self) -> int:
        """The child's process id."""
        return int(self._process.pid)

    @property
    def mplus_url(self) -> str:
        """Base URL of the MplusKASSA emulator."""
        return str(self._credentials["mplus"]["url"])

    @property
    def shop_url(self) -> str:
        """Base URL of the MijnWebwinkel emulator."""
        return str(self._credentials["mijnwebwinkel"]["base_url"])

    def credentials(self) -> dict[str, Any]:
        """Field values for an Integration block pointing at the child's emulators."""
        return {side: dict(values) for side, values in self._credentials.items()}

    def _request(
        self, command: str, fn: Any = None, args: Any = (), timeout: float = CALL_TIMEOUT
    ) -> Any:
        with self._lock:
            self._conn.send((command, fn, args))
            return _receive(self._conn, self._process, timeout)

    def counters(self, *, reset: bool = True) -> Counters:
        """Calls and writes per operation since the last reset; reset them unless told not to."""
        counters: Counters = self._request("counters", args=reset)
        return counters

    def reset(self) -> None:
        """Set the counters of both emulators to zero."""
        self.counters(reset=True)

    def cpu_seconds(self) -> float:
        """CPU seconds the child (both emulators, their seeding included) has used so far."""
        return float(self._request("cpu"))

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = CALL_TIMEOUT) -> Any:
        """Run ``fn(pair, *args)`` in the child and return its result.

        `fn` must be a module-level function (it is pickled by name) taking the child's
        :class:`~mkmw_emulators.pair.EmulatorPair` first; its arguments and result must be
        picklable. An exception in the child is raised here as :class:`EmulatorError`.
        """
        return self._request("call", fn, args, timeout)

    def stop(self) -> None:
        """Ask the child to stop; terminate it, then kill it, if it does not in time."""
        if self._process.is_alive():
            with contextlib.suppress(OSError, EOFError, EmulatorError):
                self._request("stop", timeout=STOP_TIMEOUT)
        _end(self._process)
        self._conn.close()


def _receive(conn: Connection, process: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not conn.poll(0.2):
        if not process.is_alive():
            raise EmulatorError(f"the emulators' child ended (exit code {process.exitcode})")
        if time.monotonic() > deadline:
            raise EmulatorError(f"the emulators' child did not answer within {timeout:g} s")
    status, value = conn.recv()
    if status == "error":
        raise EmulatorError(f"in the emulators' child:\n{value}")
    return value


def _end(process: Any) -> None:
    process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.terminate()
        process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join(STOP_TIMEOUT)


def _wait_answering(emu: Emulators, deadline: float) -> None:
    """Until both emulators answer an HTTP request (any status) on their loopback port."""
    for url in (emu.mplus_url, emu.shop_url):
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise EmulatorError(f"no answer from {url}") from None
                time.sleep(0.05)


@contextlib.contextmanager
def emulators(
    mplus_seed: str = "demo",
    shop_seed: str = "demo",
    *,
    latency_ms: float = 0.0,
    mplus_faults: FaultConfig | None = None,
    shop_faults: FaultConfig | None = None,
    shop_rate_limit: float | None = None,
    live_quirks: bool = False,
    setup: Callable[..., Any] | None = None,
    setup_args: tuple[Any, ...] = (),
    start_timeout: float = START_TIMEOUT,
) -> Iterator[Emulators]:
    """Both emulators served from a child process for the duration of the block.

    Args:
        mplus_seed: MplusKASSA seed: demo, empty, or a number of articles.
        shop_seed: MijnWebwinkel seed: demo, empty, or a number of articles.
        latency_ms: Latency added to every request on both sides (unless faults are given).
        mplus_faults: Faults of the MplusKASSA emulator (in place of `latency_ms`).
        shop_faults: Faults of the MijnWebwinkel emulator (in place of `latency_ms`).
        shop_rate_limit: Calls per second the shop allows before answering 429.
        live_quirks: Let the shop answer with the live API's deviations from its spec.
        setup: A module-level ``fn(pair, *setup_args)`` run in the child before the servers
            start; its result is :attr:`Emulators.setup_result`.
        setup_args: Arguments of `setup` (picklable).
        start_timeout: Seconds to wait for the seed, the setup and both servers.

    Yields:
        The handle: credentials, counters (reset once both answer), control calls.

    Raises:
        EmulatorError: The child failed or did not come up in time.
    """
    default = FaultConfig(latency_ms=latency_ms) if latency_ms else None
    spec = EmulatorSpec(
        mplus_seed,
        shop_seed,
        mplus_faults=mplus_faults or default,
        shop_faults=shop_faults or default,
        shop_rate_limit=shop_rate_limit,
        live_quirks=live_quirks,
    )
    context = multiprocessing.get_context("spawn")
    parent, child_end = context.Pipe()
    process = context.Process(
        target=_serve,
        args=(spec, setup, setup_args, child_end),
        name="mkmw-emulators",
        daemon=True,
    )
    deadline = time.monotonic() + start_timeout
    process.start()
    child_end.close()
    emu: Emulators | None = None
    try:
        hello = _receive(parent, process, start_timeout)
        emu = Emulators(process, parent, hello)
        _wait_answering(emu, deadline)
        emu.reset()  # the probes above are no part of any run
        yield emu
    finally:
        if emu is not None:
            emu.stop()
        else:
            _end(process)
            parent.close()
