"""Cancellations both ways and delivery, through the ``sync-orders`` flow against both emulators.

A shop cancellation cancels the MplusKASSA order (with ``cancel_sync``) and frees its reserved
stock; an MplusKASSA cancellation or delivery sets the shop status; a shop order cancelled
before it was imported is never imported; nothing loops between the two systems.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from prefect.exceptions import ObjectAlreadyExists

from mkmw_emulators.mijnwebwinkel.backend import MijnWebwinkelBackend
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.flows.orders import sync_orders
from mkmw_flows.state import Outcome, StateStore

from .helpers import BASE_SETTINGS, COFFEE, add_order, bind_articles, clear_demo_orders

pytestmark = pytest.mark.usefixtures("prefect_server")

COFFEE_NUMBER = 20001  # the MplusKASSA article of the shop's COFFEE (a stock article)
CANCELLED = 7


def cancelled_status(shop: MijnWebwinkelBackend) -> int:
    """The shop's cancelled status id (added when the seed has none)."""
    for status, found in shop.statuses.items():
        if found.cancelled:
            return status
    shop.add_status(CANCELLED, "Geannuleerd", cancelled=True)
    return CANCELLED


def _saved(make_integration: Callable[..., Any], pair: EmulatorPair, **orders: Any) -> Any:
    try:
        return make_integration(pair, save=True, orders=orders)
    except ObjectAlreadyExists:  # a first save on a fresh server can race on the block type
        return make_integration(pair, save=True, orders=orders)


def _mplus_order(pair: EmulatorPair, number: int) -> dict[str, Any]:
    found = pair.mplus.backend.orders_by_ext_id(f"MW-{number}")
    assert len(found) == 1, f"{len(found)} MplusKASSA orders for MW-{number}"
    return found[0]


def test_flow_cancellations_both_ways_release_stock_and_do_not_loop(
    emulators: EmulatorPair, make_integration: Callable[..., Any]
) -> None:
    pair = emulators
    clear_demo_orders(pair)
    shop, mplus = pair.shop.backend, pair.mplus.backend
    cancelled = cancelled_status(shop)
    name, block = _saved(
        make_integration,
        pair,
        **BASE_SETTINGS,
        cancel_sync=True,
        cancelled_statuses=[cancelled],
        status_write_back={"imported": 1, "delivered": 2, "cancelled": cancelled},
    )
    store = StateStore(block.state_database_url)
    bind_articles(pair, store, name)
    before = mplus.stock_level(COFFEE_NUMBER)
    coffee = [{"type": "article", "article_id": COFFEE, "quantity": 2}]
    in_shop = add_order(pair, "shop-cancels@example.nl", lines=coffee)
    at_till = add_order(pair, "till-cancels@example.nl", lines=coffee)
    shipped = add_order(pair, "delivered@example.nl")
    never = add_order(pair, "never@example.nl", status=cancelled)

    first = sync_orders(integration=name)
    assert first["counts"]["created"] == 3
    assert not pair.mplus.backend.orders_by_ext_id(f"MW-{never.number}")
    skipped = store.ledger(integration=name, record_key=str(never.number))
    assert [(e.outcome, e.reason_code) for e in skipped] == [(Outcome.SKIPPED, "CANCELLED_IN_SHOP")]
    reserved = mplus.stock_level(COFFEE_NUMBER)
    assert reserved["reserved"] == before["reserved"] + 4
    assert reserved["free"] == before["free"] - 4

    # the shop cancels one order, the till cancels another and delivers a third
    shop.set_order_status(in_shop.number, cancelled)
    mplus.cancel_order({"orderId": _mplus_order(pair, at_till.number)["orderId"]})
    mplus.deliver_order(_mplus_order(pair, shipped.number)["orderId"])

    second = sync_orders(integration=name)
    assert second["counts"]["updated"] >= 3
    assert _mplus_order(pair, in_shop.number)["cancelState"] == "ORDER-CANCEL-STATE-COMPLETE"
    assert shop.orders[at_till.number].status == cancelled
    assert shop.orders[shipped.number].status == 2
    after = mplus.stock_level(COFFEE_NUMBER)
    assert after["reserved"] == before["reserved"]  # both reservations released
    assert after["free"] == before["free"]
    entry = store.ledger(integration=name, record_key=str(in_shop.number), limit=1)[0]
    assert entry.reason_code == "CANCELLED_IN_SHOP" and entry.outcome == Outcome.UPDATED

    # a third run finds nothing to do: no cancel twice, no status written back and forth
    cancels = pair.mplus.counters.writes["cancelOrder"]
    shop_writes = sum(pair.shop.counters.writes.values())
    third = sync_orders(integration=name)
    assert third["counts"].get("updated", 0) == 0
    assert pair.mplus.counters.writes["cancelOrder"] == cancels == 1
    assert sum(pair.shop.counters.writes.values()) == shop_writes
    assert _mplus_order(pair, at_till.number)["cancelState"] == "ORDER-CANCEL-STATE-COMPLETE"
    assert mplus.stock_level(COFFEE_NUMBER)["free"] == Decimal(before["free"])
    store.close()


def test_flow_leaves_the_mplus_order_alone_when_cancel_sync_is_off(
    emulators: EmulatorPair, make_integration: Callable[..., Any]
) -> None:
    pair = emulators
    clear_demo_orders(pair)
    shop = pair.shop.backend
    cancelled = cancelled_status(shop)
    name, block = _saved(make_integration, pair, **BASE_SETTINGS, cancelled_statuses=[cancelled])
    store = StateStore(block.state_database_url)
    bind_articles(pair, store, name)
    order = add_order(pair, "keeps@example.nl")
    sync_orders(integration=name)
    shop.set_order_status(order.number, cancelled)
    sync_orders(integration=name)
    assert _mplus_order(pair, order.number)["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"
    assert pair.mplus.counters.writes["cancelOrder"] == 0
    store.close()
