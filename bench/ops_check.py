"""Benchmark: `mkmw check` over both emulators, through real HTTP on 127.0.0.1.

Prints the calls made per operation against the minimum needed (each lookup once, the
catalogs in as few pages as their page sizes allow), wall time and peak RSS.

    .venv/bin/python bench/ops_check.py [--articles 5000]
"""

from __future__ import annotations

import argparse
import math
import resource
import time

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.ops.check import run_check

MPLUS_PAGE = 1000  # articles per getProducts page (iter_product_pages' default)
SHOP_PAGE = 100  # articles per shop page (the API's maximum)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    n = args.articles
    with EmulatorPair(mplus_seed=str(n), shop_seed=str(n)) as pair:
        block = Integration(
            **pair.credentials(),
            orders={
                "vat_codes": [
                    {"rate": 21, "vat_code": 1},
                    {"rate": 9, "vat_code": 2},
                    {"rate": 0, "vat_code": 3},
                ]
            },
            stock={"branches": [1]},
        )
        started = time.perf_counter()
        report = run_check(block)
        wall = time.perf_counter() - started
        mplus_calls = dict(pair.mplus.counters.calls)
        shop_calls = dict(pair.shop.counters.calls)
    minimum_mplus = 6 + math.ceil(n / MPLUS_PAGE)  # version, employee, branches, VAT, payments
    minimum_shop = 4 + math.ceil(n / SHOP_PAGE)  # store, tax regions, shipping, gateways
    print(f"mkmw check over {n} articles on each side")
    print(f"  findings: {len(report.findings)} ({len(report.blockers)} blocking)")
    print(f"  MplusKASSA calls: {sum(mplus_calls.values())} (minimum {minimum_mplus})")
    for op, count in sorted(mplus_calls.items()):
        print(f"    {op}: {count}")
    print(f"  MijnWebwinkel calls: {sum(shop_calls.values())} (minimum {minimum_shop})")
    for op, count in sorted(shop_calls.items()):
        print(f"    {op}: {count}")
    print(f"  wall time: {wall:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS (process, both emulators included): {peak:.0f} MB")


if __name__ == "__main__":
    main()
