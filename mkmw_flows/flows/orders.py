"""Prefect wiring of the orders and customers flow (``sync-orders``).

The logic lives in the orders wing: :mod:`mkmw_flows.sync.orders.run` (shop -> MplusKASSA)
and :mod:`mkmw_flows.sync.orders.reverse` (MplusKASSA -> shop); here are only the flow, one
task per batch of orders, the artifacts and the events. The direction comes from the settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from mkmw_flows.flows.common import (
    final_state,
    publish_plan,
    publish_report,
    sync_context,
)
from mkmw_flows.sync.orders.feed import FLOW
from mkmw_flows.sync.orders.reverse import REVERSE_FLOW, run_mplus_to_shop
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.plan_text import orders_plan_markdown
from mkmw_flows.sync.report import RecordResult


class _Box:
    """Hands plain objects to a task untouched (Prefect does not walk them)."""

    def __init__(self, value: Any) -> None:
        self.value = value


@task(name="orders-batch", cache_policy=NO_CACHE)
def orders_batch(work: _Box) -> _Box:
    """Take one batch of orders through the steps and commit it (boxed results)."""
    results: list[RecordResult] = work.value()
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome.value] = counts.get(r.outcome.value, 0) + 1
    get_run_logger().info("orders batch of %d results: %s", len(results), counts)
    return _Box(results)


def _as_task(work: Callable[[], list[RecordResult]]) -> list[RecordResult]:
    results: list[RecordResult] = orders_batch(_Box(work)).value
    return results


@flow(name="sync-orders", log_prints=False)
def sync_orders(
    integration: str = "default",
    dry_run: bool = False,
    since: dt.datetime | None = None,
    order_numbers: list[str] | None = None,
) -> dict[str, Any]:
    """Orders and customers between the shop and MplusKASSA, with status back to the shop.

    Args:
        integration: Name of the Integration block.
        dry_run: Compute the full plan (field by field) and write nothing anywhere.
        since: Backfill: read the source's orders from this moment instead of the cursor.
        order_numbers: Only these orders (shop order numbers; MplusKASSA order ids in the
            reverse direction).

    Returns:
        The run's summary (counts, calls, direction). The run ends Completed, or Completed
        named "Held" / "Partly failed" with the count and reasons when records were held or
        failed, or "Dry run" for a plan (see docs/operations.md).
    """
    logger = get_run_logger()
    with sync_context(integration, FLOW, dry_run=dry_run) as ctx:
        settings = ctx.integration.orders
        if not settings.enabled:
            ctx.report.notes.append("The orders flow is switched off in the settings (enabled).")
            return publish_report(ctx.report, calls=ctx.call_counts())
        if settings.direction == "mplus_to_shop":
            ctx.report.flow = REVERSE_FLOW
            run_mplus_to_shop(ctx, since=since, order_ids=order_numbers, batch=_as_task)
        else:
            numbers = [int(n) for n in order_numbers] if order_numbers is not None else None
            run_shop_to_mplus(ctx, since=since, order_numbers=numbers, batch=_as_task)
        if dry_run:
            publish_plan(ctx.report, orders_plan_markdown(ctx.report))
        summary = publish_report(
            ctx.report,
            calls=ctx.call_counts(),
            extra={"direction": settings.direction},
        )
        logger.info("sync-orders %s (%s): %s", integration, settings.direction, summary["counts"])
        return final_state(ctx.report, summary)
