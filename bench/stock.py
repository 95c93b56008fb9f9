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

Each measured run goes in a fresh process of its own (``spawn``: it imports the product
only, never the emulators), so its CPU time and peak RSS (the kernel's ``ru_maxrss``, not a
sample) are the product's alone; the bindings are seeded by the emulators' process too.
With ``MKMW_BENCH_PROFILE=PATH`` each run is profiled (cProfile) into ``PATH.<mode>``.

``--full-runs`` measures a full run (``full=True``) at 10,000 and at 100,000 articles
(``--sizes``), each against a fresh seed, and compares their peak RSS.

    .venv/bin/python -m bench.stock [--articles 100000] [--changed 0.01] [--latency-ms 20]
        [--full]
    .venv/bin/python -m bench.stock --full-runs [--sizes 10000 100000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from bench.inflight import recorder
from mkmw_flows.blocks import Integration
from mkmw_flows.state import Binding, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.feed import CURSOR, READ_CHUNK
from mkmw_flows.sync.stock.run import sync_stock

if TYPE_CHECKING:
    from mkmw_emulators.pair import EmulatorPair

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
    from mkmw_emulators.mijnwebwinkel.backend import Variant

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


def _child(
    articles: int, latency: float, conn: Connection, database_url: str | None = None
) -> None:
    """Serve both emulators; with `database_url`, seed the bindings there too (not sent)."""
    from mkmw_emulators.core.faults import FaultConfig
    from mkmw_emulators.pair import EmulatorPair

    faults = FaultConfig(latency_ms=latency) if latency else None
    pair = EmulatorPair(str(articles), "empty", mplus_faults=faults, shop_faults=faults)
    rows = _mirror_shop(pair)
    head = pair.mplus.backend.counters["stock"]
    summary = {
        "bindings": len(rows),
        "shop_articles": len({r[1] for r in rows}),
        "variants": sum(1 for r in rows if r[2]),
        "seed_seconds": 0.0,
    }
    if database_url:
        store = StateStore(database_url)
        summary["seed_seconds"] = seed_bindings(store, rows, head)
        store.close()
        rows = []
    pair.start()
    conn.send({"credentials": pair.credentials(), "rows": rows, "head": head, **summary})
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
        elif command == "branches":
            conn.send(len(pair.mplus.backend.branches))
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


def sides(block: Integration) -> dict[str, str]:
    """The base URL of each side, for :func:`bench.inflight.recorder`."""
    return {"MplusKASSA": block.mplus.url, "shop": block.mijnwebwinkel.base_url}


def slots(block: Integration, full: bool) -> int:
    """Calls a run keeps in flight at most, as its floor counts them.

    A full run only reads MplusKASSA, one ``getStock`` at a time; an incremental run writes
    the shop ``write_concurrency`` at a time.
    """
    return 1 if full else block.stock.write_concurrency


def measure(
    conn: Connection,
    block: Integration,
    store: StateStore,
    *,
    full: bool = False,
    latency_ms: float = 0.0,
) -> dict[str, Any]:
    """One run in this process; `latency_ms` is only shown beside the measured call times."""
    conn.send(("reset", None))
    conn.recv()
    ctx = context(block, store)
    cpu = time.process_time()
    with RssSampler() as rss, recorder(sides(block)) as calls:
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
        "inflight": calls.summary(slots(block, full), latency_ms),
        **counters,
    }


def _runner(fields: dict[str, Any], full: bool, conn: Connection, latency_ms: float = 0.0) -> None:
    """One measured run in a fresh process: the product's own CPU time and peak RSS."""
    block = Integration(**fields)
    store = StateStore(block.state_database_url)
    ctx = context(block, store)
    rss_before = current_rss_mb()
    profile = os.environ.get("MKMW_BENCH_PROFILE")
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu = time.process_time()
    with recorder(sides(block)) as calls:
        started = time.perf_counter()
        run = sync_stock(ctx, full=full)
        wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{'full' if full else run.read.mode}")
    ctx.close()
    conn.send(
        {
            "wall": wall,
            "cpu": cpu,
            "rss_before": rss_before,
            "rss_peak": peak_rss_mb(),
            "counts": ctx.report.counts(),
            "mode": run.read.mode,
            "articles_read": run.read.articles_read,
            "writes": run.writes,
            "inflight": calls.summary(slots(block, full), latency_ms),
        }
    )


def measure_fresh(
    conn: Connection, fields: dict[str, Any], *, full: bool = False, latency_ms: float = 0.0
) -> dict[str, Any]:
    """Like :func:`measure`, with the run in a fresh ``spawn`` process (see the docstring)."""
    conn.send(("reset", None))
    conn.recv()
    spawn = multiprocessing.get_context("spawn")
    parent, child_end = spawn.Pipe()
    worker = spawn.Process(target=_runner, args=(fields, full, child_end, latency_ms))
    worker.start()
    result: dict[str, Any] = parent.recv()
    worker.join(60)
    conn.send(("counters", None))
    return {**result, **conn.recv()}


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
        + (
            f" (the run's own process: {result['rss_before']:.0f} MB after imports)"
            if "rss_before" in result
            else ""
        )
    )


class Emulators:
    """The emulators' child process, seeded (bindings and cursor in a fresh state store)."""

    def __init__(self, articles: int, latency_ms: float) -> None:
        started = time.perf_counter()
        tmp = tempfile.mkdtemp(prefix="mkmw-bench-stock-")
        self.database_url = f"{tmp}/state.db"
        StateStore(self.database_url).close()  # the schema, before the child seeds it
        context_ = multiprocessing.get_context("fork")
        self.conn, child_end = context_.Pipe()
        self.process = context_.Process(
            target=_child,
            args=(articles, latency_ms, child_end, self.database_url),
            daemon=True,
        )
        self.process.start()
        self.hello: dict[str, Any] = self.conn.recv()
        self.conn.send(("branches", None))
        self.branches: int = self.conn.recv()
        self.fields = {**self.hello["credentials"], "state_database_url": self.database_url}
        self.seconds = time.perf_counter() - started

    def stop(self) -> None:
        """Stop the child process."""
        self.conn.send(("stop", None))
        self.process.join(20)
        if self.process.is_alive():
            self.process.terminate()


def full_run(articles: int, latency_ms: float, repeat: int = 1) -> dict[str, Any]:
    """A full run (``full=True``) over a fresh seed of `articles`; figures of each repeat."""
    from bench.report import Floor, run_figures

    emulators = Emulators(articles, latency_ms)
    try:
        batch = Integration(**emulators.fields).stock
        chunks = math.ceil(emulators.hello["bindings"] / READ_CHUNK)
        minimum = 2 + emulators.branches * chunks
        why = (
            f"1 head + 1 getBranches + {emulators.branches} x {chunks} getStock by article "
            f"number (one per counted branch per chunk of {READ_CHUNK} bound articles)"
        )
        floor = Floor(latency_ms, read_concurrency=4, write_concurrency=batch.write_concurrency)
        runs = []
        for _ in range(repeat):
            load = os.getloadavg()
            result = measure_fresh(
                emulators.conn, emulators.fields, full=True, latency_ms=latency_ms
            )
            figures = run_figures(
                f"full run, {articles:,} articles, nothing changed",
                records=result["counts"],
                mplus_calls=result["mplus"],
                mplus_writes=0,
                shop_calls=result["shop_calls"],
                shop_writes=sum(result["shop_writes"].values()),
                minimum_calls=minimum,
                minimum_writes=0,
                minimum_why=why,
                wall=result["wall"],
                floor=floor,
                rss_mb=result["rss_peak"],
                cpu=result["cpu"],
            )
            figures["rss_before"] = result["rss_before"]
            figures["inflight"] = result.get("inflight")
            figures["load"] = load
            runs.append(figures)
    finally:
        emulators.stop()
    return {"articles": articles, "seed_seconds": emulators.seconds, "runs": runs}


def show_full(doc: dict[str, Any]) -> None:
    """Print the figures of :func:`full_run`."""
    for run in doc["runs"]:
        print(f"\n== {run['label']} (load average {', '.join(f'{x:.2f}' for x in run['load'])})")
        print(
            f"  calls {run['calls']} (MplusKASSA {run['mplus_calls']}, shop {run['shop_calls']}); "
            f"minimum {run['minimum_calls']}: {run['minimum_why']}"
        )
        print(f"  records: {run['records']}")
        print(
            f"  wall {run['wall']:.2f} s, floor {run['floor']:.2f} s "
            f"({run['wall'] / run['floor']:.1f}x), product CPU {run['cpu']:.2f} s, "
            f"peak RSS {run['rss_mb']:.0f} MB ({run['rss_before']:.0f} MB after imports)"
        )


def main() -> None:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--full", action="store_true", help="also measure a full compare run after the others"
    )
    parser.add_argument(
        "--full-runs", action="store_true", help="only full runs, one fresh seed per size"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1, help="full runs per size")
    parser.add_argument("--json", type=Path, help="--full-runs: also write the figures here")
    args = parser.parse_args()
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    if args.full_runs:
        docs = []
        for size in args.sizes:
            doc = full_run(size, args.latency_ms, args.repeat)
            show_full(doc)
            docs.append(doc)
        peaks = {d["articles"]: min(r["rss_mb"] for r in d["runs"]) for d in docs}
        if len(peaks) > 1:
            small, large = min(peaks), max(peaks)
            print(
                f"\npeak RSS {large:,} / {small:,} articles: {peaks[large]:.0f} / "
                f"{peaks[small]:.0f} MB = {peaks[large] / peaks[small]:.2f}x"
            )
        if args.json:
            args.json.write_text(json.dumps(docs, indent=1, default=str))
        return

    emulators = Emulators(args.articles, args.latency_ms)
    try:
        hello = emulators.hello
        print(
            f"seed: {args.articles} MplusKASSA articles ({emulators.branches} branches), "
            f"{hello['shop_articles']} shop articles ({hello['variants']} variants), "
            f"{hello['bindings']} article bindings and the stock cursor written straight into "
            f"the store in bulk ({hello['seed_seconds']:.1f} s, standing in for the products "
            f"flow), {args.latency_ms:.0f} ms latency per request, both emulators in child "
            f"process {emulators.process.pid}: {emulators.seconds:.1f} s"
        )
        block = Integration(**emulators.fields)
        idle = measure_fresh(emulators.conn, emulators.fields)
        show("idle run: nothing changed", idle, "1 (getCurrentSyncMarkers)", 0)

        count = int(args.articles * args.changed)
        emulators.conn.send(("sell", (count, 7)))
        sold = emulators.conn.recv()
        result = measure_fresh(emulators.conn, emulators.fields)
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
            full = measure_fresh(emulators.conn, emulators.fields, full=True)
            chunks = math.ceil(hello["bindings"] / READ_CHUNK)
            show(
                "full compare run (full=True), nothing changed since",
                full,
                f"1 head + 1 getBranches + {emulators.branches} x {chunks} getStock by article "
                f"number (chunks of {READ_CHUNK})",
                0,
            )
        print(f"\nload average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        emulators.stop()


if __name__ == "__main__":
    main()
