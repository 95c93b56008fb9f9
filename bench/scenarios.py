"""The benchmark scenarios of ``python -m bench``, each writing its figures as one JSON document.

Each scenario drives the plain sync functions the flows call, reusing the set-up of the
flow owners' own benchmarks (``bench/products.py``, ``bench/stock.py``, ``bench/orders.py``)
so both measure the same thing; this module only collects the figures in a structured form
(calls per side from the emulators' counters, the minimum needed, the wall time and its
floor, the peak RSS).

    .venv/bin/python -m bench.scenarios {calibration,products,stock,orders} --json OUT.json
        [--quick] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import emulator_ops
from bench.harness import Counters, Emulators, Measured, emulators, measured
from bench.inflight import recorder
from bench.report import Floor, peak_rss_mb, run_figures
from mkmw_flows.blocks import Integration

LATENCY_MS = 20.0
#: How the emulators run, for the setup text of every scenario on the harness.
CHILD = (
    "Both emulators run in a child process (`bench/harness.py`), so the CPU time and peak "
    "RSS per run are the measuring process's own: the product's."
)
CAPPED_RATE = 10.0  # shop calls per second in the rate-limited products run

#: Full and quick sizes per scenario.
SIZES: dict[str, dict[str, float]] = {
    "calibration": {"calls": 200},
    "products": {"articles": 10_000, "changed": 0.01},
    "stock": {"articles": 100_000, "changed": 0.01},
    "stock-full": {"small": 10_000, "large": 100_000},
    "orders": {"orders": 1_000, "returning": 0.3},
}
QUICK: dict[str, dict[str, float]] = {
    "calibration": {"calls": 20},
    "products": {"articles": 500, "changed": 0.01},
    "stock": {"articles": 5_000, "changed": 0.01},
    "stock-full": {"small": 1_000, "large": 5_000},
    "orders": {"orders": 10, "returning": 0.3},
}


# ---- products ------------------------------------------------------------------------------


def _sides(emu: Emulators) -> dict[str, str]:
    """The base URL of each side, for :func:`bench.inflight.recorder`."""
    return {"MplusKASSA": emu.mplus_url, "shop": emu.shop_url}


def _figures(
    label: str,
    records: dict[str, int],
    calls: Counters,
    measured: Measured,
    *,
    minimum_calls: int,
    minimum_writes: int,
    why: str,
    floor: Floor,
    emulator_cpu: float | None = None,
) -> dict[str, Any]:
    """One run's figures from the emulators' counters and the measuring process's own."""
    return run_figures(
        label,
        records=records,
        mplus_calls=calls.mplus_calls,
        mplus_writes=calls.mplus_write_total,
        shop_calls=calls.shop_calls,
        shop_writes=calls.shop_write_total,
        minimum_calls=minimum_calls,
        minimum_writes=minimum_writes,
        minimum_why=why,
        wall=measured.wall,
        floor=floor,
        rss_mb=measured.peak_rss_mb,
        cpu=measured.cpu,
        emulator_cpu=emulator_cpu,
    )


def products(articles: int, changed: float, latency_ms: float) -> dict[str, Any]:
    """First sync into an empty shop, a rerun with no change, a rerun after 1% repriced."""
    from bench.products import run

    with emulators(
        str(articles), "empty", latency_ms=latency_ms, setup=emulator_ops.products_setup
    ) as emu:
        catalogue: dict[str, Any] = emu.setup_result
        lists = catalogue["lists"]
        fields: dict[str, Any] = emu.credentials()
        fields["state_database_url"] = f"{tempfile.mkdtemp(prefix='mkmw-bench-')}/state.db"
        fields["products"] = {"option_lists": lists}
        block = Integration(**fields)
        settings = block.products
        floor = Floor(
            latency_ms,
            read_concurrency=4,  # the first run scans the shop's articles 4 pages at a time
            write_concurrency=settings.write_concurrency,
            rate=block.mijnwebwinkel.requests_per_second,
        )
        webshop: list[int] = catalogue["webshop"]
        pages = catalogue["articles"] // settings.page_size + 1
        runs: list[dict[str, Any]] = []

        def measure(
            label: str,
            minimum_calls: int,
            minimum_writes: int,
            why: str,
            *,
            rate: float | None = None,
        ) -> None:
            used = block
            if rate:
                shop = {**fields["mijnwebwinkel"], "requests_per_second": rate}
                used = Integration(**{**fields, "mijnwebwinkel": shop})
            emu.reset()
            emulator_cpu = emu.cpu_seconds()
            with measured() as m, recorder(_sides(emu)) as calls:
                report, seconds = run(used)
            m.wall = seconds  # the run's own clock, as before (without building its context)
            emulator_cpu = emu.cpu_seconds() - emulator_cpu
            runs.append(
                _figures(
                    label,
                    report.counts(),
                    emu.counters(),
                    m,
                    minimum_calls=minimum_calls,
                    minimum_writes=minimum_writes,
                    why=why,
                    floor=replace(floor, rate=rate) if rate else floor,
                    emulator_cpu=emulator_cpu,
                )
                | {"inflight": calls.summary(settings.write_concurrency, latency_ms)}
            )
            print(
                f"products {label}: {report.counts()} in {m.wall:.1f} s, product CPU "
                f"{m.cpu:.1f} s, emulators CPU {emulator_cpu:.1f} s",
                flush=True,
            )

        writes = len(webshop) + catalogue["groups"] + len(lists)
        shop_reads = 2 + len(lists)
        measure(
            "first sync",
            1 + pages + shop_reads + writes,
            writes,
            f"1 getArticleGroups + {pages} getProducts pages of {settings.page_size} (the "
            f"last one shows the end) + {shop_reads} shop reads (category tree, the empty "
            f"shop's articles, each of the {len(lists)} option lists) + {writes} POSTs "
            f"({len(webshop)} products for the webshop, {catalogue['groups']} categories, one "
            "per option list)",
        )
        measure(
            "rerun, nothing changed",
            2,
            0,
            "1 getArticleGroups + 1 getProducts from the syncMarker, no shop call",
        )
        rng = random.Random(5)

        def reprice() -> tuple[list[int], int]:
            repriced = rng.sample(webshop, max(1, int(len(webshop) * changed)))
            return repriced, int(emu.call(emulator_ops.reprice, repriced))

        repriced, touched = reprice()
        change_pages = touched // settings.page_size + 1
        why = (
            f"1 getArticleGroups + {change_pages} getProducts from the syncMarker + one PATCH "
            "per repriced product"
        )
        measure(
            f"rerun, {len(repriced)} products ({touched} articles) repriced",
            1 + change_pages + len(repriced),
            len(repriced),
            why,
        )
        repriced, touched = reprice()
        measure(
            f"the same, again, shop capped at {CAPPED_RATE:g} calls/s",
            1 + change_pages + len(repriced),
            len(repriced),
            why,
            rate=CAPPED_RATE,
        )
    return {
        "name": "products",
        "title": f"Products: {catalogue['articles']:,} MplusKASSA articles",
        "setup": (
            f"`sync-products` plain functions (`sync_categories`, `ProductSync.batches()` / "
            f"`run_page()` / `finish()`) over {catalogue['articles']:,} MplusKASSA articles in "
            f"{catalogue['products']:,} products ({len(webshop):,} for the webshop) into an "
            f"empty shop, {latency_ms:g} ms latency per request on both emulators, page size "
            f"{settings.page_size}, {settings.write_concurrency} shop writes in flight. " + CHILD
        ),
        "runs": runs,
        "notes": [
            "MijnWebwinkel publishes no rate-limit figure (API-NOTES 1.6), so the runs set no "
            "cap except the last one, which repeats the 1% change with `requests_per_second` "
            f"= {CAPPED_RATE:g} on the shop credentials to show the client's pacing against "
            "the rate floor."
        ],
    }


# ---- stock ---------------------------------------------------------------------------------


def stock(articles: int, changed: float, latency_ms: float) -> dict[str, Any]:
    """An idle run, then an incremental run after 1% of the articles sold in the store."""
    from bench.stock import _child, measure, seed_bindings
    from mkmw_flows.state import StateStore

    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    parent, child_end = context.Pipe()
    child = context.Process(target=_child, args=(articles, latency_ms, child_end), daemon=True)
    child.start()
    runs: list[dict[str, Any]] = []
    notes: list[str] = []
    try:
        hello = parent.recv()
        rows, head = hello["rows"], hello["head"]
        shop_articles = len({r[1] for r in rows})
        tmp = tempfile.mkdtemp(prefix="mkmw-bench-stock-")
        block = Integration(**hello["credentials"], state_database_url=f"{tmp}/state.db")
        store = StateStore(block.state_database_url)
        took = seed_bindings(store, rows, head)
        seeded = time.perf_counter() - started
        settings = block.stock
        floor = Floor(
            latency_ms,
            read_concurrency=4,
            write_concurrency=settings.write_concurrency,
            rate=block.mijnwebwinkel.requests_per_second,
        )

        def record(label: str, result: dict[str, Any], calls: int, writes: int, why: str) -> None:
            shop_writes = sum(result["shop_writes"].values())
            runs.append(
                run_figures(
                    label,
                    records=result["counts"],
                    mplus_calls=result["mplus"],
                    mplus_writes=0,
                    shop_calls=result["shop_calls"],
                    shop_writes=shop_writes,
                    minimum_calls=calls,
                    minimum_writes=writes,
                    minimum_why=why,
                    wall=result["wall"],
                    floor=floor,
                    rss_mb=result["rss_peak"],
                    cpu=result["cpu"],
                )
                | {"inflight": result.get("inflight")}
            )
            print(f"stock {label}: {result['counts']} in {result['wall']:.1f} s", flush=True)

        idle = measure(parent, block, store, latency_ms=latency_ms)
        record("idle run, nothing changed", idle, 1, 0, "1 getCurrentSyncMarkers")
        count = max(1, int(articles * changed))
        parent.send(("sell", (count, 7)))
        sold = parent.recv()
        result = measure(parent, block, store, latency_ms=latency_ms)
        lookups = -(-count // settings.batch_size)
        reads = 2 + lookups + 1 + 1
        record(
            f"{count:,} articles ({changed:.0%}) sold in branch 1",
            result,
            reads + sold["products"],
            sold["products"],
            f"1 head + 1 getBranches + 2 getStock feeds (one per branch) + {lookups} getStock "
            f"by article number for the other branch (batches of {settings.batch_size}) + one "
            f"PATCH per changed shop article ({sold['products']}: variants of one article share "
            "a PATCH)",
        )
        updated = result["counts"].get("updated", 0)
        if updated != count:
            notes.append(f"MISMATCH: {updated} articles updated, {count} were sold.")
        notes.append(
            f"Set-up, not measured: {articles:,} MplusKASSA articles in 2 branches, a shop "
            f"mirror of {shop_articles:,} articles ({sum(1 for r in rows if r[2]):,} variants) "
            f"in a child process, and {len(rows):,} article bindings written straight into the "
            f"store ({took:.1f} s) standing in for the products flow; {seeded:.0f} s in all."
        )
    finally:
        parent.send(("stop", None))
        child.join(20)
        if child.is_alive():
            child.terminate()
    return {
        "name": "stock",
        "title": f"Stock: {articles:,} articles, {changed:.0%} changed",
        "setup": (
            "`sync-stock` plain function (`sync_stock`: `read_stock`, then `run_stock_page` per "
            f"batch) with {latency_ms:g} ms latency per request on both emulators, batches of "
            f"{settings.batch_size}, {settings.write_concurrency} shop writes in flight. The "
            "emulators run in a child process (as in `bench/stock.py`); the RSS per run is the "
            "measuring process's peak during the run, sampled every 20 ms."
        ),
        "runs": runs,
        "notes": notes,
    }


def stock_full(small: int, large: int, latency_ms: float) -> dict[str, Any]:
    """A full stock run (``full=True``) at two catalogue sizes: memory must stay flat."""
    from bench.stock import READ_CHUNK, full_run

    runs: list[dict[str, Any]] = []
    peaks: dict[int, float] = {}
    for articles in (small, large):
        doc = full_run(articles, latency_ms, repeat=1)
        for run in doc["runs"]:
            peaks[articles] = max(peaks.get(articles, 0.0), float(run["rss_mb"]))
            runs.append(run)
    notes = []
    if peaks.get(small):
        notes.append(
            f"Peak RSS at {large:,} articles is {peaks[large] / peaks[small]:.2f}x the "
            f"{small:,}-article figure ({peaks[large]:.0f} MB against {peaks[small]:.0f} MB); "
            "about 110 MB of each is the imported libraries."
        )
    return {
        "name": "stock-full",
        "title": f"Stock: full runs at {small:,} and {large:,} articles",
        "setup": (
            "`sync-stock` plain function with `full=True` after a first run: every bound or "
            f"held article read by article number, {READ_CHUNK:,} per `getStock` call per "
            f"branch, compared and settled chunk by chunk; {latency_ms:g} ms latency per "
            "request. Each measured run is a fresh process that imports only the product (as "
            "in `bench/stock.py`); the emulators and the seeding run in another process."
        ),
        "runs": runs,
        "notes": notes,
    }


# ---- orders --------------------------------------------------------------------------------


def orders(count: int, returning_share: float, latency_ms: float) -> dict[str, Any]:
    """One run over `count` new shop orders, some from returning customers."""
    from bench.orders import SETTINGS, bind_articles, context
    from mkmw_flows.state import StateStore
    from mkmw_flows.sync.orders.run import run_shop_to_mplus

    returning = int(count * returning_share)
    notes: list[str] = []
    with emulators(latency_ms=latency_ms, setup=emulator_ops.orders_setup) as emu:
        fields = emu.credentials()
        fields["state_database_url"] = f"{tempfile.mkdtemp(prefix='mkmw-bench-orders-')}/state.db"
        fields["orders"] = SETTINGS
        block = Integration(**fields)
        store = StateStore(block.state_database_url)
        bind_articles(store, emu.setup_result)
        # warm-up, not measured: the returning customers' earlier orders
        emu.call(emulator_ops.add_orders, list(range(returning)), 0)
        run_shop_to_mplus(context(block, store))
        new = list(range(100_000, 100_000 + count - returning))
        mixed = [c for twin in zip(range(returning), new, strict=False) for c in twin]
        mixed += new[returning:]
        emu.call(emulator_ops.add_orders, mixed, returning)

        ctx = context(block, store)
        emu.reset()
        emulator_cpu = emu.cpu_seconds()
        with measured() as m, recorder(_sides(emu)) as recorded:
            run_shop_to_mplus(ctx)
        emulator_cpu = emu.cpu_seconds() - emulator_cpu
        calls = emu.counters()
        found = emu.call(emulator_ops.duplicates)
        ctx.close()
        store.close()
    new_customers = count - returning
    page = block.orders.page_size
    pages = math.ceil(count / page)
    # orders of different customers go write_concurrency at a time: their MplusKASSA calls
    # and status PATCHes overlap; the page reads stay one after the other
    parallel = block.orders.write_concurrency
    floor = Floor(
        latency_ms,
        write_concurrency=parallel,
        mplus_concurrency=parallel,
        rate=block.mijnwebwinkel.requests_per_second,
    )
    run = _figures(
        f"{count:,} new orders ({returning} from returning customers)",
        ctx.report.counts(),
        calls,
        m,
        minimum_calls=2 * pages + count + 2 * new_customers + count,
        minimum_writes=count + new_customers + count,
        why=(
            f"{pages} shop order pages of {page} + {pages} getOrdersByExtOrderIds (one look per "
            "page for orders already imported, which exactly-once needs) + one createOrderV3 "
            "per order + for each of "
            f"the {new_customers} new customers a relation lookup and a createRelation + one "
            "status PATCH per order (write-back)"
        ),
        floor=floor,
        emulator_cpu=emulator_cpu,
    )
    run["inflight"] = recorded.summary(parallel, latency_ms)
    print(f"orders: {run['records']} in {m.wall:.1f} s, product CPU {m.cpu:.1f} s", flush=True)
    per_order = run["mplus_total"] / count
    notes.append(
        f"MplusKASSA calls per order {per_order:.2f}; duplicates after the run: orders "
        f"{found['orders']}, relations {found['relations']} (both must be 0)."
    )
    if found["orders"] or found["relations"]:
        notes.append("DUPLICATES FOUND: see the figures above.")
    notes.append(
        f"Orders of different customers are taken {parallel} at a time (`write_concurrency`), "
        "one customer's orders one after the other (customer, then order, then status), so the "
        f"floor counts the MplusKASSA calls and the status PATCHes {parallel} at a time. The "
        "`unchanged` records are the warm-up's orders seen again in the feed's overlap window."
    )
    return {
        "name": "orders",
        "title": f"Orders: {count:,} shop orders into MplusKASSA",
        "setup": (
            f"`sync-orders` plain function (`run_shop_to_mplus`) over {count:,} new shop orders "
            f"({returning} from returning customers, imported in an unmeasured warm-up), "
            f"{latency_ms:g} ms latency per request on both emulators, status written back to "
            "the shop. " + CHILD
        ),
        "runs": [run],
        "notes": notes,
    }


# ---- calibration ---------------------------------------------------------------------------


def calibrate(calls: int, latency_ms: float) -> dict[str, Any]:
    """Round trip of one small call to each emulator on this machine, with and without latency.

    The floors count the emulated latency only; this shows what one call really costs here
    (client, loopback HTTP, the emulator's wire layer), which is where the rest goes.
    """
    import statistics

    rows = [
        "| emulated latency | MplusKASSA getCurrentSyncMarkers: median / mean | "
        "shop GET /store: median / mean |",
        "|---|---|---|",
    ]
    figures: dict[str, Any] = {}
    for latency in (0.0, latency_ms):
        with emulators(latency_ms=latency) as emu:
            block = Integration(**emu.credentials())
            mplus, shop = block.mplus.client(), block.mijnwebwinkel.client()
            timings: dict[str, list[float]] = {"mplus": [], "shop": []}
            for _ in range(calls):
                started = time.perf_counter()
                mplus.get_current_sync_markers()
                timings["mplus"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                shop.get_store()
                timings["shop"].append((time.perf_counter() - started) * 1000)
            mplus.close()
            shop.close()
        cells = [
            f"{statistics.median(t):.1f} ms / {statistics.fmean(t):.1f} ms"
            for t in timings.values()
        ]
        rows.append(f"| {latency:g} ms | {cells[0]} | {cells[1]} |")
        figures[f"{latency:g}"] = {k: statistics.fmean(v) for k, v in timings.items()}
        print(f"calibration at {latency:g} ms: {cells}", flush=True)
    return {
        "name": "calibration",
        "title": "One call on this machine",
        "setup": (
            f"{calls} sequential calls of each kind through the project's clients against the "
            "emulators (demo seeds, served from a child process), first with "
            f"no emulated latency, then with {latency_ms:g} ms. The floors below count only the "
            "emulated latency; the difference is the cost of the call itself on this machine "
            "(client, loopback HTTP, the emulator's wire layer, the machine's load)."
        ),
        "table": rows,
        "figures": figures,
        "notes": [],
    }


SCENARIOS: dict[str, Callable[[dict[str, float], float], dict[str, Any]]] = {
    "calibration": lambda s, lat: calibrate(int(s["calls"]), lat),
    "products": lambda s, lat: products(int(s["articles"]), s["changed"], lat),
    "stock": lambda s, lat: stock(int(s["articles"]), s["changed"], lat),
    "stock-full": lambda s, lat: stock_full(int(s["small"]), int(s["large"]), lat),
    "orders": lambda s, lat: orders(int(s["orders"]), s["returning"], lat),
}


def main(argv: list[str] | None = None) -> None:
    """Run one scenario and write its JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(SCENARIOS))
    parser.add_argument("--json", type=Path, required=True, help="where to write the figures")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    parser.add_argument("--latency-ms", type=float, default=LATENCY_MS)
    args = parser.parse_args(argv)
    sizes = (QUICK if args.quick else SIZES)[args.name]
    started = time.perf_counter()
    doc = SCENARIOS[args.name](sizes, args.latency_ms)
    doc["elapsed"] = time.perf_counter() - started
    doc["self_peak_rss_mb"] = peak_rss_mb()
    args.json.write_text(json.dumps(doc, indent=1, default=str))


if __name__ == "__main__":
    main()
