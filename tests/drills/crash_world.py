"""The crash drill's worlds: the child's flow run, one world's emulators and store, its changes.

A `World` is both emulators (served by the parent process, so they outlive a killed child),
an Integration and a state store; `child_main` is what the killed child process runs; a
`Script` makes the same seeded changes in the crash world and the reference world.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.report import RunReport

from .runs import PLAIN, integration_fields

NAME = "crash"
PAID, PENDING, DELIVERED = 3, 1, 2
LATENCY = FaultConfig(latency_ms=3)


# ---- the child: one flow run, nothing else --------------------------------------------------


def child_main(flow: str, config: str) -> None:
    """Run one flow's plain sync function against the parent's emulators (the child process)."""
    fields = json.loads(Path(config).read_text())
    block = Integration(**fields)
    store = StateStore(block.state_database_url)
    ctx = SyncContext(
        NAME,
        block,
        store,
        block.mplus.client(),
        block.mijnwebwinkel.client(),
        RunReport(flow=flow, integration=NAME, run_id=f"crash-{uuid.uuid4().hex}"),
    )
    try:
        PLAIN[flow](ctx)
    finally:
        ctx.close()


def fork_server() -> Any:
    """The multiprocessing context the children start from (a fork server holding this code)."""
    mp = multiprocessing.get_context("forkserver")
    # the fork server imports this module (child_main's) by the name it was imported under
    # (drills.crash_world in pytest, tests.drills.crash_world from the command line)
    mp.set_forkserver_preload([__name__])
    return mp


# ---- one world ------------------------------------------------------------------------------


class World:
    """Both emulators, an Integration and a state store for one flow's crash or reference run."""

    def __init__(self, flow: str, workdir: Path, label: str) -> None:
        self.flow = flow
        self.pair = EmulatorPair(mplus_faults=LATENCY, shop_faults=LATENCY).start()
        workdir.mkdir(parents=True, exist_ok=True)
        self.fields = integration_fields(self.pair, workdir / f"{label}.db")
        self.fields["stock"] = {"batch_size": 10}
        self.fields["products"]["page_size"] = 10
        self.fields["orders"]["page_size"] = 5
        self.block = Integration(**self.fields)
        self.config = workdir / f"{label}.json"
        self.config.write_text(json.dumps(self.fields))
        os.chmod(self.config, 0o600)  # it holds the emulators' credentials
        self.store = StateStore(self.block.state_database_url)

    def run_here(self, flow: str | None = None) -> float:
        """Run a flow in this process, to completion; returns its wall time."""
        started = time.perf_counter()
        ctx = SyncContext(
            NAME,
            self.block,
            self.store,
            self.block.mplus.client(),
            self.block.mijnwebwinkel.client(),
            RunReport(flow=flow or self.flow, integration=NAME, run_id=uuid.uuid4().hex),
        )
        try:
            PLAIN[flow or self.flow](ctx)
        finally:
            ctx.mplus.close()
            ctx.shop.close()
        return time.perf_counter() - started

    def close(self) -> None:
        self.store.close()
        self.pair.stop()


# ---- changes (identical in both worlds: chosen from the seed, never from synced state) -----


@dataclass
class Script:
    """Deterministic changes per round for one flow."""

    flow: str
    seed: int
    rounds: int

    def setup(self, world: World) -> None:
        """What a flow needs before its first run (the stock and orders flows need products)."""
        if self.flow in ("stock", "orders"):
            world.run_here("products")
        if self.flow == "orders":
            # the orders flow starts from the shop's demo orders and its own
            world.run_here("stock")

    def apply(self, world: World, round_no: int) -> None:
        """The round's changes."""
        rng = random.Random(self.seed * 1000 + round_no)
        mplus, shop = world.pair.mplus.backend, world.pair.shop.backend
        webshop = sorted(
            n
            for n, a in mplus.articles.items()
            if a.get("webshop") and a.get("stockArticle", True) and n < 90000
        )
        if self.flow == "products" and round_no > 0:
            for number in rng.sample(webshop, 3):
                cents = int(mplus.articles[number]["priceIncl"]) + rng.choice((25, 50, 100))
                mplus.set_price(number, Decimal(cents) / 100)
            for i in range(2):
                number = 90000 + round_no * 10 + i
                mplus.add_product(
                    80000 + round_no * 10 + i,
                    f"Crashartikel {number}",
                    [
                        {
                            "articleNumber": number,
                            "description": f"Crashartikel {number}",
                            "priceIncl": 1295,
                            "vatCode": 1,
                            "webshop": True,
                        }
                    ],
                    [rng.choice(sorted(g for g in mplus.groups if g))],
                )
            fashion = sorted(p for p, arts in mplus.product_articles.items() if len(arts) > 1)
            product = rng.choice(fashion)
            template = mplus.articles[mplus.product_articles[product][0]]
            number = 95000 + round_no
            mplus.add_article(
                product,
                {
                    "articleNumber": number,
                    "description": f"{template.get('description', '')} Z{round_no}",
                    "priceIncl": int(template["priceIncl"]),
                    "vatCode": template.get("vatCode", 1),
                    "webshop": True,
                    "colour": template.get("colour") or "Zwart",
                    "size": f"Z{round_no}",
                },
            )
        if self.flow == "stock":
            for number in rng.sample(webshop, min(len(webshop), 40)):
                branch = rng.choice((1, 2))
                if rng.random() < 0.6 and mplus.stock_level(number, branch)["free"] >= 1:
                    mplus.sell(number, 1, branch=branch)
                else:
                    mplus.receive(number, rng.choice((1, 3, 6)), branch=branch)
        if self.flow == "orders":
            # chosen by SKU: shop ids of articles the products flow made differ between worlds
            by_sku = {
                a.sku: a.id
                for a in shop.articles.values()
                if a.sku.isdigit() and int(a.sku) in mplus.articles and not a.variants
            }
            orderable = [by_sku[s] for s in sorted(by_sku)]
            for i in range(8):
                customer = rng.randrange(6)
                lines = [
                    {"type": "article", "article_id": a, "quantity": 1}
                    for a in rng.sample(orderable, rng.choice((1, 2)))
                ]
                try:
                    shop.add_order(
                        email=f"crash-klant{customer}@example.nl",
                        invoice=Address(
                            name=f"Klant {customer}",
                            zipcode="5341GE",
                            street="Molenstraat",
                            number=str(customer + 1),
                            city="Oss",
                            country_code="NL",
                            company="Firma Crash B.V." if customer == 0 else "",
                        ),
                        lines=lines,
                        shipping_method_id="2273" if i % 2 else None,
                        payment=("mollie", "ideal"),
                        status=PENDING if i == 7 else PAID,
                        override_stock=False,
                    )
                except Exception:  # noqa: BLE001 - out of stock: the same in both worlds
                    continue
            pending = sorted(o.number for o in shop.orders.values() if o.status == PENDING)
            if pending:
                shop.set_order_status(pending[0], PAID)
            ours = sorted(
                oid
                for oid, o in mplus.orders.items()
                if str(o.get("extOrderId", "")).startswith("MW-")
                and o.get("deliveryState") != "ORDER-DELIVERY-STATE-COMPLETE"
            )
            # deliver by extOrderId (order ids may differ between worlds)
            exts = sorted(str(mplus.orders[o]["extOrderId"]) for o in ours)
            if exts and round_no % 2 == 0:
                ext = rng.choice(exts)
                target = next(o for o in ours if mplus.orders[o]["extOrderId"] == ext)
                mplus.deliver_order(target)
