"""Prefect wiring of the products and categories flow (``sync-products``).

One task for the category tree, one task per page of products (never per record), then the
run's artifacts: the table and summary every flow publishes, and the plan (field by field,
old -> new) of what was done or, in a dry run, what would be done.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from mkmw_flows.blocks import Integration
from mkmw_flows.flows.common import (
    final_state,
    load_integration,
    publish_plan,
    publish_report,
    sync_context,
)
from mkmw_flows.mplus.models import Product
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.reverse import ReverseProductSync
from mkmw_flows.sync.products.run import FLOW, ProductSync


@task(name="sync-categories", cache_policy=NO_CACHE)
def categories_task(engine: ProductSync) -> dict[str, int]:
    """Article groups -> shop categories; returns records per outcome."""
    index, results = sync_categories(engine.ctx)
    engine.categories = index
    return _count(r.outcome.value for r in results)


@task(name="sync-product-page", cache_policy=NO_CACHE)
def product_page_task(
    engine: ProductSync, products: list[Product], cursor: int | None
) -> dict[str, int]:
    """One page of products: plan, write, bind, commit with the cursor."""
    results = engine.run_page(products, cursor)
    return _count(r.outcome.value for r in results)


@task(name="sync-shop-article-page", cache_policy=NO_CACHE)
def reverse_page_task(
    engine: ReverseProductSync, articles: list[Any], cursor: str | None
) -> dict[str, int]:
    """One page of shop articles -> MplusKASSA products."""
    results = engine.run_page(articles, cursor)
    return _count(r.outcome.value for r in results)


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def check_direction(block: Integration, direction: str | None) -> str:
    """The active direction; refuses a request for the inactive one with a clear message.

    Raises:
        ValueError: When `direction` is given and is not the one switched on.
    """
    active = block.products.direction
    if direction is not None and direction != active:
        raise ValueError(
            f"refused: the products flow of this integration syncs {active.replace('_', ' ')}; "
            f"{direction.replace('_', ' ')} is switched off (DIRECTION_INACTIVE). Change "
            "products.direction in the Integration block to switch it, one direction at a time."
        )
    return active


@flow(name="sync-products", log_prints=False)
def sync_products(
    integration: str = "default",
    full: bool = False,
    dry_run: bool = False,
    skus: list[str] | None = None,
    direction: str | None = None,
    block: Integration | None = None,
) -> dict[str, Any]:
    """Products and categories between MplusKASSA and MijnWebwinkel, in the active direction.

    Args:
        integration: Name of the Integration block.
        full: Read the whole catalogue and compare, instead of the changes since the cursor.
        dry_run: Compute the full plan and publish it; write nothing anywhere.
        skus: Just these SKUs (MplusKASSA article numbers; product numbers of variant products).
        direction: Optionally state the direction you expect; the inactive one is refused.
        block: An already loaded Integration (tests); loaded by name otherwise.

    Returns:
        The run summary (counts, calls).
    """
    logger = get_run_logger()
    loaded = block or load_integration(integration)
    active = check_direction(loaded, direction)
    with sync_context(integration, FLOW, dry_run=dry_run, integration=loaded) as ctx:
        if not loaded.products.enabled:
            ctx.report.notes.append("The products flow is switched off for this integration.")
            return publish_report(ctx.report, calls=ctx.call_counts())
        if active == "shop_to_mplus":
            reverse = ReverseProductSync(ctx, full=full, skus=skus)
            for articles, since in reverse.batches():
                reverse_page_task(reverse, articles, since)
            plans: list[Any] = reverse.plans
        else:
            engine = ProductSync(ctx, full=full, skus=skus)
            categories_task(engine)
            for products, cursor in engine.batches():
                product_page_task(engine, products, cursor)
            engine.finish()
            plans = engine.plans
        return _publish(ctx, plans, logger)


def _publish(ctx: SyncContext, plans: list[Any], logger: Any) -> dict[str, Any]:
    counts = ctx.report.counts()
    logger.info("products for %s: %s", ctx.name, counts)
    publish_plan(ctx.report)
    summary = publish_report(ctx.report, calls=ctx.call_counts(), extra={"plans": len(plans)})
    return final_state(ctx.report, summary)
