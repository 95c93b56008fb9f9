"""Benchmark: the stock flow over 100,000 articles, then 1% of them changed in MplusKASSA.

Both emulators run in a child process (so the figures of this process are the flow's own) on
127.0.0.1 ports, each with 20 ms latency per request. The shop mirrors the MplusKASSA catalogue
the way the products flow builds it: one shop article per MplusKASSA product, a variant per
article of a multi-article product.

The 100,000 ``article`` bindings, with the figure "last pushed" and the stock cursor, are
written straight into the state store in bulk: this is a benchmark of the stock flow, not of
the products flow. Then 1% of the articles are sold in the store (branch 1), and the
incremental run (the plain sync functions, without a Prefect server) is measured: calls per
operation against the minimum needed, writes against the changed articles, wall time and
peak RSS. An idle run and a full compare run (``full=True``) are measured too.

    .venv/bin/python bench/stock.py [--articles 100000] [--changed 0.01] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import insert

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.mijnwebwinkel.backend import Variant
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import Binding, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.feed import CURSOR
from mkmw_flows.sync.stock.run import sync_stock

NAME = "bench"


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class RssSampler:
    """Samples this process's RSS every 20 ms while a run goes on."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, current_rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self.peak = current_rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mb())


# ---- the child process: both emulators, driven over a pipe ---------------------------------


def _mirror_shop(pair: EmulatorPair) -> list[tuple[str, str, int | None, int]]:
    """Build the shop like the products flow would; return the bindings (key, shop, variant,
    last pushed)."""
    mplus, shop = pair.mplus.backend, pair.shop.backend
    category = shop.add_category("Alles")
    variant_ids = iter(range(5_000_000, 10_000_000))
    rows: list[tuple[str, str, int | None, int]] = []
    for product_number, numbers in sorted(mplus.product_articles.items()):
        values = {
            n: int(
                sum(
                    max(mplus.stock[(b, n)]["free"], Decimal(0))
                    for b in (1, 2)
                    if (b, n) in mplus.stock
                )
            )
            for n in numbers
        }
        if len(numbers) == 1:
            article = shop.add_article(
                f"Artikel {numbers[0]}",
                sku=str(numbers[0]),
                stock=values[numbers[0]],
                categories=[category.id],
            )
            rows.append((str(numbers[0]), str(article.id), None, values[numbers[0]]))
            continue
        article = shop.add_article(
            f"Product {product_number}", sku=str(product_number), stock=0, categories=[category.id]
        )
        for n in numbers:
            variant = Variant(next(variant_ids), (), values[n])
            article.variants.append(variant)
            rows.append((str(n), str(article.id), variant.id, values[n]))
    return rows


def _child(articles: int, latency: float, conn: Connection) -> None:
    faults = FaultConfig(latency_ms=latency) if latency else None
    pair = EmulatorPair(str(articles), "empty", mplus_faults=faults, shop_faults=faults)
    rows = _mirror_shop(pair)
    pair.start()
    conn.send(
        {
            "credentials": pair.credentials(),
            "rows": rows,
            "head": pair.mplus.backend.counters["stock"],
        }
    )
    while True:
        command, arg = conn.recv()
        if command == "stop":
            pair.stop()
            return
        if command == "reset":
            pair.mplus.counters.reset()
            pair.shop.counters.reset()
            conn.send(None)
        elif command == "sell":
            count, seed = arg
            rng = random.Random(seed)
            backend = pair.mplus.backend
            candidates = [n for (b, n), lv in backend.stock.items() if b == 1 and lv["free"] >= 1]
            sold = sorted(rng.sample(candidates, count))
            for number in sold:
                backend.sell(number, 1, branch=1)
            products = {backend.article_product[n] for n in sold}
            conn.send({"sold": sold, "products": len(products)})
        elif command == "counters":
            conn.send(
                {
                    "mplus": dict(pair.mplus.counters.calls),
                    "shop_calls": dict(pair.shop.counters.calls),
                    "shop_writes": dict(pair.shop.counters.writes),
                }
            )


# ---- the measuring process ---------------------------------------------------------------


def seed_bindings(
    store: StateStore, rows: list[tuple[str, str, int | None, int]], head: int
) -> float:
    """Write every binding and the cursor in one bulk transaction (not through the flow)."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with store.transaction() as tx:
        tx.session.execute(
            insert(Binding),
            [
                {
                    "integration": NAME,
                    "entity": ARTICLE,
                    "mplus_key": key,
                    "shop_key": shop_key,
                    "variant_key": "" if variant is None else f"v={variant}",
                    "field_hashes": {"name": "products-flow"},
                    "extra": {
                        "stock_pushed": pushed,
                        **({"variant_id": variant} if variant else {}),
                    },
                    "synced_at": now,
                }
                for key, shop_key, variant, pushed in rows
            ],
        )
        tx.set_cursor(NAME, CURSOR, str(head))
    return time.perf_counter() - started


def context(block: Integration, store: StateStore) -> SyncContext:
    return SyncContext(
        name=NAME,
        integration=block,
        store=store,
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow="stock", integration=NAME, run_id=uuid.uuid4().hex),
    )


def measure(
    conn: Connection, block: Integration, store: StateStore, *, full: bool = False
) -> dict[str, Any]:
    conn.send(("reset", None))
    conn.recv()
    ctx = context(block, store)
    cpu = time.process_time()
    with RssSampler() as rss:
        started = time.perf_counter()
        run = sync_stock(ctx, full=full)
        wall = time.perf_counter() - started
    conn.send(("counters", None))
    counters = conn.recv()
    ctx.mplus.close()
    ctx.shop.close()
    return {
        "wall": wall,
        "cpu": time.process_time() - cpu,
        "rss_peak": rss.peak,
        "counts": ctx.report.counts(),
        "mode": run.read.mode,
        "articles_read": run.read.articles_read,
        "writes": run.writes,
        **counters,
    }


def show(
    title: str, result: dict[str, Any], minimum_reads: str, minimum_writes: int | None
) -> None:
    mplus = result["mplus"]
    reads = sum(mplus.values())
    shop_writes = sum(result["shop_writes"].values())
    shop_reads = sum(result["shop_calls"].values()) - shop_writes
    print(f"\n== {title} ({result['mode']}) ==")
    print(
        f"  MplusKASSA reads: {reads} ({', '.join(f'{k} {v}' for k, v in sorted(mplus.items()))})"
    )
    print(f"    minimum needed: {minimum_reads}")
    print(
        f"  shop reads: {shop_reads}; shop writes: {shop_writes} PATCH"
        + (f" (minimum {minimum_writes})" if minimum_writes is not None else "")
    )
    print(
        f"  articles read from MplusKASSA: {result['articles_read']}; outcomes: {result['counts']}"
    )
    print(
        f"  wall {result['wall']:.2f} s, client CPU {result['cpu']:.2f} s, "
        f"RSS peak during the run {result['rss_peak']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--full", action="store_true", help="also measure a full compare run (slow: see docs)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    parent, child_end = multiprocessing.get_context("fork").Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(args.articles, args.latency_ms, child_end), daemon=True
    )
    child.start()
    try:
        hello = parent.recv()
        rows, head = hello["rows"], hello["head"]
        shop_articles = len({r[1] for r in rows})
        print(
            f"seed: {args.articles} MplusKASSA articles (2 branches), {shop_articles} shop "
            f"articles ({sum(1 for r in rows if r[2])} variants), {args.latency_ms:.0f} ms "
            f"latency per request, both emulators in child process {child.pid}: "
            f"{time.perf_counter() - started:.1f} s"
        )
        tmp = tempfile.mkdtemp(prefix="mkmw-bench-stock-")
        block = Integration(**hello["credentials"], state_database_url=f"{tmp}/state.db")
        store = StateStore(block.state_database_url)
        took = seed_bindings(store, rows, head)
        print(
            f"bindings: {len(rows)} article bindings and the stock cursor written straight into "
            f"the store in bulk ({took:.1f} s) -- standing in for the products flow, not measured"
        )
        print(f"process RSS before the runs: {current_rss_mb():.0f} MB")

        idle = measure(parent, block, store)
        show("idle run: nothing changed", idle, "1 (getCurrentSyncMarkers)", 0)

        count = int(args.articles * args.changed)
        parent.send(("sell", (count, 7)))
        sold = parent.recv()
        result = measure(parent, block, store)
        show(
            f"{count} articles ({args.changed:.0%}) sold in branch 1, in {sold['products']} "
            "MplusKASSA products",
            result,
            "2 getStock feeds (one per branch) + "
            f"{-(-count // block.stock.batch_size)} getStock by article number for the other "
            "branch (batches of "
            f"{block.stock.batch_size}) + 1 head + 1 getBranches",
            sold["products"],
        )
        assert result["counts"]["updated"] == count, result["counts"]
        pushed = sum(result["shop_writes"].values())
        print(
            f"  -> {count} changed articles written with {pushed} PATCH calls "
            f"({count - pushed} saved because variants of one article share a PATCH)"
        )

        if args.full:
            full = measure(parent, block, store, full=True)
            show(
                "full compare run (full=True), nothing changed since",
                full,
                "1 head + 1 getBranches + 2 getStock (every level of each branch)",
                0,
            )
        print(f"\nprocess peak RSS overall (incl. the bulk seed): {peak_rss_mb():.0f} MB")
    finally:
        parent.send(("stop", None))
        child.join(20)
        if child.is_alive():
            child.terminate()


if __name__ == "__main__":
    main()
