"""The drills' shared world: integration settings, fast clients and the flows' plain runs.

The soak (tests/drills/soak.py), the crash drill (tests/drills/crash.py) and a few product
tests (tests/products) run the flows' plain sync functions (no Prefect server) through these:
`integration_fields` makes the Integration block for an EmulatorPair, `fast_context` a
SyncContext with short time-outs and retry waits, `PLAIN` each flow's steps as its Prefect
flow runs them, and `PlainRunner` runs them while counting calls and records.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.ops.demo import DEMO_ORDER_SETTINGS
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.reconcile import DriftReport, read_all_levels, reconcile
from mkmw_flows.sync.stock.run import sync_stock
from mkmw_flows.sync.stock.targets import ShopCatalog

PAID, PENDING, IMPORTED, DELIVERED = 3, 1, 6, 2
#: Order settings: the demo's codes; only paid orders are imported; status written back.
ORDER_SETTINGS: dict[str, Any] = {
    **DEMO_ORDER_SETTINGS,
    "statuses_to_import": [PAID],
    "status_write_back": {"imported": IMPORTED, "delivered": DELIVERED},
    "page_size": 20,
    "write_concurrency": 4,  # orders of different customers written at once
}


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


def fast_clients(block: Integration) -> tuple[MplusClient, MijnWebwinkelClient]:
    """Both clients with short time-outs and retry waits (a dropped answer costs 0.25 s)."""
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
    return mplus, shop


def fast_context(
    block: Integration,
    name: str,
    flow: str,
    *,
    store: StateStore,
    dry_run: bool = False,
) -> SyncContext:
    """A SyncContext with the :func:`fast_clients`."""
    mplus, shop = fast_clients(block)
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
