"""Soak: products, orders and stock for many cycles under seeded faults on both sides.

Both emulators (demo seeds) are served on 127.0.0.1 with 20% transient faults (server
errors, dropped connections, time-outs) and 20% commit-then-drop on writes, each from its own
seeded random generator. Every cycle first changes both systems the way a shop day does
(store sales, price changes, new products and new sizes in MplusKASSA; new shop orders,
orders paid later, deliveries in MplusKASSA) and then runs products, orders and stock. A run
may fail as a whole; the next cycle goes on. Afterwards the faults are switched off, one clean
catch-up cycle runs (every flow incremental, as the 5-minute and hourly schedules run them),
and the agreement is checked:

* products: a full dry-run compare plans nothing to create or update; no SKU is twice in the
  shop; every MplusKASSA webshop product is linked, or its latest ledger entry says why not;
  every linked variant product offers exactly its own options and no option repair is owed;
* stock: reconciliation finds no drift;
* orders: every eligible shop order is in MplusKASSA exactly once (by extOrderId), no
  extOrderId is there twice, every other shop order has a ledger reason, and no customer
  e-mail became two relations.

The cycles call the plain sync functions (no Prefect server) with short client time-outs and
retry waits; the CI version (tests/resilience/test_soak.py) also runs cycles through the real
Prefect flows.

From the checkout's root (a test tool, not part of the installed package):

    .venv/bin/python -m tests.drills.soak [--cycles 30] [--seed 1] [--fault-rate 0.2]
        [--commit-then-drop 0.2]

Prints cycles, faults injected per kind, calls, records per outcome, wall time and the
verdict; exits 1 when the systems disagree.
"""

from __future__ import annotations

import argparse
import random
import resource
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
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.ops.demo import DEMO_ORDER_SETTINGS
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.lists import LIST_REPAIR
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.reconcile import DriftReport, read_all_levels, reconcile
from mkmw_flows.sync.stock.run import sync_stock
from mkmw_flows.sync.stock.targets import ShopCatalog

FLOWS = ("products", "orders", "stock")
PAID, PENDING, IMPORTED, DELIVERED = 3, 1, 6, 2
#: Order settings: the demo's codes; only paid orders are imported; status written back.
ORDER_SETTINGS: dict[str, Any] = {
    **DEMO_ORDER_SETTINGS,
    "statuses_to_import": [PAID],
    "status_write_back": {"imported": IMPORTED, "delivered": DELIVERED},
    "page_size": 20,
    "write_concurrency": 4,  # orders of different customers written at once
}
FAULTS_OFF = FaultConfig()


def faults(seed: int, rate: float = 0.2, commit_then_drop: float = 0.2) -> FaultConfig:
    """The soak's fault injection: transient faults of every kind and commit-then-drop."""
    return FaultConfig(
        latency_ms=1,
        fault_rate=rate,
        commit_then_drop_rate=commit_then_drop,
        hang_seconds=0.3,
        seed=seed,
    )


def integration_fields(pair: EmulatorPair, state_db: Path, **products: Any) -> dict[str, Any]:
    """Integration block fields for the pair (option lists made once, as a merchant does)."""
    backend = pair.shop.backend
    lists = {}
    for name in ("Kleur", "Maat"):
        found = next((lst.id for lst in backend.lists.values() if lst.name == name), None)
        lists[name] = found if found is not None else backend.create_list(name).id
    fields = pair.credentials()
    fields["mplus"]["timeout_seconds"] = 5
    fields["mijnwebwinkel"]["timeout_seconds"] = 5
    fields["products"] = {"option_lists": lists, "page_size": 25, **products}
    fields["orders"] = dict(ORDER_SETTINGS)
    fields["state_database_url"] = str(state_db)
    return fields


# ---- running the flows' plain functions -----------------------------------------------------


def fast_context(
    block: Integration,
    name: str,
    flow: str,
    *,
    store: StateStore,
    dry_run: bool = False,
) -> SyncContext:
    """A SyncContext with short time-outs and retry waits (as tests/orders/helpers.py does)."""
    mplus = MplusClient(
        block.mplus.url,
        block.mplus.ident,
        block.mplus.secret,
        timeout=0.25,
        connect_timeout=0.25,
        retry_attempts=3,
        retry_wait_initial=0.01,
        retry_wait_max=0.05,
    )
    shop = MijnWebwinkelClient(
        block.mijnwebwinkel.base_url,
        token=block.mijnwebwinkel.token,
        partner_token=block.mijnwebwinkel.partner_token,
        timeout=0.25,
        retries=3,
        backoff=0.01,
        max_backoff=0.05,
    )
    report = RunReport(flow=flow, integration=name, run_id=uuid.uuid4().hex, dry_run=dry_run)
    return SyncContext(name, block, store, mplus, shop, report, dry_run=dry_run)


def products_run(ctx: SyncContext, *, full: bool = False) -> ProductSync:
    """The products flow's steps, as ``sync-products`` runs them (mplus_to_shop)."""
    engine = ProductSync(ctx, full=full)
    engine.categories, _ = sync_categories(ctx)
    for products, cursor in engine.batches():
        engine.run_page(products, cursor)
    engine.finish()
    return engine


def orders_run(ctx: SyncContext) -> None:
    """The orders flow's steps, as ``sync-orders`` runs them (shop_to_mplus)."""
    run_shop_to_mplus(ctx)


def stock_run(ctx: SyncContext, *, full: bool = False) -> None:
    """The stock flow's steps, as ``sync-stock`` runs them."""
    sync_stock(ctx, full=full)


def drift_of(ctx: SyncContext) -> DriftReport:
    """What ``reconcile-stock`` (without heal) finds."""
    policy = StockPolicy.from_settings(ctx.integration.stock)
    return reconcile(ctx, read_all_levels(ctx, policy), ShopCatalog.read(ctx.shop, policy))


PLAIN: dict[str, Callable[[SyncContext], Any]] = {
    "products": products_run,
    "orders": orders_run,
    "stock": stock_run,
}


class PlainRunner:
    """Runs a flow's plain functions with fast clients; counts calls and records."""

    def __init__(self, block: Integration, name: str, store: StateStore) -> None:
        self.block, self.name, self.store = block, name, store
        self.calls: Counter[str] = Counter()
        self.records: Counter[str] = Counter()

    def __call__(self, flow: str, *, full: bool = False) -> None:
        ctx = fast_context(self.block, self.name, flow, store=self.store)
        try:
            if full:
                products_run(ctx, full=True)
            else:
                PLAIN[flow](ctx)
        finally:
            self.calls["mplus"] += ctx.mplus.stats.total_calls
            self.calls["mijnwebwinkel"] += ctx.shop.stats.total_calls
            self.records.update(ctx.report.counts())
            ctx.mplus.close()
            ctx.shop.close()


# ---- changes between cycles -----------------------------------------------------------------


@dataclass
class Changes:
    """The shop day the soak plays between cycles; remembers what each order should become."""

    pair: EmulatorPair
    rng: random.Random
    #: shop order number -> True when it must end in MplusKASSA exactly once
    expected: dict[int, bool] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)
    made: Counter[str] = field(default_factory=Counter)
    _next_article: int = 0
    _next_product: int = 0
    _sizes: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        mplus = self.pair.mplus.backend
        self._next_article = max(mplus.articles) + 5000
        self._next_product = max(mplus.products) + 500

    def apply(self, cycle: int) -> None:
        """One day's changes on both sides (deterministic for a seed)."""
        self._store_sales(2)
        self._price_change()
        if cycle % 3 == 0:
            self._new_product()
        if cycle % 4 == 1:
            self._new_size()
        self._shop_orders(2)
        self._pay_pending()
        self._deliver()

    # MplusKASSA side

    def _webshop_articles(self) -> list[int]:
        mplus = self.pair.mplus.backend
        return sorted(
            n
            for n, a in mplus.articles.items()
            if a.get("webshop") and a.get("active", True) and a.get("stockArticle", True)
        )

    def _store_sales(self, count: int) -> None:
        mplus = self.pair.mplus.backend
        for number in self.rng.sample(self._webshop_articles(), count):
            branch = self.rng.choice((1, 2))
            if mplus.stock_level(number, branch)["free"] >= 1:
                mplus.sell(number, 1, branch=branch)
                self.made["store sale"] += 1
            else:
                mplus.receive(number, 5, branch=branch)
                self.made["goods received"] += 1

    def _price_change(self) -> None:
        mplus = self.pair.mplus.backend
        number = self.rng.choice(self._webshop_articles())
        cents = int(mplus.articles[number]["priceIncl"]) + self.rng.choice((-50, 25, 100))
        mplus.set_price(number, Decimal(max(cents, 100)) / 100)
        self.made["price change"] += 1

    def _new_product(self) -> None:
        mplus = self.pair.mplus.backend
        self._next_article += 1
        self._next_product += 1
        number = self._next_article
        group = self.rng.choice(sorted(g for g in mplus.groups if g))
        mplus.add_product(
            self._next_product,
            f"Soakartikel {number}",
            [
                {
                    "articleNumber": number,
                    "description": f"Soakartikel {number}",
                    "priceIncl": 995 + number % 7 * 100,
                    "vatCode": 1,
                    "webshop": True,
                }
            ],
            [group],
        )
        mplus.receive(number, 10, branch=1)
        self.made["new product"] += 1

    def _new_size(self) -> None:
        mplus = self.pair.mplus.backend
        fashion = sorted(
            p
            for p, arts in mplus.product_articles.items()
            if len(arts) > 1 and all(mplus.articles[a].get("webshop") for a in arts)
        )
        product = self.rng.choice(fashion)
        template = mplus.articles[mplus.product_articles[product][0]]
        self._sizes[product] += 1
        size = f"X{self._sizes[product]}L"
        self._next_article += 1
        article = {
            "articleNumber": self._next_article,
            "description": f"{template.get('description', '')} {size}",
            "priceIncl": int(template["priceIncl"]),
            "vatCode": template.get("vatCode", 1),
            "webshop": True,
            "colour": template.get("colour"),
            "size": size,
        }
        mplus.add_article(product, {k: v for k, v in article.items() if v is not None})
        mplus.receive(self._next_article, 4, branch=1)
        self.made["new size"] += 1

    def _deliver(self) -> None:
        mplus = self.pair.mplus.backend
        open_orders = sorted(
            oid
            for oid, o in mplus.orders.items()
            if str(o.get("extOrderId", "")).startswith("MW-")
            and o.get("deliveryState") != "ORDER-DELIVERY-STATE-COMPLETE"
        )
        if open_orders and self.rng.random() < 0.7:
            try:
                mplus.deliver_order(self.rng.choice(open_orders))
                self.made["delivery in MplusKASSA"] += 1
            except Exception:  # noqa: BLE001 - an order that cannot be delivered is left as is
                pass

    # shop side

    def _orderable(self, *, unmanaged: bool = False) -> list[int]:
        shop, mplus = self.pair.shop.backend, self.pair.mplus.backend
        return sorted(
            a.id
            for a in shop.articles.values()
            if a.sku.isdigit()
            and int(a.sku) in mplus.articles
            and not a.variants
            and (a.stock is None if unmanaged else (a.stock is None or a.stock >= 2))
        )

    def _shop_orders(self, count: int) -> None:
        shop = self.pair.shop.backend
        for _ in range(count):
            i = self.rng.randrange(15)
            status = PAID if self.rng.random() < 0.7 else PENDING
            card = self.rng.random() < 0.1
            # a held order (no payment mapping) never reaches MplusKASSA: it takes articles
            # whose stock the shop does not manage, or the shop would rightly show drift
            choice = self._orderable(unmanaged=card)
            lines = [
                {"type": "article", "article_id": a, "quantity": 1}
                for a in self.rng.sample(choice, min(len(choice), self.rng.choice((1, 2))))
            ]
            address = Address(
                name=f"Klant {i}",
                zipcode="5341GE",
                street="Molenstraat",
                number=str(10 + i),
                city="Oss",
                country_code="NL",
                company="Firma Soak B.V." if i % 5 == 0 else "",
            )
            try:
                order = shop.add_order(
                    email=f"soak-klant{i}@example.nl",
                    invoice=address,
                    lines=lines,
                    shipping_method_id="2273" if self.rng.random() < 0.5 else None,
                    payment=("basic", "card") if card else ("mollie", "ideal"),
                    payment_status_id=1,
                    status=status,
                )
            except Exception:  # noqa: BLE001 - e.g. out of stock in the shop: no order
                self.made["shop order refused"] += 1
                continue
            # paid by card at the counter has no payment mapping: held with a reason
            self.expected[order.number] = not card
            if status == PENDING:
                self.pending.append(order.number)
            self.made["shop order"] += 1

    def _pay_pending(self) -> None:
        if self.pending and self.rng.random() < 0.8:
            number = self.pending.pop(0)
            self.pair.shop.backend.set_order_status(number, PAID)
            self.made["order paid later"] += 1

    def finish(self) -> None:
        """Pay every order still pending, so all of the soak's orders are due by the end."""
        while self.pending:
            self.pair.shop.backend.set_order_status(self.pending.pop(0), PAID)
            self.made["order paid later"] += 1


# ---- the agreement --------------------------------------------------------------------------


def agreement(
    pair: EmulatorPair,
    block: Integration,
    name: str,
    store: StateStore,
    expected: dict[int, bool] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """What still differs between the two systems (empty when they agree), and the figures."""
    problems: list[str] = []
    figures: dict[str, Any] = {}
    # products: a full dry-run compare plans nothing
    ctx = fast_context(block, name, "products", store=store, dry_run=True)
    try:
        products_run(ctx, full=True)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    counts = ctx.report.counts()
    figures["products compare"] = counts
    if counts.get("created") or counts.get("updated"):
        planned = [
            f"{r.key} {r.outcome.value}: "
            + ", ".join(f"{c.target} {c.old!r} -> {c.new!r}" for c in r.changes[:5])
            for r in ctx.report.results
            if r.outcome in (Outcome.CREATED, Outcome.UPDATED)
        ]
        problems.append(f"products: a full compare still plans {planned[:10]}")
    # stock: no drift
    ctx = fast_context(block, name, "stock-reconcile", store=store, dry_run=True)
    try:
        drift = drift_of(ctx)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    figures["stock drift"] = drift.counts()
    if drift.counts()["drift"]:
        problems.append(
            "stock: reconciliation finds drift at "
            + ", ".join(f"{d.sku} ({d.cause})" for d in drift.drift[:10])
        )
    problems += duplicates(pair)
    problems += orders_agree(pair, store, name, expected or {})
    problems += products_accounted(pair, store, name)
    problems += options_own(pair, store, name)
    figures["articles set back to their own options"] = sum(
        "options set back to its own" in e.message
        for e in store.ledger(integration=name, flow="products", outcome=Outcome.UPDATED)
    )
    return problems, figures


def duplicates(pair: EmulatorPair) -> list[str]:
    """No extOrderId twice in MplusKASSA, no SKU twice in the shop, no e-mail twice."""
    problems: list[str] = []
    mplus, shop = pair.mplus.backend, pair.shop.backend
    ext = Counter(o.get("extOrderId") for o in mplus.orders.values() if o.get("extOrderId"))
    problems += [
        f"orders: extOrderId {e} is in MplusKASSA {n} times" for e, n in ext.items() if n > 1
    ]
    skus = Counter(a.sku for a in shop.articles.values() if a.sku)
    problems += [f"products: SKU {s} is {n} shop articles" for s, n in skus.items() if n > 1]
    emails = Counter(
        str(r.get("email", "")).lower()
        for r in mplus.relations.values()
        if str(r.get("email", "")).startswith("soak-")
    )
    problems += [f"customers: {e} is {n} relations" for e, n in emails.items() if n > 1]
    return problems


def _explained(store: StateStore, name: str, key: str) -> bool:
    last = store.ledger(integration=name, record_key=key, limit=1)
    return (
        bool(last)
        and last[0].outcome in (Outcome.SKIPPED, Outcome.FAILED)
        and bool(last[0].reason_code)
    )


def orders_agree(
    pair: EmulatorPair, store: StateStore, name: str, expected: dict[int, bool]
) -> list[str]:
    """Every eligible shop order in MplusKASSA exactly once; every other one explained."""
    problems: list[str] = []
    mplus = pair.mplus.backend
    for order in pair.shop.backend.orders.values():
        if order.test or order.archived:
            continue
        copies = len(mplus.orders_by_ext_id(f"MW-{order.number}"))
        if expected.get(order.number) and copies != 1:
            problems.append(f"orders: shop order {order.number} is in MplusKASSA {copies} times")
        elif copies == 0 and not _explained(store, name, str(order.number)):
            problems.append(f"orders: shop order {order.number} is missing without a reason")
    return problems


def products_accounted(pair: EmulatorPair, store: StateStore, name: str) -> list[str]:
    """Every MplusKASSA webshop product is linked to a live shop article, or explained."""
    problems: list[str] = []
    mplus, shop = pair.mplus.backend, pair.shop.backend
    articles = {b.mplus_key: b for b in store.bindings(name, ARTICLE)}
    products = {b.mplus_key: b for b in store.bindings(name, PRODUCT)}
    for number, numbers in sorted(mplus.product_articles.items()):
        web = [n for n in numbers if mplus.articles[n].get("webshop")]
        if not web:
            continue
        sku = str(number) if len(numbers) > 1 else str(numbers[0])
        for n in web:
            binding = articles.get(str(n))
            if binding is None:
                if not _explained(store, name, sku) and not (
                    len(numbers) > 1 and str(number) in products
                ):
                    problems.append(f"products: article {n} (SKU {sku}) unlinked without a reason")
                continue
            article = shop.articles.get(int(binding.shop_key))
            if article is None:
                problems.append(f"products: article {n} is linked to a shop article that is gone")
                continue
            variant = binding.extra.get("variant_id")
            if variant is not None and not any(v.id == variant for v in article.variants):
                problems.append(f"products: article {n} is linked to a variant that is gone")
    return problems


def options_own(pair: EmulatorPair, store: StateStore, name: str) -> list[str]:
    """Every linked variant product offers exactly its own options; no option repair is owed.

    Its own options are those the products flow last wrote (the binding's ``lists``; the full
    compare checks those against MplusKASSA). An option added to a shared list that was not
    taken off the other articles again shows here as an extra option.
    """
    problems: list[str] = []
    shop = pair.shop.backend
    for binding in store.bindings(name, PRODUCT):
        article = shop.articles.get(int(binding.shop_key))
        if article is None:
            continue  # products_accounted reports a binding to a gone article
        offered = {
            str(attached.list_id): {shop.option_name(i)[1] for i in attached.option_ids}
            for attached in article.lists
        }
        own = {k: set(v) for k, v in binding.extra.get("lists", {}).items()}
        if offered != own:
            extra = {k: sorted(v - own.get(k, set())) for k, v in offered.items()}
            problems.append(
                f"products: SKU {binding.mplus_key} offers options that are not its own "
                f"{ {k: v for k, v in extra.items() if v} or offered }"
            )
    owed = store.repairs_owed(name, LIST_REPAIR)
    if owed:
        problems.append(
            "products: option repairs still owed to SKUs "
            + ", ".join(sorted(r.mplus_key for r in owed))
        )
    return problems


# ---- the soak -------------------------------------------------------------------------------


@dataclass
class SoakResult:
    """What a soak did and found."""

    cycles: int
    seconds: float
    faults: dict[str, Counter[str]]
    calls: Counter[str]
    records: Counter[str]
    failed_runs: Counter[str]
    changes: Counter[str]
    problems: list[str]
    figures: dict[str, Any]
    held: dict[str, int]

    @property
    def ok(self) -> bool:
        """True when both systems agree."""
        return not self.problems


class Soak:
    """A soak over one EmulatorPair: cycles of changes and runs, then the agreement check.

    Args:
        pair: Started emulators (demo seeds).
        workdir: Where the state database goes.
        seed: Seed of the changes and the faults.
        fault_rate: Share of requests answered with a transient fault.
        commit_then_drop: Share of writes that commit and lose their answer.
        name: Integration name.
    """

    def __init__(
        self,
        pair: EmulatorPair,
        workdir: Path,
        *,
        seed: int = 1,
        fault_rate: float = 0.2,
        commit_then_drop: float = 0.2,
        name: str = "soak",
    ) -> None:
        self.pair, self.seed, self.name = pair, seed, name
        self.fault_rate, self.commit_then_drop = fault_rate, commit_then_drop
        self.block = Integration(**integration_fields(pair, workdir / "state.db"))
        self.store = StateStore(self.block.state_database_url)
        self.plain = PlainRunner(self.block, name, self.store)
        self.changes = Changes(pair, random.Random(seed))
        self.failed_runs: Counter[str] = Counter()
        self.cycles = 0

    def faults_on(self) -> None:
        """Switch on the seeded faults on both sides."""
        rate, ctd = self.fault_rate, self.commit_then_drop
        self.pair.mplus.faults.reconfigure(faults(self.seed * 7 + 1, rate, ctd))
        self.pair.shop.faults.reconfigure(faults(self.seed * 11 + 3, rate, ctd))

    def faults_off(self) -> None:
        """Switch the faults off on both sides."""
        self.pair.mplus.faults.reconfigure(FAULTS_OFF)
        self.pair.shop.faults.reconfigure(FAULTS_OFF)

    def cycle(self, runner: Callable[[str], Any] | None = None, *, change: bool = True) -> None:
        """One cycle: the day's changes, then products, orders and stock (each may fail)."""
        self.cycles += 1
        if change:
            self.changes.apply(self.cycles)
        for flow in FLOWS:
            try:
                (runner or self.plain)(flow)
            except Exception:  # noqa: BLE001 - a run may fail as a whole; the next one goes on
                self.failed_runs[flow] += 1

    def catch_up(self) -> None:
        """Faults off, every order due, one clean cycle (a run failing now is a finding).

        Every flow runs incrementally, products included, as the 5-minute and hourly
        schedules do: the nightly full run is not needed to set things right.
        """
        self.faults_off()
        self.changes.finish()
        for flow in FLOWS:
            self.plain(flow)

    def result(self, started: float) -> SoakResult:
        """Check the agreement and collect the figures."""
        problems, figures = agreement(
            self.pair, self.block, self.name, self.store, self.changes.expected
        )
        held = {f: len(self.store.held(self.name, f)) for f in FLOWS}
        return SoakResult(
            cycles=self.cycles,
            seconds=time.perf_counter() - started,
            faults={
                "MplusKASSA": Counter(self.pair.mplus.faults.stats.injected),
                "MijnWebwinkel": Counter(self.pair.shop.faults.stats.injected),
            },
            calls=self.plain.calls,
            records=self.plain.records,
            failed_runs=self.failed_runs,
            changes=self.changes.made,
            problems=problems,
            figures=figures,
            held=held,
        )


def show(result: SoakResult) -> None:
    """Print a soak's figures and verdict."""
    print(f"cycles: {result.cycles} (+1 clean catch-up cycle)")
    print("changes made: " + ", ".join(f"{k} {v}" for k, v in sorted(result.changes.items())))
    for side, injected in result.faults.items():
        total = sum(injected.values())
        print(f"faults injected by {side}: {total} " + str(dict(sorted(injected.items()))))
    print("calls made (plain runs): " + ", ".join(f"{k} {v}" for k, v in result.calls.items()))
    print("records per outcome: " + str(dict(sorted(result.records.items()))))
    print("runs failed as a whole (taken again next cycle): " + str(dict(result.failed_runs)))
    print(f"held at the end (each with a ledger reason): {result.held}")
    print(f"agreement figures: {result.figures}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wall time {result.seconds:.1f} s; peak RSS {peak:.0f} MB")
    if result.ok:
        print("VERDICT: the two systems agree")
    else:
        print("VERDICT: the systems DISAGREE")
        for problem in result.problems:
            print(f"  - {problem}")


def run_soak(
    cycles: int, *, seed: int = 1, fault_rate: float = 0.2, commit_then_drop: float = 0.2
) -> SoakResult:
    """Run a whole soak on fresh emulators; see the module docstring."""
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="mkmw-soak-"))
    with EmulatorPair() as pair:
        soak = Soak(
            pair, workdir, seed=seed, fault_rate=fault_rate, commit_then_drop=commit_then_drop
        )
        soak.faults_on()
        for _ in range(cycles):
            soak.cycle()
        soak.catch_up()
        result = soak.result(started)
        soak.store.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures; 1 when the systems disagree."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--commit-then-drop", type=float, default=0.2)
    args = parser.parse_args(argv)
    result = run_soak(
        args.cycles,
        seed=args.seed,
        fault_rate=args.fault_rate,
        commit_then_drop=args.commit_then_drop,
    )
    show(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
