"""Crash recovery: SIGKILL the flow process at random points, restart, compare with no crashes.

For each flow (products, stock, orders) two worlds are built from the same seeds: a *crash
world*, whose flow runs in a child process that the parent kills with SIGKILL after a random
(seeded) delay and then starts again, and a *reference world*, where the same runs go through
without a crash. Both emulators of each world are served by this (parent) process, so their
state survives the child's death; the child gets the URLs, credentials and state database
path. Between rounds both worlds get the same changes (new products, sizes and prices; store
sales and deliveries; new, paid and delivered orders).

After every kill the parent checks the invariants:

* no extOrderId twice in MplusKASSA, no SKU twice in the shop, no customer e-mail twice;
* every binding points at something that exists (a shop article or variant, an order);
* cursors never ahead of what was written: every MplusKASSA webshop product at or below the
  products cursor is linked (or held with a reason); every article whose last stock change is
  at or below the stock cursor shows the MplusKASSA figure in the shop (or is held); every
  paid shop order changed at or before the orders cursor is in MplusKASSA (or explained).

When all rounds are through, the crash world must equal the reference world: shop articles
by SKU (name, price, stock, categories, variants), categories, MplusKASSA orders by
extOrderId, relations by e-mail, stock levels, shop order statuses, bindings and the integer
cursors.

The child runs the flow's plain sync function (no Prefect engine), forked from a
``multiprocessing`` fork server that has imported the code once, so a restart costs
milliseconds instead of seconds of imports; it is still a separate process, killed by the
kernel mid-call.

From the checkout's root (a test tool, not part of the installed package):

    .venv/bin/python -m tests.drills.crash [--kills 20] [--seed 1] [--flows products stock orders]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, CATEGORY, ORDER, PRODUCT
from mkmw_flows.sync.orders.feed import CURSOR_MPLUS_ORDERS, CURSOR_SHOP_CHANGED
from mkmw_flows.sync.products.plan import CURSOR as PRODUCTS_CURSOR
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.feed import CURSOR as STOCK_CURSOR

from .soak import PLAIN, drift_of, duplicates, integration_fields, options_own

FLOWS = ("products", "stock", "orders")
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


def _mp() -> Any:
    mp = multiprocessing.get_context("forkserver")
    # the fork server imports this module by the name it was imported under (drills.crash
    # in pytest, tests.drills.crash from the command line)
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


# ---- invariants -----------------------------------------------------------------------------


def invariants(world: World) -> list[str]:
    """What a crash may never leave behind (empty when all hold)."""
    problems = duplicates(world.pair)
    problems += _bindings_live(world)
    problems += _products_cursor(world)
    problems += _stock_cursor(world)
    problems += _orders_cursor(world)
    return problems


def _explained(store: StateStore, flow: str, key: str) -> bool:
    if key in {h.record_key for h in store.held(NAME, flow)}:
        return True
    last = store.ledger(integration=NAME, record_key=key, limit=1)
    return bool(last) and last[0].outcome in (Outcome.SKIPPED, Outcome.FAILED)


def _bindings_live(world: World) -> list[str]:
    problems = []
    shop, mplus = world.pair.shop.backend, world.pair.mplus.backend
    for b in world.store.bindings(NAME, ARTICLE):
        article = shop.articles.get(int(b.shop_key))
        variant = b.extra.get("variant_id")
        if article is None:
            problems.append(f"binding: article {b.mplus_key} -> shop article {b.shop_key} gone")
        elif variant is not None and not any(v.id == variant for v in article.variants):
            problems.append(f"binding: article {b.mplus_key} -> variant {variant} gone")
    for b in world.store.bindings(NAME, ORDER):
        order = mplus.orders.get(b.mplus_key)
        if order is None or order.get("extOrderId") != f"MW-{b.shop_key}":
            problems.append(f"binding: order {b.shop_key} -> MplusKASSA {b.mplus_key} wrong")
    return problems


def _products_cursor(world: World) -> list[str]:
    raw = world.store.get_cursor(NAME, PRODUCTS_CURSOR)
    if raw is None:
        return []
    mplus = world.pair.mplus.backend
    bound = {b.mplus_key for b in world.store.bindings(NAME, ARTICLE)}
    problems = []
    for number, numbers in mplus.product_articles.items():
        if int(mplus.products[number].get("syncMarker") or 0) > int(raw):
            continue
        sku = str(number) if len(numbers) > 1 else str(numbers[0])
        for n in numbers:
            if not mplus.articles[n].get("webshop") or str(n) in bound:
                continue
            if not _explained(world.store, "products", sku):
                problems.append(f"products cursor {raw} is past article {n}, which is not linked")
    return problems


def _stock_cursor(world: World) -> list[str]:
    raw = world.store.get_cursor(NAME, STOCK_CURSOR)
    if raw is None or world.flow != "stock":
        return []
    mplus = world.pair.mplus.backend
    ctx = SyncContext(
        NAME,
        world.block,
        world.store,
        world.block.mplus.client(),
        world.block.mijnwebwinkel.client(),
        RunReport(flow="stock-check", integration=NAME, run_id=uuid.uuid4().hex, dry_run=True),
        dry_run=True,
    )
    try:
        drift = drift_of(ctx)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    problems = []
    for row in drift.drift:
        number = int(row.sku)
        last = max((mplus.stock_index.marker((b, number)) or 0 for b in mplus.branches), default=0)
        if last <= int(raw) and not _explained(world.store, "stock", row.sku):
            problems.append(
                f"stock cursor {raw} is past article {row.sku} (last change {last}), "
                f"but the shop shows {row.shop_value}, MplusKASSA {row.mplus_value}"
            )
    return problems


def _orders_cursor(world: World) -> list[str]:
    problems = []
    shop, mplus = world.pair.shop.backend, world.pair.mplus.backend
    raw = world.store.get_cursor(NAME, CURSOR_SHOP_CHANGED.name)
    if raw is not None and world.flow == "orders":
        cursor = dt.datetime.fromisoformat(raw)
        for order in shop.orders.values():
            if order.status not in (PAID, 6, DELIVERED) or order.test or order.archived:
                continue
            changed = max(order.created_at, order.status_changed_at)
            if changed.tzinfo is None and cursor.tzinfo is not None:
                changed = changed.replace(tzinfo=cursor.tzinfo)
            # The shop's times have whole seconds and the feed is read again from the
            # cursor (minus an overlap), so an order changed in the cursor's own second is
            # still ahead of it.
            if changed >= cursor:
                continue
            if not mplus.orders_by_ext_id(f"MW-{order.number}") and not _explained(
                world.store, "orders", str(order.number)
            ):
                problems.append(f"orders cursor {raw} is past shop order {order.number}")
    raw = world.store.get_cursor(NAME, CURSOR_MPLUS_ORDERS.name)
    if raw is not None and world.flow == "orders":
        bound = {b.mplus_key: b for b in world.store.bindings(NAME, ORDER)}
        for oid, pos_order in mplus.orders.items():
            if int(pos_order.get("syncMarker") or 0) >= int(raw) or oid not in bound:
                continue
            if pos_order.get("deliveryState") == "ORDER-DELIVERY-STATE-COMPLETE":
                number = int(bound[oid].shop_key)
                if shop.orders[number].status != DELIVERED:
                    problems.append(
                        f"status cursor {raw} is past delivered order {number}, "
                        f"shop status {shop.orders[number].status}"
                    )
    return problems


# ---- comparing the worlds -------------------------------------------------------------------


def snapshot(world: World) -> dict[str, Any]:
    """Both systems and the store, by business keys (ids may differ between worlds)."""
    shop, mplus, store = world.pair.shop.backend, world.pair.mplus.backend, world.store
    categories = shop.categories

    def title(cid: int) -> str:
        c = categories.get(cid)
        return c.title if c is not None else str(cid)

    def option(oid: int) -> str:
        list_id, name, _ = shop.option_name(oid)
        return f"{shop.lists[list_id].name}={name}"

    articles: dict[str, Any] = {}
    for a in shop.articles.values():
        articles[a.sku or f"id:{a.id}"] = {
            "name": a.name,
            "price": str(a.price_default),
            "stock": a.stock,
            "categories": sorted(title(link.category_id) for link in a.categories),
            "variants": sorted(
                (sorted(option(o) for o in v.option_ids), v.stock) for v in a.variants
            ),
        }
    relations = Counter(str(r.get("email", "")).lower() for r in mplus.relations.values())
    orders = {}
    for o in mplus.orders.values():
        relation = mplus.relations.get(int(o.get("relationNumber") or 0), {})
        orders[str(o.get("extOrderId"))] = {
            "email": str(relation.get("email", "")).lower(),
            "lines": sorted(
                (line["articleNumber"], str(line["data"].get("quantity")))
                for line in o["lineList"]["line"]
            ),
            "total": str(o.get("totalInclAmount")),
            "delivered": o.get("deliveryState"),
        }
    stock = {
        f"{b}/{n}": {k: str(lv[k]) for k in ("free", "reserved", "incoming")}
        for (b, n), lv in mplus.stock.items()
    }
    bindings: dict[str, Any] = {}
    for entity in (ARTICLE, PRODUCT, CATEGORY, ORDER):
        rows = store.bindings(NAME, entity)
        if entity == ORDER:
            bindings[entity] = sorted(b.shop_key for b in rows)
        elif entity == CATEGORY:
            bindings[entity] = sorted(b.mplus_key for b in rows)
        else:
            skus = {str(a.id): a.sku for a in shop.articles.values()}
            bindings[entity] = sorted(
                (b.mplus_key, b.variant_key, skus.get(b.shop_key, "?")) for b in rows
            )
    cursors = {}
    for c in store.cursors(NAME):
        cursors[c.name] = c.value if c.value.lstrip("-").isdigit() else "(a date)"
    return {
        "shop articles": articles,
        "shop categories": sorted(title(c) for c in categories),
        "shop order statuses": {o.number: o.status for o in shop.orders.values()},
        "MplusKASSA orders": orders,
        "MplusKASSA relations": dict(relations),
        "MplusKASSA stock": stock,
        "bindings": bindings,
        "held": sorted(
            (h.flow, h.record_key)
            for f in ("products", "stock", "orders")
            for h in store.held(NAME, f)
        ),
        "cursors": cursors,
    }


def differences(crash: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Where the crash world's snapshot differs from the reference's."""
    out = []
    for part, ref in reference.items():
        got = crash.get(part)
        if got == ref:
            continue
        if isinstance(ref, dict) and isinstance(got, dict):
            for key in sorted(set(ref) | set(got), key=str):
                if ref.get(key) != got.get(key):
                    out.append(f"{part} [{key}]: crash {got.get(key)!r} != ref {ref.get(key)!r}")
        else:
            out.append(f"{part}: crash {got!r} != reference {ref!r}")
    return out


# ---- the crash loop -------------------------------------------------------------------------


@dataclass
class FlowResult:
    """What happened to one flow."""

    flow: str
    kills: int = 0
    restarts: int = 0
    early: int = 0
    rounds: int = 0
    kill_points: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    child_failures: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no invariant broke and the end state equals the reference."""
        return not self.violations and not self.differences


def crash_flow(
    flow: str,
    kills: int,
    *,
    seed: int = 1,
    workdir: Path | None = None,
    per_round: int = 2,
    log: Callable[[str], None] | None = None,
) -> FlowResult:
    """Kill one flow `kills` times at random points and compare with a run without crashes."""
    started = time.perf_counter()
    workdir = workdir or Path(tempfile.mkdtemp(prefix=f"mkmw-crash-{flow}-"))
    rng = random.Random(seed)
    mp = _mp()
    result = FlowResult(flow)
    rounds = max(1, -(-kills // per_round))
    script = Script(flow, seed, rounds)
    crash, ref = World(flow, workdir, "crash"), World(flow, workdir, "reference")
    try:
        for world in (crash, ref):
            script.setup(world)
        overhead = 0.3
        round_no = 0
        # a run that ends before its kill still counts as a restart; rounds go on until the
        # wanted number of kills landed inside a running flow (bounded)
        while result.kills < kills and round_no < rounds * 3:
            round_no += 1
            result.rounds += 1
            for world in (crash, ref):
                script.apply(world, round_no - 1)
            ref_seconds = ref.run_here()
            for _ in range(min(per_round, kills - result.kills)):
                delay = rng.uniform(0.0, ref_seconds + overhead)
                proc = mp.Process(target=child_main, args=(flow, str(crash.config)))
                t0 = time.perf_counter()
                proc.start()
                proc.join(delay)
                if proc.is_alive():
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.join()
                    result.kills += 1
                    result.kill_points.append(round(delay / (ref_seconds + overhead), 2))
                    found = invariants(crash)
                    result.violations += [f"after kill {result.kills}: {p}" for p in found]
                else:
                    result.early += 1
                    overhead = max(0.05, time.perf_counter() - t0 - ref_seconds)
                    if proc.exitcode:
                        result.child_failures += 1
            # restart until a run completes
            for _ in range(3):
                result.restarts += 1
                proc = mp.Process(target=child_main, args=(flow, str(crash.config)))
                proc.start()
                proc.join(120)
                if proc.exitcode == 0:
                    break
                result.child_failures += 1
            found = invariants(crash)
            result.violations += [f"after round {round_no}: {p}" for p in found]
            if log:
                log(f"{flow}: round {round_no}, kills {result.kills}/{kills}")
        if flow == "products":
            # no nightly full run: the last (incremental) run must have left every variant
            # product its own options, in both worlds (shared option lists)
            for world, label in ((crash, "crash"), (ref, "reference")):
                found = options_own(world.pair, world.store, NAME)
                result.violations += [f"at the end ({label} world): {p}" for p in found]
        result.differences = differences(snapshot(crash), snapshot(ref))
    finally:
        crash.close()
        ref.close()
    result.seconds = time.perf_counter() - started
    return result


def show(result: FlowResult) -> None:
    """Print one flow's figures and verdict."""
    print(
        f"{result.flow}: {result.kills} kills over {result.rounds} rounds "
        f"({result.early} runs finished before their kill), {result.restarts} restarts to "
        f"completion, {result.child_failures} child runs failed, {result.seconds:.1f} s"
    )
    points = sorted(result.kill_points)
    if points:
        print(f"  kill points (share of a clean run's time): {points}")
    verdict = "end state equals the run without crashes" if result.ok else "FAILED"
    print(f"  verdict: {verdict}")
    for problem in (result.violations + result.differences)[:30]:
        print(f"  - {problem}")


def main(argv: list[str] | None = None) -> int:
    """Run the crash test for each flow and print the figures; 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-round", type=int, default=2)
    parser.add_argument("--flows", nargs="*", default=list(FLOWS), choices=FLOWS)
    args = parser.parse_args(argv)
    # the child target must be importable by name, not as __main__
    this = importlib.import_module(__spec__.name if __spec__ else "drills.crash")

    # the fork server imports this module, then its children run it again as __mp_main__
    sys.warnoptions.append("ignore::RuntimeWarning:runpy")

    ok = True
    for flow in args.flows:
        result = this.crash_flow(
            flow, args.kills, seed=args.seed, per_round=args.per_round, log=print
        )
        this.show(result)
        ok = ok and result.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
