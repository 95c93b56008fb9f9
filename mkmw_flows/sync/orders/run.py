"""A whole orders run: the shop feed page by page, held orders, status back, the cursor.

Shop -> MplusKASSA (:func:`run_shop_to_mplus`): every page of the shop's order feed (or the
orders asked for by number) goes through :class:`~mkmw_flows.sync.orders.steps.OrderSteps`,
one page per batch, each committed with its bindings and ledger rows; then the held orders
due again; then MplusKASSA delivered / cancelled back to the shop
(:func:`~mkmw_flows.sync.orders.status.status_back`); last the shop cursor, committed once the
whole run is through (failed orders are held, so none is lost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.orders.feed import (
    FLOW,
    feed_pages,
    feed_window,
    fetch_orders,
    next_cursor,
    retry_candidates,
)
from mkmw_flows.sync.orders.status import status_back
from mkmw_flows.sync.orders.steps import OrderSteps
from mkmw_flows.sync.readahead import read_ahead
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import Page, PageRunner, commit_page, direct, run_page

__all__ = ["FLOW", "run_shop_to_mplus", "take_page"]


def take_page(
    ctx: SyncContext, steps: OrderSteps, orders: list[ShopOrder], *, force: bool = False
) -> list[RecordResult]:
    """Take one page of shop orders through the steps and commit it; release its claims.

    An imported order read again unchanged (the overlap of the feed) is passed over without a
    ledger row; `force` (held orders, explicit order numbers) takes every order.

    Returns:
        One result per order settled (also added to ``ctx.report``).
    """
    unique: dict[int, ShopOrder] = {}
    for order in orders:
        if order.number not in steps.seen:
            unique[order.number] = order
    steps.force = force
    try:
        return run_page(ctx, steps, Page(list(unique.values())))
    finally:
        steps.release()


def run_shop_to_mplus(
    ctx: SyncContext,
    *,
    since: dt.datetime | None = None,
    order_numbers: Iterable[int] | None = None,
    batch: PageRunner = direct,
) -> OrderSteps:
    """Take the shop's new and changed orders (or just `order_numbers`) into MplusKASSA.

    Args:
        ctx: The run.
        since: Read the shop feed from this moment (a backfill) instead of the cursor.
        order_numbers: Only these shop orders (no feed, the cursor stays).
        batch: Runs one page (the flow passes a Prefect task); direct call by default.

    Returns:
        The run's steps (what it saw, for the flow's summary).
    """
    settings = ctx.integration.orders
    steps = OrderSteps(ctx)

    def take(orders: list[ShopOrder], *, force: bool = False) -> None:
        batch(lambda: take_page(ctx, steps, orders, force=force))

    if order_numbers is not None:
        numbers = [int(n) for n in order_numbers]
        for start in range(0, len(numbers), settings.page_size):
            found, missing = fetch_orders(ctx.shop, numbers[start : start + settings.page_size])
            for number in missing:
                ctx.report.notes.append(f"Shop order {number} does not exist.")
            if found:
                take(found, force=True)
        status_back(ctx)
        return steps
    window = feed_window(ctx, settings, since=since)
    for page in read_ahead(feed_pages(ctx.shop, settings, window)):
        take(page)
    again, aged = retry_candidates(ctx, settings)
    numbers = [int(h.record_key) for h in again if h.record_key.isdigit()]
    numbers = [n for n in numbers if n not in steps.seen]
    for start in range(0, len(numbers), settings.page_size):
        found, missing = fetch_orders(ctx.shop, numbers[start : start + settings.page_size])
        if found:
            take(found, force=True)
        for number in missing:
            ctx.report.notes.append(f"Held shop order {number} no longer exists in the shop.")
    if aged:
        ctx.report.notes.append(
            f"{len(aged)} held order(s) aged out after {settings.hold_days} days; take them "
            "again with `mkmw retry`."
        )
    status_back(ctx)
    if not ctx.dry_run and steps.latest is not None:
        # the shop cursor moves once the whole run is through (declared by OrderSteps)
        commit_page(ctx, [], cursors=next_cursor(steps.latest, window, steps.elsewhere_from))
    return steps
