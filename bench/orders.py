"""Benchmark: the orders flow (shop -> MplusKASSA) over 1,000 shop orders at 20 ms latency.

Both emulators are served in this process on 127.0.0.1 ports with 20 ms latency per request
(the emulators' threads are in the RSS figure). The shop holds 1,000 new orders: 30% from
returning customers (imported before, so a customer binding exists) and 70% from new ones,
some companies, a third with a shipping line, all paid with iDEAL, lines on gift-card and
grocery articles linked by ``article`` bindings (written straight into the store: this is a
benchmark of the orders flow, not of the products flow). The shop status is written back on
import ("imported" -> 1).

The run uses the plain sync functions (no Prefect server). Printed: calls per operation on
both sides, MplusKASSA calls per order for a returning and for a new customer, shop calls per
order, wall time, peak RSS and duplicates (MplusKASSA orders per extOrderId, relations per
e-mail; both must be 0).

    .venv/bin/python bench/orders.py [--orders 1000] [--returning 0.3] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.report import RunReport

NAME = "bench"
GIFT_CARDS = (1025, 1026, 1027)  # SKUs 20033-20035, stock not managed
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def context(block: Integration, store: StateStore) -> SyncContext:
    return SyncContext(
        name=NAME,
        integration=block,
        store=store,
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow="orders", integration=NAME, run_id=uuid.uuid4().hex),
    )


def bind_articles(pair: EmulatorPair, store: StateStore) -> None:
    info = pair.shop.seed_info
    assert info is not None
    with store.transaction() as tx:
        for number, (article_id, variant_id) in info.article_for_number.items():
            if variant_id is None:
                tx.put_binding(NAME, ARTICLE, mplus_key=str(number), shop_key=str(article_id))


def add_orders(pair: EmulatorPair, customers: list[int], start: int) -> None:
    backend = pair.shop.backend
    for offset, customer in enumerate(customers):
        i = start + offset
        address = Address(
            name=f"Klant {customer}",
            zipcode=f"{1000 + customer % 8999}AB",
            street="Kerkstraat",
            number=str(customer % 200 + 1),
            city="Utrecht",
            country_code="NL",
            company=f"Firma {customer}" if customer % 5 == 0 else "",
        )
        order = backend.add_order(
            email=f"klant{customer}@example.nl",
            invoice=address,
            lines=[
                {"type": "article", "article_id": GIFT_CARDS[i % 3], "quantity": 1 + i % 2},
                {"type": "article", "article_id": GIFT_CARDS[(i + 1) % 3], "quantity": 1},
            ],
            shipping_method_id="2273" if i % 3 == 0 else None,
            payment=("mollie", "ideal"),
            status=3,
        )
        assert order.number


def calls(stats: Any) -> dict[str, int]:
    return {op: int(v["calls"]) for op, v in sorted(stats.snapshot().items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--returning", type=float, default=0.3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    returning = int(args.orders * args.returning)
    latency = FaultConfig(latency_ms=args.latency_ms)
    with EmulatorPair(mplus_faults=latency, shop_faults=latency) as pair:
        pair.shop.backend.orders.clear()
        workdir = Path(tempfile.mkdtemp(prefix="mkmw-bench-orders-"))
        fields = pair.credentials()
        fields["state_database_url"] = str(workdir / "state.db")
        fields["orders"] = SETTINGS
        block = Integration(**fields)
        store = StateStore(block.state_database_url)
        bind_articles(pair, store)

        # warm-up (not measured): the returning customers' earlier orders
        add_orders(pair, list(range(returning)), 0)
        run_shop_to_mplus(context(block, store))
        pair.mplus.counters.reset()
        pair.shop.counters.reset()

        new = list(range(100000, 100000 + args.orders - returning))
        mixed = [c for pair_ in zip(range(returning), new, strict=False) for c in pair_]
        mixed += new[returning:]
        add_orders(pair, mixed, returning)

        ctx = context(block, store)
        started = time.perf_counter()
        run_shop_to_mplus(ctx)
        wall = time.perf_counter() - started
        outcomes = ctx.report.counts()
        mplus_calls, shop_calls = calls(ctx.mplus.stats), calls(ctx.shop.stats)

        ext = Counter(o.get("extOrderId") for o in pair.mplus.backend.orders.values())
        emails = Counter(r.get("email") for r in pair.mplus.backend.relations.values())
        duplicate_orders = sum(n - 1 for n in ext.values() if n > 1)
        duplicate_relations = sum(n - 1 for e, n in emails.items() if e and n > 1)

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
        print(f"  peak RSS: {peak_rss_mb():.0f} MB (emulators included)")
        print(f"  duplicates: orders {duplicate_orders}, relations {duplicate_relations}")
        store.close()
        ctx.close()


if __name__ == "__main__":
    main()
