"""The call recorder: the wall split by calls in flight, and what it sees of real calls."""

from __future__ import annotations

import threading

import httpx
import pytest

from bench.harness import emulators
from bench.inflight import CallRecorder, levels, percentile, split
from bench.report import bound, findings, inflight_table
from mkmw_flows.blocks import Integration

#: Window 0-10 s; the first call starts before it and the last ends after it (clipped).
INTERVALS = [(-1.0, 0.5), (1.0, 3.0), (2.0, 5.0), (2.0, 4.0), (6.0, 7.0), (9.0, 12.0)]


def test_levels_split_the_window_exactly() -> None:
    seconds = levels(INTERVALS, 0.0, 10.0)
    # 0-0.5: 1, 0.5-1: 0, 1-2: 1, 2-3: 3, 3-4: 2, 4-5: 1, 5-6: 0, 6-7: 1, 7-9: 0, 9-10: 1
    assert seconds == pytest.approx({0: 3.5, 1: 4.5, 2: 1.0, 3: 1.0})
    assert sum(seconds.values()) == pytest.approx(10.0)
    assert split(seconds, 3) == pytest.approx({"none": 3.5, "some": 5.5, "all": 1.0})
    assert split(seconds, 2) == pytest.approx({"none": 3.5, "some": 4.5, "all": 2.0})


def test_a_call_ending_as_the_next_starts_is_one_in_flight_and_nothing_is_empty() -> None:
    assert levels([(1.0, 2.0), (2.0, 3.0)], 0.0, 4.0) == pytest.approx({0: 2.0, 1: 2.0})
    assert levels([], 0.0, 2.0) == {0: 2.0}
    assert split({}, 4) == {"none": 0.0, "some": 0.0, "all": 0.0}


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(10, 0, -1)]  # 10 .. 1, unsorted on purpose
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0
    assert percentile([7.0], 0.9) == 7.0


def test_two_threads_calling_a_slow_endpoint_together_are_two_in_flight() -> None:
    latency_ms = 300.0
    with emulators(latency_ms=latency_ms) as emu:
        block = Integration(**emu.credentials())
        shops = [block.mijnwebwinkel.client() for _ in range(2)]
        mplus = block.mplus.client()
        together = threading.Barrier(2)

        def call(index: int) -> None:
            together.wait(timeout=10)
            shops[index].get_store()

        original = httpx.Client.send
        try:
            emu.reset()
            with CallRecorder({"MplusKASSA": emu.mplus_url, "shop": emu.shop_url}) as calls:
                assert httpx.Client.send is not original
                with pytest.raises(RuntimeError, match="already recording"):
                    CallRecorder({}).__enter__()
                mplus.get_current_sync_markers()
                threads = [threading.Thread(target=call, args=(i,)) for i in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=30)
            counted = emu.counters()
        finally:
            mplus.close()
            for shop in shops:
                shop.close()
        assert httpx.Client.send is original  # put back when the block ends

    figures = calls.summary(slots=2, latency_ms=latency_ms)
    assert figures is not None
    assert figures["calls"] == {"MplusKASSA": 1, "shop": 2}
    assert figures["calls"] == {"MplusKASSA": counted.mplus_total, "shop": counted.shop_total}
    # each call waits the latency on the server; the two shop calls overlap for most of it
    assert all(ms >= latency_ms for ms in figures["median_ms"].values())
    at_two = figures["levels"]["2"]
    assert 0.8 * latency_ms / 1000 <= at_two <= figures["median_ms"]["shop"] / 1000
    assert figures["seconds"]["all"] == pytest.approx(at_two)
    assert figures["seconds"]["some"] >= latency_ms / 1000  # the MplusKASSA call alone
    assert sum(figures["seconds"].values()) == pytest.approx(figures["wall"])
    assert "3" not in figures["levels"]

    run = {"label": "two together", "inflight": figures, "cpu": 0.1, "wall": figures["wall"]}
    table = "\n".join(inflight_table([run]))
    assert "| two together |" in table and "| 1 / 2 |" in table and "all 2 busy" in table
    assert bound(run, "why").startswith("all 2 slots busy") and bound(run, "why").endswith("; why")


def test_a_recorder_turned_off_records_nothing() -> None:
    original = httpx.Client.send
    with CallRecorder({"shop": "http://127.0.0.1:1"}, enabled=False) as calls:
        assert httpx.Client.send is original
    assert calls.summary(4, 20) is None
    assert bound({"inflight": None}, "why") == "why"
    assert inflight_table([{"label": "x", "inflight": None}]) == []


def test_calls_the_client_timed_unlike_the_emulators_counters_are_a_finding() -> None:
    timed = {"calls": {"MplusKASSA": 3, "shop": 22}}
    run = {
        "label": "rerun",
        "records": {"updated": 20},
        "calls": 25,
        "minimum_calls": 25,
        "writes": 20,
        "minimum_writes": 20,
        "floor": 1.0,
        "wall": 1.0,
        "mplus_total": 3,
        "shop_total": 22,
        "inflight": timed,
    }
    assert findings([{"name": "products", "runs": [run]}]) == []
    run["shop_total"] = 21
    assert findings([{"name": "products", "runs": [run]}]) == [
        "products, rerun: the client timed {'MplusKASSA': 3, 'shop': 22} calls, the emulators "
        "counted 3 MplusKASSA and 21 shop calls"
    ]
