"""The products flow, MplusKASSA -> MijnWebwinkel: the feed, and each page on the step template.

A run reads pages of products (held ones first, then those whose action price changes today,
then the feed from the syncMarker cursor), plans each page (:mod:`.plan`), and takes the plans
through :class:`~mkmw_flows.sync.products.steps.ProductSteps` with
:func:`~mkmw_flows.sync.template.run_page`: the page's option lists are made sure of before
its writes, and the page's bindings, ledger rows and cursors (the syncMarker and the action
price days) are committed in one transaction after them. Option repairs an earlier write made
owed are settled after the page (:mod:`.lists`). A dry run is the same code without writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from mkmw_flows.mplus.models import Product
from mkmw_flows.mplus.paging import iter_product_pages
from mkmw_flows.mplus.times import AMSTERDAM
from mkmw_flows.state import Outcome
from mkmw_flows.state.binder import scoped_transaction
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.products.categories import CategoryIndex
from mkmw_flows.sync.products.lists import OptionLists
from mkmw_flows.sync.products.plan import CURSOR, LAST_RUN, ProductPlan, ProductPlanner
from mkmw_flows.sync.products.source import next_price_change
from mkmw_flows.sync.products.steps import PRICE_CHANGES, ProductSteps
from mkmw_flows.sync.readahead import read_ahead
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import Page, run_page

FLOW = "products"


class ProductSync:
    """One run of the products flow (MplusKASSA -> shop) for one integration.

    Args:
        ctx: The run's context.
        full: Read the whole catalogue and compare, instead of the changes since the cursor.
        skus: Only these SKUs (article numbers, or product numbers of variant products).

    Attributes:
        plans: Every plan of the run (for the flow's artifacts).
    """

    def __init__(self, ctx: SyncContext, *, full: bool = False, skus: list[str] | None = None):
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.full = full
        self.skus = skus
        self._include_tax: bool | None = None
        self.planner = ProductPlanner(
            ctx,
            full=full,
            prices_include_tax=self.prices_include_tax,
            today=dt.datetime.now(AMSTERDAM).date(),  # MplusKASSA's time zone
        )
        self.lists = OptionLists(ctx)
        self.steps = ProductSteps(ctx, self.planner, self.lists)
        self.plans: list[ProductPlan] = []
        # shop time (naive) a little before this run started: where a lost write would be
        self.started = (dt.datetime.now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
        self._price_changes: dict[str, str] | None = None

    @property
    def today(self) -> dt.date:
        """The day action prices are judged on (MplusKASSA's time zone)."""
        return self.planner.today

    @today.setter
    def today(self, value: dt.date) -> None:
        self.planner.today = value

    @property
    def categories(self) -> CategoryIndex:
        """Group number -> shop category, from the categories sync of this run."""
        return self.planner.categories

    @categories.setter
    def categories(self, value: CategoryIndex) -> None:
        self.planner.categories = value

    def prices_include_tax(self) -> bool:
        """The shop's price convention (read once per run)."""
        if self._include_tax is None:
            self._include_tax = bool(self.ctx.shop.get_store().prices_include_tax)
        return self._include_tax

    # ---- the feed -------------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[list[Product], int | None]]:
        """Pages of products with the cursor value each one covers (None: no cursor).

        An empty page comes first when an earlier run left option repairs owed (they are
        settled in it); then held records (taken again on every run until they go through);
        then the feed from the cursor (or from the start with ``full``), or just the asked SKUs.
        """
        if not self.ctx.dry_run and self.lists.owed():
            yield [], None  # an empty page settles the repairs an earlier run left owed
        if self.skus is not None:
            numbers = [int(s) for s in self.skus if s.strip().isdigit()]
            for bad in (s for s in self.skus if not s.strip().isdigit()):
                self.ctx.report.add(
                    RecordResult(
                        "product",
                        bad,
                        Outcome.SKIPPED,
                        Reason.SKU_NOT_NUMERIC,
                        f"{bad} is not a MplusKASSA article or product number",
                    )
                )
            if numbers:
                yield self._by_numbers(numbers), None
            return
        held = [h.record_key for h in self.ctx.store.held(self.ctx.name, FLOW)]
        numbers = [int(k) for k in held if k.isdigit()]
        if numbers:
            yield self._by_numbers(numbers), None
        today = self.today.isoformat()
        due = [int(n) for n, day in self.price_changes().items() if day <= today]
        due = [n for n in due if n not in numbers]
        if due:
            yield self._by_numbers(due), None
        stored = self.ctx.cursor(CURSOR)
        since = 0 if self.full or stored is None else int(stored) + 1
        pages = iter_product_pages(self.ctx.mplus, since, self.settings.page_size)
        for page in read_ahead(pages):
            last = page.last_marker
            if stored is not None and int(stored) > last:
                last = int(stored)
            yield page.items, last

    def _by_numbers(self, numbers: list[int]) -> list[Product]:
        found = {p.product_number: p for p in self.ctx.mplus.get_products(article_numbers=numbers)}
        for product in self.ctx.mplus.get_products(product_numbers=numbers):
            found.setdefault(product.product_number, product)
        return list(found.values())

    def price_changes(self) -> dict[str, str]:
        """{product number: ISO day} on which a dated sales price starts or ends."""
        if self._price_changes is None:
            raw = self.ctx.cursor(PRICE_CHANGES)
            self._price_changes = json.loads(raw) if raw else {}
        return self._price_changes

    def _note_price_changes(self, plans: list[ProductPlan]) -> bool:
        """Remember the next action price change day of each planned product; True if any."""
        changes = self.price_changes()
        before = dict(changes)
        for plan in plans:
            key = str(plan.src.product_number)
            day = next_price_change(plan.src.articles, self.today)
            if day is None:
                changes.pop(key, None)
            else:
                changes[key] = day.isoformat()
        return changes != before

    # ---- one page -------------------------------------------------------------------------

    def run_page(self, products: list[Product], cursor: int | None) -> list[RecordResult]:
        """Plan one page, take it through the steps (commit with its cursors), settle repairs."""
        plans = self.planner.plan_page(products)
        self.plans.extend(plans)
        page = Page(plans)
        if not self.ctx.dry_run and self._note_price_changes(plans):
            page.cursors[PRICE_CHANGES] = json.dumps(self.price_changes(), sort_keys=True)
        if cursor is not None:
            page.cursors[CURSOR] = str(cursor)
        results = run_page(self.ctx, self.steps, page)
        if self.ctx.dry_run:
            return results
        repairs, cleared = self.lists.settle(plans, results)
        self.lists.commit(repairs, cleared)
        return results + repairs

    def finish(self) -> None:
        """Remember when this run started (a later run scans shop articles created since)."""
        if not self.ctx.dry_run and self.skus is None:
            with scoped_transaction(self.ctx.store, self.ctx.name) as tx:
                tx.advance({LAST_RUN: self.started})
