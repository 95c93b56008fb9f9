"""Prefect wiring of the stock flow (``sync-stock``) and stock reconciliation (``reconcile-stock``).

The logic lives in the stock wing, :mod:`mkmw_flows.sync.stock`; here are only the flows,
one task per read and per page of records, the artifacts and the events.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from mkmw_flows.flows.common import (
    artifact_key,
    final_state,
    publish_plan,
    publish_report,
    sync_context,
)
from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.plan_text import stock_plan_markdown
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.feed import FLOW, StockRead, read_stock
from mkmw_flows.sync.stock.reconcile import FLOW as RECONCILE_FLOW
from mkmw_flows.sync.stock.reconcile import (
    DriftReport,
    drift_markdown,
    read_all_levels,
    reconcile,
)
from mkmw_flows.sync.stock.run import page_groups, run_stock_page
from mkmw_flows.sync.stock.steps import StockSteps
from mkmw_flows.sync.stock.targets import ShopCatalog


class _Box:
    """Hands a run's context to a task untouched (Prefect does not walk plain objects)."""

    def __init__(self, value: Any) -> None:
        self.value = value


@task(name="read-stock-changes", cache_policy=NO_CACHE)
def read_changes(box: _Box, full: bool) -> _Box:
    """Read the changed (or, with `full`, all) MplusKASSA stock levels (a boxed StockRead)."""
    ctx: SyncContext = box.value
    read = read_stock(ctx, full=full)
    get_run_logger().info(
        "stock %s: %d articles to look at (cursor %s -> %s)",
        read.mode,
        len(read.wanted) if read.wanted is not None else len(read.levels),
        read.since,
        read.new_cursor,
    )
    return _Box(read)


@task(name="push-stock-batch", cache_policy=NO_CACHE)
def push_batch(box: _Box, groups: list[list[int]], last: bool) -> dict[str, int]:
    """Take one page of records through the steps and commit it; return its outcome counts."""
    steps: StockSteps = box.value
    results = run_stock_page(steps, groups, last=last)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome.value] = counts.get(r.outcome.value, 0) + 1
    return counts


@flow(name="sync-stock", log_prints=False)
def sync_stock(
    integration: str = "default", full: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """Send MplusKASSA stock to the MijnWebwinkel shop.

    Args:
        integration: Name of the Integration block.
        full: Read all stock and compare, instead of the changes since the last run.
        dry_run: Compute the full plan (old -> new per article) and write nothing.

    Returns:
        The run's summary (counts, calls, cursor).
    """
    logger = get_run_logger()
    with sync_context(integration, FLOW, dry_run=dry_run) as ctx:
        if not ctx.integration.stock.enabled:
            ctx.report.notes.append("The stock flow is switched off in the settings (enabled).")
            return publish_report(ctx.report, calls=ctx.call_counts())
        read: StockRead = read_changes(_Box(ctx), full).value
        run = StockSteps(ctx, read, full=full)
        pages = page_groups(run)
        for index, groups in enumerate(pages):
            push_batch(_Box(run), groups, index == len(pages) - 1)
        if not pages:
            run_stock_page(run, [], last=True)  # no article to look at: move the cursor only
        ctx.report.notes.append(_note(read, run))
        if dry_run:
            publish_plan(ctx.report, stock_plan_markdown(ctx.report))
        extra = {
            "mode": read.mode,
            "cursor_from": read.since,
            "cursor_to": read.new_cursor if not dry_run else read.since,
            "shop_writes": run.writes,
        }
        summary = publish_report(ctx.report, calls=ctx.call_counts(), extra=extra)
        logger.info("sync-stock %s: %s", integration, summary["counts"])
        return final_state(ctx.report, summary)


def _note(read: StockRead, run: StockSteps) -> str:
    if read.mode == "idle":
        return f"Nothing changed in MplusKASSA stock since stockId {read.since}."
    text = (
        f"Mode {read.mode}: {read.articles_read} articles read in branches "
        f"{', '.join(str(b) for b in read.branches)}; {run.writes} shop writes"
    )
    if read.retried:
        text += f"; {len(read.retried)} held articles taken again"
    return text + "."


# ---- reconciliation ------------------------------------------------------------------------


@task(name="read-mplus-stock", cache_policy=NO_CACHE)
def read_mplus_stock(box: _Box) -> _Box:
    """Every MplusKASSA stock level of the counted branches."""
    ctx: SyncContext = box.value
    return _Box(read_all_levels(ctx, StockPolicy.from_settings(ctx.integration.stock)))


@task(name="read-shop-stock", cache_policy=NO_CACHE)
def read_shop_stock(box: _Box) -> _Box:
    """Every shop article with its stock and its variants' stock."""
    ctx: SyncContext = box.value
    return _Box(ShopCatalog.read(ctx.shop, StockPolicy.from_settings(ctx.integration.stock)))


@task(name="compare-and-heal-stock", cache_policy=NO_CACHE)
def compare_and_heal(box: _Box, levels: _Box, catalog: _Box, heal: bool) -> _Box:
    """Compare both sides; with `heal`, write the corrections."""
    levels_by_article: dict[int, list[StockLevel]] = levels.value
    return _Box(reconcile(box.value, levels_by_article, catalog.value, heal=heal))


@flow(name="reconcile-stock", log_prints=False)
def reconcile_stock(integration: str = "default", heal: bool = False) -> dict[str, Any]:
    """Compare MplusKASSA stock with the shop's and publish the drift; heal it on request.

    Args:
        integration: Name of the Integration block.
        heal: Write the MplusKASSA figure wherever the shop differs.

    Returns:
        The drift counts.
    """
    with sync_context(integration, RECONCILE_FLOW) as ctx:
        levels = read_mplus_stock(_Box(ctx))
        catalog = read_shop_stock(_Box(ctx))
        drift: DriftReport = compare_and_heal(_Box(ctx), levels, catalog, heal).value
        counts = drift.counts()
        rows = [d.row() for d in drift.drift] or [{"sku": "", "cause": "no drift"}]
        create_table_artifact(
            key=artifact_key(integration, RECONCILE_FLOW, "drift"),
            table=rows,
            description=f"stock drift: {counts['drift']} articles, {counts['healed']} healed",
        )
        create_markdown_artifact(
            key=artifact_key(integration, RECONCILE_FLOW, "drift-summary"),
            markdown=drift_markdown(integration, drift, heal=heal),
            description="stock drift: figures and table",
        )
        emit_event(
            event="mkmw.stock.drift",
            resource={
                "prefect.resource.id": f"mkmw.integration.{integration}",
                "prefect.resource.name": integration,
                "mkmw.flow": RECONCILE_FLOW,
                # a label, so an automation can match "more than N" (mkmw_flows/ops/automations.py)
                "mkmw.drift": str(counts["drift"]),
            },
            payload={"integration": integration, "heal": heal, **counts},
        )
        ctx.report.notes.append(
            "Drift: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
        )
        summary = publish_report(ctx.report, calls=ctx.call_counts(), extra={"drift": counts})
        return final_state(ctx.report, summary)
