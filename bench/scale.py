"""Benchmark: what the claims per order cost, and two overlapping sync-orders runs vs one.

Part 1 times ``claim_many`` + ``release_claims`` of a batch of 100 orders (what one orders
batch adds) on SQLite and, with ``--database-url``, on PostgreSQL.

Part 2 takes the same shop orders into MplusKASSA once by one run and once by two runs
started at the same moment (threads, one store), each on fresh emulators at 20 ms latency,
plus the run after the two that takes what they handed to each other. Printed: wall time,
calls to both systems against the single run's (the minimum), createOrderV3 calls, orders
handed over (``IN_PROGRESS_ELSEWHERE``), duplicates (must be 0) and peak RSS. Plain sync
functions, no Prefect server; the Prefect API budget is measured by tests/scale (it needs
a PostgreSQL-backed server).

    .venv/bin/python bench/scale.py [--orders 300] [--latency-ms 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RunReport

GIFT_CARDS = (1025, 1026, 1027)
SETTINGS: dict[str, Any] = {
    "vat_codes": [
        {"rate": 21, "vat_code": 1},
        {"rate": 9, "vat_code": 2},
        {"rate": 0, "vat_code": 3},
    ],
    "payment_methods": [{"shop_method": "ideal", "mplus_method": "IDEAL"}],
    "backfill_days": 30,
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    latency = FaultConfig(latency_ms=latency_ms)
    name = f"bench-{uuid.uuid4().hex[:6]}"
    with EmulatorPair(mplus_faults=latency, shop_faults=latency) as pair:
        store = fresh_store(url)
        info = pair.shop.seed_info
        assert info is not None
        with store.transaction() as tx:
            for number, (article_id, variant_id) in info.article_for_number.items():
                if variant_id is None:
                    tx.put_binding(name, ARTICLE, mplus_key=str(number), shop_key=str(article_id))
        pair.shop.backend.orders.clear()
        for i in range(orders):
            pair.shop.backend.add_order(
                email=f"klant{i % (orders // 3 or 1)}@example.nl",
                invoice=Address(
                    name=f"Klant {i}",
                    zipcode="3511AB",
                    street="Kerkstraat",
                    number="1",
                    city="Utrecht",
                    country_code="NL",
                ),
                lines=[{"type": "article", "article_id": GIFT_CARDS[i % 3], "quantity": 1}],
                payment=("mollie", "ideal"),
                status=3,
            )
        fields = pair.credentials()
        fields["state_database_url"] = url
        fields["orders"] = SETTINGS
        block = Integration(**fields)
        runs = [context(block, name, StateStore(url)) for _ in range(2 if overlapping else 1)]
        start = threading.Barrier(len(runs))

        def go(ctx: SyncContext) -> None:
            start.wait()
            run_shop_to_mplus(ctx)

        started = time.perf_counter()
        threads = [threading.Thread(target=go, args=(ctx,)) for ctx in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        follow_wall = 0.0
        if overlapping:
            follow = context(block, name, StateStore(url))
            t0 = time.perf_counter()
            run_shop_to_mplus(follow)
            follow_wall = time.perf_counter() - t0
            runs.append(follow)
        results = [r for ctx in runs for r in ctx.report.results]
        handed = sum(1 for r in results if r.reason == Reason.IN_PROGRESS_ELSEWHERE)
        ext = Counter(o.get("extOrderId") for o in pair.mplus.backend.orders.values())
        emails = Counter(r.get("email") for r in pair.mplus.backend.relations.values())
        result = {
            "wall": wall,
            "follow_wall": follow_wall,
            "mplus_calls": sum(ctx.mplus.stats.total_calls for ctx in runs),
            "shop_calls": sum(ctx.shop.stats.total_calls for ctx in runs),
            "created": sum(ctx.report.counts()["created"] for ctx in runs),
            "create_calls": pair.mplus.counters.calls["createOrderV3"],
            "handed": handed,
            "dup_orders": sum(n - 1 for n in ext.values() if n > 1),
            "dup_relations": sum(n - 1 for e, n in emails.items() if e and n > 1),
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
    print(f"  peak RSS: {peak_rss_mb():.0f} MB (emulators included)")


if __name__ == "__main__":
    main()
