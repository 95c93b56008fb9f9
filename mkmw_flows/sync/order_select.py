"""Which shop orders a run takes: the date cursor with its overlap, held orders, the filters.

The shop has no generic change feed for orders; ``status_changed_start_date`` is the feed (the
shop stamps the status-change time when an order is placed, so new orders come with it). The
cursor is the latest creation or status-change time seen, committed only when the whole run is
through (failed orders are held, so none is lost), and every run starts ``overlap_minutes``
before it so changes stamped while the previous run was reading are not missed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import NotFoundError
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.state import HeldRecord, StateStore
from mkmw_flows.state.models import utcnow
from mkmw_flows.sync.reasons import Reason

#: Cursor names (per integration) of the orders flow.
CURSOR_SHOP_CHANGED = "orders.shop.changed"
CURSOR_MPLUS_ORDERS = "orders.mplus.syncmarker"
CURSOR_REVERSE = "orders.reverse.syncmarker"


@dataclass(frozen=True)
class FeedWindow:
    """Where this run reads the shop's order feed from.

    Attributes:
        start: Status changed at or after this moment (shop time, naive).
        cursor: The stored cursor (None on a first run).
    """

    start: dt.datetime
    cursor: dt.datetime | None


def feed_window(
    store: StateStore,
    integration: str,
    settings: OrderSyncSettings,
    *,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> FeedWindow:
    """The start of this run's feed: `since`, else the cursor minus the overlap, else a backfill.

    Args:
        store: The state store.
        integration: Integration name.
        settings: The orders settings (overlap, backfill window).
        since: Backfill from this moment instead (naive shop time, or aware: converted).
        now: Shop time now (tests).
    """
    raw = store.get_cursor(integration, CURSOR_SHOP_CHANGED)
    cursor = dt.datetime.fromisoformat(raw) if raw else None
    if since is not None:
        return FeedWindow(_naive(since), cursor)
    if cursor is not None:
        return FeedWindow(cursor - dt.timedelta(minutes=settings.overlap_minutes), cursor)
    current = now or dt.datetime.now()
    return FeedWindow(current - dt.timedelta(days=settings.backfill_days), None)


def _naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    from mkmw_flows.mplus.times import AMSTERDAM

    return moment.astimezone(AMSTERDAM).replace(tzinfo=None)


def feed_pages(
    shop: MijnWebwinkelClient, settings: OrderSyncSettings, window: FeedWindow
) -> Iterator[list[ShopOrder]]:
    """Pages of shop orders whose status changed since the window's start, by number.

    Test orders are asked for only when they are to be imported.
    """
    offset = 0
    size = settings.page_size
    while True:
        page = shop.list_orders(
            limit=size,
            offset=offset,
            status_changed_start_date=window.start,
            test=True if settings.include_test_orders else None,
        )
        if page:
            yield page
        if len(page) < size:
            return
        offset += size


def latest_change(orders: list[ShopOrder], current: dt.datetime | None) -> dt.datetime | None:
    """The latest creation or status-change time among `orders` (and `current`)."""
    latest = current
    for order in orders:
        for moment in (order.created_at, order.status_changed_at):
            if moment is not None and (latest is None or moment > latest):
                latest = moment
    return latest


def retry_candidates(
    store: StateStore, integration: str, flow: str, settings: OrderSyncSettings
) -> tuple[list[HeldRecord], list[HeldRecord]]:
    """Held orders to take again now, and those that aged out (kept until `mkmw retry`).

    Returns:
        (to take again, aged out).
    """
    limit = utcnow() - dt.timedelta(days=settings.hold_days)
    again: list[HeldRecord] = []
    aged: list[HeldRecord] = []
    for held in store.held(integration, flow):
        first = held.first_failed_at
        if first.tzinfo is None:
            first = first.replace(tzinfo=dt.UTC)
        if held.retry_requested or first >= limit:
            again.append(held)
        else:
            aged.append(held)
    return again, aged


def fetch_orders(
    shop: MijnWebwinkelClient, numbers: list[int]
) -> tuple[list[ShopOrder], list[int]]:
    """Read orders by number; returns (found, numbers the shop does not know)."""
    found: list[ShopOrder] = []
    missing: list[int] = []
    for number in numbers:
        try:
            found.append(shop.get_order(number))
        except NotFoundError:
            missing.append(number)
    return found, missing


def eligibility(order: ShopOrder, settings: OrderSyncSettings) -> tuple[Reason, str] | None:
    """Why a not yet imported shop order is left out, or None when it is to be imported."""
    credited = order.credited_order_number
    if credited is not None:
        # a credit order (negative prices) is a return, not a sale: the owner books it
        return (
            Reason.CREDIT_ORDER,
            f"Order {order.number} is a credit order for order {credited}; it is not imported "
            f"as a sale. Book the return of order {credited} (in MplusKASSA: "
            f"{settings.ext_order_id_prefix}{credited}) in MplusKASSA.",
        )
    if order.is_test and not settings.include_test_orders:
        return Reason.FILTERED_OUT, f"Order {order.number} is a test order; test orders are off."
    if order.status in settings.shop_cancelled_statuses():
        return (
            Reason.CANCELLED_IN_SHOP,
            f"Order {order.number} was cancelled in the shop before it was imported.",
        )
    if settings.statuses_to_import and order.status not in settings.statuses_to_import:
        return (
            Reason.STATUS_NOT_IMPORTED,
            f"Order {order.number} has shop status {order.status}; only statuses "
            f"{sorted(settings.statuses_to_import)} are imported. It is taken when its status "
            "changes.",
        )
    return None
