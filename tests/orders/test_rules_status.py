"""The orders flow's rule 8 (status both ways, cancellation) and the order selection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason

from .helpers import (
    add_order,
    again,
    clear_demo_orders,
    context,
    mplus_orders_by_ext,
)
from .rules_helpers import make, only_order, result


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


# ---- 8. status both ways and cancellation ---------------------------------------------------


def test_status_write_back_both_ways(pair: EmulatorPair, tmp_path: Path) -> None:
    shop = pair.shop.backend
    shop.add_status(7, "Geannuleerd")
    first = add_order(pair, "st1@example.nl", status=3)
    second = add_order(pair, "st2@example.nl", status=3)
    ctx = make(
        pair,
        tmp_path,
        statuses_to_import=[3],
        status_write_back={"imported": 1, "delivered": 2, "cancelled": 7},
    )
    run_shop_to_mplus(ctx)
    assert shop.orders[first.number].status == 1  # "in behandeling" once imported
    assert shop.orders[second.number].status == 1

    mplus = pair.mplus.backend
    mplus.deliver_order(only_order(pair, first.number)["orderId"])
    mplus.cancel_order({"orderId": only_order(pair, second.number)["orderId"]})
    run_shop_to_mplus(ctx2 := again(ctx))
    assert shop.orders[first.number].status == 2  # delivered -> shipped
    assert shop.orders[second.number].status == 7  # cancelled -> cancelled
    patches = pair.shop.counters.writes.copy()

    run_shop_to_mplus(again(ctx2))  # nothing more to write, no loop
    assert pair.shop.counters.writes == patches
    assert mplus.orders[only_order(pair, second.number)["orderId"]]["cancelState"] == (
        "ORDER-CANCEL-STATE-COMPLETE"
    )


def test_shop_cancellation_after_import_cancels_the_mplus_order(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop = pair.shop.backend
    shop.add_status(7, "Geannuleerd")
    order = add_order(pair, "cancel@example.nl")
    never = add_order(pair, "never@example.nl", status=7)
    ctx = make(pair, tmp_path, cancel_sync=True, cancelled_statuses=[7])
    run_shop_to_mplus(ctx)
    assert result(ctx, never.number).reason == Reason.CANCELLED_IN_SHOP
    assert not mplus_orders_by_ext(pair, f"MW-{never.number}")
    created = only_order(pair, order.number)
    assert created["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"

    shop.set_order_status(order.number, 7)
    run_shop_to_mplus(ctx2 := again(ctx))
    done = result(ctx2, order.number)
    assert (done.outcome, done.reason) == (Outcome.UPDATED, Reason.CANCELLED_IN_SHOP)
    assert pair.mplus.backend.orders[created["orderId"]]["cancelState"] == (
        "ORDER-CANCEL-STATE-COMPLETE"
    )
    cancels = pair.mplus.counters.writes["cancelOrder"]
    run_shop_to_mplus(again(ctx2), order_numbers=[order.number])
    assert pair.mplus.counters.writes["cancelOrder"] == cancels


def test_cancellation_is_not_synced_when_off(pair: EmulatorPair, tmp_path: Path) -> None:
    pair.shop.backend.add_status(7, "Geannuleerd")
    order = add_order(pair, "keep@example.nl")
    ctx = make(pair, tmp_path, cancelled_statuses=[7])
    run_shop_to_mplus(ctx)
    pair.shop.backend.set_order_status(order.number, 7)
    run_shop_to_mplus(again(ctx))
    assert only_order(pair, order.number)["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"


# ---- selection -------------------------------------------------------------------------------


def test_statuses_and_test_orders_filter(pair: EmulatorPair, tmp_path: Path) -> None:
    pending = add_order(pair, "pending@example.nl", status=1)
    paid = add_order(pair, "paid@example.nl", status=3)
    test_order = add_order(pair, "test@example.nl", status=3, test=True)
    ctx = make(pair, tmp_path, statuses_to_import=[3])
    run_shop_to_mplus(ctx)
    assert result(ctx, pending.number).reason == Reason.STATUS_NOT_IMPORTED
    assert result(ctx, paid.number).outcome == Outcome.CREATED
    assert not [r for r in ctx.report.results if r.key == str(test_order.number)]

    # the pending order is paid later: the status-change feed brings it in
    pair.shop.backend.set_order_status(pending.number, 3)
    run_shop_to_mplus(ctx2 := again(ctx))
    assert result(ctx2, pending.number).outcome == Outcome.CREATED
    assert not mplus_orders_by_ext(pair, f"MW-{test_order.number}")

    with_tests = make(pair, tmp_path, statuses_to_import=[3], include_test_orders=True)
    run_shop_to_mplus(with_tests)
    assert result(with_tests, test_order.number).outcome == Outcome.CREATED


def test_dry_run_plans_field_by_field_and_writes_nothing(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    order = add_order(pair, "plan@example.nl", ship="2273")
    ctx = make(pair, tmp_path)
    dry = context(ctx.integration, ctx.name, dry_run=True, store=ctx.store)
    run_shop_to_mplus(dry)
    planned = result(dry, order.number)
    assert planned.outcome == Outcome.CREATED and "would be created" in planned.message
    targets = {c.target: c.new for c in planned.changes}
    assert targets["relation.email"] == "plan@example.nl"
    assert targets["order.ext_order_id"] == f"MW-{order.number}"
    assert "999" in targets["order.lines[2]"]
    assert sum(pair.mplus.counters.writes.values()) == 0
    assert sum(pair.shop.counters.writes.values()) == 0
    assert dry.store.ledger(integration=ctx.name) == []
    assert dry.store.get_cursor(ctx.name, "orders.shop.changed") is None


def test_backfill_since_takes_orders_older_than_the_window(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    import datetime as dt

    old_moment = pair.shop.backend.now() - dt.timedelta(days=20)
    old = add_order(pair, "oud@example.nl", created_at=old_moment)
    recent = add_order(pair, "nieuw@example.nl")
    ctx = make(pair, tmp_path, backfill_days=7)
    run_shop_to_mplus(ctx)
    assert result(ctx, recent.number).outcome == Outcome.CREATED
    assert not [r for r in ctx.report.results if r.key == str(old.number)]
    cursor = ctx.store.get_cursor(ctx.name, "orders.shop.changed")
    assert cursor is not None

    run_shop_to_mplus(ctx2 := again(ctx), since=old_moment - dt.timedelta(hours=1))
    assert result(ctx2, old.number).outcome == Outcome.CREATED
    assert ctx2.store.get_cursor(ctx.name, "orders.shop.changed") >= cursor


def test_payment_after_import_is_booked_once(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "later@example.nl", pay=("mollie", "ideal"), paid=False)
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    created = only_order(pair, order.number)
    assert created["fullyPaid"] is False and created["paymentList"]["payment"] == []

    shop_order = pair.shop.backend.orders[order.number]
    shop_order.payment_status_id, shop_order.payment_status = 1, "captured"
    pair.shop.backend.set_order_status(order.number, 3)
    run_shop_to_mplus(ctx2 := again(ctx))
    assert result(ctx2, order.number).outcome == Outcome.UPDATED
    paid = only_order(pair, order.number)
    assert [(p["method"], p["amount"]) for p in paid["paymentList"]["payment"]] == [("IDEAL", 1000)]
    run_shop_to_mplus(again(ctx2), order_numbers=[order.number])
    assert pair.mplus.counters.writes["payOrderV2"] == 1
