"""The benchmark harness: emulators in a child process, the measuring process's own figures."""

from __future__ import annotations

import os
import time

import pytest

from bench import emulator_ops
from bench.harness import EmulatorError, emulators, measured, peak_rss_mb, reset_peak_rss
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration


def burn(pair: EmulatorPair, seconds: float) -> int:
    """Spin the child's CPU for `seconds` (run in the child through ``Emulators.call``)."""
    end = time.process_time() + seconds
    spins = 0
    while time.process_time() < end:
        spins += 1
    return spins


def fail(pair: EmulatorPair) -> None:
    raise ValueError("no such product 42")


def test_the_emulators_serve_from_a_child_and_count_the_calls() -> None:
    with emulators(latency_ms=5, setup=emulator_ops.orders_setup) as emu:
        assert emu.pid != os.getpid()
        assert emu.mplus_url.startswith("http://127.0.0.1:")
        assert emu.shop_url.startswith("http://127.0.0.1:")
        assert emu.setup_result  # the demo shop's simple articles, for the bindings
        assert emu.counters(reset=False).mplus_total == 0  # the start-up probes are not counted

        block = Integration(**emu.credentials())
        mplus, shop = block.mplus.client(), block.mijnwebwinkel.client()
        try:
            mplus.get_current_sync_markers()
            mplus.get_current_sync_markers()
            shop.get_store()
        finally:
            mplus.close()
            shop.close()
        calls = emu.counters()
        assert calls.mplus_calls == {"getCurrentSyncMarkers": 2}
        assert calls.mplus_write_total == 0
        assert calls.shop_total == 1 and calls.shop_write_total == 0
        assert emu.counters().mplus_total == 0  # read with a reset

        assert emu.call(emulator_ops.add_orders, [1, 2, 3], 0) == 3
        assert emu.call(emulator_ops.duplicates) == {"orders": 0, "relations": 0}
        with pytest.raises(EmulatorError, match="no such product 42"):
            emu.call(fail)
        assert emu.call(emulator_ops.duplicates) == {"orders": 0, "relations": 0}
        pid = emu.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped and reaped when the block ends


def test_the_product_cpu_leaves_out_the_emulators() -> None:
    with emulators() as emu:
        before = emu.cpu_seconds()
        with measured() as m:
            assert emu.call(burn, 0.5) > 0
        assert emu.cpu_seconds() - before >= 0.5
        assert m.cpu < 0.25  # waiting on the pipe costs the measuring process next to nothing
        assert m.wall >= 0.5


def test_a_failing_setup_is_raised_and_the_child_ends() -> None:
    with pytest.raises(EmulatorError, match="no such product 42"), emulators(setup=fail):
        pass


@pytest.mark.skipif(not reset_peak_rss(), reason="the RSS high-water mark cannot be reset here")
def test_the_peak_rss_is_per_run() -> None:
    ballast = bytearray(200 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page
    high = peak_rss_mb()
    del ballast
    with measured() as m:
        small = list(range(1000))
    assert small and m.peak_is_per_run
    assert high - m.peak_rss_mb > 150
