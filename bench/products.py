"""Benchmark: the products flow over 10,000 MplusKASSA articles (about 2,300 products).

Both emulators are served on 127.0.0.1 ports with 20 ms latency per request (in this process,
so peak RSS includes both emulators' state). Three runs of the plain sync functions (no
Prefect server): the first sync into an empty shop, a rerun with no changes, and a rerun after
the prices of 1% of the products changed in MplusKASSA. For each: shop and MplusKASSA writes
against the minimum needed, reads, wall time and peak RSS.

    .venv/bin/python bench/products.py [--articles 10000] [--changed 0.01] [--latency-ms 20]
        [--images]

With ``--images`` every product gets a picture on its first article and ``sync_images`` is
on; the changed products then also get a new picture (still one write per product).
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from decimal import Decimal
from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.report import RunReport

NAME = "bench"


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def show(label: str, pair: EmulatorPair, report: RunReport, seconds: float, minimum: int) -> None:
    """Print one run's figures."""
    shop_writes = sum(pair.shop.counters.writes.values())
    mplus_writes = sum(pair.mplus.counters.writes.values())
    shop_reads = pair.shop.counters.total_calls - shop_writes
    mplus_reads = sum(pair.mplus.counters.calls.values()) - mplus_writes
    print(f"\n== {label}")
    print(f"records: {report.counts()}")
    print(f"shop writes {shop_writes} (minimum {minimum}); MplusKASSA writes {mplus_writes}")
    print(f"  by endpoint: {dict(pair.shop.counters.writes)}")
    print(f"reads: shop {shop_reads}, MplusKASSA {mplus_reads} {dict(pair.mplus.counters.calls)}")
    print(f"wall {seconds:.1f} s; peak RSS {peak_rss_mb():.0f} MB")
    pair.shop.counters.reset()
    pair.mplus.counters.reset()


def main(argv: list[str] | None = None) -> None:
    """Run the three measured runs and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--images", action="store_true", help="images on, one per product")
    args = parser.parse_args(argv)
    latency = FaultConfig(latency_ms=args.latency_ms)
    with EmulatorPair(
        str(args.articles), "empty", mplus_faults=latency, shop_faults=latency
    ) as pair:
        mplus = pair.mplus.backend
        lists = {
            "Kleur": pair.shop.backend.create_list("Kleur").id,
            "Maat": pair.shop.backend.create_list("Maat").id,
        }
        fields: dict[str, Any] = pair.credentials()
        fields["state_database_url"] = f"{tempfile.mkdtemp(prefix='mkmw-bench-')}/state.db"
        fields["products"] = {"option_lists": lists, "sync_images": args.images}
        block = Integration(**fields)
        webshop = [
            n
            for n, articles in mplus.product_articles.items()
            if any(mplus.articles[a].get("webshop") for a in articles)
        ]
        if args.images:
            for number, articles in mplus.product_articles.items():
                mplus.set_image(articles[0], f"p{number}.jpg")
        print(
            f"{len(mplus.articles)} articles in {len(mplus.products)} products "
            f"({len(webshop)} for the webshop), {args.latency_ms} ms latency per request"
        )
        # minimum: one POST per webshop product, one per category, one per option list
        report, seconds = run(block)
        show("first sync", pair, report, seconds, len(webshop) + len(mplus.groups) + len(lists))
        report, seconds = run(block)
        show("rerun, nothing changed", pair, report, seconds, 0)
        rng = random.Random(5)
        changed = rng.sample(webshop, max(1, int(len(webshop) * args.changed)))
        for number in changed:
            for article in mplus.product_articles[number]:
                price = Decimal(mplus.articles[article]["priceIncl"]) / 100 + Decimal("1.00")
                mplus.set_price(article, price)
            if args.images:
                mplus.set_image(mplus.product_articles[number][0], f"p{number}-new.jpg")
        touched = sum(len(mplus.product_articles[n]) for n in changed)
        report, seconds = run(block)
        show(
            f"rerun, {len(changed)} products ({touched} articles) repriced",
            pair,
            report,
            seconds,
            len(changed),
        )


if __name__ == "__main__":
    main()
