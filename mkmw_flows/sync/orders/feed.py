"""Which shop orders a run reads, and what a page of them already is.

The shop has no generic change feed for orders; ``status_changed_start_date`` is the feed (the
shop stamps the status-change time when an order is placed, so new orders come with it). The
cursor :data:`CURSOR_SHOP_CHANGED` is the latest creation or status-change time seen, committed
only when the whole run is through (failed orders are held, so none is lost), and every run
starts ``overlap_minutes`` before it so changes stamped while the previous run was reading are
not missed. Held orders are read again by number (:func:`retry_candidates`).

A page's lookups (:func:`look_up`): the claims that keep two runs from taking the same order,
the order bindings, and the extOrderIds already in MplusKASSA (one call per page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import NotFoundError
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mplus.models import Order
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.state import Binding, HeldRecord
from mkmw_flows.state.claims import claim_owner
from mkmw_flows.state.models import utcnow
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ORDER
from mkmw_flows.sync.template import CursorSpec

#: The flow the orders' claims, held records and ledger rows are filed under.
FLOW = "orders"

#: The shop order feed: the latest creation or status-change time seen (shop time).
CURSOR_SHOP_CHANGED = CursorSpec(
    "orders.shop.changed", "latest shop order creation or status change taken (shop time)"
)
#: The MplusKASSA order feed read for delivered / cancelled (status back to the shop).
CURSOR_MPLUS_ORDERS = CursorSpec(
    "orders.mplus.syncmarker", "next MplusKASSA order syncMarker to read for status back"
)
#: The MplusKASSA order feed read for orders to send to the shop (the reverse direction).
CURSOR_REVERSE = CursorSpec(
    "orders.reverse.syncmarker", "next MplusKASSA order syncMarker to send to the shop"
)


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
    ctx: SyncContext,
    settings: OrderSyncSettings,
    *,
    since: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> FeedWindow:
    """The start of this run's feed: `since`, else the cursor minus the overlap, else a backfill.

    Args:
        ctx: The run (its stored cursor).
        settings: The orders settings (overlap, backfill window).
        since: Backfill from this moment instead (naive shop time, or aware: converted).
        now: Shop time now (tests).
    """
    raw = ctx.cursor(CURSOR_SHOP_CHANGED.name)
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


def next_cursor(
    latest: dt.datetime, window: FeedWindow, elsewhere_from: dt.datetime | None
) -> dict[str, str]:
    """Where the shop cursor stands after a run that saw changes up to `latest`.

    Never behind the stored cursor, and before the earliest order another run had claimed, so
    a later run reads those again.
    """
    moment = max(latest, window.cursor) if window.cursor else latest
    if elsewhere_from is not None:
        moment = min(moment, elsewhere_from)
    return {CURSOR_SHOP_CHANGED.name: moment.isoformat()}


def retry_candidates(
    ctx: SyncContext, settings: OrderSyncSettings
) -> tuple[list[HeldRecord], list[HeldRecord]]:
    """Held orders to take again now, and those that aged out (kept until `mkmw retry`).

    Returns:
        (to take again, aged out).
    """
    limit = utcnow() - dt.timedelta(days=settings.hold_days)
    again: list[HeldRecord] = []
    aged: list[HeldRecord] = []
    for held in ctx.store.held(ctx.name, FLOW):
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


# ---- a page's lookups ---------------------------------------------------------------------


@dataclass
class PageLookups:
    """What a page of shop orders already is.

    Attributes:
        elsewhere: Order numbers another run holds (left to it).
        claimed: Order numbers this run claimed (released when the page is through).
        bound: Order number -> its order binding (imported before).
        found: Order number -> the MplusKASSA order with its extOrderId (created by an
            earlier run that stopped before binding it).
        latest: The latest creation or status change among the orders this run took.
    """

    elsewhere: set[int] = field(default_factory=set)
    claimed: list[str] = field(default_factory=list)
    bound: dict[int, Binding] = field(default_factory=dict)
    found: dict[int, Order] = field(default_factory=dict)
    latest: dt.datetime | None = None


def look_up(ctx: SyncContext, orders: list[ShopOrder], latest: dt.datetime | None) -> PageLookups:
    """Claim the page's orders, then read their bindings and find the unbound in MplusKASSA.

    A dry run claims nothing. Orders another run holds are not looked up.

    Args:
        ctx: The run.
        orders: The page.
        latest: The latest change the run saw before this page.
    """
    page = PageLookups()
    numbers = [o.number for o in orders]
    if not ctx.dry_run and numbers:
        owner = claim_owner(ctx.report.run_id)
        mine = ctx.store.claim_many(ctx.name, FLOW, map(str, numbers), owner)
        page.claimed = [str(n) for n in numbers if str(n) in mine]
        page.elsewhere = {n for n in numbers if str(n) not in mine}
    taken = [n for n in numbers if n not in page.elsewhere]
    page.latest = latest_change([o for o in orders if o.number in taken], latest)
    found = ctx.bindings(ORDER).by_shop_keys(map(str, taken))
    page.bound = {int(k): b for k, b in found.items()}
    fresh = [n for n in taken if n not in page.bound]
    if fresh:
        prefix = ctx.integration.orders.ext_order_id_prefix
        wanted = {f"{prefix}{n}": n for n in fresh}
        existing = ctx.mplus.get_orders_by_ext_order_ids(list(wanted))
        page.found = {wanted[o.ext_order_id]: o for o in existing if o.ext_order_id in wanted}
    return page
