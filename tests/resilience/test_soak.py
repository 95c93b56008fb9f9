"""Soak (CI version): seeded faults on both sides over many cycles, then the systems agree."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from drills.soak import FLOWS, Soak

from mkmw_emulators.pair import EmulatorPair

pytestmark = pytest.mark.usefixtures("prefect_server")

PLAIN_CYCLES = 8
FLOW_CYCLES = 2


def flow_runner(name: str, summaries: list[dict[str, Any]]) -> Any:
    """Runs the real Prefect flows (sync-products, sync-orders, sync-stock) by block name."""
    from mkmw_flows.flows.orders import sync_orders
    from mkmw_flows.flows.products import sync_products
    from mkmw_flows.flows.stock import sync_stock

    flows = {"products": sync_products, "orders": sync_orders, "stock": sync_stock}

    def run(flow: str) -> None:
        summaries.append({"flow": flow, **flows[flow](name)})

    return run


def test_cycles_under_faults_end_with_both_systems_in_agreement(tmp_path: Path) -> None:
    started = time.perf_counter()
    name = f"soak-{uuid.uuid4().hex[:8]}"
    with EmulatorPair() as pair:
        soak = Soak(pair, tmp_path, seed=3, name=name)
        soak.block.save(name, overwrite=True)
        soak.faults_on()
        for _ in range(PLAIN_CYCLES):
            soak.cycle()
        summaries: list[dict[str, Any]] = []
        for _ in range(FLOW_CYCLES):
            soak.cycle(flow_runner(name, summaries))
        soak.catch_up()
        result = soak.result(started)
        soak.store.close()

    assert result.ok, result.problems
    # the faults really were there, of every kind, on both sides
    for side in ("MplusKASSA", "MijnWebwinkel"):
        injected = result.faults[side]
        assert sum(injected.values()) >= 20, (side, injected)
        assert {"server_error", "drop", "timeout"} <= set(injected), (side, injected)
    assert result.faults["MijnWebwinkel"]["commit_then_drop"] > 0
    assert result.faults["MplusKASSA"]["commit_then_drop"] > 0
    # records did fail on the way (and were taken again), and work was done
    assert result.records["failed"] > 0
    assert result.records["created"] > 0
    assert result.changes["shop order"] >= 10 and result.changes["new product"] >= 2
    # the real flows ran too and produced their summaries
    assert {s["flow"] for s in summaries} <= set(FLOWS)
    assert len(summaries) + sum(result.failed_runs.values()) >= FLOW_CYCLES * len(FLOWS)
    assert summaries, "no Prefect flow run completed"
    # every eligible order of the soak is in MplusKASSA exactly once
    eligible = [n for n, ok in soak.changes.expected.items() if ok]
    per_ext = [len(pair.mplus.backend.orders_by_ext_id(f"MW-{n}")) for n in eligible]
    assert eligible and per_ext == [1] * len(eligible)
