"""One API budget per system: concurrent flow runs in separate processes stay within it.

A real `prefect server start` on PostgreSQL (GCLs on SQLite stall), `mkmw budget apply`,
an Integration block with ``api_budget: true`` and its state store on PostgreSQL, and four
flow runs started at once as separate processes (as two workers would run them):
sync-products, sync-stock and two overlapping sync-orders. The shop emulator answers 429
beyond its rate limit; it must never have to, and no order may exist twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ops.localprefect import ROOT, LocalPrefect
from orders.helpers import BASE_SETTINGS
from sqlmodel import SQLModel

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.budget import apply_budget, limit_name, plan_budget
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.keys import ORDER

from .conftest import PG_URL

pytestmark = pytest.mark.timeout(240)

SHOP_LIMIT = 12.0  # what the emulated shop allows per second (burst 12) before 429
BUDGET = 8.0  # what all runs together may use (burst 8)

RUN_FLOW = """
import json, sys
from mkmw_flows.flows.orders import sync_orders
from mkmw_flows.flows.products import sync_products
from mkmw_flows.flows.stock import sync_stock
flows = {"orders": sync_orders, "products": sync_products, "stock": sync_stock}
summary = flows[sys.argv[1]](integration=sys.argv[2])
print("SUMMARY " + json.dumps(summary.get("counts", {}), default=str))
"""


def test_plan_budget_names_and_bursts() -> None:
    planned = plan_budget("Winkel Oss", shop_rate=2.5, mplus_rate=20)
    assert [(p.name, p.limit, p.slot_decay_per_second) for p in planned] == [
        ("mkmw-winkel-oss-shop", 2, 2.5),
        ("mkmw-winkel-oss-mplus", 20, 20),
    ]
    assert limit_name("a_b", "shop") == "mkmw-a-b-shop"
    with pytest.raises(ValueError, match="positive"):
        plan_budget("x", shop_rate=0)
    with pytest.raises(ValueError, match="give a rate"):
        plan_budget("x")


def _arrivals(pair: EmulatorPair) -> list[float]:
    """Record the moment of every request the shop's rate limiter sees."""
    seen: list[float] = []
    limiter = pair.shop.rate_limit
    check = limiter.check

    def timed() -> float | None:
        seen.append(time.monotonic())
        return check()

    limiter.check = timed  # type: ignore[method-assign]
    return seen


def _busiest_second(moments: list[float]) -> int:
    moments = sorted(moments)
    best, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] > 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _run_flows(server: LocalPrefect, name: str, flows: list[str]) -> list[str]:
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", RUN_FLOW, flow, name],
            cwd=ROOT,
            env=server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        for flow in flows
    ]
    outputs: list[str] = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=180)
            text = out.decode(errors="replace")
            assert proc.returncode == 0, text[-4000:]
            outputs.append(text)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    return outputs


def test_concurrent_flows_share_one_budget_and_create_no_duplicate(
    pg_prefect: LocalPrefect, tmp_path: Path
) -> None:
    assert PG_URL
    state = StateStore(PG_URL)
    SQLModel.metadata.drop_all(state.engine)
    SQLModel.metadata.create_all(state.engine)
    name = f"scale-{uuid.uuid4().hex[:6]}"
    with EmulatorPair(shop_rate_limit=SHOP_LIMIT) as pair, pg_prefect.as_api() as server:
        arrivals = _arrivals(pair)
        applied = apply_budget(name, shop_rate=BUDGET, mplus_rate=50)
        assert [r.action for r in applied] == ["created", "created"]
        again = server.run(
            [
                str(Path(sys.executable).parent / "mkmw"),
                "budget",
                "apply",
                "--integration",
                name,
                "--shop-rate",
                str(BUDGET),
                "--mplus-rate",
                "50",
            ]
        )
        assert again.stdout.count("unchanged") == 2, again.stdout

        fields: dict[str, Any] = pair.credentials()
        block = Integration(
            **fields,
            state_database_url=PG_URL,
            api_budget=True,
            orders={**BASE_SETTINGS, "page_size": 3},
        )
        block.save(name, overwrite=True)

        started = time.monotonic()
        outputs = _run_flows(server, name, ["orders", "orders", "products", "stock"])
        elapsed = time.monotonic() - started

        # the shop never had to refuse a call, in any second of the run
        assert pair.shop.counters.statuses[429] == 0
        assert pair.shop.rate_limit.rejected == 0
        calls = len(arrivals)
        busiest = _busiest_second(arrivals)
        assert calls > 3 * BUDGET, f"too little load to prove anything: {calls} calls"
        # The budget is a token bucket (burst BUDGET, refilled at BUDGET per second), so
        # any one-second window may hold its burst plus one second of refill, and the
        # whole run no more than the burst plus the refill over its span.
        assert busiest <= 2 * BUDGET, f"{busiest} calls in one second"
        span = max(arrivals) - min(arrivals)
        assert calls <= BUDGET * (span + 1) + 2, f"{calls} calls in {span:.1f} s"
        assert all("SUMMARY" in out for out in outputs)
        print(f"{calls} shop calls in {elapsed:.1f} s, busiest second {busiest}")  # noqa: T201

        # the two sync-orders runs: every shop order in MplusKASSA once
        mplus = pair.mplus.backend
        ext_ids = Counter(o.get("extOrderId") for o in mplus.orders.values())
        assert ext_ids and max(ext_ids.values()) == 1, ext_ids
        created = Counter(
            e.record_key
            for e in state.ledger(integration=name, flow="orders", outcome=Outcome.CREATED)
        )
        assert created and max(created.values()) == 1, created
        bound = {b.shop_key for b in state.bindings(name, ORDER)}
        assert set(created) <= bound
        assert state.claims(name) == []
    state.close()


def test_a_missing_limit_stops_the_run_rather_than_running_unthrottled(
    pg_prefect: LocalPrefect,
) -> None:
    from mkmw_flows.flows.budget import BudgetMissingError, throttle

    with pg_prefect.as_api():
        take = throttle(f"never-applied-{uuid.uuid4().hex[:6]}", "shop")
        with pytest.raises(BudgetMissingError, match="mkmw budget apply --integration never-"):
            take()


def test_budget_apply_updates_a_changed_rate(pg_prefect: LocalPrefect) -> None:
    name = f"rate-{uuid.uuid4().hex[:6]}"
    with pg_prefect.as_api():
        assert [r.action for r in apply_budget(name, shop_rate=3)] == ["created"]
        assert [r.action for r in apply_budget(name, shop_rate=3)] == ["unchanged"]
        assert [r.action for r in apply_budget(name, shop_rate=5)] == ["updated"]
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name(limit_name(name, "shop"))
        assert (limit.limit, limit.slot_decay_per_second) == (5, 5.0)
