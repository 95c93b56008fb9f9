"""Benchmark: what the claims per order cost, and two overlapping sync-orders runs vs one.

Part 1 times ``claim_many`` + ``release_claims`` of a batch of 100 orders (what one orders
batch adds) on SQLite and, with ``--database-url``, on PostgreSQL.

Part 2 takes the same shop orders into MplusKASSA once by one run and once by two runs
started at the same moment (threads, one store), each on fresh emulators at 20 ms latency,
plus the run after the two that takes what they handed to each other (the emulators in a
child process, ``bench/harness.py``). Printed: wall time,
calls to both systems against the single run's (the minimum), createOrderV3 calls, orders
handed over (``IN_PROGRESS_ELSEWHERE``), duplicates (must be 0), and this process's CPU time
and peak RSS. Plain sync
functions, no Prefect server; the Prefect API budget is measured by tests/scale (it needs
a PostgreSQL-backed server).

    .venv/bin/python -m bench.scale [--orders 300] [--latency-ms 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from bench import emulator_ops
from bench.harness import emulators, measured
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RunReport

SETTINGS: dict[str, Any] = {
    "vat_codes": [
        {"rate": 21, "vat_code": 1},
        {"rate": 9, "vat_code": 2},
        {"rate": 0, "vat_code": 3},
    ],
    "payment_methods": [{"shop_method": "ideal", "mplus_method": "IDEAL"}],
    "backfill_days": 30,
}


def fresh_store(url: str) -> StateStore:
    store = StateStore(url)
    SQLModel.metadata.drop_all(store.engine)
    SQLModel.metadata.create_all(store.engine)
    return store


def time_claims(url: str, batches: int = 50, size: int = 100) -> float:
    """Milliseconds per batch: claim `size` orders, then release them."""
    store = fresh_store(url)
    started = time.perf_counter()
    for b in range(batches):
        keys = [str(b * size + i) for i in range(size)]
        assert len(store.claim_many("bench", "orders", keys, "run-a")) == size
        store.release_claims("bench", "orders", keys, "run-a")
    elapsed = (time.perf_counter() - started) * 1000 / batches
    store.close()
    return elapsed


def context(block: Integration, name: str, store: StateStore) -> SyncContext:
    return SyncContext(
        name=name,
        integration=block,
        store=store,
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow="orders", integration=name, run_id=uuid.uuid4().hex),
    )


def scenario(orders: int, latency_ms: float, url: str, overlapping: bool) -> dict[str, Any]:
    name = f"bench-{uuid.uuid4().hex[:6]}"
    with emulators(latency_ms=latency_ms, setup=emulator_ops.orders_setup) as emu:
        store = fresh_store(url)
        with store.transaction() as tx:
            for number, article_id in emu.setup_result:
                tx.put_binding(name, ARTICLE, mplus_key=number, shop_key=article_id)
        emu.call(emulator_ops.add_simple_orders, orders)
        fields = emu.credentials()
        fields["state_database_url"] = url
        fields["orders"] = SETTINGS
        block = Integration(**fields)
        runs = [context(block, name, StateStore(url)) for _ in range(2 if overlapping else 1)]
        start = threading.Barrier(len(runs))

        def go(ctx: SyncContext) -> None:
            start.wait()
            run_shop_to_mplus(ctx)

        emu.reset()
        threads = [threading.Thread(target=go, args=(ctx,)) for ctx in runs]
        with measured() as m:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        follow_wall = 0.0
        if overlapping:
            follow = context(block, name, StateStore(url))
            t0 = time.perf_counter()
            run_shop_to_mplus(follow)
            follow_wall = time.perf_counter() - t0
            runs.append(follow)
        results = [r for ctx in runs for r in ctx.report.results]
        handed = sum(1 for r in results if r.reason == Reason.IN_PROGRESS_ELSEWHERE)
        found = emu.call(emulator_ops.duplicates)
        counters = emu.counters()
        result = {
            "wall": m.wall,
            "cpu": m.cpu,
            "rss": m.peak_rss_mb,
            "follow_wall": follow_wall,
            "mplus_calls": sum(ctx.mplus.stats.total_calls for ctx in runs),
            "shop_calls": sum(ctx.shop.stats.total_calls for ctx in runs),
            "created": sum(ctx.report.counts()["created"] for ctx in runs),
            "create_calls": counters.mplus_calls.get("createOrderV3", 0),
            "handed": handed,
            "dup_orders": found["orders"],
            "dup_relations": found["relations"],
        }
        for ctx in runs:
            ctx.close()
        store.close()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="mkmw-bench-scale-"))
    sqlite_url = str(workdir / "state.db")
    url = args.database_url or sqlite_url

    print("claims per batch of 100 orders (claim + release):")
    print(f"  SQLite:     {time_claims(str(workdir / 'claims.db')):.1f} ms")
    if args.database_url:
        print(f"  PostgreSQL: {time_claims(args.database_url):.1f} ms")

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{args.orders} shop orders, {args.latency_ms:.0f} ms latency, store on {database}")
    one = scenario(args.orders, args.latency_ms, url, overlapping=False)
    two = scenario(args.orders, args.latency_ms, url, overlapping=True)
    print(
        f"  one run:             {one['wall']:.1f} s, MplusKASSA calls {one['mplus_calls']}, "
        f"shop calls {one['shop_calls']}, created {one['created']}"
    )
    print(
        f"  two overlapping runs: {two['wall']:.1f} s, then the next run "
        f"{two['follow_wall']:.1f} s;"
        f" MplusKASSA calls {two['mplus_calls']} ({two['mplus_calls'] / one['mplus_calls']:.2f}x"
        f" the single run), shop calls {two['shop_calls']}"
        f" ({two['shop_calls'] / one['shop_calls']:.2f}x), created {two['created']}"
    )
    print(
        f"  createOrderV3 calls: one run {one['create_calls']}, overlapping {two['create_calls']}"
        f" (minimum {args.orders}); orders handed to the other run: {two['handed']}"
    )
    print(
        f"  duplicates: orders {two['dup_orders']}, relations {two['dup_relations']}"
        f" (one run: {one['dup_orders']}, {one['dup_relations']})"
    )
    print(
        f"  CPU of this process: one run {one['cpu']:.1f} s, overlapping {two['cpu']:.1f} s; "
        f"peak RSS during the runs {max(one['rss'], two['rss']):.0f} MB (emulators in a child)"
    )


if __name__ == "__main__":
    main()
