"""MplusKASSA -> shop: orders made in MplusKASSA become shop orders exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ORDER
from mkmw_flows.sync.orders.reverse import REVERSE_FLOW, marker, run_mplus_to_shop
from mkmw_flows.sync.reasons import Reason

from .helpers import again, bind_articles, clear_demo_orders, context, integration


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


def pos_order(pair: EmulatorPair, relation: int, lines: list[tuple[int, int]]) -> str:
    """An order entered in MplusKASSA (no extOrderId); returns its orderId."""
    response = pair.mplus.backend.create_order(
        {
            "idempotencyKey": uuid.uuid4().hex,
            "order": {
                "orderId": "",
                "employeeNumber": 999999,
                "relationNumber": relation,
                "lineList": {
                    "line": [
                        {"articleNumber": number, "data": {"quantity": qty}}
                        for number, qty in lines
                    ]
                },
            },
        }
    )
    assert response["result"] == "CREATE-ORDER-RESULT-OK", response
    return str(response["info"]["orderId"])


def make(pair: EmulatorPair, tmp_path: Path, **settings: Any) -> SyncContext:
    ctx = context(integration(pair, tmp_path, direction="mplus_to_shop", **settings))
    bind_articles(pair, ctx.store, ctx.name)
    return ctx


def shop_orders_for(pair: EmulatorPair, order_id: str) -> list[Any]:
    tag = marker(order_id)
    return [o for o in pair.shop.backend.orders.values() if tag in o.comment_internal]


def test_mplus_orders_become_shop_orders_exactly_once(pair: EmulatorPair, tmp_path: Path) -> None:
    relation = pair.mplus.backend.relations[1]
    first = pos_order(pair, 1, [(20033, 2), (20034, 1)])
    ctx = make(pair, tmp_path, payment_methods={"cash": "CONTANT"})
    run_mplus_to_shop(ctx)
    created = shop_orders_for(pair, first)
    assert len(created) == 1
    order = created[0]
    assert order.email == relation["email"]
    assert order.invoice.name == relation["name"]
    assert order.invoice.zipcode == relation["zipcode"]
    assert [(ln.article_id, ln.quantity) for ln in order.lines] == [(1025, 2), (1026, 1)]
    binding = ctx.store.find_binding(ctx.name, ORDER, mplus_key=first)
    assert binding is not None and binding.shop_key == str(order.number)

    # orders that came from the shop are left alone; the next run creates nothing twice
    pair.mplus.backend.create_order(
        {
            "idempotencyKey": "from-shop",
            "order": {
                "orderId": "",
                "extOrderId": "MW-1",
                "employeeNumber": 999999,
                "relationNumber": 1,
                "lineList": {"line": [{"articleNumber": 20033, "data": {"quantity": 1}}]},
            },
        }
    )
    second = pos_order(pair, 2, [(20035, 1)])
    posts = pair.shop.counters.writes["POST /v1/orders"]
    run_mplus_to_shop(ctx2 := again(ctx))
    assert pair.shop.counters.writes["POST /v1/orders"] == posts + 1
    assert len(shop_orders_for(pair, second)) == 1
    assert len(shop_orders_for(pair, first)) == 1
    assert len(pair.shop.backend.orders) == 2
    run_mplus_to_shop(again(ctx2), order_ids=[first, second])
    assert len(pair.shop.backend.orders) == 2


def test_lost_answer_is_found_not_created_twice(pair: EmulatorPair, tmp_path: Path) -> None:
    order_id = pos_order(pair, 1, [(20033, 1)])
    ctx = make(pair, tmp_path)
    pair.shop.faults.reconfigure(FaultConfig(commit_then_drop_rate=1.0, kinds=("drop",)))
    run_mplus_to_shop(ctx)
    pair.shop.faults.reconfigure(FaultConfig())
    assert len(shop_orders_for(pair, order_id)) == 1
    done = [r for r in ctx.report.results if r.key == f"mplus:{order_id}"][-1]
    assert done.outcome == Outcome.CREATED
    run_mplus_to_shop(again(ctx))
    assert len(shop_orders_for(pair, order_id)) == 1


def test_unbound_article_is_held_until_linked(pair: EmulatorPair, tmp_path: Path) -> None:
    order_id = pos_order(pair, 1, [(20033, 1)])
    ctx = context(integration(pair, tmp_path, direction="mplus_to_shop"))
    run_mplus_to_shop(ctx)
    held = [r for r in ctx.report.results if r.key == f"mplus:{order_id}"][-1]
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.PRODUCT_MISSING)
    assert "20033" in held.message
    assert [h.record_key for h in ctx.store.held(ctx.name, REVERSE_FLOW)] == [f"mplus:{order_id}"]
    bind_articles(pair, ctx.store, ctx.name)
    run_mplus_to_shop(ctx2 := again(ctx))
    assert len(shop_orders_for(pair, order_id)) == 1
    assert ctx2.store.held(ctx.name, REVERSE_FLOW) == []
