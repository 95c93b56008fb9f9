"""Benchmark: the products flow over 10,000 MplusKASSA articles (about 2,300 products).

Both emulators are served from a child process (``bench/harness.py``) on 127.0.0.1 ports with 20
ms latency per request, so the CPU time and peak RSS printed are the flow's own. Three runs of
the plain sync functions (no Prefect server): the first sync into an empty shop, a rerun with no
changes, and a rerun after the prices of 1% of the products changed in MplusKASSA. For each:
shop and MplusKASSA writes against the minimum needed, reads, wall time, CPU time and peak RSS
of this process.

    .venv/bin/python -m bench.products [--articles 10000] [--changed 0.01] [--latency-ms 20]
        [--images]

With ``--images`` every product gets a picture on its first article and ``sync_images`` is
on; the changed products then also get a new picture (still one write per product).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from typing import Any

from bench import emulator_ops
from bench.harness import Emulators, Measured, emulators, measured
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.report import RunReport

NAME = "bench"


def run(block: Integration) -> tuple[RunReport, float]:
    """One incremental run of the products flow's plain functions."""
    ctx = SyncContext(
        NAME,
        block,
        StateStore(block.state_database_url),
        block.mplus.client(),
        block.mijnwebwinkel.client(),
        RunReport("products", NAME, f"bench-{time.time()}"),
    )
    start = time.perf_counter()
    try:
        engine = ProductSync(ctx)
        engine.categories, _ = sync_categories(ctx)
        for products, cursor in engine.batches():
            engine.run_page(products, cursor)
        engine.finish()
    finally:
        ctx.close()
    return ctx.report, time.perf_counter() - start


def show(label: str, emu: Emulators, report: RunReport, m: Measured, minimum: int) -> None:
    """Print one run's figures (and reset the emulators' counters)."""
    calls = emu.counters()
    shop_writes, mplus_writes = calls.shop_write_total, calls.mplus_write_total
    print(f"\n== {label}")
    print(f"records: {report.counts()}")
    print(f"shop writes {shop_writes} (minimum {minimum}); MplusKASSA writes {mplus_writes}")
    print(f"  by endpoint: {calls.shop_writes}")
    print(
        f"reads: shop {calls.shop_total - shop_writes}, MplusKASSA "
        f"{calls.mplus_total - mplus_writes} {calls.mplus_calls}"
    )
    print(f"wall {m.wall:.1f} s; CPU {m.cpu:.1f} s; peak RSS during the run {m.peak_rss_mb:.0f} MB")


def measure(block: Integration) -> tuple[RunReport, Measured]:
    """One run, with the CPU time and peak RSS of this process during it."""
    with measured() as m:
        report, seconds = run(block)
    m.wall = seconds
    return report, m


def main(argv: list[str] | None = None) -> None:
    """Run the three measured runs and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--images", action="store_true", help="images on, one per product")
    args = parser.parse_args(argv)
    with emulators(
        str(args.articles),
        "empty",
        latency_ms=args.latency_ms,
        setup=emulator_ops.products_setup,
        setup_args=(args.images,),
    ) as emu:
        catalogue = emu.setup_result
        lists = catalogue["lists"]
        fields: dict[str, Any] = emu.credentials()
        fields["state_database_url"] = f"{tempfile.mkdtemp(prefix='mkmw-bench-')}/state.db"
        fields["products"] = {"option_lists": lists, "sync_images": args.images}
        block = Integration(**fields)
        webshop: list[int] = catalogue["webshop"]
        print(
            f"{catalogue['articles']} articles in {catalogue['products']} products "
            f"({len(webshop)} for the webshop), {args.latency_ms} ms latency per request, "
            f"emulators in child process {emu.pid}"
        )
        # minimum: one POST per webshop product, one per category, one per option list
        report, m = measure(block)
        show("first sync", emu, report, m, len(webshop) + catalogue["groups"] + len(lists))
        report, m = measure(block)
        show("rerun, nothing changed", emu, report, m, 0)
        rng = random.Random(5)
        changed = rng.sample(webshop, max(1, int(len(webshop) * args.changed)))
        touched = emu.call(emulator_ops.reprice, changed, args.images)
        emu.reset()
        report, m = measure(block)
        show(
            f"rerun, {len(changed)} products ({touched} articles) repriced",
            emu,
            report,
            m,
            len(changed),
        )


if __name__ == "__main__":
    main()
