"""A credit order in the shop's feed is a return, never a sale: skipped as CREDIT_ORDER."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import EXPLANATIONS, FIXES, Reason

from .helpers import GIFT_10, add_order, again, bind_articles, clear_demo_orders, context
from .helpers import integration as make_integration
from .test_rules import only_order, result


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


def credit_in_shop(pair: EmulatorPair, number: int, quantity: int) -> int:
    """Credit `quantity` gift cards of shop order `number` through the shop's API."""
    response = httpx.post(
        f"{pair.shop_url}/v1/orders/credit",
        params={"token": pair.shop.token, "partner_token": pair.shop.partner_token},
        json={
            "credited_order_number": str(number),
            "status": 10,
            "orderlines": [
                {"type": "article", "quantity": quantity, "articles": [{"id": GIFT_10}]}
            ],
        },
    )
    assert response.status_code == 200, response.text
    credit = response.json()
    assert credit["credited_order_number"] == number
    return int(credit["number"])


def test_credit_order_is_skipped_and_the_original_left_alone(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop_order = add_order(
        pair, "retour@example.nl", lines=[{"type": "article", "article_id": GIFT_10, "quantity": 2}]
    )
    ctx = context(make_integration(pair, tmp_path))
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)
    assert result(ctx, shop_order.number).outcome == Outcome.CREATED
    imported = copy.deepcopy(only_order(pair, shop_order.number))
    creates = pair.mplus.counters.writes["createOrderV3"]
    writes = sum(pair.mplus.counters.writes.values())

    credit_number = credit_in_shop(pair, shop_order.number, 1)

    ctx2 = again(ctx)
    run_shop_to_mplus(ctx2)
    skipped = result(ctx2, credit_number)
    assert (skipped.outcome, skipped.reason) == (Outcome.SKIPPED, Reason.CREDIT_ORDER)
    assert f"credit order for order {shop_order.number}" in skipped.message
    assert (
        f"Book the return of order {shop_order.number} (in MplusKASSA: MW-{shop_order.number})"
        in (skipped.message)
    )
    # no sale for the credit, and nothing written to MplusKASSA at all
    assert pair.mplus.counters.writes["createOrderV3"] == creates
    assert sum(pair.mplus.counters.writes.values()) == writes
    assert pair.mplus.backend.orders_by_ext_id(f"MW-{credit_number}") == []
    assert only_order(pair, shop_order.number) == imported
    # the ledger keeps the skip with its reason, and the credit order is not bound as a sale
    rows = ctx2.store.ledger(integration=ctx2.name, record_key=str(credit_number))
    assert [(r.outcome, r.reason_code) for r in rows] == [(Outcome.SKIPPED, "CREDIT_ORDER")]
    assert "Book the return" in rows[0].message

    # taken again (by number): still skipped, still no write
    ctx3 = again(ctx2)
    run_shop_to_mplus(ctx3, order_numbers=[credit_number])
    assert result(ctx3, credit_number).reason == Reason.CREDIT_ORDER
    assert sum(pair.mplus.counters.writes.values()) == writes


def test_credit_order_reason_has_an_explanation_and_a_fix() -> None:
    assert "credit order" in EXPLANATIONS[Reason.CREDIT_ORDER]
    assert "MplusKASSA" in FIXES[Reason.CREDIT_ORDER]
