"""Benchmark: the orders flow (shop -> MplusKASSA) over 1,000 shop orders at 20 ms latency.

Both emulators are served from a child process (``bench/harness.py``) on 127.0.0.1 ports with 20
ms latency per request, so the CPU time and RSS printed are the flow's own. The shop holds 1,000
new orders: 30% from returning customers (imported before, so a customer binding exists) and 70%
from new ones, some companies, a third with a shipping line, all paid with iDEAL, lines on
gift-card and grocery articles linked by ``article`` bindings (written straight into the store:
this is a benchmark of the orders flow, not of the products flow). The shop status is written
back on import ("imported" -> 1).

The run uses the plain sync functions (no Prefect server). Printed: calls per operation on
both sides, MplusKASSA calls per order for a returning and for a new customer, shop calls per
order, wall time, the flow's CPU time and peak RSS, and duplicates (MplusKASSA orders per
extOrderId, relations per e-mail; both must be 0).

    .venv/bin/python -m bench.orders [--orders 1000] [--returning 0.3] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench import emulator_ops
from bench.harness import emulators, measured
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.report import RunReport

NAME = "bench"
SETTINGS: dict[str, Any] = {
    "vat_codes": [
        {"rate": 21, "vat_code": 1},
        {"rate": 9, "vat_code": 2},
        {"rate": 0, "vat_code": 3},
    ],
    "shipping_articles": [{"shop_method": "PostNL pakket", "article_number": 999}],
    "payment_methods": [{"shop_method": "ideal", "mplus_method": "IDEAL"}],
    "status_write_back": {"imported": 1},
    "statuses_to_import": [3],
    "backfill_days": 30,
}


def context(block: Integration, store: StateStore) -> SyncContext:
    return SyncContext(
        name=NAME,
        integration=block,
        store=store,
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow="orders", integration=NAME, run_id=uuid.uuid4().hex),
    )


def bind_articles(store: StateStore, rows: list[tuple[str, str]]) -> None:
    """Write an ``article`` binding per (MplusKASSA number, shop article id) of `rows`
    (``emulator_ops.orders_setup``), standing in for the products flow."""
    with store.transaction() as tx:
        for number, article_id in rows:
            tx.put_binding(NAME, ARTICLE, mplus_key=number, shop_key=article_id)


def calls(stats: Any) -> dict[str, int]:
    return {op: int(v["calls"]) for op, v in sorted(stats.snapshot().items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--returning", type=float, default=0.3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    returning = int(args.orders * args.returning)
    with emulators(latency_ms=args.latency_ms, setup=emulator_ops.orders_setup) as emu:
        workdir = Path(tempfile.mkdtemp(prefix="mkmw-bench-orders-"))
        fields = emu.credentials()
        fields["state_database_url"] = str(workdir / "state.db")
        fields["orders"] = SETTINGS
        block = Integration(**fields)
        store = StateStore(block.state_database_url)
        bind_articles(store, emu.setup_result)

        # warm-up (not measured): the returning customers' earlier orders
        emu.call(emulator_ops.add_orders, list(range(returning)), 0)
        run_shop_to_mplus(context(block, store))

        new = list(range(100000, 100000 + args.orders - returning))
        mixed = [c for pair_ in zip(range(returning), new, strict=False) for c in pair_]
        mixed += new[returning:]
        emu.call(emulator_ops.add_orders, mixed, returning)
        emu.reset()

        ctx = context(block, store)
        with measured() as m:
            run_shop_to_mplus(ctx)
        wall = m.wall
        outcomes = ctx.report.counts()
        mplus_calls, shop_calls = calls(ctx.mplus.stats), calls(ctx.shop.stats)
        found = emu.call(emulator_ops.duplicates)

        n = args.orders
        customer_ops = {"findRelationV2", "createRelation", "updateRelation"}
        per_order = {"createOrderV3"}
        shared = sum(v for op, v in mplus_calls.items() if op not in customer_ops | per_order)
        new_customers = n - returning
        returning_per_order = (mplus_calls.get("createOrderV3", 0) / n) + shared / n
        new_per_order = returning_per_order + (
            sum(mplus_calls.get(op, 0) for op in customer_ops) / max(1, new_customers)
        )
        print(f"orders flow benchmark: {n} shop orders ({returning} from returning customers)")
        print(f"  latency {args.latency_ms:.0f} ms per request on both emulators")
        print(f"  outcomes: {outcomes}")
        print(f"  MplusKASSA calls: {sum(mplus_calls.values())} {mplus_calls}")
        print(f"  shop calls:       {sum(shop_calls.values())} {shop_calls}")
        print(
            f"  MplusKASSA calls per order: returning customer {returning_per_order:.2f} "
            f"(target <= 3), new customer {new_per_order:.2f} (minimum 3: look up, create, "
            "order)"
        )
        print(
            f"  shop calls per order: {sum(shop_calls.values()) / n:.2f} "
            f"(of which {shop_calls.get('PATCH /orders/{number}', 0) / n:.2f} status write-back)"
        )
        print(f"  wall time: {wall:.1f} s ({wall / n * 1000:.0f} ms per order)")
        print(f"  CPU of this process: {m.cpu:.1f} s; peak RSS in the run: {m.peak_rss_mb:.0f} MB")
        print(f"  duplicates: orders {found['orders']}, relations {found['relations']}")
        store.close()
        ctx.close()


if __name__ == "__main__":
    main()
